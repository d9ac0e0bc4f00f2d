"""Roof planes in metres from a photo's roof labels, for laying solar panels in their perspective.

Each roof part's eaves (`eaves`) are horizontal lines of the house, so where an eave's image line meets the
horizon is its vanishing point: that gives its direction across the view (the camera is level, verticals
vertical, as everywhere in the simulator). Near the horizon a slope says little about the direction, so the
estimate is pulled toward a facade square to the view by how uncertain it is. The eave's depth is the facade's,
from the scale its windows and doors give (`Scene.px_per_m`; the horizon is placed with that scale, so a wall's
ground line adds nothing, and read off labels that run down into garden walls it put roofs too near). The plane
rises from the eave, away from the camera, at the pitch its end edges show (`roofpitch`). Its region is the roof
above the eave up to the next wall above that roof (an upper storey's roof is another plane), including what a
tree in front hides. A plane seen too edge-on to draw on is left out.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from renovate_net.simulator.eaves import WALLISH, eave_lines
from renovate_net.simulator.geometry import Camera, Grid, Plane, homography, rectify, to_plane_points
from renovate_net.simulator.roofpitch import UP, roof_pitch
from renovate_net.simulator.scene import Scene, bbox, components, line_angle, luminance

MAX_RECESSION = 55.0   # degrees an eave may turn away from the image plane
SLOPE_NOISE = 0.005    # uncertainty of a measured eave slope (about 0.3 degrees)
MIN_FACING = 0.06      # cosine of the view to the plane's normal: below it the plane is seen too edge-on
MIN_BAND = 0.75        # metres at the facade's scale: the median height of a plane's roof in the photo; a lower
                       # band is a roof seen edge-on (a low roof's fascia and tile ends), where panels read as a line
GRID_RES = 20.0        # rectified cells per metre
COURSED = 0.5          # share of a roof's strong near-horizontal edges along one direction: its courses show


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
    planes = []
    for joined, _ in components(roof | occluders, max(30, int(0.5 * k * k))):  # a tree in front splits no roof
        part = joined & roof
        if part.sum() < max(30, 0.5 * k * k):
            continue
        for slope, intercept, span in eave_lines(scene, part, joined):
            plane = _plane(scene, camera, part, joined, slope, intercept, span)
            if plane is not None:
                planes.append(plane)
    return sorted(planes, key=lambda p: p.span[0] - p.span[1])


def _eave_direction(camera: Camera, slope: float, x0: float, y0: float) -> np.ndarray | None:
    """The eave's horizontal direction (unit, pointing right), toward its vanishing point on the horizon, shrunk
    toward square to the view by the slope's uncertainty; None for a line too steep for an eave seen from the
    street (a gable's verge, a hip, a valley: they rise, they do not recede)."""
    above = max(camera.cy - y0, 1.0)  # px between the eave and the horizon
    recede = camera.focal * slope / (above + slope * (x0 - camera.cx))
    noise = camera.focal * SLOPE_NOISE / above
    recede *= recede ** 2 / (recede ** 2 + noise ** 2)
    if abs(recede) > np.tan(np.radians(MAX_RECESSION)):
        return None
    direction = np.array([1.0, 0.0, recede])
    return direction / np.linalg.norm(direction)


def _courses(scene: Scene, region: np.ndarray) -> tuple[float, float, float] | None:
    """(slope, x, y): the roof's own courses (rows of tiles or slates, parallel to its eave), where they clearly run
    one way (COURSED of the strong near-horizontal edges' weight): a direction read off many lines over the roof's
    height, where an eave line near the horizon tilts a few pixels with a hip or a gutter and reads as a roof
    turned 20 degrees."""
    if region.sum() < 200:
        return None
    rows, cols = bbox(region)
    gray = cv2.GaussianBlur(luminance(scene.linear[rows, cols]), (3, 3), 0.8)
    inner = cv2.erode(region[rows, cols].astype(np.uint8), np.ones((5, 5), np.uint8)) > 0  # not its outline
    fit = line_angle(gray, inner)
    if fit is None or fit[1] < COURSED:
        return None
    angle, _, x, y = fit
    return float(np.tan(angle)), x + cols.start, y + rows.start


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
    top = np.where(part.any(axis=0), np.argmax(part, axis=0), h)
    roof = part | (joined & (rows >= top[None, :]))
    lowest = np.where(roof & (rows <= eave + max(1.0, 0.1 * k)), rows, -1).max(axis=0)  # the roof nearest the eave
    ceiling = np.where(wall & (rows < lowest[None, :]), rows, -1).max(axis=0)  # a wall above that roof
    reach = (cols >= span[0] - 1.5 * k) & (cols <= span[1] + 1.5 * k)
    around = roof & reach & (rows > ceiling[None, :]) & (rows <= eave + max(1.0, 0.1 * k))
    count, ids = cv2.connectedComponents(around.astype(np.uint8), connectivity=8)
    core = around & (cols >= span[0]) & (cols <= span[1])
    keep = np.zeros(count, bool)
    keep[np.unique(ids[core])] = True
    keep[0] = False
    return keep[ids]


def _plane(scene: Scene, camera: Camera, part: np.ndarray, joined: np.ndarray, slope: float, intercept: float,
           span: tuple[int, int]) -> RoofPlane | None:
    """The roof plane rising from one eave over the part's columns it spans, or None if seen too edge-on."""
    x_mid = (span[0] + span[1]) / 2.0
    y_mid = slope * x_mid + intercept
    origin = camera.point(x_mid, y_mid, camera.focal / scene.px_per_m)
    along = _eave_direction(camera, slope, x_mid, y_mid)
    if along is None:
        return None  # a verge or a hip, not an eave
    region = _region(scene, part, joined, slope, intercept, span)
    courses = _courses(scene, region)
    along_courses = None if courses is None else _eave_direction(camera, *courses)
    along = along if along_courses is None else along_courses
    away = np.array([-along[2], 0.0, along[0]])
    pitch = np.radians(roof_pitch(camera, region, origin, along, away, (slope, intercept), span, scene.px_per_m))
    plane = Plane(origin, along, np.cos(pitch) * away + np.sin(pitch) * UP)
    view = np.array([0.0, camera.height, 0.0]) - origin
    facing = float(np.dot(view / np.linalg.norm(view), -plane.normal))
    heights = region.sum(axis=0)
    if facing < MIN_FACING or not region.any() or np.median(heights[heights > 0]) < MIN_BAND * scene.px_per_m:
        return None
    h = homography(camera, plane)
    ends = np.array([[span[0], slope * span[0] + intercept], [span[1], slope * span[1] + intercept]])
    s_ends = to_plane_points(h, ends)[:, 0]
    ys, xs = np.nonzero(region)
    t_top = float(np.clip(to_plane_points(h, np.stack([xs, ys], 1).astype(np.float64))[:, 1].max(), 1.0, 15.0))
    grid = Grid(float(s_ends.min()) - 1.0, -1.0, GRID_RES,
                (int((t_top + 2.0) * GRID_RES), int((np.ptp(s_ends) + 2.0) * GRID_RES)))
    return RoofPlane(plane, h, span, region, grid, rectify(region, h, grid), facing)
