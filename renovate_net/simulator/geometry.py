"""The camera and planes in metres, shared by the added objects (solar panels, pool, garage).

A level pinhole camera `CAMERA_HEIGHT_M` above the ground, its horizon at the scene's horizon row, looking along
+Z (X right, Y up, metres, the ground at Y = 0). Any plane of the scene (a roof plane, the ground, a garage's
front) is an origin and two axes in metres; its homography maps plane coordinates (s, t) to image pixels, so an
object can be laid out in real sizes on the plane and drawn through the photo's perspective. A layout is done
on the plane's rectified mask (the label region warped to a metric grid), where every margin is in metres.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from renovate_net.simulator.scene import CAMERA_HEIGHT_M, Scene


@dataclass(frozen=True)
class Camera:
    """Focal length and principal point (px) of the level camera, its height above the ground (m)."""
    focal: float
    cx: float
    cy: float
    height: float = CAMERA_HEIGHT_M

    @classmethod
    def of(cls, scene: Scene) -> "Camera":
        return cls(scene.focal, scene.image.shape[1] / 2.0, scene.horizon_y)

    @property
    def intrinsics(self) -> np.ndarray:
        """World (X, Y - height, Z) -> homogeneous pixel (y grows downward, so Y's row is negated)."""
        return np.array([[self.focal, 0.0, self.cx], [0.0, -self.focal, self.cy], [0.0, 0.0, 1.0]])

    def point(self, x: float, y: float, depth: float) -> np.ndarray:
        """The world point seen at pixel (x, y) at `depth` metres."""
        return np.array([(x - self.cx) * depth / self.focal, self.height - (y - self.cy) * depth / self.focal, depth])

    def project(self, points: np.ndarray) -> np.ndarray:
        """Nx3 world points -> Nx2 pixels."""
        p = np.asarray(points, np.float64).reshape(-1, 3)
        z = np.maximum(p[:, 2], 1e-6)
        return np.stack([self.cx + self.focal * p[:, 0] / z, self.cy - self.focal * (p[:, 1] - self.height) / z], 1)

    def ground_depth(self, row: float) -> float | None:
        """Depth (m) of the ground seen at image `row`; None at or above the horizon."""
        below = row - self.cy
        return self.height * self.focal / below if below > 0.5 else None


@dataclass(frozen=True)
class Plane:
    """A scene plane: world origin and two orthogonal unit axes (metres); (s, t) -> origin + s*axis_s + t*axis_t."""
    origin: np.ndarray
    axis_s: np.ndarray
    axis_t: np.ndarray

    @property
    def normal(self) -> np.ndarray:
        n = np.cross(self.axis_s, self.axis_t)
        return n / np.linalg.norm(n)


def homography(camera: Camera, plane: Plane) -> np.ndarray:
    """3x3 map of plane coordinates (s, t, 1) to homogeneous image pixels."""
    return camera.intrinsics @ np.column_stack([plane.axis_s, plane.axis_t,
                                                plane.origin - np.array([0.0, camera.height, 0.0])])


def to_image(h: np.ndarray, s: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Plane coordinates (arrays of one shape) -> pixels (shape + (2,))."""
    p = np.stack([s, t, np.ones_like(s)], -1) @ h.T
    return p[..., :2] / p[..., 2:3]


def to_plane_points(h: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Nx2 pixels -> Nx2 plane coordinates (s, t)."""
    p = np.column_stack([points, np.ones(len(points))]) @ np.linalg.inv(h).T
    return p[:, :2] / p[:, 2:3]


def to_plane(h: np.ndarray, rows: slice, cols: slice) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(s, t, valid) over an image crop: each pixel's plane coordinates, valid where the plane faces it."""
    inverse = np.linalg.inv(h)
    yy, xx = np.mgrid[rows, cols].astype(np.float64)
    p = inverse @ np.stack([xx.ravel(), yy.ravel(), np.ones(xx.size)])
    w = p[2]  # 1 / depth: positive where the pixel's ray meets the plane in front of the camera
    valid = w > 1e-9
    s, t = p[0] / np.where(valid, w, 1.0), p[1] / np.where(valid, w, 1.0)
    shape = xx.shape
    return s.reshape(shape).astype(np.float32), t.reshape(shape).astype(np.float32), valid.reshape(shape)


@dataclass(frozen=True)
class Grid:
    """A metric raster of a plane: cell (i, j) covers s in s0 + [j, j+1)/res, t in t0 + [i, i+1)/res."""
    s0: float
    t0: float
    res: float  # cells per metre
    shape: tuple[int, int]

    def to_cells(self) -> np.ndarray:
        """3x3 map of plane coordinates to (column, row) cell coordinates."""
        return np.array([[self.res, 0.0, -self.s0 * self.res], [0.0, self.res, -self.t0 * self.res], [0, 0, 1.0]])


def rectify(mask: np.ndarray, h: np.ndarray, grid: Grid) -> np.ndarray:
    """The boolean image `mask` warped onto the plane's grid (nearest cell centre; outside the photo False)."""
    image_to_cells = grid.to_cells() @ np.linalg.inv(h)
    warped = cv2.warpPerspective(mask.astype(np.uint8), image_to_cells, grid.shape[::-1], flags=cv2.INTER_NEAREST,
                                 borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    return warped > 0


def erode_m(mask: np.ndarray, metres: float, res: float) -> np.ndarray:
    """A rectified mask shrunk by `metres` on every side (a round structuring element)."""
    radius = int(np.ceil(metres * res))
    if radius <= 0:
        return mask.copy()
    disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    padded = cv2.copyMakeBorder(mask.astype(np.uint8), radius, radius, radius, radius, cv2.BORDER_CONSTANT, value=0)
    return cv2.erode(padded, disk)[radius:-radius, radius:-radius] > 0


def coverage(distance_px: np.ndarray) -> np.ndarray:
    """Anti-aliased alpha of a shape from the signed distance of each pixel centre inside its edge (px)."""
    return np.clip(distance_px + 0.5, 0.0, 1.0).astype(np.float32)


def footprint(values: np.ndarray) -> np.ndarray:
    """How much a coordinate map changes over one pixel (the box filter width of a pattern drawn on it)."""
    gy, gx = np.gradient(values.astype(np.float32))
    return np.abs(gx) + np.abs(gy) + 1e-6
