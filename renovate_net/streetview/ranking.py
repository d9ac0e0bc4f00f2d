"""Which street-level image shows the house: near, and with the camera turned towards it.

For each image: the distance from the camera to the address, the bearing the camera would need to face the
address, and the heading error, the angle between that bearing and where the camera did face. Street-level
cameras see about 60-90° across, so an address more than `HALF_VIEW_DEG` off the camera's axis is at the edge
of the frame or out of it.

Order: images that face the address (heading error <= HALF_VIEW_DEG) before those that do not; within each
group by score = distance (m) + METRES_PER_DEGREE x heading error (°), lower is better. With 0.5 m a degree,
a camera 25 m away looking straight at the house (score 25) beats one 10 m away looking 40° past it (30).
An image without a compass angle has an unknown error, counted as 180°.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from renovate_net.streetview.mapillary import StreetImage

EARTH_RADIUS_M = 6_371_008.8
HALF_VIEW_DEG = 45.0
METRES_PER_DEGREE = 0.5


@dataclass(frozen=True)
class Candidate:
    """An image with its measures against the address; `rank` starts at 1."""
    rank: int
    image: StreetImage
    distance_m: float
    bearing_deg: float  # from the camera to the address, clockwise from north
    heading_error_deg: float | None
    score: float

    @property
    def faces(self) -> bool:
        """Whether the address is within the camera's likely field of view."""
        return self.heading_error_deg is not None and self.heading_error_deg <= HALF_VIEW_DEG


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in metres; ample at street scale."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def bearing_deg(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Initial bearing from point 1 to point 2, degrees clockwise from north in [0, 360)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dl = math.radians(lon2 - lon1)
    y = math.sin(dl) * math.cos(p2)
    x = math.cos(p1) * math.sin(p2) - math.sin(p1) * math.cos(p2) * math.cos(dl)
    return math.degrees(math.atan2(y, x)) % 360.0


def angle_between(a: float, b: float) -> float:
    """Smallest angle between two headings, in [0, 180]."""
    return abs((a - b + 180.0) % 360.0 - 180.0)


def rank_images(images: list[StreetImage], lat: float, lon: float, radius_m: float) -> list[Candidate]:
    """The images within `radius_m` of the address, best first (see the module docstring)."""
    measured = []
    for image in images:
        distance = distance_m(image.lat, image.lon, lat, lon)
        if distance > radius_m:
            continue  # the search box is a square; the radius is a circle
        bearing = bearing_deg(image.lat, image.lon, lat, lon)
        error = None if image.compass_angle is None else angle_between(image.compass_angle, bearing)
        score = distance + METRES_PER_DEGREE * (180.0 if error is None else error)
        measured.append((image, distance, bearing, error, score))
    measured.sort(key=lambda m: (not (m[3] is not None and m[3] <= HALF_VIEW_DEG), m[4], m[0].id))
    return [Candidate(rank, image, distance, bearing, error, score)
            for rank, (image, distance, bearing, error, score) in enumerate(measured, start=1)]
