"""A procedural frontal house scene with exact labels for every class (tests, and roof supervision).

`synthetic_house` draws sky, lawn and driveway, a house with a textured wall, a pitched roof of tiles
or slate, framed windows, a door, bushes and a tree, and an 'other' object (a car or a letterbox),
then lights it with one sun direction: a shaded side, an eave shadow and soft noise. Every one of the
8 label ids is present in every scene, so tests can rely on each region.
"""
from __future__ import annotations

import cv2
import numpy as np

from renovate_net.simulator import textures
from renovate_net.labels import LABEL_ID

_WALLS = (("brick", (150, 75, 55)), ("brick", (190, 160, 110)), ("render", (225, 220, 205)),
          ("wood-boards", (140, 100, 70)), ("render", (200, 190, 170)))
_ROOFS = (("tiles", (120, 60, 45)), ("tiles", (70, 70, 72)), ("slate", (80, 84, 92)))
_FRAMES = ((240, 240, 235), (60, 62, 66), (120, 80, 50))


def _fill(image, labels, mask, albedo, label):
    image[mask] = albedo[mask] if albedo.ndim == 3 else albedo
    labels[mask] = LABEL_ID[label]


def _sky_and_ground(rng, image, labels, horizon):
    h, w = labels.shape
    rows = np.linspace(0.0, 1.0, h, dtype=np.float32)[:, None, None]
    top = np.array(rng.choice([(70, 120, 190), (150, 170, 195), (110, 150, 205)]), np.float32) / 255
    sky = top + (np.array([0.86, 0.9, 0.95], np.float32) - top) * np.clip(rows * 1.6, 0, 1)
    clouds = np.clip(textures.fbm(rng, (h, w), w / 4, 3) * 1.5 - 0.2, 0, 1)[..., None]
    sky = np.broadcast_to(sky, (h, w, 3)) * (1 - 0.6 * clouds) + 0.95 * 0.6 * clouds
    ground = np.zeros((h, w), bool)
    ground[horizon:] = True
    _fill(image, labels, ~ground, sky, "sky")
    lawn_colour = np.array(rng.choice([(70, 110, 50), (95, 125, 60), (80, 100, 55)]), np.float32) / 255
    grass = lawn_colour * (1 + 0.25 * textures.fbm(rng, (h, w), 6, 3)[..., None])
    _fill(image, labels, ground, grass, "ground")


def _roof(rng, image, labels, x0, x1, eave, apex, px_per_m):
    h, w = labels.shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    overhang = 0.04 * (x1 - x0)
    hip = rng.random() < 0.5
    centre, half = (x0 + x1) / 2, (x1 - x0) / 2 + overhang
    top_half = half * (rng.uniform(0.25, 0.5) if hip else 0.02)  # hipped roof: a ridge, gable: an apex
    frac = np.clip((yy - apex) / max(eave - apex, 1), 0, 1)
    mask = (yy >= apex) & (yy <= eave) & (np.abs(xx - centre) <= top_half + (half - top_half) * frac)
    kind, colour = _ROOFS[rng.integers(len(_ROOFS))]
    albedo = textures.TEXTURES[kind](textures.SurfaceCoords(xx, (yy - apex) * 1.3), colour, rng, px_per_m)
    _fill(image, labels, mask, albedo, "roof")


def _windows(rng, image, labels, x0, x1, top, bottom, door_x, px_per_m):
    h, w = labels.shape
    frame_colour = np.array(_FRAMES[rng.integers(len(_FRAMES))], np.float32) / 255
    storeys = 2 if bottom - top > 2.2 * 2.8 * px_per_m else 1
    win_w, win_h = 1.1 * px_per_m, 1.3 * px_per_m
    frame = max(1, int(round(0.08 * px_per_m)))
    columns = max(2, int((x1 - x0) / (2.4 * px_per_m)))
    for storey in range(storeys):
        y_top = int(bottom - (storey + 1) * (bottom - top) / storeys + 0.25 * (bottom - top) / storeys)
        for c in range(columns):
            cx = x0 + (c + 0.5) * (x1 - x0) / columns
            if abs(cx - door_x) < win_w and storey == 0:
                continue
            xa, xb = int(cx - win_w / 2), int(cx + win_w / 2)
            ya, yb = y_top, int(y_top + win_h)
            labels[ya:yb, xa:xb] = LABEL_ID["window"]
            image[ya:yb, xa:xb] = frame_colour
            glass_top = np.array([0.35, 0.42, 0.5]) * rng.uniform(0.6, 1.2)
            glass = glass_top * np.linspace(1.2, 0.6, yb - ya - 2 * frame)[:, None, None]
            image[ya + frame:yb - frame, xa + frame:xb - frame] = glass
            mid = (xa + xb) // 2  # a mullion, as most Belgian windows have
            image[ya:yb, mid - frame // 2:mid - frame // 2 + frame] = frame_colour


def _vegetation(rng, image, labels, x0, x1, base, px_per_m):
    h, w = labels.shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    leaves = np.array([0.17, 0.3, 0.12], np.float32) * (1 + 0.45 * textures.fbm(rng, (h, w), 3, 3))[..., None]
    mask = np.zeros((h, w), bool)
    for _ in range(rng.integers(2, 5)):  # bushes along the front of the house
        cx, r = rng.uniform(x0, x1), rng.uniform(0.4, 0.8) * px_per_m
        mask |= ((xx - cx) / r) ** 2 + ((yy - base) / (0.8 * r)) ** 2 < 1 + 0.3 * textures.value_noise(rng, (h, w), 4)
    side = x0 - 1.5 * px_per_m if rng.random() < 0.5 or x1 + 2 * px_per_m > w else x1 + 1.5 * px_per_m
    r = 1.6 * px_per_m  # a tree beside the house
    mask |= ((xx - side) / r) ** 2 + ((yy - (base - 3.5 * px_per_m)) / (1.3 * r)) ** 2 < 1
    mask |= (np.abs(xx - side) < 0.12 * px_per_m) & (yy > base - 2.5 * px_per_m) & (yy < base + 0.2 * px_per_m)
    _fill(image, labels, mask, leaves, "vegetation")


def _other(rng, image, labels, x, base, px_per_m):
    """A car on the driveway, or a letterbox on a post: 'other' pixels a model must leave alone."""
    h, w = labels.shape
    if rng.random() < 0.6:
        width, height = 4.2 * px_per_m, 1.45 * px_per_m
        ya, yb, xa, xb = int(base - height), int(base), int(x - width / 2), int(x + width / 2)
        colour = np.array(rng.choice([(150, 20, 20), (30, 40, 60), (180, 180, 185), (20, 20, 20)]), np.float32) / 255
        image[ya:yb, xa:xb] = colour
        image[ya:ya + (yb - ya) // 3, xa + (xb - xa) // 5:xb - (xb - xa) // 5] = (0.25, 0.3, 0.35)
    else:
        ya, yb, xa, xb = int(base - 1.2 * px_per_m), int(base), int(x), int(x + 0.4 * px_per_m) + 1
        image[ya:yb, xa:xb] = (0.15, 0.15, 0.15)
    labels[max(ya, 0):yb, max(xa, 0):xb] = LABEL_ID["other"]


def _light(rng, image, labels, x0, x1, eave):
    """One sun: overall exposure, a left-right falloff, a shadow band under the eave, sensor noise."""
    h, w = labels.shape
    xx = np.linspace(-1, 1, w, dtype=np.float32)[None, :]
    shade = rng.uniform(0.75, 1.1) * (1 + rng.uniform(-0.15, 0.15) * xx)
    shade = np.broadcast_to(shade, (h, w)).copy()
    depth = max(2, int(0.04 * h))
    band = np.zeros((h, w), bool)
    band[eave:eave + depth, int(x0):int(x1)] = True
    shade[band & (labels == LABEL_ID["wall"])] *= 0.7
    shade = cv2.GaussianBlur(shade, (0, 0), 1.0)
    image *= shade[..., None]
    image += rng.normal(0, 0.012, image.shape).astype(np.float32)


def synthetic_house(rng: np.random.Generator, size: tuple[int, int] = (256, 256)) -> tuple[np.ndarray, np.ndarray]:
    """A random frontal house scene: (image HxWx3 uint8 RGB, labels HxW uint8 with every id 0..7)."""
    w, h = size
    if min(w, h) < 64:
        raise ValueError(f"synthetic_house needs at least 64x64 px, got {w}x{h}")
    image = np.zeros((h, w, 3), np.float32)
    labels = np.zeros((h, w), np.uint8)
    horizon = int(h * rng.uniform(0.62, 0.7))
    _sky_and_ground(rng, image, labels, horizon)
    x0, x1 = w * rng.uniform(0.12, 0.25), w * rng.uniform(0.72, 0.85)
    px_per_m = (x1 - x0) / rng.uniform(9.0, 12.0)
    base = horizon + int(0.06 * h)
    eave = int(base - rng.uniform(3.0, 6.0) * px_per_m)
    apex = max(2, int(eave - rng.uniform(2.5, 4.0) * px_per_m))

    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    drive = (yy >= horizon) & (np.abs(xx - x1 + 0.15 * (x1 - x0) + 0.1 * (yy - horizon)) < 0.1 * (x1 - x0) + 0.3 * (yy - horizon))
    _fill(image, labels, drive, textures.pavers(textures.SurfaceCoords(xx, yy), (150, 148, 140), rng, px_per_m * 2), "ground")
    kind, colour = _WALLS[rng.integers(len(_WALLS))]
    wall = (xx >= x0) & (xx < x1) & (yy >= eave) & (yy < base)
    _fill(image, labels, wall, textures.TEXTURES[kind](textures.SurfaceCoords(xx, yy), colour, rng, px_per_m), "wall")
    _roof(rng, image, labels, x0, x1, eave, apex, px_per_m)
    door_x = rng.uniform(x0 + 1.5 * px_per_m, x1 - 1.5 * px_per_m)
    _windows(rng, image, labels, x0, x1, eave, base, door_x, px_per_m)
    door = (np.abs(xx - door_x) < 0.5 * px_per_m) & (yy >= base - 2.2 * px_per_m) & (yy < base)
    door_colour = np.array(rng.choice([(90, 50, 30), (50, 55, 60), (170, 40, 40)]), np.float32) / 255
    _fill(image, labels, door, door_colour * (1 + 0.06 * textures.fbm(rng, (h, w), 8, 2))[..., None], "door")
    _vegetation(rng, image, labels, x0, x1, base, px_per_m)
    _other(rng, image, labels, rng.uniform(0.15, 0.85) * w, min(h - 1, base + int(0.12 * h)), px_per_m)
    _light(rng, image, labels, x0, x1, eave)
    return np.clip(image * 255 + 0.5, 0, 255).astype(np.uint8), labels
