"""Procedural material albedos for the simulator and the synthetic house: render, brick slips, boards,
panels, tiles, slate, pavers, gravel.

Every texture is a function of material-space coordinates (`SurfaceCoords`: `u` along the surface's
horizontal lines, `v` along its vertical lines, in reference pixels, plus one image pixel's size in those
units), so one texture can be laid along a facade's lines or in perspective on the ground. It returns
an HxWx3 float32 sRGB albedo in [0, 1] whose median is close to the requested colour (joints and grain
are a small share), which keeps colour adherence measurable.
Thin joints are drawn with their pixel coverage (box-filtered), not thresholded, and patterns finer than
about 2 pixels fade to their average, so 2-3 px bricks on a 512 px photo do not alias into moiré.
"""
from __future__ import annotations

from dataclasses import dataclass

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


def visibility(period: float, footprint) -> np.ndarray | float:
    """1 where a pattern of `period` spans at least 2.2 pixels, fading to 0 at 1.2: finer patterns cannot
    be drawn without moiré, so they fade to their average (as a camera would blur them)."""
    return np.clip((period / np.maximum(footprint, 1e-3) - 1.2) / 1.0, 0.0, 1.0)


def joint_coverage(position: np.ndarray, period: float, width: float, footprint=1.0) -> np.ndarray:
    """Share of each pixel covered by joints `width` wide repeating every `period` along `position`;
    `footprint` is one pixel's size in the same units (a box filter, so thin joints do not alias)."""
    offset = np.abs(((position + period / 2.0) % period) - period / 2.0)  # distance to the nearest joint centre
    foot = np.maximum(footprint, 1e-3)
    cover = np.clip((width / 2.0 + foot / 2.0 - offset) / foot, 0.0, np.minimum(width / foot, 1.0))
    fade = visibility(period, footprint)
    return (fade * cover + (1.0 - fade) * (width / period)).astype(np.float32)


@dataclass
class SurfaceCoords:
    """Material-space coordinates of a crop: u along the surface's horizontals, v down its verticals (in
    reference pixels), and the size of one image pixel in those units along u and v."""
    u: np.ndarray
    v: np.ndarray
    foot_u: np.ndarray | float = 1.0
    foot_v: np.ndarray | float = 1.0


def _tint(colour: tuple[int, int, int], factor: np.ndarray) -> np.ndarray:
    """colour (sRGB 0..255) times a per-pixel brightness factor -> HxWx3 float32 sRGB."""
    base = np.asarray(colour, np.float32) / 255.0
    return np.clip(factor[..., None] * base, 0.0, 1.0).astype(np.float32)


def _mix(a: np.ndarray, b, t: np.ndarray) -> np.ndarray:
    return a + (np.asarray(b, np.float32) - a) * t[..., None]


def _bond(c: SurfaceCoords, rng, length: float, height: float, joint_u: float, joint_v: float):
    """Running bond: per-unit random tone and the joint coverage, for bricks, tiles, slates and pavers."""
    row = np.floor(c.v / height)
    shifted = c.u + (row % 2) * length / 2.0
    col = np.floor(shifted / length)
    tone = cell_random(rng, row, col) - 0.5
    joints = np.maximum(joint_coverage(c.v, height, joint_v, c.foot_v),
                        joint_coverage(shifted, length, joint_u, c.foot_u))
    # Units too small to draw still vary in tone: at a distance a brick wall is mottled, not flat paint.
    seen = 0.4 + 0.6 * visibility(min(length, height), np.maximum(c.foot_u, c.foot_v))
    return tone * seen, joints, (c.v / height) - row, (shifted / length) - col


def render(c: SurfaceCoords, colour, rng: np.random.Generator, px_per_m: float) -> np.ndarray:
    """Silicone render ("crepi"): fine grain plus faint trowel mottling about a metre across."""
    grain = cv2.GaussianBlur(rng.normal(0.0, 1.0, c.u.shape).astype(np.float32), (3, 3), 0.6)
    mottle = fbm(rng, c.u.shape, max(px_per_m, 8.0), 3)
    return _tint(colour, 1.0 + 0.035 * grain + 0.025 * mottle)


def brick(c: SurfaceCoords, colour, rng: np.random.Generator, px_per_m: float) -> np.ndarray:
    """Brick slips in running bond: 65 mm bricks + 10 mm joints per course, 210 mm long (Belgian format)."""
    course = 0.075 * px_per_m
    tone, joints, _, _ = _bond(c, rng, 2.93 * course, course, 0.1 * course, 0.14 * course)
    hue = cell_random(rng, np.floor(c.v / course), np.floor(c.u / (2.93 * course))) - 0.5
    albedo = _tint(colour, 1.0 + 0.32 * tone + 0.04 * fbm(rng, c.u.shape, max(course, 2.0), 2))
    albedo[..., 0] *= 1.0 + 0.08 * hue  # brick-to-brick warm/cool shift
    return _mix(albedo, (0.6, 0.58, 0.54), joints)


def wood_boards(c: SurfaceCoords, colour, rng: np.random.Generator, px_per_m: float) -> np.ndarray:
    """Horizontal 15 cm wood boards: grain streaks along u, tone per board, a shadow line under each overlap."""
    board = 0.15 * px_per_m
    row = np.floor(c.v / board)
    seen = visibility(board, c.foot_v)
    tone = (cell_random(rng, row) - 0.5) * seen
    streaks = rng.uniform(-1.0, 1.0, 512).astype(np.float32)
    streak = streaks[(np.floor(c.v * 2.5).astype(np.int64) + (c.u / 60).astype(np.int64) * 31) & 511]
    factor = 1.0 + 0.3 * tone + 0.05 * streak * seen + 0.04 * fbm(rng, c.u.shape, max(board / 2, 2.0), 2)
    frac = (c.v / board) - row  # 0 at the top of a board, 1 at its bottom edge
    overlap = np.clip((frac - 0.86) / 0.14, 0.0, 1.0) * seen + 0.07 * (1 - seen)
    return _tint(colour, factor * (1.0 - 0.45 * overlap))


def panels(c: SurfaceCoords, colour, rng: np.random.Generator, px_per_m: float) -> np.ndarray:
    """Fibre-cement panels (1.2 x 1.25 m) with thin dark joints and faint per-panel tone."""
    tone, joints, _, _ = _bond(c, rng, 1.2 * px_per_m, 1.25 * px_per_m, 0.012 * px_per_m, 0.012 * px_per_m)
    albedo = _tint(colour, 1.0 + 0.1 * tone + 0.02 * fbm(rng, c.u.shape, 24.0, 2))
    return _mix(albedo, albedo * 0.45, np.maximum(joints, 0.0))


def tiles(c: SurfaceCoords, colour, rng: np.random.Generator, px_per_m: float) -> np.ndarray:
    """Clay roof tiles: 30 cm rows, a rounded profile across each tile, a shadow under each row."""
    row_px = 0.3 * px_per_m
    tone, _, down, across = _bond(c, rng, 0.8 * row_px, row_px, 0.0, 0.0)
    seen = visibility(0.8 * row_px, c.foot_u)
    profile = 1.0 + seen * (0.16 * np.sin(np.pi * across) ** 0.6 - 0.1)  # the curve catches light mid-tile
    seen_rows = visibility(row_px, c.foot_v)
    shadow = 1.0 - seen_rows * 0.5 * np.clip((down - 0.75) / 0.25, 0.0, 1.0) - (1 - seen_rows) * 0.06
    factor = (1.0 + 0.24 * tone) * profile * shadow + 0.04 * fbm(rng, c.u.shape, 32.0, 2)
    return _tint(colour, factor)


def slate(c: SurfaceCoords, colour, rng: np.random.Generator, px_per_m: float) -> np.ndarray:
    """Natural slate: offset 20 cm rows of rectangular slates with thin dark gaps and tone per slate."""
    row_px = 0.2 * px_per_m
    tone, gaps, _, _ = _bond(c, rng, 1.4 * row_px, row_px, 0.06 * 1.4 * row_px, 0.12 * row_px)
    albedo = _tint(colour, 1.0 + 0.26 * tone + 0.03 * fbm(rng, c.u.shape, 6.0, 2))
    return _mix(albedo, albedo * 0.4, gaps)


def pavers(c: SurfaceCoords, colour, rng: np.random.Generator, px_per_m: float) -> np.ndarray:
    """20 x 10 cm pavers in stretcher bond (rows across the view), sand-filled joints, tone per paver."""
    tone, joints, _, _ = _bond(c, rng, 0.2 * px_per_m, 0.1 * px_per_m, 0.014 * px_per_m, 0.014 * px_per_m)
    albedo = _tint(colour, 1.0 + 0.28 * tone + 0.04 * fbm(rng, c.u.shape, 4.0, 2))
    return _mix(albedo, albedo * 0.62, joints)


def gravel(c: SurfaceCoords, colour, rng: np.random.Generator, px_per_m: float) -> np.ndarray:
    """Gravel: 2-3 cm pebbles of varied tone."""
    size = 0.025 * px_per_m
    pebbles = cell_random(rng, np.floor(c.u / size), np.floor(c.v / (0.7 * size))) - 0.5
    pebbles = cv2.GaussianBlur(pebbles * visibility(size, np.maximum(c.foot_u, c.foot_v)), (3, 3), 0.7)
    speckle = rng.normal(0.0, 1.0, c.u.shape).astype(np.float32)
    factor = 1.0 + 0.4 * pebbles + 0.07 * speckle + 0.05 * fbm(rng, c.u.shape, max(px_per_m, 8.0), 2)
    return _tint(colour, factor)


TEXTURES = {
    "render": render, "brick": brick, "wood-boards": wood_boards, "panels": panels,
    "tiles": tiles, "slate": slate, "pavers": pavers, "gravel": gravel,
}
