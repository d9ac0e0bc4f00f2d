"""Additive renovation: an attached garage beside the house, drawn in the facade's perspective at real size.

The garage (`garage_site`) is a 3.4 m wide volume with one sectional door (2.5 x 2.15 m) or a 5.8 m one with
two, 2.8 m high, its front flush with the house's front, against whichever end of it has room. Everything is laid
out in metres on the front's plane and drawn through its homography at the canvas's own resolution: the walls in
the house's own wall, copied from the photo along the plane they share (`garage_wall`; drawn in its colour and
texture kind where no clean piece of it shows), the doors' sections, grooves and ribs recessed
in a shaded reveal, a downpipe and a wall lamp, and either a flat roof's aluminium coping or a lean-to roof in
the house roof's colour sloping to the front. Bushes rooted in front of its foot stay in front. It darkens the ground
where it stands: a soft contact shadow along its foot and a cast shadow on the side away from the sun.
"""
from __future__ import annotations

import cv2
import numpy as np

from renovate_net.catalog import Material
from renovate_net.labels import LABEL_ID
from renovate_net.request import Choice
from renovate_net.simulator import textures
from renovate_net.simulator.canvas import Canvas, RegionMissing, exposure, sky_seen
from renovate_net.simulator.garage_site import UP, GarageSite, garage_site
from renovate_net.simulator.garage_wall import Openings, copied_wall
from renovate_net.simulator.geometry import Camera, Plane, coverage, footprint, homography, to_image, to_plane
from renovate_net.simulator.scene import luminance, to_linear, to_srgb

SIZES = ((3.4, 2.8, 1), (5.8, 2.8, 2))  # width, height (metres), doors
DOOR_W, DOOR_H, REVEAL = 2.5, 2.15, 0.12  # metres
COPING, EAVE = 0.2, 0.3                   # the flat roof's coping band, a lean-to's overhang (metres)
PIPE_W, PIPE_INSET = 0.08, 0.14           # the downpipe's width and its axis's distance from the outer end (m)
LAMP = (0.11, 0.2, 1.95)                  # the wall lamp's width, height and bottom above the ground (m)
PLANT_SATURATION, PLANT_DARK = 0.15, 0.3  # HSV: as saturated as leaves, or as dark as bark and deep shade
BUSH_SHARE, ROOTED_M = 0.4, 0.15          # of its height a bush may hide; metres over its foot a bush grows from
FITTINGS = (0.22, 0.23, 0.24)             # anthracite zinc and aluminium: coping, downpipe, lamp (sRGB)


def garage(canvas: Canvas, choice: Choice, material: Material, rng: np.random.Generator) -> None:
    """garage: the volume, its doors in the requested colour, its roof and its shadows on the ground."""
    scene = canvas.scene
    h, w = scene.labels.shape
    wall = scene.region("wall")
    cols = np.flatnonzero(wall.any(axis=0)) if wall.any() else np.array([0, w - 1])
    sides = sorted(["left", "right"], key=lambda side: -(cols[0] if side == "left" else w - 1 - cols[-1])
                   + rng.uniform(0, 0.2 * w))  # more room first, not always
    sizes = SIZES if rng.random() < 0.5 else SIZES[::-1]
    site = next((found for width, height, _ in sizes
                 if (found := garage_site(canvas, width, height, sides)) is not None), None)
    if site is None:
        raise RegionMissing("no room beside the house for a garage")
    doors = next(count for width, _, count in SIZES if width == site.width)
    _ground_shadow(canvas, site)
    _front(canvas, site, choice, material, doors, rng)
    if rng.random() < 0.5:
        _lean_to(canvas, site, rng)


def _crop(h: np.ndarray, s: np.ndarray, t: np.ndarray, shape: tuple[int, int]) -> tuple[slice, slice] | None:
    """Image rows and columns around plane points (s, t), clipped to the photo."""
    xy = to_image(h, s, t)
    x0, y0 = np.floor(xy.min(0)).astype(int) - 2
    x1, y1 = np.ceil(xy.max(0)).astype(int) + 3
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, shape[1]), min(y1, shape[0])
    return (slice(y0, y1), slice(x0, x1)) if x1 > x0 and y1 > y0 else None


def _front(canvas: Canvas, site: GarageSite, choice: Choice, material: Material, doors: int,
           rng: np.random.Generator) -> None:
    """The front wall with its doors: the house's own wall copied along their shared plane (`garage_wall`), else
    drawn in the house wall's colour and texture kind, lit like the house's wall beside it."""
    scene = canvas.scene
    crop = _crop(site.h, np.array([0.0, site.width]), np.array([0.0, site.height]), scene.labels.shape)
    if crop is None:
        return
    rows, cols = crop
    s, t, valid = to_plane(site.h, rows, cols)
    foot_s, foot_t = footprint(s), footprint(t)
    inside = np.minimum(np.minimum(s, site.width - s) / foot_s, np.minimum(t, site.height - t) / foot_t)
    alpha = coverage(inside) * valid
    colour, light = _house_wall(canvas, site)
    k = scene.px_per_m
    kind = "brick" if _brick_like(canvas, site.wall) else "render"
    coords = textures.SurfaceCoords(s * k, (site.height - t) * k, foot_s * k, foot_t * k)
    drawn = textures.TEXTURES[kind](coords, colour, rng, k)
    drawn *= (1.0 - 0.15 * np.clip(1.0 - t / 0.25, 0.0, 1.0))[..., None]  # the ground's occlusion at its foot
    openings = _openings(site, doors)
    copied, copy = copied_wall(canvas.image, site.wall, site.h, k, openings, s, t)  # as renovated so far
    rgb = drawn + (copied - drawn) * copy[..., None]
    rgb *= (1.0 - 0.25 * np.clip(1.0 - (site.height - t) / 0.35, 0.0, 1.0))[..., None]  # under the roof's edge
    rgb = _doors(rgb, s, t, foot_s, foot_t, openings, choice, material, scene, light, rng)
    _coping(rgb, t, site, scene, light)
    _fittings(rgb, s, t, foot_s, foot_t, site, openings, scene.light_x, exposure(scene) * light)
    noise = rng.normal(0.0, scene.noise, rgb.shape).astype(np.float32)
    rgb += noise * (1.0 - copy)[..., None]  # the photo's noise on what is drawn; the copied wall has its own
    alpha *= 1.0 - _bushes_in_front(scene, rows, cols, t, site.height)
    canvas.paint(rows, cols, rgb, alpha)
    canvas.occupied[rows, cols] |= alpha >= 0.5


def _openings(site: GarageSite, doors: int) -> Openings:
    """Where the front's door openings are: `doors` of them, as wide as DOOR_W allows, with equal piers."""
    width = min(DOOR_W, (site.width - 0.3 * (doors + 1)) / doors)
    pier = (site.width - doors * width) / (doors + 1)
    spans = tuple((pier + i * (width + pier), pier + i * (width + pier) + width) for i in range(doors))
    return Openings(site.width, site.height, spans, min(DOOR_H, site.height - 0.45))


def _bushes_in_front(scene, rows: slice, cols: slice, t: np.ndarray, height: float) -> np.ndarray:
    """How much of each pixel of the garage's lower part (under BUSH_SHARE of its `height`; `t` metres up its front) a
    bush in front hides: the vegetation there that grows from its foot, less its specks, and within it only what
    is coloured as a plant is (the segmenter's blob also takes the grey street seen between a tree's trunks, where
    the garage must show). Higher up, or not rooted at its foot, plants are behind it."""
    k = max(scene.px_per_m, 1.0)
    leaves = scene.region("vegetation")[rows, cols].astype(np.uint8)
    size = int(0.3 * k) | 1
    leaves = cv2.morphologyEx(leaves, cv2.MORPH_OPEN, np.ones((size, size), np.uint8))
    leaves &= (t < BUSH_SHARE * height).astype(np.uint8)
    _, parts = cv2.connectedComponents(leaves)
    rooted = np.unique(parts[(leaves > 0) & (t < ROOTED_M)])
    _, saturation, value = cv2.split(cv2.cvtColor(scene.image[rows, cols], cv2.COLOR_RGB2HSV))
    plant = (saturation >= PLANT_SATURATION) | (value <= PLANT_DARK)  # leaves and bark, not paving or sky
    leaves = (np.isin(parts, rooted[rooted > 0]) & plant).astype(np.float32)
    return cv2.GaussianBlur(leaves, (0, 0), max(0.6, 0.03 * k)) * (t < BUSH_SHARE * height)


def _house_wall(canvas: Canvas, site: GarageSite) -> tuple[tuple[int, int, int], float]:
    """The house wall's colour (sRGB 0..255) near the garage's corner, and its light against the house's lit wall."""
    scene = canvas.scene
    corner = Camera.of(scene).project(site.front.origin[None])[0]
    ys, xs = np.nonzero(site.wall)
    near = np.hypot(xs - corner[0], ys - corner[1]) <= 3.0 * scene.px_per_m
    if near.sum() < 20:
        near = np.ones(xs.size, bool)
    pixels = canvas.image[ys[near], xs[near]]  # as renovated so far
    lit = np.percentile(luminance(scene.linear[site.wall]), 70)
    light = float(np.clip(np.median(luminance(scene.linear[ys[near], xs[near]])) / max(lit, 1e-3), 0.35, 1.2))
    return tuple(int(c) for c in np.median(pixels, axis=0) * 255), light


def _brick_like(canvas: Canvas, wall: np.ndarray) -> bool:
    """Whether the house wall shows a fine texture (brick) rather than smooth render."""
    gray = canvas.image.mean(axis=2)
    detail = np.abs(np.diff(gray, axis=0))[wall[1:]]
    return bool(detail.size and np.median(detail) > 0.035)


def _doors(rgb, s, t, foot_s, foot_t, openings: Openings, choice: Choice, material: Material, scene,
           light: float, rng: np.random.Generator) -> np.ndarray:
    """Sectional doors: four sections with grooves and fine ribs (oak grain if asked) in a shaded reveal."""
    (pier, end), height = openings.doors[0], openings.door_height
    width = end - pier
    local = s - pier
    index = np.clip(np.floor(local / (width + pier)), 0, len(openings.doors) - 1)
    ds = local - index * (width + pier)
    edge = np.minimum(np.minimum(ds, width - ds) / foot_s, (height - t) / foot_t)
    door = coverage(edge) * (t >= 0)
    section = height / 4.0
    groove = textures.joint_coverage(t, section, 0.02, foot_t)
    lip = textures.joint_coverage(t - 0.03, section, 0.015, foot_t)
    ribs = textures.joint_coverage(t, section / 4.0, 0.006, foot_t)
    factor = 1.0 - 0.45 * groove + 0.12 * lip - 0.05 * ribs
    if "oak" in material.id:
        factor = factor * (1.0 + 0.08 * textures.fbm(rng, t.shape, 2.0, 2))
    reveal = np.ones_like(t)
    reveal[height - t < REVEAL] = 0.55  # the lintel's shadow at the top of the opening
    sunless = ds < REVEAL if scene.light_x > 0 else width - ds < REVEAL
    reveal[sunless] *= 0.75
    albedo = np.asarray(choice.colour, np.float32) / 255.0 * factor[..., None]
    sheen = 0.06 * sky_seen(scene, np.full(t.shape, 0.3, np.float32))  # a coated steel door mirrors a little sky
    panel = to_srgb(to_linear(np.clip(albedo, 0, 1)) * exposure(scene) * light + sheen) * reveal[..., None]
    return rgb + (panel - rgb) * door[..., None]


def _coping(rgb: np.ndarray, t: np.ndarray, site: GarageSite, scene, light: float) -> None:
    """A flat roof's dark aluminium coping along the top of the front."""
    band = np.clip((t - (site.height - COPING)) / 0.02, 0.0, 1.0)[..., None]
    rgb += (np.array(FITTINGS, np.float32) * exposure(scene) * light - rgb) * band


def _fittings(rgb: np.ndarray, s: np.ndarray, t: np.ndarray, foot_s: np.ndarray, foot_t: np.ndarray,
              site: GarageSite, openings: Openings, light_x: float, lit: np.ndarray) -> None:
    """What a built garage has on its front, in anthracite zinc and aluminium: a downpipe down its outer end from
    the coping, round (lit on the sun's side), and a wall lamp on the pier beside the house, its glass at the
    bottom and a little shadow under it. `lit` is the linear light on the front (the photo's exposure)."""
    metal = to_linear(np.array(FITTINGS, np.float32)) * lit
    centre = site.width - PIPE_INSET
    across = np.clip((s - centre) / (PIPE_W / 2), -1.0, 1.0)  # -1 .. 1 across the pipe, left to right
    roundness = 0.8 + 0.35 * np.sqrt(1.0 - across ** 2) + 0.25 * across * np.sign(light_x)
    pipe = coverage(np.minimum((PIPE_W / 2 - np.abs(s - centre)) / foot_s,
                               np.minimum(t - 0.05, site.height - COPING - t) / foot_t))
    rgb += (to_srgb(metal * roundness[..., None]) - rgb) * pipe[..., None]
    pier = openings.doors[0][0]
    if pier < LAMP[0] + 0.1:
        return
    lamp_s, (width, height, bottom) = pier / 2, LAMP
    edge = np.minimum((width / 2 - np.abs(s - lamp_s)) / foot_s,
                      np.minimum(t - bottom, bottom + height - t) / foot_t)
    below = coverage(np.minimum((width / 2 - np.abs(s - lamp_s)) / foot_s,
                                np.minimum(t - (bottom - 0.06), bottom - t) / foot_t))
    rgb *= (1.0 - 0.2 * below)[..., None]  # its shadow on the wall just under it
    glass = np.clip((bottom + 0.04 - t) / np.maximum(foot_t, 1e-6), 0.0, 1.0)
    body = to_srgb(metal + (to_linear(np.full(3, 0.75, np.float32)) * lit - metal) * glass[..., None])
    rgb += (body - rgb) * coverage(edge)[..., None]


def _lean_to(canvas: Canvas, site: GarageSite, rng: np.random.Generator) -> None:
    """A roof sloping to the front in the house roof's colour, rising back from an eave over the front."""
    scene = canvas.scene
    camera = Camera.of(scene)
    away = np.cross(site.front.axis_s, UP)
    if np.dot(away, site.front.origin) < 0:
        away = -away
    pitch = np.radians(20.0)
    eave = site.front.origin + site.height * UP - EAVE * away
    roof = Plane(eave - 0.2 * site.front.axis_s, site.front.axis_s, np.cos(pitch) * away + np.sin(pitch) * UP)
    h = homography(camera, roof)
    span, rise = site.width + 0.4, 3.0
    crop = _crop(h, np.array([0.0, span, span, 0.0]), np.array([0.0, 0.0, rise, rise]), scene.labels.shape)
    if crop is None:
        return
    rows, cols = crop
    s, t, valid = to_plane(h, rows, cols)
    foot_s, foot_t = footprint(s), footprint(t)
    alpha = coverage(np.minimum(np.minimum(s, span - s) / foot_s, np.minimum(t, rise - t) / foot_t)) * valid
    roof_pixels = scene.region("roof")
    colour = tuple(int(c) for c in np.median(canvas.image[roof_pixels] * 255, axis=0)) if roof_pixels.sum() > 50 \
        else (62, 63, 66)
    k = scene.px_per_m
    tiles = textures.tiles(textures.SurfaceCoords(s * k, (rise - t) * k, foot_s * k, foot_t * k), colour, rng, k)
    canvas.paint(rows, cols, tiles + rng.normal(0.0, scene.noise, tiles.shape).astype(np.float32), alpha)
    canvas.occupied[rows, cols] |= alpha >= 0.5


def _ground_shadow(canvas: Canvas, site: GarageSite) -> None:
    """On the ground around the garage's foot: a soft contact shadow along it, deeper under its corners, and a
    cast shadow spreading on the side away from the sun."""
    scene = canvas.scene
    camera = Camera.of(scene)
    corner, outward = site.front.origin, site.front.axis_s
    # The ground at the garage's foot (the corner's height off the camera's ground plane is a few cm either way):
    # a shadow laid on y = 0 would leave a lit line under a garage standing a little above it.
    ground = Plane(np.array([0.0, corner[1], 0.0]), np.array([1.0, 0.0, 0.0]), np.array([0.0, 0.0, 1.0]))
    h = homography(camera, ground)
    toward = -np.cross(outward, UP) if np.dot(np.cross(outward, UP), corner) > 0 else np.cross(outward, UP)
    reach = 1.5
    points = [corner + a * outward + b * toward for a in (-reach, site.width + reach) for b in (0.0, reach)]
    crop = _crop(h, np.array([p[0] for p in points]), np.array([p[2] for p in points]), scene.labels.shape)
    if crop is None:
        return
    rows, cols = crop
    x, z, valid = to_plane(h, rows, cols)
    offset = np.stack([x - corner[0], np.zeros_like(x), z - corner[2]], -1)
    along, ahead = offset @ outward, offset @ toward  # metres along the front, metres in front of it
    spread = np.clip(1.0 - np.maximum(-along, along - site.width) / 0.4, 0.0, 1.0)
    contact = np.exp(-np.maximum(ahead, 0.0) / 0.25) * spread * (ahead >= -0.05)
    sunward = 1.0 if np.dot(outward, [1.0, 0.0, 0.0]) * scene.light_x < 0 else 0.0
    side = np.clip(1.0 - (along - site.width) / 1.2, 0.0, 1.0) * (along > site.width) * sunward
    cast = side * np.clip(1.0 - ahead / 1.0, 0.0, 1.0) * (ahead >= -0.05)
    standing = ~np.isin(scene.labels[rows, cols], [LABEL_ID["wall"], LABEL_ID["window"], LABEL_ID["door"]])
    factor = 1.0 - (0.45 * contact + 0.35 * cast) * valid * standing
    factor[factor > 0.995] = 1.0
    canvas.darken(rows, cols, factor.astype(np.float32))
