"""Street-level house scenes drawn through a known camera, with exact labels and the true 3D geometry, so the
added objects' placement can be checked in metres (solar panels on a gabled roof in perspective, a pool in the
garden and not on the street, a garage beside the house)."""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from renovate_net.labels import LABEL_ID
from renovate_net.simulator.geometry import Camera, Plane, homography, to_image

WIDTH, HEIGHT, HORIZON = 640, 480, 300.0
UP = np.array([0.0, 1.0, 0.0])


@dataclass
class Street:
    image: np.ndarray
    labels: np.ndarray
    camera: Camera
    roof: Plane        # s along the eave from its middle, t up the slope from the eave (metres)
    house_width: float
    rafter: float
    facade: Plane      # s along the front from its middle, t up from the ground


def _fill(image, labels, corners, colour, label, rng) -> None:
    mask = np.zeros(labels.shape, np.uint8)
    cv2.fillPoly(mask, [np.round(corners).astype(np.int32)], 1)
    inside = mask > 0
    image[inside] = np.clip(np.asarray(colour, np.float32) + rng.normal(0, 4, (inside.sum(), 3)), 0, 255)
    labels[inside] = LABEL_ID[label]


def street(recession: float = 0.0, pitch: float = 35.0, depth: float = 16.0, house_width: float = 10.0,
           rafter: float = 5.0, eave: float = 3.0, street_rows: float = 0.0, overhang: float = 0.3,
           hedge: float = 0.0, seed: int = 0) -> Street:
    """A single-storey house with a gabled roof facing the camera (its eave turned `recession` degrees from the
    image plane, reaching `overhang` metres past the walls), on a lawn; the `street_rows` share of the photo's
    bottom is grey paving labelled ground; a `hedge` metres tall hides the front's foot 2 m on either side of its
    corners."""
    rng = np.random.default_rng(seed)
    camera = Camera(1.2 * WIDTH, WIDTH / 2.0, HORIZON)
    turn = np.radians(recession)
    along = np.array([np.cos(turn), 0.0, np.sin(turn)])
    away = np.array([-along[2], 0.0, along[0]])
    centre = np.array([0.0, 0.0, depth])
    facade = Plane(centre, along, UP)
    slope = np.radians(pitch)
    roof = Plane(centre + eave * UP, along, np.cos(slope) * away + np.sin(slope) * UP)
    image = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    labels = np.zeros((HEIGHT, WIDTH), np.uint8)
    image[:] = (120, 165, 215)
    labels[:] = LABEL_ID["sky"]
    ground = np.array([[0, HORIZON], [WIDTH, HORIZON], [WIDTH, HEIGHT], [0, HEIGHT]], np.float64)
    _fill(image, labels, ground, (85, 125, 60), "ground", rng)
    if street_rows:
        paving = np.array([[0, HEIGHT * (1 - street_rows)], [WIDTH, HEIGHT * (1 - street_rows)],
                           [WIDTH, HEIGHT], [0, HEIGHT]], np.float64)
        _fill(image, labels, paving, (128, 128, 126), "ground", rng)
    half = house_width / 2
    quad = lambda plane, s0, s1, t0, t1: to_image(homography(camera, plane), np.array([s0, s1, s1, s0]),
                                                  np.array([t0, t0, t1, t1]))
    _fill(image, labels, quad(facade, -half, half, 0.0, eave), (205, 190, 160), "wall", rng)
    _fill(image, labels, quad(roof, -half - overhang, half + overhang, 0.0, rafter), (110, 60, 50), "roof", rng)
    for share in (-0.85, -0.4, 0.45):  # windows and a door within the front, whatever its width
        _fill(image, labels, quad(facade, share * half, share * half + 1.2, 0.9, 2.3), (60, 70, 80), "window", rng)
    _fill(image, labels, quad(facade, 0.0, 1.0, 0.0, 2.1), (120, 80, 50), "door", rng)
    if hedge:
        front = Plane(centre - 0.6 * away, along, UP)
        for corner in (-half, half):
            _fill(image, labels, quad(front, corner - 2.0, corner + 2.0, 0.0, hedge), (50, 90, 40), "vegetation", rng)
    return Street(image, labels, camera, roof, house_width, rafter, facade)
