"""Photographed material swatches laid on a surface at their real size, unit by unit.

A procedural brick is one flat tone per brick; a photographed one has fired spots, chipped arrises and mortar
that is never the same twice, which is what makes a wall read as built. A swatch tiled as it is repeats every
metre, and a homeowner sees the same dark brick come back across the facade, so each unit of the surface (a
brick, a length of board, a stretch of a tile row) is cut from a random unit of the swatch instead, at the
surface's own course and bond. Interlocking pavers and gravel have no rows to cut along and tile as they are.
The swatch is re-coloured to the asked colour in Lab, keeping its lightness detail, so one photograph serves
every colour of its material. It is sampled from a pyramid at the level that matches each pixel's footprint
(a driveway shrinks tenfold from the gate to the house). The files and their provenance: `swatches/README.md`.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources

import cv2
import numpy as np

from renovate_net.colour import lab_to_srgb, srgb_to_lab, srgb_to_linear
from renovate_net.simulator.textures import SurfaceCoords, cell_random

SHARPEN = 0.5  # unsharp-mask amount on each pyramid level: cameras sharpen, and laying it in softens it again;
ROOF_SHARPEN = 2.0  # more on roofs: the file's tile edges and lichen are soft where a photo of a roof is crisp
LEVEL_BIAS = 0.25 # pyramid levels this much finer than a pixel's footprint: a photo resolves its detail crisply


@dataclass(frozen=True)
class Swatch:
    """A swatch file, where its units lie in it (swatch px) and the size one unit has on the surface.
    layout: "units" cuts each unit at its joints (bricks, boards); "rows" cuts rows at any point along, for
    files whose units do not stand on a regular grid (tiles, slates, pavers); "periodic" tiles the file."""
    file: str
    cell: tuple[float, float]          # (height, length) of one unit in the file: a course and a brick, ...
    phase: tuple[float, float, float]  # row of a bed joint's centre; column of a head joint in even, odd rows
    unit_m: tuple[float, float]        # (height, length) of one unit on the surface, joint included, in metres
    bond: float = 0.0                  # each row shifted by this share of a unit (0.5: running bond)
    layout: str = "units"
    sharpen: float = SHARPEN                # unsharp-mask amount on each pyramid level
    tone: float = 0.12                      # each unit's brightness varies by this much (peak to peak)


# Rows and joints were read off each (512 px) file: row means peak at mortar, dip at a tile's shadow. Real sizes:
# the Belgian 210 x 50 mm brick slip with a 12 mm joint; 18 cm boards cut in 3 m lengths; clay pantiles of a 33 cm
# course and 18.5 cm cover width; slates of a 15 cm course; 220 x 65 mm clay pavers; 6-12 mm pea gravel (0.6 m a
# repeat, its source's size).
SWATCHES = {
    "brick": Swatch("red_brick_03.jpg", (512 / 14, 104.0), (7.0, 48.0, 86.0), (0.062, 0.222), 0.5),
    "wood-boards": Swatch("brown_planks_04.jpg", (512 / 6, 1422.0), (20.5, 0.0, 0.0), (0.18, 3.0), 0.37),
    "tiles": Swatch("roof_09.jpg", (512 / 6, 512.0), (29.0, 0.0, 0.0), (0.33, 2.04), 0.37, "rows", ROOF_SHARPEN),
    "slate": Swatch("slate_RoofingTiles003.jpg", (32.0, 512.0), (15.0, 0.0, 0.0), (0.15, 2.4), 0.37, "rows", ROOF_SHARPEN),
    "clay-pavers": Swatch("floor_klinkers_04.jpg", (512 / 17, 512.0), (28.5, 0.0, 0.0), (0.065, 1.1), 0.37, "rows"),
    "pavers": Swatch("MarekCobblestone0003.jpg", (256.0, 256.0), (0.0, 0.0, 0.0), (0.45, 0.45), 0.0, "periodic",
                     1.0),  # a small, soft file: its joints want more sharpening to read as crisp as a photo's
    # Gravel is cut in 15 cm strips from random places of the file: tiled as it is, its 0.6 m repeat shows as a
    # lattice across a driveway. Loose stones have no units, so no unit gets its own tone.
    "gravel": Swatch("DE_21_C6_Kies0001.jpg", (128.0, 512.0), (0.0, 0.0, 0.0), (0.15, 0.6), 0.37, "rows", tone=0.0),
}


def swatch_for(material_id: str, texture: str) -> str | None:
    """The SWATCHES key a material is drawn from (its own, else its texture's), None for procedural ones."""
    return material_id if material_id in SWATCHES else texture if texture in SWATCHES else None


@functools.lru_cache(maxsize=8)
def _pixels(file: str) -> np.ndarray:
    """The swatch as HxWx3 float32 sRGB in [0, 1]."""
    data = (resources.files(__package__) / "swatches" / file).read_bytes()
    bgr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB).astype(np.float32) / 255.0


@functools.lru_cache(maxsize=8)
def _median_lightness_chroma(file: str) -> tuple[float, float]:
    """The swatch's median L* and chroma: the colour the asked one replaces."""
    lab = srgb_to_lab(_pixels(file).reshape(-1, 3).astype(np.float64))
    return float(np.median(lab[:, 0])), max(float(np.median(np.hypot(lab[:, 1], lab[:, 2]))), 1e-3)


def recoloured(pixels: np.ndarray, colour: tuple[int, int, int], median_l: float, median_c: float) -> np.ndarray:
    """Swatch pixels in the asked colour: the swatch's median colour (`median_l`, `median_c`) moved onto it,
    lightness detail kept (in proportion: a dark material shows its grain darker), and chroma scaled with each
    pixel's own (grey mortar stays grey under any brick)."""
    lab = srgb_to_lab(pixels.reshape(-1, 3).astype(np.float64))
    target = srgb_to_lab(np.asarray(colour, np.float64) / 255.0)
    contrast = float(np.clip(target[0] / max(median_l, 1.0), 0.85, 1.2))
    share = np.clip(np.hypot(lab[:, 1], lab[:, 2]) / median_c, 0.0, 1.3)[:, None]
    out = np.empty_like(lab)
    out[:, 0] = target[0] + (lab[:, 0] - median_l) * contrast
    out[:, 1:] = target[1:] * share
    return np.clip(lab_to_srgb(out), 0.0, 1.0).reshape(pixels.shape).astype(np.float32)


@functools.lru_cache(maxsize=32)
def _level(file: str, colour: tuple[int, int, int], level: int, sharpen: float) -> np.ndarray:
    """Pyramid level `level` (each halves the size, area-averaged as a camera that far away sees it) of the
    swatch, sharpened, in the asked colour, as linear RGB."""
    pixels = _pixels(file)
    height, width = pixels.shape[:2]
    small = cv2.resize(pixels, (max(2, width >> level), max(2, height >> level)), interpolation=cv2.INTER_AREA)
    small = np.clip(small + sharpen * (small - cv2.GaussianBlur(small, (0, 0), 1.0)), 0.0, 1.0)
    return srgb_to_linear(recoloured(small, colour, *_median_lightness_chroma(file))).astype(np.float32)


def _position(swatch: Swatch, coords: SurfaceCoords, px_per_m: float,
              rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x, y) in the file's px for every pixel, and an index of the unit it lies in (for its tone; the same for
    every pixel of a periodic file, whose units are not told apart)."""
    cell_h, cell_l = swatch.cell
    height = _pixels(swatch.file).shape[0]
    row = np.floor(coords.v / (swatch.unit_m[0] * px_per_m))
    along = coords.u / (swatch.unit_m[1] * px_per_m) + swatch.bond * row
    col = np.floor(along)
    down, across = coords.v / (swatch.unit_m[0] * px_per_m) - row, along - col
    if swatch.layout == "periodic":
        return across * cell_l, down * cell_h, np.zeros_like(row)
    source_row = np.floor(cell_random(rng, row, col) * max(1, round(height / cell_h)))
    source_col = cell_random(rng, col, row) * 64.0
    if swatch.layout == "units":
        source_col = np.floor(source_col)
    head = np.where(source_row % 2 == 0, swatch.phase[1], swatch.phase[2])
    return (head + (source_col + across) * cell_l, swatch.phase[0] + (source_row + down) * cell_h,
            row * 4099.0 + col)


def _sample(file: str, colour: tuple[int, int, int], level: int, sharpen: float, x: np.ndarray,
            y: np.ndarray) -> np.ndarray:
    """Pyramid level `level` of the file sampled at (x, y), given in the full file's px (wrapping)."""
    mip = _level(file, colour, level, sharpen)
    height, width = _pixels(file).shape[:2]
    size = mip.shape[1::-1]
    map_x = np.mod(x * (size[0] / width), size[0]).astype(np.float32)
    map_y = np.mod(y * (size[1] / height), size[1]).astype(np.float32)
    return cv2.remap(mip, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_WRAP)


def swatch_albedo(coords: SurfaceCoords, key: str, colour: tuple[int, int, int], rng: np.random.Generator,
                  px_per_m: float) -> np.ndarray:
    """Linear-RGB albedo (HxWx3 float32) of swatch `key` over `coords` (image px along the surface's lines;
    `foot_u`, `foot_v`: one image pixel's size in those units), each unit cut from a random one of the file."""
    swatch = SWATCHES[key]
    x, y, unit = _position(swatch, coords, px_per_m, rng)
    height, width = _pixels(swatch.file).shape[:2]
    # Swatch px per image px, the geometric mean of the two axes: a surface seen at a slant (a roof, the ground)
    # is squeezed along one axis only, and its detail along the other must not be blurred with it.
    density = np.sqrt(swatch.cell[1] / (swatch.unit_m[1] * px_per_m) * np.asarray(coords.foot_u)
                      * swatch.cell[0] / (swatch.unit_m[0] * px_per_m) * np.asarray(coords.foot_v))
    level = np.clip(np.log2(np.maximum(density, 1.0)) - LEVEL_BIAS, 0, np.log2(min(width, height)) - 2)
    low = np.floor(level)
    sample = functools.partial(_sample, swatch.file, tuple(colour), sharpen=swatch.sharpen)
    if np.ndim(level) == 0:  # one footprint over the whole crop (a wall seen square on)
        share = float(level - low)
        albedo = sample(int(low), x=x, y=y) * (1.0 - share)
        if share > 0:
            albedo += sample(int(low) + 1, x=x, y=y) * share
    else:
        albedo = np.zeros(x.shape + (3,), np.float32)
        for step in np.unique(low).astype(int):
            pick = low == step
            rows, cols = np.nonzero(pick.any(axis=1))[0], np.nonzero(pick.any(axis=0))[0]
            box = (slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1))
            share = ((level[box] - step) * pick[box])[..., None]
            albedo[box] += sample(step, x=x[box], y=y[box]) * ((1.0 - share) * pick[box][..., None]) + \
                sample(step + 1, x=x[box], y=y[box]) * share
    if swatch.tone == 0:
        return albedo
    tone = 1.0 + swatch.tone * (cell_random(rng, unit) - 0.5)  # no two units of the file come back alike
    return albedo * tone[..., None].astype(np.float32)
