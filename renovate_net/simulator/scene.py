"""What the simulator measures on a photo before editing it: scale, light, sky, horizon, surface
coordinates and the photo's own shading.

- Scale (`px_per_m`) comes from objects of known size: windows (about 1.4 m tall), doors (2.2 m), else
  the wall's height. It sets brick, tile, panel and pool sizes.
- Facade coordinates follow the facade's dominant lines: the near-horizontal edge angle is measured in
  the left and right halves of a region; two different angles give a vanishing point and a perspective
  (homography-like) mapping, close angles a sheared one. Verticals are assumed vertical.
- Ground coordinates put the camera 1.6 m above the ground, so the horizon sits 1.6 m above the wall's
  base line; depth is then 1 / (y - horizon) (a pinhole looking at a flat ground plane).
- Shading keeps the photo's light: the log-luminance of a region, hole-filled and smoothed with a
  self-guided filter (He et al., "Guided Image Filtering", 2010) so shadow edges stay sharp while the old
  material's texture is removed; `after = new_albedo * shading` is `before * new_albedo / old_albedo`.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import cv2
import numpy as np

from renovate_net.simulator.textures import SurfaceCoords
from renovate_net.labels import LABEL_ID

CAMERA_HEIGHT_M = 1.6
_LINEAR_LUT = np.where(np.arange(256) / 255 <= 0.04045, np.arange(256) / 255 / 12.92,
                       ((np.arange(256) / 255 + 0.055) / 1.055) ** 2.4).astype(np.float32)


DAYLIGHT_MEDIAN = 0.12  # median linear luminance of a daylight street photo (5th percentile of the house photos)
MIN_DAYLIGHT = 0.05     # the darkest light a new surface is drawn under, as a share of daylight
BRIGHTEST_WALL = 0.85   # linear albedo of the lightest wall (fresh white render): no wall reflects more
BUILDING = ("wall", "roof", "window", "door")
GAP_HEIGHT = 0.3        # a column with less building than this share of the photo's tall columns is a gap
GAP_BRIDGED = 0.02      # share of the photo's width: a narrower gap is a labelling gap or a downpipe
GAP_HIDDEN = 0.5        # share of a gap's building rows that are leaves: a tree in front of the house
SUBJECT_SHARE = 0.3     # of the house's building (weighted toward the centre): a building holding as much is a
                        # subject too (a street of facades, both sides), not a neighbour at the photo's edge


def to_linear(srgb: np.ndarray) -> np.ndarray:
    """sRGB float in [0, 1] -> linear (float32)."""
    srgb = np.clip(srgb, 0.0, 1.0)
    return np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4).astype(np.float32)


def to_srgb(linear: np.ndarray) -> np.ndarray:
    """Linear float -> sRGB float in [0, 1] (float32)."""
    linear = np.clip(linear, 0.0, 1.0)
    return np.where(linear <= 0.0031308, linear * 12.92, 1.055 * linear ** (1 / 2.4) - 0.055).astype(np.float32)


def luminance(linear: np.ndarray) -> np.ndarray:
    return linear @ np.array([0.2126, 0.7152, 0.0722], np.float32)


def components(mask: np.ndarray, min_area: int) -> list[tuple[np.ndarray, tuple[int, int, int, int]]]:
    """Connected components of a boolean mask with at least `min_area` px: (mask, (x, y, w, h)) each."""
    count, ids, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    out = []
    for index in range(1, count):
        x, y, w, h, area = stats[index]
        if area >= min_area:
            out.append((ids == index, (int(x), int(y), int(w), int(h))))
    return out


@dataclass
class Scene:
    """A photo and the measurements every simulated renovation shares."""
    image: np.ndarray      # HxWx3 float32 sRGB in [0, 1]
    linear: np.ndarray     # HxWx3 float32 linear RGB
    labels: np.ndarray     # HxW uint8 class ids
    px_per_m: float        # image pixels per metre at the facade
    base_y: float          # the wall's base line (image row where the house meets the ground)
    horizon_y: float       # image row of the horizon (camera height above the base line)
    focal: float           # assumed focal length in pixels (about a 50 degree horizontal view)
    light_x: float         # -1 sun from the left ... +1 from the right (which way contact shadows fall)
    sky_colour: np.ndarray  # linear RGB the sky (and its reflections) has
    noise: float           # the photo's pixel noise (sRGB units), added to drawn surfaces

    def region(self, name: str) -> np.ndarray:
        return self.labels == LABEL_ID[name]

    @cached_property
    def soft_colour(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(rgb, brightness, saturation) of the photo blurred by 1 px, measured once: how leaves and trim are
        told apart from a wall (colour, not texture)."""
        return soft_colour(self.image)

    @cached_property
    def mean_linear(self) -> np.ndarray:
        """The photo's mean linear RGB, measured once (every drawn surface is exposed by it)."""
        return self.linear.reshape(-1, 3).mean(axis=0)

    @cached_property
    def daylight(self) -> float:
        """How much of daylight the photo's light is (`daylight_share`), measured once."""
        return daylight_share(self.linear, self.labels)


def daylight_share(linear: np.ndarray, labels: np.ndarray | None = None) -> float:
    """How much of daylight a photo's light is, from its linear RGB (HxWx3): its median luminance against a
    daylight street photo's, at most 1. The median, not the mean, so lamps, lit windows and a sunset sky do not
    count: 1 for daylight photos (of the 100 house photos, 95% have a median of DAYLIGHT_MEDIAN or more), about
    0.25 at dusk with the lights on, 0.05-0.4 at night under street lamps. With the photo's `labels` (HxW), a
    floodlit wall in a dark street counts too: the wall's lit part is at most BRIGHTEST_WALL times the light on
    it, so that light is at least its luminance / BRIGHTEST_WALL. A new surface in a dusk or night photo is lit
    by this share of the light that shows its colour in daylight."""
    step = max(1, int(np.sqrt(linear.shape[0] * linear.shape[1] / 250_000)))  # ~250k pixels are plenty
    light = luminance(linear[::step, ::step])
    share = float(np.median(light)) / DAYLIGHT_MEDIAN
    if labels is not None:
        wall = labels[::step, ::step] == LABEL_ID["wall"]
        if wall.mean() >= 0.01:
            share = max(share, float(np.percentile(light[wall], 75)) / BRIGHTEST_WALL)
    return float(np.clip(share, MIN_DAYLIGHT, 1.0))


def soft_colour(image: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(rgb, brightness, saturation) of an HxWx3 float sRGB image blurred by 1 px."""
    rgb = cv2.GaussianBlur(image, (0, 0), 1.0)
    brightness, darkest = channel_extremes(rgb)
    return rgb, brightness, (brightness - darkest) / np.maximum(brightness, 1e-3)


def channel_extremes(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(largest, smallest) of the three channels of an HxWx3 image, per pixel (faster than an axis reduce)."""
    red, green, blue = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    return np.maximum(np.maximum(red, green), blue), np.minimum(np.minimum(red, green), blue)


def _scale(labels: np.ndarray) -> float:
    h = labels.shape[0]
    windows = [b[3] for _, b in components(labels == LABEL_ID["window"], 30)]
    doors = [b[3] for _, b in components(labels == LABEL_ID["door"], 60)]
    if len(windows) >= 2:
        estimate = float(np.median(windows)) / 1.4
    elif doors:
        estimate = float(np.median(doors)) / 2.2
    elif (labels == LABEL_ID["wall"]).any():
        rows = np.nonzero((labels == LABEL_ID["wall"]).any(axis=1))[0]
        estimate = (rows[-1] - rows[0] + 1) / 6.0
    else:
        estimate = h / 12.0
    return float(np.clip(estimate, h / 80.0, h / 4.0))


def _base_line(labels: np.ndarray) -> float:
    """The row where the house meets the ground: the bottom of its main wall parts (stray wall pixels a
    segmenter puts on the lawn must not drag it down)."""
    wall = labels == LABEL_ID["wall"]
    parts = components(wall, max(1, int(0.1 * wall.sum())))
    if not parts:
        return 0.75 * labels.shape[0]
    rows = np.concatenate([np.nonzero(part)[0] for part, _ in parts])
    return float(np.percentile(rows, 97))


def _light_side(linear: np.ndarray, labels: np.ndarray) -> float:
    """Which side the sun is on: the brighter half of the sky and of the walls (a weak but cheap cue)."""
    y = luminance(linear)
    score = 0.0
    for name in ("sky", "wall"):
        mask = labels == LABEL_ID[name]
        half = mask.shape[1] // 2
        left, right = mask[:, :half], mask[:, half:]
        if left.sum() > 50 and right.sum() > 50:
            a, b = y[:, :half][left].mean(), y[:, half:][right].mean()
            score += (b - a) / max(a + b, 1e-3)
    return float(np.clip(score * 4.0, -1.0, 1.0))


def analyse(image: np.ndarray, labels: np.ndarray) -> Scene:
    """Measure a photo (HxWx3 uint8) with its labels once; every renovation type then draws from it."""
    srgb = image.astype(np.float32) / 255.0
    linear = _LINEAR_LUT[image]
    h, w = labels.shape
    px_per_m = _scale(labels)
    base_y = _base_line(labels)
    sky = labels == LABEL_ID["sky"]
    sky_colour = (np.median(linear[sky], axis=0) if sky.sum() > 20
                  else np.array([0.45, 0.55, 0.7], np.float32))
    flat = cv2.GaussianBlur(srgb, (3, 3), 0)
    noise = float(np.clip(np.median(np.abs(srgb - flat)) * 1.4826, 0.002, 0.03))
    return Scene(srgb, linear, labels, px_per_m, base_y, base_y - CAMERA_HEIGHT_M * px_per_m, 1.2 * w,
                 _light_side(linear, labels), sky_colour.astype(np.float32), noise)


def runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """(start, stop) of each run of True in a 1-D boolean array."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], flags.astype(np.int8), [0]])))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist()))


def house_columns(labels: np.ndarray) -> np.ndarray:
    """W bool: the image columns of the house the photo is of. Buildings stand in runs of columns at least
    GAP_HEIGHT as tall as the photo's tall columns; runs are joined across gaps narrower than GAP_BRIDGED of the
    width or mostly hidden by leaves (a tree in front of the house splits no house). Of the runs, the one holding
    the most building, weighted toward the photo's centre (nothing at its edges), is the house, with any holding
    SUBJECT_SHARE of that; the others, and the low buildings between them, are its neighbours, sheds and garden
    walls."""
    width = labels.shape[1]
    building = np.isin(labels, [LABEL_ID[name] for name in BUILDING])
    if not building.any():
        return np.ones(width, bool)
    height = cv2.blur(building.sum(axis=0).astype(np.float32)[None, :], (max(3, width // 100) | 1, 1))[0]
    standing = height >= GAP_HEIGHT * np.percentile(height[height > 0], 90)
    rows = np.flatnonzero(building.any(axis=1))
    leaves = labels[rows[0]:rows[-1] + 1] == LABEL_ID["vegetation"]
    buildings: list[list[int]] = []
    for start, stop in runs(standing):
        if buildings and (start - buildings[-1][1] <= GAP_BRIDGED * width
                          or leaves[:, buildings[-1][1]:start].mean() >= GAP_HIDDEN):
            buildings[-1][1] = stop
        else:
            buildings.append([start, stop])
    if not buildings:
        return np.ones(width, bool)
    centre = 1.0 - 2.0 * np.abs(np.arange(width) / max(width - 1, 1) - 0.5)  # 1 at the centre, 0 at the edges
    mass = building.sum(axis=0) * centre
    held = np.array([mass[start:stop].sum() for start, stop in buildings])
    if held.max() <= 0:
        return np.ones(width, bool)  # buildings only at the photo's very edges: no house to tell apart
    house = np.zeros(width, bool)
    for (start, stop), share in zip(buildings, held / held.max()):
        house[start:stop] = share >= SUBJECT_SHARE
    return house


def bbox(mask: np.ndarray, pad: int = 0) -> tuple[slice, slice]:
    """The (rows, cols) slices around a non-empty mask, grown by `pad` px and clipped to the image."""
    rows, cols = np.nonzero(mask.any(axis=1))[0], np.nonzero(mask.any(axis=0))[0]
    h, w = mask.shape
    return (slice(max(rows[0] - pad, 0), min(rows[-1] + pad + 1, h)),
            slice(max(cols[0] - pad, 0), min(cols[-1] + pad + 1, w)))


def line_angle(gray: np.ndarray, mask: np.ndarray) -> tuple[float, float, float, float] | None:
    """Dominant near-horizontal line angle (radians) of strong edges in `mask`, with the share of the strong edges'
    weight along it (how clearly the lines run one way) and their centroid."""
    gx = cv2.Sobel(gray, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(gray, cv2.CV_32F, 0, 1, ksize=3)
    magnitude = gx * gx + gy * gy
    near_horizontal = mask & (np.abs(gx) < 0.7 * np.abs(gy))
    if near_horizontal.sum() < 30:
        return None
    strong = near_horizontal & (magnitude >= np.percentile(magnitude[near_horizontal], 70))
    angles = np.degrees(np.arctan(-gx[strong] / gy[strong]))
    weights = magnitude[strong]
    histogram, _ = np.histogram(angles, bins=71, range=(-35.5, 35.5), weights=weights)
    histogram = np.convolve(histogram, np.array([1, 2, 3, 2, 1], np.float64), mode="same")
    peak = int(np.argmax(histogram)) - 35
    near = np.abs(angles - peak) < 3
    if weights[near].sum() <= 0:
        return None
    angle = float(np.average(angles[near], weights=weights[near]))
    ys, xs = np.nonzero(strong)
    return np.radians(angle), float(weights[near].sum() / weights.sum()), float(xs[near].mean()), float(ys[near].mean())


def facade_coords(scene: Scene, mask: np.ndarray, rows: slice, cols: slice) -> SurfaceCoords:
    """Coordinates over the crop (rows, cols) aligned with the lines measured inside `mask` (full size)."""
    gray = cv2.GaussianBlur(luminance(scene.linear[rows, cols]), (3, 3), 0.8)
    crop = cv2.dilate(mask[rows, cols].astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    h, w = crop.shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    centre = w / 2.0
    left = crop.copy(); left[:, w // 2:] = False
    right = crop.copy(); right[:, :w // 2] = False
    fits = [line_angle(gray, half) for half in (left, right)]
    if all(fits) and abs(fits[0][0] - fits[1][0]) > np.radians(1.5):
        (a1, _, x1, y1), (a2, _, x2, y2) = fits
        t1, t2 = np.tan(a1), np.tan(a2)
        vx = (y2 - y1 + t1 * x1 - t2 * x2) / (t1 - t2)  # where the two lines meet: the vanishing point
        vy = y1 + t1 * (vx - x1)
        scale = (centre - vx) / (xx - vx)
        # A vanishing point near or inside the crop, or a scale that changes more than 2x across it, is a
        # bad fit (mixed planes, a hipped roof): fall back to one angle.
        if abs(vx - centre) > w and scale.min() > 0.5 and scale.max() < 2.0:
            return SurfaceCoords((xx - centre) * scale, vy + (yy - vy) * scale, scale * scale, scale)
    found = [f for f in fits if f]
    angle = float(np.average([f[0] for f in found], weights=[f[1] for f in found])) if found else 0.0
    return SurfaceCoords(xx - centre, yy - np.tan(angle) * (xx - centre), 1.0, 1.0)


def ground_coords(scene: Scene, rows: slice, cols: slice) -> SurfaceCoords:
    """Ground-plane coordinates (in facade pixels: metres * px_per_m) of a crop below the horizon.
    u runs across the view, v away from the camera; rows at or above the horizon get no valid depth."""
    yy, xx = np.mgrid[rows, cols].astype(np.float32)
    below = np.maximum(yy - scene.horizon_y, 0.5)
    depth = CAMERA_HEIGHT_M * scene.focal / below          # metres from the camera
    x_m = (xx - scene.image.shape[1] / 2.0) * depth / scene.focal
    k = scene.px_per_m
    foot_v = CAMERA_HEIGHT_M * scene.focal / below ** 2 * k
    return SurfaceCoords(x_m * k, depth * k, depth / scene.focal * k, foot_v)


def shading(scene: Scene, mask: np.ndarray, rows: slice, cols: slice, detail: float = 0.15) -> np.ndarray:
    """The photo's relative light over a region crop (1 = its well-lit part), old texture removed.

    `detail` keeps that share of the fine log-luminance detail (grain, compression noise), so the new
    surface is not unnaturally clean."""
    y = luminance(scene.linear[rows, cols])
    log_y = np.log(y + 2e-3)
    inside = mask[rows, cols].astype(np.float32)
    sigma = max(2.0, 0.15 * scene.px_per_m)
    weight = cv2.GaussianBlur(inside, (0, 0), sigma) + 1e-6
    filled = np.where(inside > 0, log_y, cv2.GaussianBlur(log_y * inside, (0, 0), sigma) / weight)
    radius = int(max(2, round(0.1 * scene.px_per_m)))
    smooth = _guided_filter(filled, radius, eps=0.04)
    smooth = _guided_filter(smooth, radius, eps=0.02)
    # The material's reference colour is its look in daylight: give it to the well-lit part of the region
    # (70th percentile), not the median, which a large shadow would drag down and so overexpose the sun.
    reference = np.percentile(smooth[inside > 0], 70) if inside.any() else 0.0
    light = np.exp(smooth - reference)
    light = np.where(light > 1.2, 1.2 + 0.4 * np.tanh((light - 1.2) / 0.4), light)  # soft highlight roll-off
    return (light * np.exp(detail * (filled - smooth))).astype(np.float32)


def _guided_filter(guide: np.ndarray, radius: int, eps: float) -> np.ndarray:
    """Self-guided filter: smooths where local variance < eps, keeps edges where it is larger."""
    box = (2 * radius + 1, 2 * radius + 1)
    mean = cv2.boxFilter(guide, -1, box)
    var = cv2.boxFilter(guide * guide, -1, box) - mean * mean
    a = var / (var + eps)
    b = mean - a * mean
    return cv2.boxFilter(a, -1, box) * guide + cv2.boxFilter(b, -1, box)
