"""New materials drawn at the photo's full resolution, along the surface, under the photo's light: brick slips
and boards on the wall, tiles and slates on the roof, pavers and gravel on the driveway.

Cladding painted over the old wall reads as paint: the old wall's texture stays and the new one never appears;
a roof drawn small and blown up reads as smooth plastic. So render draws these materials itself, at their real
size: the scale comes from the windows and doors (scene analysis), wall courses and tile rows follow the lines
measured on the surface, pavers lie on the ground plane in perspective, and each unit is cut from a photographed
swatch (`simulator/swatches.py`; procedural where none is shipped). The photo's light is kept as a factor: its
luminance blurred about a brick course wide, relative to the surface's well-lit level, so cast shadows of eaves
and trees stay on the new surface and a dusk photo stays dusk. Whatever stands in front of a wall and was
labelled with it (lamps, railings, numbers, trim, vents: `foreground.py`), and leaves in front of a wall or roof
(the simulator's `foliage`), keep the photo.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import cv2
import numpy as np

from renovate_net.catalog import Material, RenovationType
from renovate_net.render.foreground import objects_in_front
from renovate_net.request import Choice
from renovate_net.resize import resize_pair
from renovate_net.simulator import textures
from renovate_net.simulator.canvas import Canvas, RegionMissing, exposure, feather
from renovate_net.simulator.resurface import driveway_region, foliage, roof_coords
from renovate_net.simulator.scene import (Scene, analyse, bbox, facade_coords, ground_coords, luminance,
                                         to_linear, to_srgb)
from renovate_net.simulator.swatches import swatch_albedo, swatch_for

LIGHT_SCALE_M = 0.06   # the photo's light is kept down to about a brick course; finer is the old material
LIT_PERCENTILE = 70    # the surface's light level that shows the asked colour as it is (its well-lit part)
NOISE_TILE = 128       # the photo's pixel noise is laid from one tile of this size
SMALL_PART = 0.01      # parts of a region smaller than this share of it are drawn together
ANALYSIS_PIXELS = 2.5e6  # larger photos are measured on a copy this size: their material is still drawn full size
BAND_ROWS = 512        # a part's material is drawn this many rows at a time (a 12-megapixel wall fits in memory)
_SRGB_TABLE = to_srgb(np.linspace(0.0, 1.0, 4096, dtype=np.float32))  # linear -> sRGB: a full-size power is slow

Coords = Callable[[np.ndarray, slice, slice], textures.SurfaceCoords]


def _to_srgb(linear: np.ndarray) -> np.ndarray:
    """Linear RGB -> sRGB in [0, 1] through the lookup table."""
    return _SRGB_TABLE[np.clip(linear * 4095.0 + 0.5, 0, 4095).astype(np.int32)]


def _light(scene: Scene, part: np.ndarray, rows: slice, cols: slice) -> np.ndarray:
    """The photo's light over a crop: luminance blurred about a course wide inside the part (objects and other
    regions left out, so a dark lamp does not darken the wall around it), 1 at the part's well-lit level."""
    inside = part[rows, cols].astype(np.float32)
    y = luminance(scene.linear[rows, cols]) * inside
    sigma = max(0.8, LIGHT_SCALE_M * scene.px_per_m)
    light = cv2.GaussianBlur(y, (0, 0), sigma) / (cv2.GaussianBlur(inside, (0, 0), sigma) + 1e-6)
    reference = max(float(np.percentile(light[inside > 0], LIT_PERCENTILE)), 1e-4)
    return light / reference


def _noise(tile: np.ndarray, rows: slice, cols: slice) -> np.ndarray:
    """The photo's own pixel noise (sRGB) over a crop, from one random tile laid over the whole photo: a drawn
    surface without it looks pasted."""
    y = np.arange(rows.start, rows.stop) % NOISE_TILE
    x = np.arange(cols.start, cols.stop) % NOISE_TILE
    return tile[y[:, None], x[None, :]]


def _parts(region: np.ndarray) -> list[np.ndarray]:
    """The region's connected parts that are large enough to measure their own lines on, and all the small ones
    together (drawn along the lines measured over them and what surrounds them)."""
    count, ids, stats, _ = cv2.connectedComponentsWithStats(region.astype(np.uint8), connectivity=8)
    area = stats[:, cv2.CC_STAT_AREA]
    large = area >= max(12, SMALL_PART * region.sum())
    large[0] = False
    parts = [ids == index for index in np.flatnonzero(large)]
    small = (area >= 12) & ~large
    small[0] = False
    if small.any():
        parts.append(small[ids])
    return parts


def _region_and_coords(scene: Scene, image: np.ndarray, kind: RenovationType) -> tuple[np.ndarray, Coords]:
    """Where a type's material goes and the surface coordinates it is laid along. Raises RegionMissing."""
    canvas = Canvas.start(scene)
    if kind.edits == "ground":
        return driveway_region(canvas), lambda part, rows, cols: ground_coords(scene, rows, cols)
    surface = scene.region(kind.edits) & ~foliage(canvas)
    if kind.edits == "roof":  # a roof's own courses, ridge tiles and channels are thin, contrasted structures:
        # the wall's test for objects in front takes half of a tiled roof for them (measured: 11-67% of the roof
        # on 20 held-out photos, which left the old tiles in patches), so only leaves stay in front of a roof
        return surface, lambda part, rows, cols: roof_coords(scene, part, rows, cols)
    region = surface & ~objects_in_front(image, surface, scene.px_per_m)
    return region, lambda part, rows, cols: facade_coords(scene, part, rows, cols)


def _albedo(material: Material, coords: textures.SurfaceCoords, colour: tuple[int, int, int],
            rng: np.random.Generator, px_per_m: float) -> np.ndarray:
    """Linear-RGB albedo of a material: its photographed swatch where one is shipped, else procedural."""
    key = swatch_for(material.id, material.texture)
    if key is not None:
        return swatch_albedo(coords, key, colour, rng, px_per_m)
    return to_linear(textures.TEXTURES[material.texture](coords, colour, rng, px_per_m))


def _upsampled(coords: textures.SurfaceCoords, light: np.ndarray, alpha: np.ndarray, size: tuple[int, int],
               factor: float) -> tuple[textures.SurfaceCoords, np.ndarray, np.ndarray]:
    """A crop's coordinates, light and alpha measured on the analysis copy, at the photo's size (`size` = (w, h)
    of the full crop): all three are smooth, and the coordinates scale with the pixels (a pixel's footprint in
    them does not change)."""
    def up(array):
        return cv2.resize(np.ascontiguousarray(array, np.float32), size, interpolation=cv2.INTER_LINEAR)

    def foot(value):
        return up(value) if np.ndim(value) else value

    scaled = textures.SurfaceCoords(up(coords.u) * factor, up(coords.v) * factor, foot(coords.foot_u),
                                    foot(coords.foot_v))
    return scaled, up(light), up(alpha)


@dataclass(frozen=True)
class Measured:
    """A photo measured once for all the materials drawn on it: the copy measured (the photo itself up to
    ANALYSIS_PIXELS, else a smaller copy), its scene, and how many photo pixels one pixel of the copy spans
    (`factor`, 1 for the photo itself; exactly, per axis)."""
    image: np.ndarray
    scene: Scene
    factor: float
    factor_y: float
    factor_x: float


def measure(image: np.ndarray, labels: np.ndarray) -> Measured:
    """The photo (HxWx3 uint8) with its labels, measured (region, lines, light) on a copy of at most
    ANALYSIS_PIXELS."""
    height, width = labels.shape
    factor = max(1.0, float(np.sqrt(height * width / ANALYSIS_PIXELS)))
    small, small_labels = (image, labels) if factor == 1.0 else \
        resize_pair(image, labels, round(max(height, width) / factor))
    return Measured(small, analyse(small, small_labels), factor, height / small_labels.shape[0],
                    width / small_labels.shape[1])


def drawn_surface(image: np.ndarray, labels: np.ndarray, kind: RenovationType, choice: Choice,
                  seed: int = 0, measured: Measured | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(drawn HxWx3 uint8, cover HxW float32) at the photo's size: the photo with the region of `kind` (a wall,
    roof or driveway type) re-surfaced in the chosen material and colour, and how much of each pixel the drawing
    covers (0 where the photo stays: outside the region, and what stands in front of it). A photo larger than
    ANALYSIS_PIXELS is measured (region, lines, light) on a smaller copy, and its material drawn at full size;
    `measured` (from `measure`) spares measuring the photo again for each material drawn on it."""
    height, width = labels.shape
    measured = measured or measure(image, labels)
    small, scene, factor = measured.image, measured.scene, measured.factor
    factor_y, factor_x = measured.factor_y, measured.factor_x
    drawn = image.copy()
    cover = np.zeros(labels.shape, np.float32)
    try:
        region, coords_of = _region_and_coords(scene, small, kind)
    except RegionMissing:
        return drawn, cover
    material = kind.material(choice.material_id)
    rng = np.random.default_rng([seed, kind.index])
    tint = exposure(scene)
    noise = rng.normal(0.0, scene.noise, (NOISE_TILE, NOISE_TILE, 3)).astype(np.float32)
    for part in _parts(region):
        rows, cols = bbox(part, pad=3)
        coords, light, alpha = coords_of(part, rows, cols), _light(scene, part, rows, cols), feather(part[rows, cols])
        if factor > 1.0:
            rows = slice(round(rows.start * factor_y), min(height, round(rows.stop * factor_y)))
            cols = slice(round(cols.start * factor_x), min(width, round(cols.stop * factor_x)))
            size = (cols.stop - cols.start, rows.stop - rows.start)
            coords, light, alpha = _upsampled(coords, light, alpha, size, (factor_x + factor_y) / 2)
        state = rng.bit_generator.state  # every band of the part draws the same bricks from the same tables
        for start in range(0, rows.stop - rows.start, BAND_ROWS):
            rng.bit_generator.state = state
            band = slice(start, min(start + BAND_ROWS, rows.stop - rows.start))
            _draw_band(image, drawn, cover, (slice(rows.start + band.start, rows.start + band.stop), cols),
                       _albedo(material, _band(coords, band), choice.colour, rng,
                               scene.px_per_m * (factor_x + factor_y) / 2) * tint,
                       light[band], alpha[band], noise)
    return drawn, cover


def _band(coords: textures.SurfaceCoords, band: slice) -> textures.SurfaceCoords:
    """The rows `band` of a crop's coordinates."""
    def rows(value):
        return value[band] if np.ndim(value) else value

    return textures.SurfaceCoords(coords.u[band], coords.v[band], rows(coords.foot_u), rows(coords.foot_v))


def _draw_band(image: np.ndarray, drawn: np.ndarray, cover: np.ndarray, box: tuple[slice, slice],
               linear: np.ndarray, light: np.ndarray, alpha: np.ndarray, noise: np.ndarray) -> None:
    """Blend a band of new surface (linear albedo x exposure, times the photo's `light`) into `drawn` over the
    box with `alpha`, and record the alpha in `cover`; only the pixels drawn are converted."""
    inside = alpha > 1.0 / 255
    rgb = _to_srgb(linear[inside] * light[inside][:, None]) + _noise(noise, *box)[inside]
    blend_in(image, drawn, cover, box, inside, rgb * 255.0, alpha)


def blend_in(image: np.ndarray, drawn: np.ndarray, cover: np.ndarray, box: tuple[slice, slice], inside: np.ndarray,
             rgb: np.ndarray, alpha: np.ndarray) -> None:
    """Blend new colours `rgb` (N x 3, 0-255, one per True pixel of `inside` in the box) over `image` into `drawn`
    with `alpha` (the box's), and record the alpha in `cover`; only those pixels are written (another drawing may
    share the box)."""
    before = image[box][inside].astype(np.float32)
    blended = before + (rgb - before) * alpha[inside][:, None]
    drawn[box][inside] = np.clip(np.rint(blended), 0, 255).astype(np.uint8)
    np.maximum(cover[box], np.where(inside, alpha, 0.0), out=cover[box])
