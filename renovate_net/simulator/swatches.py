"""Photographed material swatches laid on a surface at their real size, brick by brick or board by board.

A procedural brick is one flat tone per brick; a photographed one has fired spots, chipped arrises and mortar
that is never the same twice, which is what makes a wall read as built. A swatch tiled as it is repeats every
metre, and a homeowner sees the same dark brick come back across the facade, so each unit (a brick, a length of
board) of the wall is cut from a random unit of the swatch instead, at the wall's own course and bond. The
swatch is re-coloured to the asked colour in Lab, keeping its lightness detail, so one photograph serves every
colour of its material. The files and their provenance: `swatches/README.md`.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources

import cv2
import numpy as np

from renovate_net.colour import lab_to_srgb, srgb_to_lab, srgb_to_linear
from renovate_net.simulator.textures import SurfaceCoords, cell_random


@dataclass(frozen=True)
class Swatch:
    """A swatch file and where its units lie in it (swatch px), with the size one unit has on a wall."""
    file: str
    cell: tuple[float, float]         # (height, length) of one unit in the file: a course and a brick, ...
    phase: tuple[float, float, float]  # row of a bed joint's centre; column of a head joint in even, odd rows
    unit_m: tuple[float, float]       # (height, length) of one unit on the wall, joint included, in metres
    bond: float                       # each row shifted by this share of a unit (0.5: running bond)


# Phases were read off each file: bed joints where the row means peak, head joints where a course's column
# means do. Brick slips: the Belgian 210 x 50 mm slip with a 12 mm joint. Boards: 18 cm of cover each, cut in
# 3 m lengths (butt joints), from a file that shows no joint across its width.
SWATCHES = {
    "brick": Swatch("red_brick_03.jpg", (512 / 14, 104.0), (7.0, 48.0, 86.0), (0.062, 0.222), 0.5),
    "wood-boards": Swatch("brown_planks_04.jpg", (512 / 6, 1422.0), (20.5, 0.0, 0.0), (0.18, 3.0), 0.37),
}


@functools.lru_cache(maxsize=4)
def _pixels(file: str) -> np.ndarray:
    """The swatch as HxWx3 float32 sRGB in [0, 1]."""
    data = (resources.files(__package__) / "swatches" / file).read_bytes()
    bgr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB).astype(np.float32) / 255.0


@functools.lru_cache(maxsize=4)
def _median_lightness_chroma(file: str) -> tuple[float, float]:
    """The swatch's median L* and chroma: the colour the asked one replaces."""
    lab = srgb_to_lab(_pixels(file).reshape(-1, 3).astype(np.float64))
    return float(np.median(lab[:, 0])), max(float(np.median(np.hypot(lab[:, 1], lab[:, 2]))), 1e-3)


def recoloured(pixels: np.ndarray, colour: tuple[int, int, int], median_l: float, median_c: float) -> np.ndarray:
    """Swatch pixels in the asked colour: the swatch's median colour (`median_l`, `median_c`) moved onto it,
    lightness detail kept, and chroma scaled with each pixel's own (grey mortar stays grey under any brick)."""
    lab = srgb_to_lab(pixels.reshape(-1, 3).astype(np.float64))
    target = srgb_to_lab(np.asarray(colour, np.float64) / 255.0)
    share = np.clip(np.hypot(lab[:, 1], lab[:, 2]) / median_c, 0.0, 1.8)[:, None]
    out = np.empty_like(lab)
    out[:, 0] = target[0] + (lab[:, 0] - median_l)
    out[:, 1:] = target[1:] * share
    return np.clip(lab_to_srgb(out), 0.0, 1.0).reshape(pixels.shape).astype(np.float32)


@functools.lru_cache(maxsize=8)
def _mip(texture: str, colour: tuple[int, int, int], size: tuple[int, int]) -> np.ndarray:
    """The swatch resized to `size` (area-averaged, as a camera that far away sees it), in the asked colour,
    as linear RGB."""
    swatch = SWATCHES[texture]
    small = cv2.resize(_pixels(swatch.file), size, interpolation=cv2.INTER_AREA)
    return srgb_to_linear(recoloured(small, colour, *_median_lightness_chroma(swatch.file))).astype(np.float32)


def swatch_albedo(coords: SurfaceCoords, texture: str, colour: tuple[int, int, int], rng: np.random.Generator,
                  px_per_m: float) -> np.ndarray:
    """Linear-RGB albedo (HxWx3 float32) of `texture` over `coords` (image px along the surface's lines), each
    unit cut from a random unit of the swatch, at the swatch's resolution matched to the photo's."""
    swatch = SWATCHES[texture]
    cell_h, cell_l = swatch.cell
    unit_h, unit_l = swatch.unit_m[0] * px_per_m, swatch.unit_m[1] * px_per_m  # image px per unit
    height, width = _pixels(swatch.file).shape[:2]
    step_v, step_u = max(cell_h / unit_h, 1.0), max(cell_l / unit_l, 1.0)  # swatch px per image px
    small = (max(2, round(width / step_u)), max(2, round(height / step_v)))
    mip = _mip(texture, tuple(colour), small)
    scale_x, scale_y = small[0] / width, small[1] / height

    row = np.floor(coords.v / unit_h)
    along = coords.u / unit_l + swatch.bond * row
    col = np.floor(along)
    rows_in_file = max(1, round(height / cell_h))
    source_row = np.floor(cell_random(rng, row, col) * rows_in_file)
    source_col = np.floor(cell_random(rng, col, row) * 64.0)
    head = np.where(source_row % 2 == 0, swatch.phase[1], swatch.phase[2])
    y = (swatch.phase[0] + (source_row + coords.v / unit_h - row) * cell_h) * scale_y
    x = (head + (source_col + along - col) * cell_l) * scale_x
    x, y = np.mod(x, small[0]).astype(np.float32), np.mod(y, small[1]).astype(np.float32)
    albedo = cv2.remap(mip, x, y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_WRAP)
    tone = 1.0 + 0.12 * (cell_random(rng, row, col) - 0.5)  # no two bricks of the file come back alike
    return albedo * tone[..., None].astype(np.float32)
