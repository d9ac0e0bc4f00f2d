"""Where an attached garage goes: against one end of the house's front, standing on its ground line, in the
facade's perspective.

The house's front is its largest wall part (leaves in front of it aside). At each end, the wall's ground line
(the lowest wall pixels with the ground itself below them) is a horizontal line on the ground, so where its image
line meets the horizon gives the facade's direction, well below the horizon where that is well measured. The
corner's depth is the facade's, from the scale its windows and doors give (`Scene.px_per_m`), so the garage is
drawn at the house's own scale: a depth read off the ground line put it metres too far wherever a bush or a
garden wall lifts that line. The garage's front is a vertical plane flush with the house's front, from the house's
corner outward. A site is kept only if at least 70% of that front is in the frame, seen less than 60 degrees
turned, it covers none of the house's windows and doors, next to no other wall (a neighbour's house), little of
the plants and none of the house, no building stands just above it (it would be in front of that building, not
beside the house), and it stands on the ground.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from renovate_net.labels import LABEL_ID
from renovate_net.simulator.canvas import Canvas
from renovate_net.simulator.geometry import Camera, Plane, homography, to_image
from renovate_net.simulator.resurface import foliage

IN_FRAME = 0.7         # share of the garage's front that must be in the photo
MAX_PLANTED = 0.9      # share of it that may hide trees and bushes (behind it or cleared for it)
MIN_HOUSE = 0.25       # of the photo's width: a narrower house is a far one, not the photo's subject
MIN_TALL = 0.08        # of the photo's height: a garage drawn smaller is a far one nobody could judge
MIN_FACING = 0.5       # its front's width in the photo against its width seen square on (60 degrees turned)
WALLISH = (LABEL_ID["wall"], LABEL_ID["window"], LABEL_ID["door"])
STANDING = (LABEL_ID["ground"], LABEL_ID["vegetation"], LABEL_ID["other"])
HOUSE_COVERED = 0.1    # share of the garage's front that may hide the house's wall or roof (its corner's trim)
ABOVE_M, BUILT_ABOVE = 1.5, 0.35  # metres over the garage's top; share of them a building may fill there
UP = np.array([0.0, 1.0, 0.0])
MAX_TURN = 60.0        # degrees the facade may turn from the image plane


@dataclass(frozen=True)
class GarageSite:
    """The garage's front: a vertical plane (s outward from the house's corner, t up from the ground, metres),
    its homography, its width and height (metres), and the house's front wall part it stands against."""
    front: Plane
    h: np.ndarray
    width: float
    height: float
    wall: np.ndarray  # the house's front wall part (HxW bool)


def garage_site(canvas: Canvas, width: float, height: float, sides: list[str]) -> GarageSite | None:
    """The first side (of `sides`, 'left'/'right') of the house's front where a garage `width` x `height` m fits."""
    scene = canvas.scene
    wall = np.isin(scene.labels, WALLISH) & ~foliage(canvas)
    span = _house_span(wall, scene.px_per_m)
    if span is None or span[1] - span[0] < MIN_HOUSE * wall.shape[1]:
        return None  # no house, or only a far one: the photo is not of a house a garage could join
    house = wall.copy()
    house[:, :span[0]] = False
    house[:, span[1] + 1:] = False
    camera = Camera.of(scene)
    for side in sides:
        corner = _corner(canvas, camera, house, span[0] if side == "left" else span[1])
        if corner is None:
            continue
        point, along = corner
        front = Plane(point, -along if side == "left" else along, UP)
        h = homography(camera, front)
        if _fits(canvas, h, wall & ~house, house | scene.region("roof"), wall | scene.region("roof"), width,
                 height):
            return GarageSite(front, h, width, height, house & scene.region("wall"))
    return None


def _house_span(wall: np.ndarray, k: float) -> tuple[int, int] | None:
    """First and last image column of the house: of the runs of columns with a wall at least a storey tall (a
    garden wall or a fence is lower; gaps under a metre bridged), cut where the wall's ground line jumps by half
    a metre or more (a neighbour's house stands nearer or farther), the one holding the most wall."""
    tall = wall.sum(axis=0) >= 2.2 * k
    if not tall.any():
        return None
    h = wall.shape[0]
    columns = np.flatnonzero(tall)
    foot = cv2.medianBlur((h - 1 - np.argmax(wall[::-1, columns], axis=0)).astype(np.float32)[None, :],
                          5)[0] if columns.size >= 5 else np.zeros(columns.size, np.float32)
    cuts = (np.diff(columns) > max(1, int(k))) | (np.abs(np.diff(foot)) > 0.5 * k)
    breaks = np.flatnonzero(cuts)
    starts = np.concatenate([[0], breaks + 1])
    ends = np.concatenate([breaks, [columns.size - 1]])
    mass = [wall[:, columns[a]:columns[b] + 1].sum() for a, b in zip(starts, ends)]
    best = int(np.argmax(mass))
    return int(columns[starts[best]]), int(columns[ends[best]])


def _corner(canvas: Canvas, camera: Camera, house: np.ndarray, end: int) -> tuple[np.ndarray, np.ndarray] | None:
    """(the house's corner on the ground at image column `end`, in world metres; the facade's direction, pointing
    right), from the house's ground line within 4 m of that end (else the house's, square to the view)."""
    scene = canvas.scene
    labels = scene.labels
    h = labels.shape[0]
    k = scene.px_per_m
    cols = np.flatnonzero(house.any(axis=0))
    bottom = h - 1 - np.argmax(house[::-1, cols], axis=0)
    below = labels[np.minimum(bottom + 2, h - 1), cols]
    # Only where the ground itself meets the wall: a bush's top along the foot would tilt the line.
    near = (below == LABEL_ID["ground"]) & (bottom < h - 2) & (bottom > camera.cy + 2) & (np.abs(cols - end) <= 4.0 * k)
    slope, intercept = 0.0, scene.base_y
    if near.sum() >= max(8, 0.5 * k):
        fit = np.polyfit(cols[near], bottom[near], 1)
        close = np.abs(bottom[near] - np.polyval(fit, cols[near])) <= max(1.5, 0.1 * k)
        if close.sum() >= max(8, 0.5 * k):
            slope, intercept = np.polyfit(cols[near][close], bottom[near][close], 1)
    # Bushes along the foot hide the ground line and lift it: the corner stands at most a metre above the house's.
    row = max(slope * end + intercept, scene.base_y - k)
    depth = camera.focal / k  # the facade's depth, where its windows and doors measure k px per metre
    turn = camera.focal * slope / (slope * (end - camera.cx) - (row - camera.cy))  # toward its vanishing point
    if abs(turn) > np.tan(np.radians(MAX_TURN)):
        turn = 0.0  # a ground line broken by bushes or steps: square to the view
    along = np.array([1.0, 0.0, turn]) / np.hypot(1.0, turn)
    return camera.point(end, row, depth), along


def _fits(canvas: Canvas, h: np.ndarray, others: np.ndarray, house: np.ndarray, built: np.ndarray, width: float,
          height: float) -> bool:
    """In frame enough, seen from the front more than edge-on, over none of the house's windows or doors nor
    another building (`others`), beside the house (its wall and roof, `house`) rather than in front of it or of
    any other building (`built`: every wall and roof), standing on the ground."""
    scene = canvas.scene
    labels = scene.labels
    rows, cols = labels.shape
    corners = to_image(h, np.array([0.0, width, width, 0.0]), np.array([0.0, 0.0, height, height]))
    if not np.isfinite(corners).all():
        return False
    mask = _polygon(corners, (rows, cols))
    total = _area(corners)
    if total <= 0 or mask.sum() < IN_FRAME * total or np.ptp(corners[:, 1]) < MIN_TALL * rows:
        return False
    if np.ptp(corners[:, 0]) < MIN_FACING * width * scene.px_per_m:
        return False  # seen nearly edge-on: a sliver of a door nobody could judge
    covered = labels[mask]
    if np.isin(covered, [LABEL_ID["window"], LABEL_ID["door"]]).mean() > 0.01:
        return False
    if (covered == LABEL_ID["vegetation"]).mean() > MAX_PLANTED:
        return False  # a garage is not built in a shrubbery or a tree
    tall = others & (others.sum(axis=0) >= 2.2 * scene.px_per_m)[None, :]  # a neighbour's house, not a fence
    if tall[mask].mean() > 0.1 or canvas.occupied[mask].any():
        return False
    if _in_front_of(house, built, corners, mask, scene.px_per_m):
        return False
    base = to_image(h, np.linspace(0.0, width, 24), np.full(24, -0.25))
    inside = (base[:, 0] >= 0) & (base[:, 0] < cols) & (base[:, 1] >= 0) & (base[:, 1] < rows)
    if inside.sum() < 4:
        return True  # its foot is below the frame: nothing to stand on is in view
    ground = labels[base[inside, 1].astype(int), base[inside, 0].astype(int)]
    return np.isin(ground, STANDING).mean() >= 0.5


def _in_front_of(house: np.ndarray, built: np.ndarray, corners: np.ndarray, mask: np.ndarray, k: float) -> bool:
    """Whether the garage's front (`mask`, its image `corners`) would stand in front of a building rather than
    beside the house: over the house's wall or roof, or under a building (one in the ABOVE_M metres over its top
    edge, where beside the house there is sky, trees or the view past it; the house's eave over the corner
    aside)."""
    if house[mask].mean() > HOUSE_COVERED:
        return True
    top = int(max(np.floor(corners[:, 1].min()), 0))
    above = built[max(0, top - int(ABOVE_M * k)):top, mask.any(axis=0)]
    return above.size > 0 and above.mean() > BUILT_ABOVE


def _polygon(corners: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """The pixels inside a polygon (Nx2 image points)."""
    mask = np.zeros(shape, np.uint8)
    cv2.fillPoly(mask, [np.round(corners).astype(np.int32)], 1)
    return mask > 0


def _area(corners: np.ndarray) -> float:
    """Area (px) of a polygon, wherever it lies (the shoelace formula)."""
    x, y = corners[:, 0], corners[:, 1]
    return float(abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) / 2.0)
