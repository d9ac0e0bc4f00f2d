"""Procedural material albedos for the simulator and the synthetic house: render, brick slips, boards,
panels, tiles, slate, pavers, gravel.

Every texture is a function of material-space coordinates `u` (along the surface's horizontal lines) and
`v` (along its vertical lines), both in pixels of the output image, so one texture can be laid along a
facade's own lines. It returns an HxWx3 float32 sRGB albedo in [0, 1] whose median is close to the
requested colour (joints and grain are a small share), which keeps colour adherence measurable.
Thin joints are drawn with their pixel coverage (box-filtered), not thresholded, so 2-3 px bricks on a
512 px photo do not alias into moiré.
"""
from __future__ import annotations

import cv2
import numpy as np

_TABLE = 4096  # size of the per-cell random lookup (cells hash into it)


def value_noise(rng: np.random.Generator, shape: tuple[int, int], cell: float) -> np.ndarray:
    """Smooth noise in about [-1, 1]: a random grid with one value per `cell` px, bicubically upsampled."""
    h, w = shape
    gh, gw = max(2, int(np.ceil(h / cell)) + 2), max(2, int(np.ceil(w / cell)) + 2)
    grid = rng.uniform(-1.0, 1.0, (gh, gw)).astype(np.float32)
    big = cv2.resize(grid, (int(gw * cell), int(gh * cell)), interpolation=cv2.INTER_CUBIC)
    return big[:h, :w]


def fbm(rng: np.random.Generator, shape: tuple[int, int], cell: float, octaves: int = 3) -> np.ndarray:
    """Fractal noise: octaves of value noise, each half the cell size and half the amplitude."""
    total = np.zeros(shape, np.float32)
    amplitude, norm = 1.0, 0.0
    for _ in range(octaves):
        total += amplitude * value_noise(rng, shape, max(cell, 1.0))
        norm += amplitude
        cell, amplitude = cell / 2.0, amplitude / 2.0
    return total / norm


def cell_random(rng: np.random.Generator, *indices: np.ndarray) -> np.ndarray:
    """A deterministic random value in [0, 1) per integer cell (row, column, ...): one table, hashed."""
    table = rng.random(_TABLE).astype(np.float32)
    key = np.zeros(np.shape(indices[0]), np.int64)
    for prime, index in zip((73856093, 19349663, 83492791), indices):
        key ^= index.astype(np.int64) * prime
    return table[key & (_TABLE - 1)]


def joint_coverage(position: np.ndarray, period: float, width: float) -> np.ndarray:
    """Share of each pixel covered by joints `width` px wide repeating every `period` px along `position`."""
    offset = np.abs(((position + period / 2.0) % period) - period / 2.0)  # distance to the nearest joint centre
    return np.clip(width / 2.0 + 0.5 - offset, 0.0, min(width, 1.0)).astype(np.float32)


def _tint(colour: tuple[int, int, int], factor: np.ndarray) -> np.ndarray:
    """colour (sRGB 0..255) times a per-pixel brightness factor -> HxWx3 float32 sRGB."""
    base = np.asarray(colour, np.float32) / 255.0
    return np.clip(factor[..., None] * base, 0.0, 1.0)


def _mix(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    return a + (b - a) * t[..., None]


def render(u: np.ndarray, v: np.ndarray, colour, rng: np.random.Generator, px_per_m: float) -> np.ndarray:
    """Silicone render ("crepi"): fine grain plus faint trowel mottling about a metre across."""
    shape = u.shape
    grain = rng.normal(0.0, 1.0, shape).astype(np.float32)
    grain = cv2.GaussianBlur(grain, (3, 3), 0.6)
    mottle = fbm(rng, shape, max(px_per_m, 8.0), 3)
    return _tint(colour, 1.0 + 0.035 * grain + 0.025 * mottle)


def brick(u: np.ndarray, v: np.ndarray, colour, rng: np.random.Generator, px_per_m: float) -> np.ndarray:
    """Brick slips in running bond: 65 mm bricks + 10 mm joints per course, 210 mm long (Belgian format)."""
    course = 0.075 * px_per_m
    length = 2.93 * course
    row = np.floor(v / course)
    shifted = u + (row % 2) * length / 2.0
    col = np.floor(shifted / length)
    tone = cell_random(rng, row, col)
    hue = cell_random(rng, row + 7, col + 3)
    factor = 0.84 + 0.3 * tone + 0.05 * fbm(rng, u.shape, max(course, 2.0), 2)
    albedo = _tint(colour, factor)
    albedo[..., 0] *= 0.96 + 0.08 * hue  # brick-to-brick warm/cool shift
    joint = np.maximum(joint_coverage(v, course, 0.14 * course), joint_coverage(shifted, length, 0.05 * length))
    mortar = np.full_like(albedo, 0.0) + np.array([0.62, 0.6, 0.56], np.float32)
    return _mix(albedo, mortar, joint)


def wood_boards(u: np.ndarray, v: np.ndarray, colour, rng: np.random.Generator, px_per_m: float) -> np.ndarray:
    """Horizontal 15 cm wood boards: grain streaks along u, tone per board, a shadow line under each overlap."""
    board = 0.15 * px_per_m
    row = np.floor(v / board)
    tone = cell_random(rng, row)
    streak_rng = rng.uniform(-1.0, 1.0, 512).astype(np.float32)
    streak = streak_rng[(np.floor(v * 2.5).astype(np.int64) + (u / 60).astype(np.int64) * 31) & 511]
    grain = fbm(rng, u.shape, max(board / 2, 2.0), 2)
    factor = 0.82 + 0.3 * tone + 0.06 * streak + 0.05 * grain
    frac = (v / board) - row  # 0 at the top of a board, 1 at its bottom edge
    factor *= 1.0 - 0.45 * np.clip((frac - 0.86) / 0.14, 0.0, 1.0)  # shadow where the next board overlaps
    return _tint(colour, factor)


def panels(u: np.ndarray, v: np.ndarray, colour, rng: np.random.Generator, px_per_m: float) -> np.ndarray:
    """Fibre-cement panels (1.2 x 1.25 m) with thin dark joints and faint per-panel tone."""
    width, height = px_per_m * 1.2, px_per_m * 1.25
    tone = cell_random(rng, np.floor(u / width), np.floor(v / height))
    factor = 0.94 + 0.12 * tone + 0.02 * fbm(rng, u.shape, 24.0, 2)
    albedo = _tint(colour, factor)
    joint = np.maximum(joint_coverage(u, width, 0.8), joint_coverage(v, height, 0.8))
    return _mix(albedo, albedo * 0.45, joint)


def tiles(u: np.ndarray, v: np.ndarray, colour, rng: np.random.Generator, px_per_m: float) -> np.ndarray:
    """Clay roof tiles: 30 cm rows, a rounded profile across each tile, a shadow under each row."""
    row_px = max(0.3 * px_per_m, 2.0)
    width = row_px * 0.8
    row = np.floor(v / row_px)
    shifted = u + (row % 2) * width / 2.0
    col = np.floor(shifted / width)
    tone = cell_random(rng, row, col)
    across = (shifted / width) - col
    profile = 0.9 + 0.16 * np.sin(np.pi * across) ** 0.6  # the tile's curve catches light in its middle
    frac = (v / row_px) - row
    shadow = 1.0 - 0.5 * np.clip((frac - 0.75) / 0.25, 0.0, 1.0)
    factor = (0.86 + 0.24 * tone) * profile * shadow + 0.04 * fbm(rng, u.shape, 32.0, 2)
    return _tint(colour, factor)


def slate(u: np.ndarray, v: np.ndarray, colour, rng: np.random.Generator, px_per_m: float) -> np.ndarray:
    """Natural slate: offset 20 cm rows of rectangular slates with thin dark gaps and tone per slate."""
    row_px = max(0.2 * px_per_m, 2.0)
    width = row_px * 1.4
    row = np.floor(v / row_px)
    shifted = u + (row % 2) * width / 2.0
    col = np.floor(shifted / width)
    tone = cell_random(rng, row, col)
    factor = 0.86 + 0.26 * tone + 0.03 * fbm(rng, u.shape, 6.0, 2)
    albedo = _tint(colour, factor)
    gap = np.maximum(joint_coverage(v, row_px, 0.12 * row_px), joint_coverage(shifted, width, 0.06 * width))
    return _mix(albedo, albedo * 0.4, gap)


def pavers(u: np.ndarray, v: np.ndarray, colour, rng: np.random.Generator, px_per_m: float) -> np.ndarray:
    """20 x 10 cm pavers in stretcher bond (rows across the view), sand-filled joints, tone per paver."""
    length, height = max(0.2 * px_per_m, 2.0), max(0.1 * px_per_m, 1.0)
    row = np.floor(v / height)
    shifted = u + (row % 2) * length / 2.0
    col = np.floor(shifted / length)
    tone = cell_random(rng, row, col)
    factor = 0.85 + 0.28 * tone + 0.05 * fbm(rng, u.shape, 4.0, 2)
    albedo = _tint(colour, factor)
    joint = np.maximum(joint_coverage(v, height, 0.14 * height), joint_coverage(shifted, length, 0.07 * length))
    return _mix(albedo, albedo * 0.62, joint)


def gravel(u: np.ndarray, v: np.ndarray, colour, rng: np.random.Generator, px_per_m: float) -> np.ndarray:
    """Gravel: 2-3 cm pebbles of varied tone."""
    shape, size = u.shape, 0.025 * px_per_m
    pebbles = cell_random(rng, np.floor(u / max(size, 1.0)), np.floor(v / max(size * 0.7, 1.0)))
    pebbles = cv2.GaussianBlur(pebbles, (3, 3), 0.7)
    speckle = rng.normal(0.0, 1.0, shape).astype(np.float32)
    factor = 0.8 + 0.4 * pebbles + 0.07 * speckle + 0.05 * fbm(rng, shape, max(px_per_m, 8.0), 2)
    return _tint(colour, factor)


TEXTURES = {
    "render": render, "brick": brick, "wood-boards": wood_boards, "panels": panels,
    "tiles": tiles, "slate": slate, "pavers": pavers, "gravel": gravel,
}
