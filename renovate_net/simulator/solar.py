"""Additive renovation: solar panels at their real size, laid on each roof plane through its perspective.

Every roof plane the photo shows (`roofplanes`) gets the packing of whole 1.72 x 1.13 m panels that fits it best
(`panel_layout`); a plane that holds fewer than four is left bare, and a photo where none holds four is refused.
Each panel is drawn from its plane coordinates at the canvas's own resolution: an aluminium frame, a cell grid
(faint on all-black mono, a white backsheet between blue poly cells), the cells' colour under the roof's light,
and the sky mirrored by the glass by the Fresnel law, so panels seen obliquely (higher up a roof seen from the
street) show more of the photo's sky. The panels stand a few centimetres off the roof: a thin shadow falls on the
roof below them and away from the sun.
"""
from __future__ import annotations

import cv2
import numpy as np

from renovate_net.catalog import Material
from renovate_net.request import Choice
from renovate_net.simulator import textures
from renovate_net.simulator.canvas import Canvas, RegionMissing, exposure, sky_seen
from renovate_net.simulator.geometry import Camera, coverage, footprint, rectify, to_plane
from renovate_net.simulator.panel_layout import GAP, Array, best_array, free_area
from renovate_net.simulator.resurface import foliage
from renovate_net.simulator.roofplanes import RoofPlane, roof_planes
from renovate_net.simulator.scene import house_columns, luminance, to_linear, to_srgb

MIN_PANELS = 4
FRAME = 0.035        # metres of aluminium frame
CELLS = (6, 10)      # cells across the short and the long side
STANDOFF = 0.08      # metres between the roof and the panels' underside: the reach of their contact shadow


def solar_panels(canvas: Canvas, choice: Choice, material: Material, rng: np.random.Generator) -> None:
    """solar-panels: an array on every roof plane that holds four panels or more, with their contact shadow."""
    scene = canvas.scene
    leaves = foliage(canvas)
    roof = canvas.free("roof") & ~leaves
    if roof.sum() < 30:
        raise RegionMissing("no roof in view for solar panels")
    max_rows = int(rng.integers(3, 8))
    house = house_columns(scene.labels)
    planes = [plane for plane in roof_planes(scene, roof, leaves | scene.region("vegetation"))
              if house[(plane.span[0] + plane.span[1]) // 2]]  # over the house's walls, not a neighbour's
    candidates = [(plane, _array(plane, plane.mask, max_rows)) for plane in planes]
    candidates = sorted(((p, a) for p, a in candidates if a is not None), key=lambda c: -c[1].count)
    covered = np.zeros(roof.shape, bool)  # roof surface already given an array
    for plane, array in candidates:
        if (plane.region & covered).sum() > 0.3 * plane.region.sum():
            continue  # another reading of a roof surface that has its array
        if canvas.occupied.any():
            array = _array(plane, plane.mask & ~rectify(canvas.occupied, plane.h, plane.grid), max_rows)
        if array is not None:
            _draw(canvas, plane, array, roof, choice, material, rng)
            covered |= plane.region
    if not covered.any():
        raise RegionMissing("no roof plane in view holds four whole solar panels")


def _array(plane: RoofPlane, mask: np.ndarray, max_rows: int) -> Array | None:
    """The plane's best block of panels on `mask` (its rectified free roof), None under MIN_PANELS."""
    array = best_array(free_area(mask, plane.grid), plane.grid, max_rows)
    return array if array is not None and array.count >= MIN_PANELS else None


def _crop(plane: RoofPlane, array: Array, shape: tuple[int, int]) -> tuple[slice, slice] | None:
    """Image rows and columns around the array's panels (and their shadow), None if none is in the photo."""
    s, t = array.corners()
    pad = 0.2
    s = np.concatenate([s.min(1) - pad, s.max(1) + pad, s.max(1) + pad, s.min(1) - pad])
    t = np.concatenate([t.min(1) - pad, t.min(1) - pad, t.max(1) + pad, t.max(1) + pad])
    points = np.stack([s, t, np.ones_like(s)], 1) @ plane.h.T
    xy = points[:, :2] / points[:, 2:3]
    h, w = shape
    x0, y0 = np.floor(xy.min(0)).astype(int)
    x1, y1 = np.ceil(xy.max(0)).astype(int) + 1
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
    return (slice(y0, y1), slice(x0, x1)) if x1 > x0 and y1 > y0 else None


def panel_alpha(s: np.ndarray, t: np.ndarray, foot_s: np.ndarray, foot_t: np.ndarray,
                array: Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(alpha, ls, lt): how much of each pixel the array's panels cover (box-filtered edges, a gap between
    panels), and each pixel's position (metres) inside its panel cell, from the panel's lower left corner."""
    pitch_s, pitch_t = array.width + GAP, array.height + GAP
    col = np.floor((s - array.s0) / pitch_s).astype(np.int64)
    row = np.floor((t - array.t0) / pitch_t).astype(np.int64)
    ls, lt = s - array.s0 - col * pitch_s, t - array.t0 - row * pitch_t
    cells = np.asarray(array.cells).reshape(-1, 2)
    r0, c0 = cells.min(0) - 1
    table = np.zeros(tuple(cells.max(0) - cells.min(0) + 3), bool)
    table[cells[:, 0] - r0, cells[:, 1] - c0] = True

    def chosen(dr: int, dc: int) -> np.ndarray:
        r, c = row + dr - r0, col + dc - c0
        ok = (r >= 0) & (r < table.shape[0]) & (c >= 0) & (c < table.shape[1])
        return ok & table[np.clip(r, 0, table.shape[0] - 1), np.clip(c, 0, table.shape[1] - 1)]

    inside = np.minimum(np.minimum(ls, array.width - ls) / foot_s, np.minimum(lt, array.height - lt) / foot_t)
    distance = np.where(chosen(0, 0), inside, -np.inf)
    t_inside = (lt >= 0) & (lt <= array.height)
    s_inside = (ls >= 0) & (ls <= array.width)
    for dc, gap in ((-1, ls + GAP), (1, pitch_s - ls)):
        distance = np.where(chosen(0, dc) & t_inside, np.maximum(distance, -gap / foot_s), distance)
    for dr, gap in ((-1, lt + GAP), (1, pitch_t - lt)):
        distance = np.where(chosen(dr, 0) & s_inside, np.maximum(distance, -gap / foot_t), distance)
    return coverage(distance), ls, lt


def _surface(array: Array, ls: np.ndarray, lt: np.ndarray, foot_s: np.ndarray, foot_t: np.ndarray,
             material: Material, colour: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(albedo, frame share) of the panels in linear RGB: cells with their grid, then the frame over them."""
    across, up = CELLS if array.width < array.height else CELLS[::-1]
    poly = material.texture == "solar-poly"
    inner_s, inner_t = ls - FRAME, lt - FRAME
    cell_s, cell_t = (array.width - 2 * FRAME) / across, (array.height - 2 * FRAME) / up
    lines = np.maximum(textures.joint_coverage(inner_s, cell_s, 0.004, foot_s),
                       textures.joint_coverage(inner_t, cell_t, 0.004, foot_t))
    base = colour * (1.0 + (0.06 if poly else 0.02) * textures.fbm(rng, ls.shape, 6.0, 2))[..., None]
    if poly:  # polycrystalline flakes: each cell a slightly different tone
        flake = textures.cell_random(rng, np.floor(inner_s / cell_s).astype(np.int64),
                                     np.floor(inner_t / cell_t).astype(np.int64)) - 0.5
        base = base * (1.0 + 0.2 * flake)[..., None]
    backsheet = np.array([0.55, 0.56, 0.58] if poly else [0.03, 0.03, 0.035], np.float32)
    cells = base + (backsheet - base) * (lines * (0.8 if poly else 0.5))[..., None]
    edge = np.minimum(np.minimum(ls, array.width - ls) / foot_s, np.minimum(lt, array.height - lt) / foot_t)
    frame = np.clip(FRAME / np.minimum(foot_s, foot_t) - edge + 0.5, 0.0, 1.0)
    frame_colour = np.array([0.015, 0.015, 0.018] if material.id == "all-black-mono" else [0.42, 0.43, 0.45],
                            np.float32)
    return cells + (frame_colour - cells) * frame[..., None], frame


def _draw(canvas: Canvas, plane: RoofPlane, array: Array, roof: np.ndarray, choice: Choice, material: Material,
          rng: np.random.Generator) -> None:
    """The array's panels over the roof in view (a tree in front stays in front), lit like the roof and mirroring
    the sky, with their contact shadow."""
    scene = canvas.scene
    crop = _crop(plane, array, scene.labels.shape)
    if crop is None:
        return
    rows, cols = crop
    s, t, valid = to_plane(plane.h, rows, cols)
    foot_s, foot_t = footprint(s), footprint(t)
    alpha, ls, lt = panel_alpha(s, t, foot_s, foot_t, array)
    alpha *= valid & cv2.dilate(roof[rows, cols].astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    colour = to_linear(np.asarray(choice.colour, np.float32) / 255.0)
    albedo, frame = _surface(array, ls, lt, foot_s, foot_t, material, colour, rng)
    light = _roof_light(scene, plane.region)
    mirror = _reflection(scene, plane, rows, cols, rng)
    glass = np.where(frame[..., None] > 0.5, 0.3, 1.0)  # the frame's anodised aluminium mirrors less than glass
    linear = albedo * light * exposure(scene) * (1.0 - mirror[1] * glass) + mirror[0] * mirror[1] * glass
    rgb = to_srgb(linear) + rng.normal(0.0, scene.noise, linear.shape).astype(np.float32)
    _shadow(canvas, plane, array, rows, cols, s, t, foot_s, foot_t, alpha)
    canvas.paint(rows, cols, rgb, alpha)
    canvas.occupied[rows, cols] |= alpha >= 0.5


def _roof_light(scene, region: np.ndarray) -> float:
    """How lit the plane is: its roof's median luminance against the photo's well-lit roofs and walls."""
    y = luminance(scene.linear)
    lit = np.percentile(y[scene.region("roof") | scene.region("wall")], 80)
    return float(np.clip(np.median(y[region]) / max(lit, 1e-3) * 1.6, 0.35, 1.3))


def _reflection(scene, plane: RoofPlane, rows: slice, cols: slice,
                rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(sky colour mirrored, Fresnel reflectance) per pixel: Schlick's law for glass (n = 1.5) on the angle between
    the view and the panel's normal; the mirrored sky paler toward the horizon, with soft cloud variation."""
    camera = Camera.of(scene)
    yy, xx = np.mgrid[rows, cols].astype(np.float32)
    view = np.stack([(xx - camera.cx) / camera.focal, -(yy - camera.cy) / camera.focal, np.ones_like(xx)], -1)
    view /= np.linalg.norm(view, axis=-1, keepdims=True)
    normal = -plane.plane.normal.astype(np.float32)
    cosine = np.clip(-(view @ normal), 0.0, 1.0)
    fresnel = 0.04 + 0.96 * (1.0 - cosine) ** 5
    bounced = view + 2.0 * cosine[..., None] * normal
    colour = sky_seen(scene, np.arcsin(np.clip(bounced[..., 1], 0.0, 1.0)))
    clouds = 1.0 + 0.12 * textures.value_noise(rng, xx.shape, max(8.0, xx.shape[1] / 6))
    return colour * clouds[..., None], (0.85 * fresnel)[..., None]


def _shadow(canvas: Canvas, plane: RoofPlane, array: Array, rows: slice, cols: slice, s: np.ndarray,
            t: np.ndarray, foot_s: np.ndarray, foot_t: np.ndarray, alpha: np.ndarray) -> None:
    """The panels' shadow on the roof around them: down the slope and away from the sun, softened."""
    scene = canvas.scene
    shift_s = -scene.light_x * 1.5 * STANDOFF
    cast, _, _ = panel_alpha(s - shift_s, t + 1.5 * STANDOFF, foot_s, foot_t, array)
    cast = cv2.GaussianBlur(cast, (0, 0), 0.8)
    roof = scene.region("roof")[rows, cols] & (alpha < 1.0)
    factor = np.where(roof, 1.0 - 0.5 * cast * (1.0 - alpha), 1.0).astype(np.float32)
    factor[factor > 0.995] = 1.0
    canvas.darken(rows, cols, factor)
