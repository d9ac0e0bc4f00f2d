"""Additive renovation: solar panels in rows on the roof plane.

Panels (1.05 x 1.75 m, portrait) are laid on a grid aligned with the roof's eave lines, from the eave up,
keeping only whole panels that sit inside the roof with a 25 cm margin, the longest run per row
(landscape when that fits more). Each
panel has an aluminium frame, a cell grid (faint on all-black mono, visible on blue poly with crystal
flakes), and reflects the photo's sky (more near the top of the array, varying smoothly), and casts a
thin contact shadow on the roof below it, offset away from the sun.
"""
from __future__ import annotations

import cv2
import numpy as np

from renovate_net.catalog import Material
from renovate_net.simulator import textures
from renovate_net.simulator.canvas import Canvas, RegionMissing, exposure, feather
from renovate_net.simulator.resurface import ROOF_FORESHORTENING
from renovate_net.simulator.scene import bbox, components, facade_coords, shading, to_linear, to_srgb
from renovate_net.request import Choice

PANEL_W, PANEL_H, MARGIN = 1.05, 1.75, 0.25  # metres


def _rectangle(full: np.ndarray) -> np.ndarray:
    """The largest block of whole panels (grid row 0 at the eave) made of the first rows, from the lowest
    row with two panels up, that share a column range: arrays are installed as neat rectangles."""
    chosen = np.zeros_like(full)
    rows = [r for r in range(full.shape[0]) if full[r].sum() >= 2]
    if not rows:
        return chosen
    best, common = (0, 0, 0, 0), np.ones(full.shape[1], bool)
    for count, r in enumerate(range(rows[0], full.shape[0]), start=1):
        common &= full[r]
        edges = np.flatnonzero(np.diff(np.concatenate([[0], common.astype(np.int8), [0]])))
        length, start = max(((b - a, a) for a, b in zip(edges[::2], edges[1::2])), default=(0, 0))
        if length < 2:
            break
        if count * length > best[0]:
            best = (count * length, rows[0], count, (start, length))
    if best[0]:
        _, first, count, (start, length) = best
        chosen[first:first + count, start:start + length] = True
    return chosen


def _layout(inside: np.ndarray, u: np.ndarray, v: np.ndarray, pw: float, ph: float, rows: int,
            rng: np.random.Generator) -> tuple[np.ndarray, float, float]:
    """The pixels of whole panels inside `inside`, on a grid from the eave up, best of a few grid phases;
    with the grid's origin (u, v) so frames can be drawn on it."""
    best, best_phase, best_v0 = np.zeros_like(inside), 0.0, 0.0
    for lift in (0.0, ph / 3, 2 * ph / 3):
        v0 = float(v[inside].max()) - lift
        row = np.floor((v0 - v) / ph).astype(np.int64)
        valid = (row >= 0) & (row < rows + 2)
        if not valid.any():  # a roof sliver thinner than the lift: no grid row starts on it
            continue
        for phase in rng.uniform(0.0, pw, 3):
            col = np.floor((u - phase) / pw).astype(np.int64)
            col -= col[valid].min()
            width = int(col[valid].max()) + 1
            key = np.where(valid, row * width + col, 0)
            total = np.bincount(key[valid], minlength=(rows + 2) * width)
            full = (np.bincount(key[valid & inside], minlength=total.size) == total) & (total > 0)
            grid = _rectangle(full.reshape(rows + 2, width))
            grid[np.cumsum(grid.any(axis=1)) > rows] = False  # at most `rows` rows
            chosen = grid.ravel()[key] & valid
            if chosen.sum() > best.sum():
                best, best_phase, best_v0 = chosen, float(phase), v0
    return best, best_phase, best_v0


def solar_panels(canvas: Canvas, choice: Choice, material: Material, rng: np.random.Generator) -> None:
    """solar-panels: a rectangular array on the largest roof part, with its contact shadow."""
    scene = canvas.scene
    parts = components(canvas.free("roof"), int(0.002 * scene.labels.size))
    if not parts:
        raise RegionMissing("no roof")
    part = max(parts, key=lambda p: p[0].sum())[0]
    rows, cols = bbox(part, pad=4)
    c = facade_coords(scene, part, rows, cols)
    u, v = c.u, c.v / ROOF_FORESHORTENING
    k = scene.px_per_m
    margin = max(1, int(round(MARGIN * k * ROOF_FORESHORTENING)))
    inside = cv2.erode(part[rows, cols].astype(np.uint8), np.ones((2 * margin + 1, 2 * margin + 1), np.uint8)) > 0
    if inside.sum() < 20:
        raise RegionMissing("roof too small for panels")
    if PANEL_W * k * ROOF_FORESHORTENING < 3:
        raise RegionMissing("roof too far away for panels")
    max_rows = int(rng.integers(2, 6))
    layouts = [(*_layout(inside, u, v, pw * k, ph * k, max_rows, rng), pw * k, ph * k)
               for pw, ph in ((PANEL_W, PANEL_H), (PANEL_H, PANEL_W))]  # portrait, else landscape
    array, phase, v0, pw, ph = max(layouts, key=lambda layout: layout[0].sum())
    if not array.any():
        raise RegionMissing("no room for two panels side by side")
    _draw(canvas, choice, material, rng, rows, cols, c, u - phase, v0 - v, array, pw, ph)
    _shadow(canvas, rows, cols, part, array, k)
    full = np.zeros_like(part)
    full[rows, cols] = array
    canvas.occupied |= full


def _draw(canvas, choice, material, rng, rows, cols, c, u, v, array, pw, ph) -> None:
    """Frames, cell grid (6 x 10 cells), colour and flakes, then the photo's light and sky reflection."""
    scene = canvas.scene
    k = scene.px_per_m
    across, down = (6, 10) if pw < ph else (10, 6)
    poly = material.texture == "solar-poly"
    frame = np.maximum(textures.joint_coverage(u, pw, 0.07 * k, c.foot_u),
                       textures.joint_coverage(v, ph, 0.07 * k, np.asarray(c.foot_v) / ROOF_FORESHORTENING))
    grid = np.maximum(textures.joint_coverage(u, pw / across, 0.006 * k, c.foot_u),
                      textures.joint_coverage(v, ph / down, 0.006 * k, np.asarray(c.foot_v) / ROOF_FORESHORTENING))
    base = to_linear(np.asarray(choice.colour, np.float32) / 255.0)
    cells = base * (1.0 + (0.08 if poly else 0.02) * textures.fbm(rng, u.shape, 2.0, 2))[..., None]
    if poly:  # polycrystalline flakes: per-cell tone and a glittery fine pattern
        flake = textures.cell_random(rng, np.floor(u / (pw / across)), np.floor(v / (ph / down))) - 0.5
        cells = cells * (1.0 + 0.18 * flake)[..., None]
    grid_colour = np.array([0.55, 0.57, 0.6] if poly else [0.06, 0.06, 0.07], np.float32)
    cells = cells + (grid_colour - cells) * (grid * (0.6 if poly else 0.3))[..., None]
    frame_colour = np.array([0.02, 0.02, 0.025] if material.id == "all-black-mono" else [0.35, 0.36, 0.38], np.float32)
    surface = cells + (frame_colour - cells) * frame[..., None]
    full = np.zeros(scene.labels.shape, bool)
    full[rows, cols] = array
    light = 1.0 + 0.5 * (np.clip(shading(scene, full, rows, cols, 0.0), 0.3, 2.0) - 1.0)
    h, w = u.shape
    gradient = np.linspace(1.0, 0.4, h, dtype=np.float32)[:, None] * (1 + 0.3 * textures.value_noise(rng, (h, w), w / 2))
    reflect = np.clip(0.12 * gradient, 0.02, 0.25)[..., None]
    linear = surface * light[..., None] * exposure(scene) * (1 - reflect) + reflect * scene.sky_colour * 1.2
    rgb = to_srgb(linear) + rng.normal(0.0, scene.noise, linear.shape).astype(np.float32)
    canvas.paint(rows, cols, rgb, feather(array, 0.5))


def _shadow(canvas: Canvas, rows, cols, part, array, k) -> None:
    """Panels stand about 10 cm off the roof: a thin soft shadow below them, shifted away from the sun."""
    scene = canvas.scene
    drop = max(1.0, 0.12 * k * ROOF_FORESHORTENING)
    shift = np.float32([[1, 0, -scene.light_x * drop], [0, 1, drop]])
    cast = cv2.warpAffine(array.astype(np.float32), shift, array.shape[::-1])
    cast = cv2.GaussianBlur(cast, (0, 0), max(0.6, drop / 2))
    roof = part[rows, cols] & ~array
    factor = np.where(roof, 1.0 - 0.45 * np.clip(cast, 0, 1), 1.0).astype(np.float32)
    factor[factor > 0.995] = 1.0
    canvas.darken(rows, cols, factor)
