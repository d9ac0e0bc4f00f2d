"""A roof plane's pitch from the photo: the angle that makes the roof's end edges run the way the photo shows them.

At each end of an eave the roof's outline is either a hip, which bisects the corner in plan, or a gable's verge,
which runs straight up the slope; either way its image direction depends on the pitch. A steep hip can look like
a low verge, so the likelier pitch wins, and an edge that barely turns with the pitch (a verge seen end-on) tells
nothing. With no end in view, the pitch is a common one.
"""
from __future__ import annotations

import numpy as np

from renovate_net.simulator.geometry import Camera

PITCH = 25.0           # degrees: a common pitch, between low hipped roofs and Belgium's steep tiled ones
MIN_PITCH, MAX_PITCH = 15.0, 55.0
PITCH_PRIOR = 0.003    # radians of edge misfit a degree away from PITCH is worth
UP = np.array([0.0, 1.0, 0.0])


def roof_pitch(camera: Camera, region: np.ndarray, origin: np.ndarray, along: np.ndarray, away: np.ndarray,
           line: tuple[float, float], span: tuple[int, int], k: float) -> float:
    """The pitch (degrees) that makes the roof's end edges run the way the photo shows them: a hip (it bisects
    the corner in plan) or a gable's verge (it runs straight up the slope); PITCH when no end is in view."""
    estimates = []
    for end, inward in ((span[0], 1), (span[1], -1)):
        if end <= 1 or end >= region.shape[1] - 2:
            continue  # the roof runs out of the frame: its end is not in view
        shown = _end_edge(region, end, inward, line, k)
        if shown is None:
            continue
        corner = _on_eave(camera, origin, along, end)
        edges = (lambda d: inward * along + away + np.tan(np.radians(d)) * UP,   # a hip
                 lambda d: np.cos(np.radians(d)) * away + np.sin(np.radians(d)) * UP)  # a verge
        drawn = lambda edge, d: _drawn(camera, corner, edge(d))
        fits = [(_angle(drawn(edge, d), shown) + PITCH_PRIOR * abs(d - PITCH), d, edge)
                for d in np.arange(12.0, 61.0, 1.0) for edge in edges]
        _, degrees, edge = min(fits, key=lambda fit: fit[0])  # a steep hip can look like a low verge: the likelier
        # An edge that turns less than a degree in the photo for 4 degrees of pitch tells nothing of it.
        telling = _angle(drawn(edge, degrees - 2), drawn(edge, degrees + 2)) > np.radians(1.0)
        if _angle(drawn(edge, degrees), shown) < 0.06 and telling:
            estimates.append(degrees)
    return float(np.clip(np.median(estimates), MIN_PITCH, MAX_PITCH)) if estimates else PITCH


def _end_edge(region: np.ndarray, end: int, inward: int, line: tuple[float, float], k: float) -> np.ndarray | None:
    """The image direction (dx, dy), going up, of the roof's outline at one end of its eave: the outermost roof
    pixel of each row from 1.5 m beyond the end to 3 m inside it, fitted by a straight line; None if it is not
    straight."""
    slope, intercept = line
    lo, hi = (end - int(1.5 * k), end + int(3 * k)) if inward > 0 else (end - int(3 * k), end + int(1.5 * k) + 1)
    window = region[:, max(lo, 0):min(hi, region.shape[1])]
    rows = np.flatnonzero(window.any(axis=1))
    rows = rows[rows < slope * end + intercept - 1]
    if rows.size < 5:
        return None
    first = np.argmax(window[rows], axis=1) if inward > 0 else window.shape[1] - 1 - np.argmax(window[rows, ::-1], axis=1)
    fit, residual, *_ = np.polyfit(rows.astype(np.float64), first.astype(np.float64), 1, full=True)
    if residual.size and np.sqrt(residual[0] / rows.size) > max(1.5, 0.1 * k):
        return None  # not a straight edge: a tree, a chimney, a dormer
    return np.array([-fit[0], -1.0])


def _on_eave(camera: Camera, origin: np.ndarray, along: np.ndarray, column: float) -> np.ndarray:
    """The point of the 3D eave line seen in image column `column`."""
    ratio = (column - camera.cx) / camera.focal
    s = (origin[2] * ratio - origin[0]) / (along[0] - along[2] * ratio)
    return origin + s * along


def _drawn(camera: Camera, corner: np.ndarray, direction: np.ndarray) -> np.ndarray:
    """The image direction (dx, dy) a 3D direction from `corner` takes in the photo."""
    a, b = camera.project(np.stack([corner, corner + 0.5 * direction]))
    return b - a


def _angle(u: np.ndarray, v: np.ndarray) -> float:
    """Angle (radians) between two image directions."""
    cosine = float(np.dot(u, v) / (np.linalg.norm(u) * np.linalg.norm(v) + 1e-9))
    return float(np.arccos(np.clip(cosine, -1.0, 1.0)))
