"""Additive renovation: a rectangular in-ground pool with stone coping, in the garden.

The pool is laid out in metres on the ground seen from above (`garden.ground_map`): 8 x 4 m of water with 35 cm
of coping, smaller (down to 4 x 2 m) when the garden is, kept 30 cm inside the lawn or bed it is dug into, never
on paving (the street, a pavement, the driveway), water, or anything standing on the ground; wholly in frame and
near enough to read as a pool rather than a strip. Of the places where it fits, it goes where the garden is
widest around it, as a garden is laid out. Its outline is then drawn through the ground plane's homography, so
it shows the camera's foreshortening. The water mixes the liner colour, darker towards the deep end, with the
photo's sky by a Fresnel term that grows with distance (grazing view), with ripples; the far inner wall shows as
a dark band under the coping, and the sun-side wall shades the water next to it. The coping is stone slabs lit
by the ground's own shading. A photo with no garden ground is refused with the advice to show the back garden.
"""
from __future__ import annotations

import cv2
import numpy as np

from renovate_net.catalog import Material
from renovate_net.request import Choice
from renovate_net.simulator import textures
from renovate_net.simulator.canvas import Canvas, RegionMissing, exposure, sky_seen
from renovate_net.simulator.garden import GroundMap, garden, ground_map
from renovate_net.simulator.geometry import coverage, erode_m, footprint, to_image, to_plane
from renovate_net.simulator.scene import CAMERA_HEIGHT_M, shading, to_linear, to_srgb

COPING_M = 0.35
CLEARANCE_M = 0.3
HOLES_M = 0.5        # gaps in the lawn's mask narrower than this are closed
SIZES = ((8.0, 4.0), (7.0, 3.5), (6.0, 3.0), (5.0, 2.5), (4.0, 2.0))  # water, metres: length x width
MIN_ROWS = 0.02      # of the photo's height: a pool drawn thinner than this reads as a strip
REFLECTION_WOBBLE = 0.08  # metres (at the facade's scale) ripples shift the mirrored image by
STONE = {"bluestone": (92, 96, 102), "white-stone": (214, 208, 194)}


def _site(canvas: Canvas, rng: np.random.Generator) -> tuple[GroundMap, float, float, float, float] | None:
    """(ground map, x of the centre, z of the near water edge, the water's extent across the view and ahead) in
    metres, or None. Larger pools first; each with its long side across the view, else running away from it."""
    ground = ground_map(canvas, garden(canvas))
    if ground is None or not ground.garden.any():
        return None
    grid = ground.grid
    holes = int(HOLES_M * grid.res) | 1  # a shadow, a sprinkler, a stepping stone: still the lawn
    lawn = cv2.morphologyEx(ground.garden.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((holes, holes), np.uint8)) > 0
    free = erode_m(lawn, CLEARANCE_M, grid.res)
    table = np.pad(np.cumsum(np.cumsum(free.astype(np.int32), 0), 1), ((1, 0), (1, 0)))
    distance = _inside(free)
    height = canvas.scene.labels.shape[0]
    for across, ahead in (size[::turn] for size in SIZES for turn in (1, -1)):  # long side across, else ahead
        rows, cols = int(np.ceil((ahead + 2 * COPING_M) * grid.res)), int(np.ceil((across + 2 * COPING_M) * grid.res))
        if rows >= table.shape[0] or cols >= table.shape[1]:
            continue
        inside = table[rows:, cols:] - table[:-rows, cols:] - table[rows:, :-cols] + table[:-rows, :-cols]
        near_z = grid.t0 + np.arange(inside.shape[0]) / grid.res + COPING_M
        shown = canvas.scene.focal * CAMERA_HEIGHT_M * ahead / (near_z * (near_z + ahead))  # rows it spans
        fits = (inside == rows * cols) & (shown >= MIN_ROWS * height)[:, None]
        if not fits.any():
            continue
        score = distance[rows // 2:rows // 2 + fits.shape[0], cols // 2:cols // 2 + fits.shape[1]] * fits
        candidates = np.argwhere(score >= 0.9 * score.max())
        i, j = candidates[rng.integers(len(candidates))]
        x_centre = grid.s0 + (j + cols / 2) / grid.res
        return ground, float(x_centre), float(grid.t0 + i / grid.res + COPING_M), across, ahead
    return None


def _inside(free: np.ndarray) -> np.ndarray:
    """How far (cells) each free cell of the ground map is from the garden's edge."""
    return cv2.distanceTransform(np.pad(free.astype(np.uint8), 1), cv2.DIST_L2, 3)[1:-1, 1:-1]


def pool(canvas: Canvas, choice: Choice, material: Material, rng: np.random.Generator) -> None:
    """pool: water in the liner colour with coping, sunk into the garden."""
    site = _site(canvas, rng)
    if site is None:
        raise RegionMissing("no garden ground in view for a pool")
    ground, x_centre, z_near, length, width = site
    scene = canvas.scene
    corners = to_image(ground.h, x_centre + np.array([-1, 1, 1, -1]) * (length / 2 + COPING_M),
                       z_near + np.array([-COPING_M, -COPING_M, width + COPING_M, width + COPING_M]))
    h, w = scene.labels.shape
    x0, y0 = np.maximum(np.floor(corners.min(0)).astype(int) - 2, 0)
    x1, y1 = np.minimum(np.ceil(corners.max(0)).astype(int) + 3, [w, h])
    rows, cols = slice(y0, y1), slice(x0, x1)
    x_m, z_m, _ = to_plane(ground.h, rows, cols)
    x, z = x_m - x_centre, z_m - z_near
    foot_x, foot_z = footprint(x_m), footprint(z_m)  # metres per pixel: edges are box-filtered, not stepped
    inside = lambda margin: np.minimum((length / 2 + margin - np.abs(x)) / foot_x,
                                       np.minimum(z + margin, width + margin - z) / foot_z)
    outline, surface = coverage(inside(COPING_M)), coverage(inside(0.0))
    footprint_mask = outline >= 0.5
    outer = np.zeros((h, w), bool)
    outer[rows, cols] = footprint_mask
    light = np.clip(shading(scene, outer, rows, cols, detail=0.1), 0.3, 1.6)
    k = scene.px_per_m
    slabs = textures.SurfaceCoords(x_m * k, z_m * k, foot_x * k, foot_z * k)
    stone = STONE["white-stone" if material.id.startswith("white") else "bluestone"]
    coping = textures.pavers(slabs, stone, rng, k * 0.2)  # 1 m x 0.5 m slabs
    coping_lin = to_linear(coping) * light[..., None] * exposure(scene)
    water_lin = _water(scene, choice, rng, (x_m, z_m), (x_centre, z_near, length, width), light, (rows, cols))
    linear = coping_lin + (water_lin - coping_lin) * surface[..., None]
    rgb = to_srgb(linear) + rng.normal(0.0, scene.noise, linear.shape).astype(np.float32)
    canvas.paint(rows, cols, rgb, outline)
    canvas.occupied[rows, cols] |= footprint_mask


def _water(scene, choice: Choice, rng, ground: tuple[np.ndarray, np.ndarray], pool: tuple[float, float, float, float],
           light: np.ndarray, crop: tuple[slice, slice]) -> np.ndarray:
    """Linear RGB of the water surface over the image `crop` (rows, cols; valid where the water is), from each
    pixel's `ground` coordinates (x, z metres) and the `pool` (x of its centre, z of its near edge, length,
    width). The light that comes up through the water (the liner, darker toward the deep end, the inner walls the
    camera looks down onto, the sun-side wall's shade) and what the surface mirrors (`_mirrored`: the house and
    trees behind the pool, else the sky) are mixed by the Fresnel law, which grows with distance (a grazing view
    mirrors most). Ripples are waves on the water in metres (so the view foreshortens them), tilting both."""
    x_m, distance = ground
    x_centre, z_near, length, depth = pool
    x, z = x_m - x_centre, distance - z_near
    liner = to_linear(np.asarray(choice.colour, np.float32) / 255.0)
    deep_axis = x / length + 0.5 if rng.random() < 0.5 else z / depth  # where the deep end is
    body = liner * (1.0 - 0.4 * np.clip(deep_axis, 0, 1))[..., None] * exposure(scene)
    ripple = _waves(rng, x, z)
    from_sun_wall = (x / length + 0.5) if scene.light_x < 0 else (0.5 - x / length)
    shade = 1.0 - 0.35 * np.clip(1.0 - from_sun_wall * length / 0.5, 0.0, 1.0)  # its wall shades 0.5 m
    rim = np.minimum(np.minimum(x + length / 2, length / 2 - x), z)  # metres from the near and side walls
    shade = shade * (1.0 - 0.3 * np.clip(1.0 - rim / 0.12, 0.0, 1.0))  # the coping's lip shades the water
    up = body * ((1.0 + 0.06 * ripple) * shade)[..., None] * np.clip(light, 0.6, 1.3)[..., None] ** 0.5
    up = _inner_walls(scene, choice, up, x_m, distance, pool)
    incidence = np.arctan2(np.maximum(distance, 0.5), CAMERA_HEIGHT_M) - 0.06 * ripple  # from the normal
    fresnel = np.clip(0.02 + 0.98 * (1.0 - np.cos(incidence)) ** 5, 0.0, 0.9)[..., None]
    mirrored = _mirrored(scene, crop, ripple, sky_seen(scene, np.pi / 2 - incidence))
    return up * (1 - fresnel) + mirrored * fresnel


def _mirrored(scene, crop: tuple[slice, slice], ripple: np.ndarray, sky: np.ndarray) -> np.ndarray:
    """What the water mirrors over the crop (linear RGB): the photo flipped about the house's ground line. A
    level mirror shows a point of the facade plane, h metres up, as far below that line as it stands above it,
    whatever the pool's distance, so the house and the trees at its depth appear upside down in the water. Where
    the flipped row falls outside the photo or below the ground line (the pool lies behind the house) the water
    mirrors `sky`. Ripples shift the mirrored rows by up to REFLECTION_WOBBLE of the facade's scale, and the image
    is softened (a pool's surface is never a perfect mirror)."""
    rows, cols = crop
    yy, xx = np.mgrid[rows, cols]
    k = max(scene.px_per_m, 1.0)
    source = 2.0 * scene.base_y - yy + REFLECTION_WOBBLE * k * ripple
    inside = (source >= 0) & (source < scene.base_y - 1)
    if not inside.any():
        return sky
    sigma = max(1.0, 0.03 * k)
    pad = int(3 * sigma) + 2
    top = max(0, int(np.floor(source[inside].min())) - pad)
    bottom = min(scene.labels.shape[0], int(np.ceil(source[inside].max())) + pad + 1)
    left, right = max(0, cols.start - pad), min(scene.labels.shape[1], cols.stop + pad)
    band = cv2.GaussianBlur(scene.linear[top:bottom, left:right], (0, 0), sigma)  # only the rows mirrored
    picked = cv2.remap(band, (xx - left).astype(np.float32), (np.clip(source, top, bottom - 1) - top).astype(np.float32),
                       cv2.INTER_LINEAR)
    return np.where(inside[..., None], picked, sky).astype(np.float32)


def _waves(rng: np.random.Generator, x: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Small wind waves in about [-1, 1]: a few crossing swells 0.3-1.2 m long, in ground metres."""
    total = np.zeros_like(x)
    for _ in range(4):
        angle, length, phase = rng.uniform(0, np.pi), rng.uniform(0.3, 1.2), rng.uniform(0, 2 * np.pi)
        total += np.sin(2 * np.pi * (np.cos(angle) * x + np.sin(angle) * z) / length + phase)
    return total / 2.0


def _inner_walls(scene, choice: Choice, surface: np.ndarray, x_m: np.ndarray, z_m: np.ndarray,
                 pool: tuple[float, float, float, float]) -> np.ndarray:
    """The inner walls the camera looks down onto, seen through the water: the far wall, and a side wall when
    the camera stands inside its line. A ray that meets the water at horizontal distance r from the camera
    meets a wall at distance R below the rim by d = h (R / r - 1) (h: the camera height); the nearest wall is the
    one it meets. Within 10 cm of the rim it shows the dark waterline tiles, then the lit liner to 70 cm down,
    then the floor (the water's own colour): the strongest cue that the pool is sunk into the ground."""
    x_centre, z_near, length, width = pool
    depth = np.full(x_m.shape, np.inf, np.float32)
    far = z_m > 0
    depth[far] = CAMERA_HEIGHT_M * ((z_near + width) / z_m[far] - 1.0)
    for wall in (x_centre - length / 2, x_centre + length / 2):
        if wall * (x_centre - wall) > 0:  # the camera (x = 0) and the water are on the same side of this wall
            beside = x_m * wall > 0
            side = np.full(x_m.shape, np.inf, np.float32)
            side[beside] = CAMERA_HEIGHT_M * (wall / x_m[beside] - 1.0)
            depth = np.minimum(depth, np.where(side >= 0, side, np.inf))
    liner = to_linear(np.asarray(choice.colour, np.float32) / 255.0) * exposure(scene)
    tiles = 0.25 * liner + np.array([0.02, 0.03, 0.04], np.float32) * exposure(scene)
    face = np.where((depth < 0.1)[..., None], tiles, 0.55 * liner * 1.3 + 0.45 * surface)
    blend = np.clip((0.7 - depth) / 0.2, 0.0, 1.0) * (depth >= 0)
    return surface + (face - surface) * blend[..., None]
