"""Eave lines of a roof part in the photo: where the roof meets a wall below it, as straight image lines.

The part's lower boundary over a wall (the lowest in each column first, the front roof; then the next one up, an
upper storey's roof) is cut into straight pieces. A piece broken by a tree in front of the eave is grown along
its line while the roof goes on just above it, then fitted again to all the boundary it spans, then to the
photo's own edge along it (the gutter is sharper than the labels). A line that does not run the way the siding
under it does is a gable's verge, not an eave.
"""
from __future__ import annotations

import cv2
import numpy as np

from renovate_net.labels import LABEL_ID
from renovate_net.simulator.scene import Scene, line_angle, luminance

MIN_EAVE_M = 2.4       # an eave shorter than two panels side by side holds no array
WALLISH = (LABEL_ID["wall"], LABEL_ID["window"], LABEL_ID["door"])


def eave_lines(scene: Scene, part: np.ndarray, joined: np.ndarray) -> list[tuple[float, float, tuple[int, int]]]:
    """(slope, intercept, (first column, last column)) of each eave of a roof part (`joined`: the part with the
    trees in front of it), each eave once."""
    k = scene.px_per_m
    edge = _boundary(scene, part)
    lines: list[tuple[float, float, tuple[int, int]]] = []
    for slope, intercept, x_lo, x_hi in _eaves(edge, k):
        span = _extend(joined, slope, intercept, (x_lo, x_hi), k)
        slope, intercept = _refit(edge, slope, intercept, span, k)
        slope, intercept = _edge_slope(scene, slope, intercept, *span)
        row = slope * (span[0] + span[1]) / 2 + intercept
        if not _like_facade(scene, slope, intercept, span):
            continue  # a gable's verge over its wall, not an eave
        if any(a <= span[0] and span[1] <= b and abs(row - (m * (a + b) / 2 + c)) < 0.3 * k
               for m, c, (a, b) in lines):
            continue  # another piece of an eave already found
        lines.append((slope, intercept, span))
    return lines


def _boundary(scene: Scene, part: np.ndarray) -> np.ndarray:
    """The part's pixels that have a wall (or a window, a door, a gutter's 'other') just below them."""
    wallish = np.isin(scene.labels, WALLISH + (LABEL_ID["other"],))
    edge = part.copy()
    edge[:-2] &= wallish[2:] & ~part[1:-1]
    edge[-2:] = False
    return edge


def _eaves(edge: np.ndarray, k: float) -> list[tuple[float, float, int, int]]:
    """Straight runs (slope, intercept, first column, last column) of a roof part's boundary over a wall: the
    lowest boundary of each column first (the front roof), then the next one up (an upper storey's roof)."""
    edge = edge.copy()
    eaves = []
    for _ in range(2):
        rows = edge.shape[0] - 1 - np.argmax(edge[::-1], axis=0)
        cols = np.flatnonzero(edge.any(axis=0))
        if cols.size == 0:
            break
        profile = rows[cols].astype(np.float64)
        for first, last in _pieces(cols.astype(np.float64), profile, max(1.5, 0.1 * k), 0.8 * k):
            xs, ys = cols[first:last + 1].astype(np.float64), profile[first:last + 1]
            if xs[-1] - xs[0] >= MIN_EAVE_M * k:
                slope, intercept = np.polyfit(xs, ys, 1)
                eaves.append((float(slope), float(intercept), int(xs[0]), int(xs[-1])))
        edge[rows[cols], cols] = False
    return eaves


def _pieces(xs: np.ndarray, ys: np.ndarray, tolerance: float, gap: float) -> list[tuple[int, int]]:
    """Index ranges of a profile cut where columns jump by more than `gap` or the profile by more than
    `tolerance`, then split until each piece is straight within `tolerance` (Douglas-Peucker)."""
    breaks = np.flatnonzero((np.diff(xs) > gap) | (np.abs(np.diff(ys)) > 2 * tolerance))
    pending = list(zip(np.concatenate([[0], breaks + 1]), np.concatenate([breaks, [xs.size - 1]])))
    pieces = []
    while pending:
        first, last = pending.pop()
        if last - first < 2:
            continue
        x, y = xs[first:last + 1], ys[first:last + 1]
        chord = y[0] + (y[-1] - y[0]) * (x - x[0]) / max(x[-1] - x[0], 1e-6)
        worst = int(np.argmax(np.abs(y - chord)))
        if abs(y[worst] - chord[worst]) <= tolerance or worst in (0, x.size - 1):
            pieces.append((int(first), int(last)))
        else:
            pending += [(first, first + worst), (first + worst, last)]
    return sorted(pieces)


def _extend(part: np.ndarray, slope: float, intercept: float, span: tuple[int, int], k: float) -> tuple[int, int]:
    """The eave's columns grown both ways while the roof (or a tree in front of it) goes on just above its line:
    a tree or a labelling gap breaks the boundary, not the roof. Gaps under half a metre are bridged."""
    h, w = part.shape
    rows = np.arange(h)[:, None]
    eave = slope * np.arange(w)[None, :] + intercept
    on = (part & (rows <= eave + 0.1 * k) & (rows >= eave - 0.5 * k)).any(axis=0)
    gap = max(1, int(0.5 * k))
    x_lo, x_hi = span
    while x_lo > 0 and on[max(x_lo - gap, 0):x_lo].any():
        x_lo = max(x_lo - gap, 0) + int(np.flatnonzero(on[max(x_lo - gap, 0):x_lo])[0])
    while x_hi < w - 1 and on[x_hi + 1:x_hi + 1 + gap].any():
        x_hi = x_hi + 1 + int(np.flatnonzero(on[x_hi + 1:x_hi + 1 + gap])[-1])
    return x_lo, x_hi


def _refit(edge: np.ndarray, slope: float, intercept: float, span: tuple[int, int], k: float) -> tuple[float, float]:
    """The eave line fitted again to all the boundary over its grown span (its pieces' slopes, bent by a
    labelling wobble or the lens, average out)."""
    rows, cols = np.nonzero(edge[:, span[0]:span[1] + 1])
    cols = cols + span[0]
    near = np.abs(rows - (slope * cols + intercept)) <= max(1.5, 0.15 * k)
    if np.unique(cols[near]).size < 10:
        return slope, intercept
    fit = np.polyfit(cols[near], rows[near], 1)
    return float(fit[0]), float(fit[1])


def _like_facade(scene: Scene, slope: float, intercept: float, span: tuple[int, int]) -> bool:
    """Whether the line runs the way the wall under it does: toward the vanishing point of the wall's own
    near-horizontal edges (siding, window heads) within two metres below it. A gable's verge rises far more
    steeply than the siding of the gable under it."""
    h = scene.labels.shape[0]
    k = scene.px_per_m
    x_mid = (span[0] + span[1]) / 2.0
    top, bottom = int(np.clip(slope * x_mid + intercept + 2, 0, h)), int(np.clip(slope * x_mid + intercept + 2 * k, 0, h))
    if bottom - top < 5:
        return True
    wall = np.isin(scene.labels[top:bottom, span[0]:span[1] + 1], WALLISH)
    fit = line_angle(cv2.GaussianBlur(luminance(scene.linear[top:bottom, span[0]:span[1] + 1]), (3, 3), 0.8), wall)
    if fit is None or abs(np.tan(fit[0])) > 0.1:
        return True  # no siding to go by, or edges of something else (branches, a stair)
    angle, _, x_w, y_w = fit
    x_w, y_w = x_w + span[0], y_w + top
    wall_slope = np.tan(angle)
    vanish = x_w - (y_w - scene.horizon_y) / wall_slope if abs(wall_slope) > 1e-4 else np.inf
    expected = 0.0 if not np.isfinite(vanish) else (slope * x_mid + intercept - scene.horizon_y) / (x_mid - vanish)
    return abs(slope - expected) <= 0.1 + 0.5 * abs(expected)


def _edge_slope(scene: Scene, slope: float, intercept: float, x_lo: int, x_hi: int) -> tuple[float, float]:
    """The eave line fitted to the photo's own edge within a few px of it (the gutter is sharper than the labels):
    the sub-pixel row of the strongest vertical gradient in each column, fitted robustly; the labels' line where
    the edge is weak or disagrees with it."""
    h = scene.labels.shape[0]
    reach = max(2.0, 0.15 * scene.px_per_m)
    top = int(max(min(slope * x_lo, slope * x_hi) + intercept - reach - 2, 1))
    bottom = int(min(max(slope * x_lo, slope * x_hi) + intercept + reach + 3, h - 1))
    if bottom - top < 5:
        return slope, intercept
    gray = cv2.GaussianBlur(luminance(scene.linear[top - 1:bottom + 1, x_lo:x_hi + 1]), (3, 3), 0.7)
    strength = np.abs(cv2.Sobel(gray, cv2.CV_32F, 0, 1, ksize=3))[1:-1]
    rows, cols = np.mgrid[top:bottom, x_lo:x_hi + 1]
    strength[np.abs(rows - (slope * cols + intercept)) > reach] = 0.0
    peak = np.argmax(strength, axis=0)
    inner = (peak > 0) & (peak < strength.shape[0] - 1)
    columns = np.arange(strength.shape[1])
    before, at, after = (strength[np.clip(peak + d, 0, strength.shape[0] - 1), columns] for d in (-1, 0, 1))
    offset = np.where(inner, 0.5 * (before - after) / np.maximum(before - 2 * at + after, 1e-6) * -1, 0.0)
    edge_rows = top + peak + np.clip(offset, -0.5, 0.5)
    strong = at >= np.percentile(at, 50)
    xs, ys = (x_lo + columns)[strong].astype(np.float64), edge_rows[strong]
    if xs.size < 10:
        return slope, intercept
    fit = np.polyfit(xs, ys, 1)
    close = np.abs(ys - np.polyval(fit, xs)) <= 1.0
    if close.sum() < max(10, 0.3 * xs.size):
        return slope, intercept
    fit = np.polyfit(xs[close], ys[close], 1)
    if abs(fit[0] - slope) > 0.03:
        return slope, intercept
    return float(fit[0]), float(fit[1])
