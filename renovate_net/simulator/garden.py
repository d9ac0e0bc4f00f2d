"""Where a garden is: the ground a pool could be dug into, told from the street, the driveway and the paths.

A garden is lawn: green to a dry lawn's yellow-green, not pale, and flat (a bush is textured). Grey or pale flat
ground is paving: a pavement, a street, a driveway, a path; a pool never goes there. Bare soil and mulch beds are
left out too: in a photo their browns are those of asphalt and gravel drives. Water already in the photo
(saturated blue-cyan ground) is an existing pool, and what stands on the ground (a car, a bin: 'other'; a tree's
trunk and crown: textured vegetation) is not free either. The ground is
then seen from above: the garden mask rectified onto the ground plane in metres (`ground_map`), where a pool's
footprint and its clearances are laid out.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from renovate_net.simulator.canvas import Canvas
from renovate_net.simulator.geometry import Camera, Grid, Plane, homography, rectify

MAP_RES = 10.0                   # ground map cells per metre
TEXTURE_SIZE = 384               # long side (px) texture is judged at, as the old layouts were
MAP_HALF_WIDTH, MAP_DEPTH = 30.0, 60.0  # metres across and ahead the ground map covers at most
FLAT_VEGETATION, FLAT_OTHER = 0.05, 0.08  # local grey contrast below which a lawn labelled so is flat


@dataclass(frozen=True)
class GroundMap:
    """The garden seen from above: `garden` on `grid` (s = X across the view, t = Z ahead, metres), and the
    ground homography (ground metres -> pixels)."""
    h: np.ndarray
    grid: Grid
    garden: np.ndarray


def garden(canvas: Canvas) -> np.ndarray:
    """HxW bool: free lawn below the horizon, not paving, water or anything standing there."""
    scene = canvas.scene
    h, w = scene.labels.shape
    below = np.arange(h)[:, None] > scene.horizon_y + 2
    # Segmenters call a lawn ground, vegetation or 'other' (LabelMeFacade has no lawn): its colour and flatness tell.
    ground = (canvas.free("ground") | canvas.free("vegetation") | canvas.free("other")) & below
    rgb = cv2.GaussianBlur(scene.image, (0, 0), 2.0)  # judge colour, not grass blades
    hue, saturation, value = cv2.split(cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV))
    texture = _texture(scene.image)
    # A lawn the segmenter calls 'other' may be as textured as sunlit grass is; one it calls vegetation must be
    # flatter, since hedges and shrubs are vegetation too and their clipped tops look flat from the street.
    flat = np.where(canvas.free("other"), texture < FLAT_OTHER, texture < FLAT_VEGETATION)
    # Green, or the yellow-green of a dry lawn if not pale (sunlit concrete is yellowish too, but pale); colourful
    # enough not to be dark asphalt's noise.
    green = (hue >= 65) & (hue <= 170) & (saturation >= 0.15)
    dry = (hue >= 45) & (hue < 65) & (saturation >= 0.2) & (value <= 0.75)
    grass = (green | dry) & (saturation * value >= 0.04)
    lawn = ground & (flat | canvas.free("ground")) & grass
    k = max(scene.px_per_m, 1.0)
    water = (hue >= 175) & (hue <= 215) & (saturation > 0.35) & ground
    water = cv2.dilate(water.astype(np.uint8), np.ones((int(k) | 1,) * 2, np.uint8)) > 0
    return lawn & ~water


def _texture(image: np.ndarray) -> np.ndarray:
    """Local contrast (std of grey over about 2% of the photo's long side): high in a bush, a tree, flowers; low in
    a lawn, soil and paving at any resolution (measured on the photo at TEXTURE_SIZE px)."""
    h, w = image.shape[:2]
    scale = min(1.0, TEXTURE_SIZE / max(h, w))
    gray = cv2.resize(image.mean(axis=2), (max(1, round(w * scale)), max(1, round(h * scale))),
                      interpolation=cv2.INTER_AREA)
    texture = np.sqrt(np.maximum(cv2.blur(gray * gray, (7, 7)) - cv2.blur(gray, (7, 7)) ** 2, 0))
    return cv2.resize(texture, (w, h), interpolation=cv2.INTER_LINEAR)


def ground_map(canvas: Canvas, mask: np.ndarray) -> GroundMap | None:
    """`mask` (HxW bool, on the ground) seen from above, up to MAP_DEPTH ahead; None if the horizon is not above
    the photo's bottom row."""
    scene = canvas.scene
    camera = Camera.of(scene)
    nearest = camera.ground_depth(scene.labels.shape[0] - 1)
    if nearest is None:
        return None
    h = homography(camera, Plane(np.zeros(3), np.array([1.0, 0.0, 0.0]), np.array([0.0, 0.0, 1.0])))
    grid = Grid(-MAP_HALF_WIDTH, nearest, MAP_RES,
                (int((MAP_DEPTH - nearest) * MAP_RES) if nearest < MAP_DEPTH else 1, int(2 * MAP_HALF_WIDTH * MAP_RES)))
    return GroundMap(h, grid, rectify(mask, h, grid))
