"""Re-surfacing renovations: facade render or cladding, roof, window frames, driveway.

Each replaces a region's albedo with a procedural material laid along the surface (facade lines, roof
rows, the ground plane in perspective) and keeps the photo's light: `after = new_albedo * shading`, the
shading being the photo's own smoothed luminance over the region (see `scene.shading`).
"""
from __future__ import annotations

import cv2
import numpy as np

from renovate_net.catalog import Material
from renovate_net.simulator import textures
from renovate_net.simulator.canvas import Canvas, RegionMissing, feather, relight
from renovate_net.simulator.scene import (Scene, bbox, channel_extremes, components, facade_coords, ground_coords,
                                         runs, shading, soft_colour)
from renovate_net.request import Choice

ROOF_FORESHORTENING = 0.6  # a pitched roof seen from the street shows its rows about this much shorter
LEAVES_PIXELS = 2.5e6      # larger photos are searched for leaves on a copy this size
MIN_LEAVES = 2e-4          # of the photo: a smaller patch of clear green on a wall is its colour, not a plant


def _resurface(canvas: Canvas, region: np.ndarray, texture: str, colour, rng: np.random.Generator,
               coords_of, detail: float = 0.1) -> None:
    """Lay `texture` over each connected part of `region` with the coordinates `coords_of(mask, rows, cols)`."""
    scene = canvas.scene
    for part, _ in components(region, 12):
        rows, cols = bbox(part, pad=3)
        coords = coords_of(part, rows, cols)
        albedo = textures.TEXTURES[texture](coords, colour, rng, scene.px_per_m)
        rgb = relight(scene, albedo, shading(scene, part, rows, cols, detail), rng)
        canvas.paint(rows, cols, rgb, feather(part[rows, cols]))


def foliage(canvas: Canvas) -> np.ndarray:
    """Leaves in front of a surface that coarse labels call wall or roof (`leaves`)."""
    rgb, _, saturation = canvas.scene.soft_colour
    return leaves(rgb, saturation)


def leaves(rgb: np.ndarray, saturation: np.ndarray) -> np.ndarray:
    """Clearly green pixels of a photo blurred by 1 px (`Scene.soft_colour`: HxWx3 sRGB in [0, 1] and its
    saturation): leaves in front of a wall or roof (a green wall is rare; a tree before a wall is common, and
    brick-textured or re-rendered leaves look fake)."""
    green = rgb[..., 1] - np.maximum(rgb[..., 0], rgb[..., 2])
    leafy = ((green > 0.04) & (saturation > 0.3)).astype(np.uint8)  # pale green siding is not a leaf
    leafy = cv2.dilate(cv2.morphologyEx(leafy, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8)), np.ones((3, 3), np.uint8))
    _, parts, stats, _ = cv2.connectedComponentsWithStats(leafy, connectivity=8)
    large = stats[:, cv2.CC_STAT_AREA] >= max(16, MIN_LEAVES * leafy.size)  # specks of a green wall are no plant
    large[0] = False
    return large[parts]


def photo_leaves(image: np.ndarray) -> np.ndarray:
    """`leaves` of an HxWx3 uint8 photo; a photo over LEAVES_PIXELS is measured on a smaller copy (leaves are
    fuzzy at any size) and the mask is scaled back to the photo's size."""
    height, width = image.shape[:2]
    scale = min(1.0, float(np.sqrt(LEAVES_PIXELS / (height * width))))
    small = image if scale == 1.0 else cv2.resize(image, (round(width * scale), round(height * scale)),
                                                  interpolation=cv2.INTER_AREA)
    rgb, _, saturation = soft_colour(small.astype(np.float32) / 255.0)
    found = leaves(rgb, saturation)
    if scale == 1.0:
        return found
    return cv2.resize(found.astype(np.uint8), (width, height), interpolation=cv2.INTER_NEAREST) > 0


def wall_surface(canvas: Canvas) -> np.ndarray:
    """The wall region minus its white trim: railings, cornices, door and window casings that labels
    lump into the wall but a facade renovation leaves alone (small, bright, unsaturated parts of a wall
    that is itself not white)."""
    wall = canvas.free("wall") & ~foliage(canvas)
    if not wall.any():
        return wall
    _, brightness, saturation = canvas.scene.soft_colour
    wall_saturation = np.median(saturation[wall])
    if wall_saturation < 0.07:  # a grey or white wall: its trim has the wall's colour, nothing to tell apart
        return wall
    # Saturation barely changes between sun and shade, so a sunlit wall is not mistaken for white trim.
    whitish = wall & (saturation < max(0.4 * wall_saturation, 0.05)) & \
        (brightness > 0.8 * np.median(brightness[wall]))
    whitish = cv2.morphologyEx(whitish.astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    # Trim is thin (casings, railings, cornices under ~35 cm); a broad pale area is another wall surface.
    broad = max(5, int(round(0.35 * canvas.scene.px_per_m)) | 1)
    thin = (whitish > 0) & ~(cv2.morphologyEx(whitish, cv2.MORPH_OPEN, np.ones((broad, broad), np.uint8)) > 0)
    _, ids, stats, _ = cv2.connectedComponentsWithStats(thin.astype(np.uint8), connectivity=8)
    area = stats[:, cv2.CC_STAT_AREA]
    small = (area >= 12) & (area < 0.1 * wall.sum())  # the components() size floor, and not most of the wall
    small[0] = False  # the background
    return wall & ~small[ids]


def facade(canvas: Canvas, choice: Choice, material: Material, rng: np.random.Generator) -> None:
    """facade-insulation / facade-cladding: the wall gets render, brick slips, boards or panels."""
    wall = wall_surface(canvas)
    if wall.sum() < 0.005 * wall.size:
        raise RegionMissing("no wall")
    scene = canvas.scene
    _resurface(canvas, wall, material.texture, choice.colour, rng,
               lambda part, rows, cols: facade_coords(scene, part, rows, cols))


def roof_coords(scene: Scene, part: np.ndarray, rows: slice, cols: slice) -> textures.SurfaceCoords:
    """Coordinates along a roof part's eave lines, its rows foreshortened by the pitch."""
    c = facade_coords(scene, part, rows, cols)
    return textures.SurfaceCoords(c.u, c.v / ROOF_FORESHORTENING, c.foot_u, np.asarray(c.foot_v) / ROOF_FORESHORTENING)


def roof(canvas: Canvas, choice: Choice, material: Material, rng: np.random.Generator) -> None:
    """roof: tile rows or slate along the roof's eave lines, rows foreshortened by the pitch."""
    region = canvas.free("roof") & ~foliage(canvas)
    if region.sum() < 0.003 * region.size:
        raise RegionMissing("no roof")
    scene = canvas.scene
    _resurface(canvas, region, material.texture, choice.colour, rng,
               lambda part, rows, cols: roof_coords(scene, part, rows, cols), detail=0.15)


PAVED_GREEN, LAWN_GREEN = 0.025, 0.06  # green excess: paving below the first; a patch above the second is grass


def paved_ground(canvas: Canvas) -> np.ndarray:
    """The paved share of the ground region (not lawn): low green excess and low chroma, cleaned, with the
    small patches it encloses that are not grass, the largest connected parts (a driveway, a path, a
    forecourt)."""
    ground = canvas.free("ground")
    rgb = cv2.GaussianBlur(canvas.scene.image, (0, 0), 2.0)  # judge colour, not texture
    green = rgb[..., 1] - 0.5 * (rgb[..., 0] + rgb[..., 2])
    brightest, darkest = channel_extremes(rgb)
    chroma = brightest - darkest
    paved = ground & (green < PAVED_GREEN) & (chroma < 0.18)
    kernel = np.ones((5, 5), np.uint8)
    paved = cv2.morphologyEx(cv2.morphologyEx(paved.astype(np.uint8), cv2.MORPH_OPEN, kernel),
                             cv2.MORPH_CLOSE, kernel).astype(bool) & ground
    paved = _fill_patches(paved, green, int(0.005 * paved.size)) & ground
    parts = sorted(components(paved, int(0.004 * paved.size)), key=lambda p: -p[0].sum())
    out = np.zeros_like(paved)
    for part, _ in parts[:2]:
        out |= part
    return out


def _fill_patches(paved: np.ndarray, green: np.ndarray, largest: int) -> np.ndarray:
    """`paved` with its small gaps filled unless they are grass: concrete with a slight green cast, stains and
    sun spots fall just outside the paving colours and would stay old, in holes, under new pavers."""
    count, ids, stats, _ = cv2.connectedComponentsWithStats((~paved).astype(np.uint8), connectivity=4)
    area = stats[:, cv2.CC_STAT_AREA]
    small = np.flatnonzero(area <= largest)
    if not small.size:
        return paved
    mean_green = np.bincount(ids.ravel(), weights=green.ravel(), minlength=count) / np.maximum(area, 1)
    fill = np.zeros(count, bool)
    fill[small[mean_green[small] < LAWN_GREEN]] = True
    return paved | fill[ids]


def _driveway_zone(scene, paved: np.ndarray) -> np.ndarray:
    """Where a driveway can be: below the horizon, in front of the house, and behind the street. Rows at
    least 4 m out that are paved nearly across the whole photo are the pavement and road crossing the
    frame; the driveway ends at the first of them. (Depth alone cannot bound it: the camera height and
    lens vary too much between photos.)"""
    h, w = scene.labels.shape
    rows = np.arange(h)[:, None]
    zone = (rows > scene.horizon_y + 2) & (rows >= scene.base_y - 0.5 * scene.px_per_m)
    coords = ground_coords(scene, slice(0, h), slice(0, w))
    house = scene.focal  # the base line is focal / px_per_m metres away, i.e. v = focal
    metres_out = (house - coords.v[:, 0]) / scene.px_per_m  # per row: metres in front of the house
    # A wide driveway can fill the frame too, so only rows 4 m or more out count as the street.
    street = np.nonzero((paved.mean(axis=1) > 0.9) & (metres_out >= 4.0))[0]
    return zone & (rows < street[0]) if street.size else zone


def driveway_region(canvas: Canvas) -> np.ndarray:
    """Where a new driveway goes: the paved ground in front of the house, up to the street."""
    paved = paved_ground(canvas)
    region = paved & _driveway_zone(canvas.scene, paved)
    if region.sum() < 0.005 * region.size:
        raise RegionMissing("no paved ground")
    return region


def driveway(canvas: Canvas, choice: Choice, material: Material, rng: np.random.Generator) -> None:
    """driveway: pavers in perspective on the ground plane, or gravel, over the paved ground."""
    region = driveway_region(canvas)
    scene = canvas.scene
    _resurface(canvas, region, material.texture, choice.colour, rng,
               lambda part, rows, cols: ground_coords(scene, rows, cols), detail=0.2)


def _thin_runs(flags: np.ndarray, widest: int) -> np.ndarray:
    """Keep only runs of True at most `widest` long: a mullion is a thin bar, a wide run is glass that
    happens to have the frame's colour."""
    out = flags.copy()
    for start, stop in runs(flags):
        if stop - start > widest:
            out[start:stop] = False
    return out


def _frame_mask(image: np.ndarray, window: np.ndarray, px_per_m: float, rng: np.random.Generator) -> np.ndarray:
    """The frame inside a window crop: a border band as wide as a frame profile (about 8 cm), plus
    mullions and transoms (columns/rows mostly of the border's colour); the glass between is left alone."""
    rows, cols = np.nonzero(window)
    height, width = np.ptp(rows) + 1, np.ptp(cols) + 1
    band = max(1, int(round(min(0.08 * px_per_m, 0.12 * min(height, width)))))
    inner = cv2.erode(window.astype(np.uint8), np.ones((2 * band + 1, 2 * band + 1), np.uint8)) > 0
    border = window & ~inner
    if not inner.any():
        return window
    reference = np.median(image[border], axis=0)
    like = inner & (np.abs(image - reference).sum(axis=2) < 0.2)
    inner_cols, inner_rows = inner.sum(axis=0), inner.sum(axis=1)
    mullions = _thin_runs((like.sum(axis=0) > 0.6 * np.maximum(inner_cols, 1)) & (inner_cols > 0.5 * inner_cols.max()),
                          2 * band)
    transoms = _thin_runs((like.sum(axis=1) > 0.6 * np.maximum(inner_rows, 1)) & (inner_rows > 0.5 * inner_rows.max()),
                          2 * band)
    frame = border | (inner & (mullions[None, :] | transoms[:, None]))
    if not mullions.any() and width > 0.9 * height and rng.random() < 0.5:  # new profile: a centre mullion
        start = max(int(round(cols.min() + width / 2)) - band // 2, 0)
        bar = slice(start, start + band)
        frame[:, bar] |= window[:, bar]
    return frame


def _snap(step_x: np.ndarray, step_y: np.ndarray, x0: int, y0: int, x1: int, y1: int) -> tuple[int, int, int, int]:
    """Move each side of a window box [x0, x1) x [y0, y1) (within a quarter of its size) onto the strongest
    straight edge: a segmenter's box is a few pixels off, and a new frame beside the old one looks doubled.
    `step_y[r]` is the change between rows r-1 and r (so an edge at r means the window starts or ends at r)."""
    h, w = step_x.shape
    reach_x, reach_y = max(1, (x1 - x0) // 4), max(1, (y1 - y0) // 4)

    def best(profile, centre, reach):
        lo, hi = max(centre - reach, 1), min(centre + reach + 1, len(profile))
        return centre if hi <= lo else lo + int(np.argmax(profile[lo:hi]))

    rows = step_y[:, x0:x1].mean(axis=1)
    cols = step_x[y0:y1].mean(axis=0)
    top, bottom = best(rows, y0, reach_y), best(rows, y1, reach_y)
    left, right = best(cols, x0, reach_x), best(cols, x1, reach_x)
    if right - left < 0.6 * (x1 - x0) or bottom - top < 0.6 * (y1 - y0):
        return x0, y0, x1, y1
    return left, top, min(right, w), min(bottom, h)


def windows(canvas: Canvas, choice: Choice, material: Material, rng: np.random.Generator) -> None:
    """windows: frames (border band, mullions, transoms) in the new colour and profile; glass untouched."""
    scene = canvas.scene
    parts = components(canvas.free("window"), 20)
    if not parts:
        raise RegionMissing("no windows")
    gray = scene.image.mean(axis=2)
    step_y = np.abs(np.diff(gray, axis=0, prepend=gray[:1]))  # step_y[r] = |row r - row r-1|
    step_x = np.abs(np.diff(gray, axis=1, prepend=gray[:, :1]))
    for part, (x, y, w, h) in parts:
        if part.sum() >= 0.6 * w * h:  # a ragged segmentation of a rectangular window: frame the rectangle
            x0, y0, x1, y1 = _snap(step_x, step_y, x, y, x + w, y + h)
            part = np.zeros_like(part)
            part[y0:y1, x0:x1] = True
        rows, cols = bbox(part, pad=2)
        frame = _frame_mask(scene.image[rows, cols], part[rows, cols], scene.px_per_m, rng)
        full = np.zeros_like(part)
        full[rows, cols] = frame
        light = np.clip(shading(scene, full, rows, cols, detail=0.3), 0.55, 1.4)
        height = frame.shape[0]
        sheen = 1.0 + 0.06 * (np.arange(height, dtype=np.float32)[:, None] / height - 0.5)  # lit from above
        sheen = np.broadcast_to(sheen, frame.shape)
        if material.id.startswith("wood"):
            sheen = sheen * (1.0 + 0.06 * textures.fbm(rng, frame.shape, 3.0, 2))
        albedo = np.clip(np.asarray(choice.colour, np.float32) / 255.0 * sheen[..., None], 0.0, 1.0)
        inner_edge = frame & ~cv2.erode(frame.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool) & \
            cv2.dilate((part[rows, cols] & ~frame).astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
        light = light * np.where(inner_edge, 0.8, 1.0)  # the rebate where frame meets glass sits in shade
        canvas.paint(rows, cols, relight(scene, albedo, light, rng), frame.astype(np.float32))
