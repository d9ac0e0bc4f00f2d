"""Where whole solar panels go on one roof plane, in metres: a packing on the plane's rectified roof mask.

The mask is shrunk by the installers' margin from every edge (eave, ridge, hips, verges, the frame of the photo)
and around what breaks the roof (chimneys, dormers, roof windows and trees in front are holes in the roof
labels). Panels then go in one rectangular block of whole panels, rows parallel to the eave, the way most
arrays are installed (a tidy block reads as an installation; a ragged outline reads as a stain). Portrait and
landscape, and offsets of the grid along the eave and up the slope, are tried; the block with the most panels
wins.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from renovate_net.simulator.geometry import Grid, erode_m
from renovate_net.simulator.scene import runs

PANEL_LONG, PANEL_SHORT, GAP = 1.72, 1.13, 0.02   # metres: a 400 W module, and the clamp gap between two
MARGIN = 0.25          # metres kept free from every roof edge and obstacle
PHASES_S, PHASES_T = 6, 10  # grid offsets tried along the eave and up the slope, over one panel pitch


@dataclass(frozen=True)
class Array:
    """Panels on a plane: (row, column) cells of a grid whose cell (0, 0) starts at (s0, t0); each panel is
    `width` along the eave by `height` up the slope, cells a panel plus GAP apart."""
    s0: float
    t0: float
    width: float
    height: float
    cells: tuple[tuple[int, int], ...]

    @property
    def count(self) -> int:
        return len(self.cells)

    def corners(self) -> tuple[np.ndarray, np.ndarray]:
        """(s, t) of every panel's four corners, arrays of shape (panels, 4)."""
        cells = np.asarray(self.cells, np.float64).reshape(-1, 2)
        s = self.s0 + cells[:, 1:2] * (self.width + GAP) + np.array([0.0, self.width, self.width, 0.0])
        t = self.t0 + cells[:, 0:1] * (self.height + GAP) + np.array([0.0, 0.0, self.height, self.height])
        return s, t


def free_area(mask: np.ndarray, grid: Grid) -> np.ndarray:
    """The rectified roof mask less the margin from every edge and hole."""
    return erode_m(mask, MARGIN, grid.res)


def best_array(free: np.ndarray, grid: Grid, max_rows: int) -> Array | None:
    """The layout of the most whole panels (portrait or landscape) on the free area, at most `max_rows` rows;
    None when not one row of two fits."""
    table = np.pad(np.cumsum(np.cumsum(free.astype(np.int32), 0), 1), ((1, 0), (1, 0)))
    rows_free = np.flatnonzero(free.any(axis=1))
    if rows_free.size == 0:
        return None
    lowest = grid.t0 + rows_free[0] / grid.res
    left = grid.s0 + np.flatnonzero(free.any(axis=0))[0] / grid.res
    best = None
    for width, height in ((PANEL_SHORT, PANEL_LONG), (PANEL_LONG, PANEL_SHORT)):
        for i in range(PHASES_T):
            for j in range(PHASES_S):
                t0 = lowest + i * (height + GAP) / PHASES_T
                s0 = left + j * (width + GAP) / PHASES_S
                cells = _cells(table, grid, s0, t0, width, height, max_rows)
                if cells and (best is None or len(cells) > best.count):
                    best = Array(s0, t0, width, height, cells)
    return best


def _cells(table: np.ndarray, grid: Grid, s0: float, t0: float, width: float, height: float,
           max_rows: int) -> tuple[tuple[int, int], ...]:
    """The panels of one grid placement: the largest block of whole panels on free cells."""
    rows_n, cols_n = table.shape[0] - 1, table.shape[1] - 1
    n_rows = int((grid.t0 + rows_n / grid.res - t0) // (height + GAP)) + 1
    n_cols = int((grid.s0 + cols_n / grid.res - s0) // (width + GAP)) + 1
    if n_rows <= 0 or n_cols <= 0:
        return ()
    r, c = np.mgrid[0:n_rows, 0:n_cols]
    top = np.ceil((t0 + r * (height + GAP) - grid.t0) * grid.res).astype(int)
    bottom = np.floor((t0 + r * (height + GAP) + height - grid.t0) * grid.res).astype(int)
    first = np.ceil((s0 + c * (width + GAP) - grid.s0) * grid.res).astype(int)
    last = np.floor((s0 + c * (width + GAP) + width - grid.s0) * grid.res).astype(int)
    inside = (top >= 0) & (first >= 0) & (bottom <= rows_n) & (last <= cols_n) & (bottom > top) & (last > first)
    top, bottom = np.clip(top, 0, rows_n), np.clip(bottom, 0, rows_n)
    first, last = np.clip(first, 0, cols_n), np.clip(last, 0, cols_n)
    area = (bottom - top) * (last - first)
    total = table[bottom, last] - table[top, last] - table[bottom, first] + table[top, first]
    return _block(inside & (total == area), max_rows)


def _block(fits: np.ndarray, max_rows: int) -> tuple[tuple[int, int], ...]:
    """The (row, column) cells of the largest rectangle of fitting cells, two columns wide at least and at most
    `max_rows` rows tall (lower rows first on a tie: an array sits near the eave)."""
    best, cells = 0, ()
    for first in range(fits.shape[0]):
        common = np.ones(fits.shape[1], bool)
        for last in range(first, min(first + max_rows, fits.shape[0])):
            common &= fits[last]
            start, length = _longest(common)
            if length < 2:
                break
            if (last - first + 1) * length > best:
                best = (last - first + 1) * length
                cells = tuple((r, c) for r in range(first, last + 1) for c in range(start, start + length))
    return cells


def _longest(row: np.ndarray) -> tuple[int, int]:
    """(start, length) of the longest run of True in a boolean row."""
    found = runs(row)
    if not found:
        return 0, 0
    start, stop = max(found, key=lambda run: run[1] - run[0])  # the first of equally long runs, as argmax
    return start, stop - start
