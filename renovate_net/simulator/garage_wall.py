"""The garage's walls in the house's own wall: copied from the photo through the plane they share.

The garage's front is flush with the house's front, so the house's wall seen beside it is the same plane under
the same light. Its wall is rectified onto a grid in the plane's metres (s outward from the house's corner, t up
from the ground), and the garage's wall parts take it translated along the front, at the same height: brick
courses, siding boards and the light's gradient carry straight across, as on a garage built in the house's
material. The front is cut into strips (the piers, the band over each door); one shift serves as many of them as
possible (one copied piece, no seams), the nearest clean one serves each of the others, never the piece beside it
again. If any strip finds no source with at most HOLES of it windows, doors, plants or out of the frame, the whole
front keeps the drawn wall (half copied, half drawn reads two-toned); smaller holes are in-painted. The band
over a door may take its source lower on the wall, by whole courses, where windows leave none at its height.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from renovate_net.simulator.geometry import to_image

REACH_M = 20.0   # how far along the house's front the copy may come from
MARGIN_M = 0.08  # kept from the house wall's edges: window trim, the corner's edge, a downpipe's bracket
CORNER_M = 0.15  # the house's corner itself (its trim or quoins) is not copied
STRIP_M = 0.5    # the widest strip of the garage's front copied in one piece
CLEAN = 0.97     # share of a source that must be house wall for the shift that serves the most strips
HOLES = 0.3      # share of a strip's source that may be in-painted
COURSED = 0.3    # the autocorrelation of the wall's rows at their period, above which it has courses
DROPS = 8        # vertical offsets tried for the band over a door
UNLIKE = 0.12    # a source this much lighter or darker than the wall's median (over LOCAL_M) is trim, not wall
LOCAL_M, TALL_M = 0.1, 0.25


@dataclass(frozen=True)
class Openings:
    """The garage's front as far as the copy needs it: its size and where its doors are (metres)."""
    width: float
    height: float
    doors: tuple[tuple[float, float], ...]  # (s from, s to) of each door opening
    door_height: float


def copied_wall(image: np.ndarray, house_wall: np.ndarray, h: np.ndarray, k: float, front: Openings,
                s: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(rgb HxWx3, weight HxW) at the garage pixels' plane coordinates (s, t): the house's wall (`house_wall`, a
    mask of `image`, float sRGB) copied along the plane `h` maps to the photo (k px per metre at the facade);
    weight 0 over the doors' place, and everywhere when some part of the front finds no clean source."""
    step = 1.0 / max(k, 1.0)
    rows, columns = int(np.ceil(front.height / step)), int(np.ceil(front.width / step))
    source, valid = _rectified(image, house_wall, h, k, step, rows)
    texture = np.zeros((rows, columns, 3), np.float32)
    weight = np.zeros((rows, columns), np.float32)
    strips = _strips(front, step, columns, rows)
    holes = np.zeros((rows, columns), bool)
    drops = _drops(source, valid, step, max(lowest for _, _, lowest in strips))
    sources = _sources(valid, strips, drops)
    if any(chosen is None for chosen in sources):
        return np.zeros(s.shape + (3,), np.float32), np.zeros(s.shape, np.float32)  # a front half copied is two-toned
    for (first, last, lowest), (drop, shift) in zip(strips, sources):
        index = shift - np.arange(first, last) - 1  # the source column of each garage column
        texture[lowest:, first:last] = source[lowest - drop:rows - drop, index]
        weight[lowest:, first:last] = 1.0
        holes[lowest:, first:last] = ~valid[lowest - drop:rows - drop, index]
    if holes.any():
        unknown = (holes | (weight == 0)).astype(np.uint8)  # in-painted from copied wall only, not the doors' place
        filled = cv2.inpaint(np.clip(texture * 255.0 + 0.5, 0, 255).astype(np.uint8), unknown, 3,
                             cv2.INPAINT_TELEA).astype(np.float32) / 255.0
        texture[holes] = filled[holes]
    map_x = (s / step - 0.5).astype(np.float32)
    map_y = (t / step - 0.5).astype(np.float32)
    rgb = cv2.remap(texture, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    alpha = cv2.remap(weight, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return rgb, alpha


def _rectified(image: np.ndarray, house_wall: np.ndarray, h: np.ndarray, k: float, step: float,
               rows: int) -> tuple[np.ndarray, np.ndarray]:
    """The house's front beside the corner on a grid of `step` metres: (rgb rows x columns x 3, house wall there
    rows x columns), row 0 at the ground, column j at s = -(j + 0.5) step (into the house)."""
    columns = int(REACH_M / step)
    t, s = np.mgrid[0:rows, 0:columns].astype(np.float64)
    xy = to_image(h, -(s + 0.5) * step, (t + 0.5) * step).astype(np.float32)
    map_x, map_y = np.nan_to_num(xy[..., 0], nan=-1.0), np.nan_to_num(xy[..., 1], nan=-1.0)
    size = 2 * max(1, int(round(MARGIN_M * k))) + 1
    inner = cv2.erode(house_wall.astype(np.uint8), np.ones((size, size), np.uint8), borderValue=0)
    valid = cv2.remap(inner, map_x, map_y, cv2.INTER_NEAREST, borderMode=cv2.BORDER_CONSTANT, borderValue=0) > 0
    valid[:, :int(np.ceil(CORNER_M / step))] = False
    rgb = cv2.remap(image.astype(np.float32), map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    valid &= ~_unlike(rgb, valid, step)
    across = np.ones((1, 2 * max(1, int(0.05 / step)) + 1), np.uint8)  # nor right beside what is unlike
    return rgb, cv2.erode(valid.astype(np.uint8), across, borderValue=0) > 0


def _unlike(rgb: np.ndarray, valid: np.ndarray, step: float) -> np.ndarray:
    """Source pixels whose neighbourhood (LOCAL_M across, TALL_M high: over the courses of bricks or boards) is
    unlike the wall's usual lightness: a corner board, a window's casing, a downpipe or a shadow, which copied
    into a pier would stand out as a stripe."""
    if not valid.any():
        return np.zeros_like(valid)
    size = (max(1, int(LOCAL_M / step)), max(1, int(TALL_M / step)))  # (width, height), as cv2 takes them
    local = cv2.blur(rgb.mean(axis=-1) * valid, size) / np.maximum(cv2.blur(valid.astype(np.float32), size), 1e-6)
    usual = float(np.median(local[valid]))
    return np.abs(local - usual) > UNLIKE * usual


def _strips(front: Openings, step: float, columns: int, rows: int) -> list[tuple[int, int, int]]:
    """(first column, last column + 1, lowest row needed) of each strip of the garage's front: the piers whole,
    the band over each door from its lintel up, none wider than STRIP_M."""
    over_door = np.zeros(columns, bool)
    centres = (np.arange(columns) + 0.5) * step
    for start, end in front.doors:
        over_door |= (centres >= start) & (centres < end)
    lintel = min(rows - 1, int(front.door_height / step))
    strips, widest = [], max(1, int(STRIP_M / step))
    edges = np.flatnonzero(np.diff(over_door.astype(np.int8))) + 1
    for first, last in zip(np.concatenate([[0], edges]), np.concatenate([edges, [columns]])):
        lowest = lintel if over_door[first] else 0
        cuts = np.linspace(first, last, -(-(last - first) // widest) + 1).round().astype(int)  # even pieces
        strips += [(int(a), int(b), lowest) for a, b in zip(cuts[:-1], cuts[1:])]
    return strips


def _drops(source: np.ndarray, valid: np.ndarray, step: float, lowest: int) -> np.ndarray:
    """The rows by which the band over a door may take its source lower on the house's wall (where windows leave
    none at its own height): whole courses of the wall's bricks or boards (the period of its rows' lightness), any
    for a wall with none; at most DROPS of them, 0 first."""
    light = np.where(valid, source.mean(axis=-1), np.nan)
    counted = valid.sum(axis=1) >= 10
    profile = np.array([np.nanmean(row) if ok else np.nan for row, ok in zip(light, counted)])
    period = 1
    shortest, longest = max(2, int(0.05 / step)), int(0.5 / step)
    if np.isfinite(profile).sum() > 2 * longest:
        rows = np.flatnonzero(np.isfinite(profile))
        detail = np.interp(np.arange(profile.size), rows, profile[rows])
        detail -= cv2.blur(detail[None, :].astype(np.float32), (longest, 1))[0]
        scale = float(np.dot(detail, detail)) + 1e-9
        lags = np.arange(shortest, min(longest, detail.size // 2))
        corr = np.array([np.dot(detail[:-lag], detail[lag:]) / scale for lag in lags])
        if corr.size and corr.max() >= COURSED:
            period = int(lags[np.argmax(corr)])
    drops = np.arange(0, lowest + 1, period)
    return drops[np.unique(np.linspace(0, drops.size - 1, min(DROPS, drops.size)).round().astype(int))]


def _sources(valid: np.ndarray, strips: list[tuple[int, int, int]],
             drops: np.ndarray) -> list[tuple[int, int] | None]:
    """For each strip, (drop, shift) or None: garage row r and column i copy source row r - drop and column
    shift - i - 1. The choice of the strip before it where that is clean here too (one piece, no seam), else the
    one choice clean for the most strips, else its nearest clean one that the strip before did not copy (at its own
    height first; a piece copied twice side by side shows as a repeat), else its cleanest such one with at most
    HOLES of it to in-paint."""
    rows, columns = valid.shape[0], valid.shape[1]
    reach = columns + max(first for first, _, _ in strips) + 1
    scores = np.full((len(strips), drops.size, reach), -1.0)
    for n, (first, last, lowest) in enumerate(strips):
        for m, drop in enumerate(drops):
            if drop > lowest:
                continue
            share = valid[lowest - drop:rows - drop].mean(axis=0)
            total = np.concatenate([[0.0], np.cumsum(share)])
            d = np.arange(reach)
            ok = (d - last >= 0) & (d - first <= columns)
            scores[n, m, ok] = (total[d[ok] - first] - total[d[ok] - last]) / (last - first)
    scores = scores.reshape(len(strips), -1)  # candidates: drop-major, so at its own height first
    clean = scores >= CLEAN
    best = int(np.argmax(clean.sum(axis=0)))
    candidate = np.arange(scores.shape[1])
    start, stop = np.maximum(candidate % reach - np.array([[last] for _, last, _ in strips]), 0), \
        candidate % reach - np.array([[first] for first, _, _ in strips])  # each candidate's source columns
    chosen: list[int | None] = []
    for n, (row, score) in enumerate(zip(clean, scores)):
        previous = chosen[-1] if chosen else None
        fresh = np.ones(candidate.size, bool)
        if previous is not None:  # not the piece the strip before copied: a repeat side by side shows
            fresh = (candidate // reach != previous // reach) | (np.maximum(start[n], start[n - 1, previous]) >=
                                                                 np.minimum(stop[n], stop[n - 1, previous]))
        patchy = fresh & (score >= 1.0 - HOLES)
        if previous is not None and row[previous]:
            chosen.append(previous)  # the piece beside it goes on: no seam
        elif row[best]:
            chosen.append(best)
        elif (row & fresh).any():
            chosen.append(int(np.argmax(row & fresh)))
        elif patchy.any():
            chosen.append(int(np.argmax(np.where(patchy, score, -1.0))))
        else:
            chosen.append(None)
    return [None if c is None else (int(drops[c // reach]), c % reach) for c in chosen]

