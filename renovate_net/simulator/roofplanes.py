"""Roof planes in metres from a photo's roof labels, for laying solar panels in their perspective.

Each roof part's lower boundaries, where the roof meets a wall below it, are cut into straight eave lines. An
eave is a horizontal line of the house, so where its image line meets the horizon is its vanishing point: that
gives its direction across the view. The eave's own slope is measured on the photo's edges along it (the gutter
is sharper than the labels), relative to the slope of the facade's edges at the horizon's height (any horizontal
line at the camera's height lies on the horizon, so their slope is the camera's roll, not the facade's turn); near
the horizon a slope says little about the direction, so the estimate is pulled toward a facade square to the view
by how uncertain it is. The eave's depth is the house's, from the ground line of the wall under it. The plane
rises from the eave, away from the camera, at a typical pitch (the photo alone cannot tell a steep short roof
from a flat long one when it is seen this obliquely). A plane seen too edge-on to draw on is left out.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from renovate_net.labels import LABEL_ID
from renovate_net.simulator.geometry import Camera, Grid, Plane, homography, rectify, to_plane_points
from renovate_net.simulator.scene import Scene, components, line_angle, luminance

PITCH = 30.0           # degrees: a common pitch, between Belgium's steep tiled roofs and low hipped ones
MIN_PITCH, MAX_PITCH = 15.0, 55.0
PITCH_PRIOR = 0.003    # radians of edge misfit a degree away from PITCH is worth
MAX_RECESSION = 55.0   # degrees an eave may turn away from the image plane
SLOPE_NOISE = 0.005    # uncertainty of a measured eave slope (about 0.3 degrees)
MIN_EAVE_M = 2.4       # an eave shorter than two panels side by side holds no array
MIN_FACING = 0.06      # cosine of the view to the plane's normal: below it the plane is seen too edge-on
GRID_RES = 20.0        # rectified cells per metre
WALLISH = (LABEL_ID["wall"], LABEL_ID["window"], LABEL_ID["door"])
UP = np.array([0.0, 1.0, 0.0])


@dataclass(frozen=True)
class RoofPlane:
    """A roof plane: its homography (plane metres -> pixels), the image columns its eave spans, the roof pixels
    it covers, its rectified roof mask on `grid`, and the cosine between the view and its normal."""
    plane: Plane
    h: np.ndarray
    span: tuple[int, int]
    region: np.ndarray
    grid: Grid
    mask: np.ndarray
    facing: float


def roof_planes(scene: Scene, roof: np.ndarray, occluders: np.ndarray) -> list[RoofPlane]:
    """The roof planes of every sizeable part of `roof` (HxW bool, the roof in view), the widest first. Their
    regions include the roof hidden behind `occluders` (trees in front of it) below the roof's visible top."""
    camera = Camera.of(scene)
    k = scene.px_per_m
    roll = _roll(scene)
    planes = []
    for joined, _ in components(roof | occluders, max(30, int(0.5 * k * k))):  # a tree in front splits no roof
        part = joined & roof
        if part.sum() < max(30, 0.5 * k * k):
            continue
        edge = _boundary(scene, part)
        seen: list[tuple[tuple[int, int], float]] = []  # eaves laid out so far: their span and middle row
        for slope, intercept, x_lo, x_hi in _eaves(edge, k):
            span = _extend(joined, slope, intercept, (x_lo, x_hi), k)
            slope, intercept = _refit(edge, slope, intercept, span, k)
            slope, intercept = _edge_slope(scene, slope, intercept, *span)
            row = slope * (span[0] + span[1]) / 2 + intercept
            if not _like_facade(scene, slope, intercept, span):
                continue  # a gable's verge over its wall, not an eave
            if any(a <= span[0] and span[1] <= b and abs(row - r) < 0.3 * k for (a, b), r in seen):
                continue  # another piece of an eave already laid out
            seen.append((span, row))
            plane = _plane(scene, camera, part, joined, slope, intercept, roll, span)
            if plane is not None:
                planes.append(plane)
    return sorted(planes, key=lambda p: p.span[0] - p.span[1])


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


def _roll(scene: Scene) -> float:
    """Slope of the facade's near-horizontal edges within a metre of the horizon: the camera's roll."""
    h = scene.labels.shape[0]
    reach = scene.px_per_m
    band = slice(int(np.clip(scene.horizon_y - reach, 0, h)), int(np.clip(scene.horizon_y + reach, 0, h)))
    if band.stop - band.start < 5:
        return 0.0
    mask = np.isin(scene.labels[band], WALLISH)
    fit = line_angle(cv2.GaussianBlur(luminance(scene.linear[band]), (3, 3), 0.8), mask)
    return float(np.tan(fit[0])) if fit else 0.0


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


def _eave_direction(camera: Camera, slope: float, roll: float, x0: float, y0: float) -> np.ndarray | None:
    """The eave's horizontal direction (unit, pointing right), toward its vanishing point on the horizon, shrunk
    toward square to the view by the slope's uncertainty; None for a line too steep for an eave seen from the
    street (a gable's verge, a hip, a valley: they rise, they do not recede)."""
    above = max(camera.cy - y0, 1.0)  # px between the eave and the horizon
    relative = slope - roll
    recede = camera.focal * relative / (above + relative * (x0 - camera.cx))
    noise = camera.focal * SLOPE_NOISE / above
    recede *= recede ** 2 / (recede ** 2 + noise ** 2)
    if abs(recede) > np.tan(np.radians(MAX_RECESSION)):
        return None
    direction = np.array([1.0, 0.0, recede])
    return direction / np.linalg.norm(direction)


def _depth(scene: Scene, camera: Camera, span: tuple[int, int], eave_row: float) -> float:
    """Depth (m) of the eave: that of the ground line of the wall under it (the house's at least)."""
    wall = np.isin(scene.labels[:, span[0]:span[1] + 1], WALLISH)
    rows = np.nonzero(wall)[0]
    rows = rows[rows > eave_row]
    base = max(float(np.percentile(rows, 97)) if rows.size > 20 else 0.0, scene.base_y)
    depth = camera.ground_depth(base)
    return depth if depth is not None else camera.focal / scene.px_per_m


def _region(scene: Scene, part: np.ndarray, joined: np.ndarray, slope: float, intercept: float,
            span: tuple[int, int]) -> np.ndarray:
    """The roof on this plane, seen or behind a tree (`joined`: the part with what hides it, below the part's
    visible top): from the eave up to the next wall above it (an upper storey's roof behind it is another
    plane), over the eave's columns and, where they join them, up to 1.5 m beyond (a gable's verge leans out
    past the eave's end)."""
    h, w = part.shape
    k = scene.px_per_m
    rows = np.arange(h)[:, None]
    cols = np.arange(w)[None, :]
    eave = slope * cols + intercept
    wall = cv2.erode(np.isin(scene.labels, WALLISH).astype(np.uint8), np.ones((3, 1), np.uint8)) > 0
    ceiling = np.where(wall & (rows < eave - 1), rows, -1).max(axis=0)
    top = np.where(part.any(axis=0), np.argmax(part, axis=0), h)
    roof = part | (joined & (rows >= top[None, :]))
    reach = (cols >= span[0] - 1.5 * k) & (cols <= span[1] + 1.5 * k)
    around = roof & reach & (rows > ceiling[None, :]) & (rows <= eave + max(1.0, 0.1 * k))
    count, ids = cv2.connectedComponents(around.astype(np.uint8), connectivity=8)
    core = around & (cols >= span[0]) & (cols <= span[1])
    keep = np.zeros(count, bool)
    keep[np.unique(ids[core])] = True
    keep[0] = False
    return keep[ids]


def _plane(scene: Scene, camera: Camera, part: np.ndarray, joined: np.ndarray, slope: float, intercept: float,
           roll: float, span: tuple[int, int]) -> RoofPlane | None:
    """The roof plane rising from one eave over the part's columns it spans, or None if seen too edge-on."""
    x_mid = (span[0] + span[1]) / 2.0
    y_mid = slope * x_mid + intercept
    origin = camera.point(x_mid, y_mid, _depth(scene, camera, span, y_mid))
    along = _eave_direction(camera, slope, roll, x_mid, y_mid)
    if along is None:
        return None
    away = np.array([-along[2], 0.0, along[0]])
    region = _region(scene, part, joined, slope, intercept, span)
    pitch = np.radians(_pitch(camera, region, origin, along, away, (slope, intercept), span, scene.px_per_m))
    plane = Plane(origin, along, np.cos(pitch) * away + np.sin(pitch) * UP)
    view = np.array([0.0, camera.height, 0.0]) - origin
    facing = float(np.dot(view / np.linalg.norm(view), -plane.normal))
    if facing < MIN_FACING or not region.any():
        return None
    h = homography(camera, plane)
    ends = np.array([[span[0], slope * span[0] + intercept], [span[1], slope * span[1] + intercept]])
    s_ends = to_plane_points(h, ends)[:, 0]
    ys, xs = np.nonzero(region)
    t_top = float(np.clip(to_plane_points(h, np.stack([xs, ys], 1).astype(np.float64))[:, 1].max(), 1.0, 15.0))
    grid = Grid(float(s_ends.min()) - 1.0, -1.0, GRID_RES,
                (int((t_top + 2.0) * GRID_RES), int((np.ptp(s_ends) + 2.0) * GRID_RES)))
    return RoofPlane(plane, h, span, region, grid, rectify(region, h, grid), facing)


def _pitch(camera: Camera, region: np.ndarray, origin: np.ndarray, along: np.ndarray, away: np.ndarray,
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
