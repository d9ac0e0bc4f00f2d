"""Street-level images around a point, from the Mapillary API v4
(https://www.mapillary.com/developer/api-documentation).

- Search: `GET {graph}/images?bbox=minLon,minLat,maxLon,maxLat&fields=...&limit=N`, answered as
  `{"data": [{...}, ...]}`. The entity API filters by bounding box only, so the circle and the ranking are ours.
- Auth: the client token in an `Authorization: OAuth TOKEN` header, which the API documentation prefers over
  the `access_token` query parameter (a token in a URL ends up in logs).
- Images: `thumb_original_url` (full size) or `thumb_2048_url`; both are short-lived CDN links, so they are
  fetched right after the search and without the token.
- Licence: Mapillary's public images are CC BY-SA 4.0, credited to the contributor (`creator.username`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timezone

from renovate_net.streetview.http import HttpClient, ServiceError
from renovate_net.streetview.settings import TOKEN_HELP

SERVICE = "Mapillary"
FIELDS = ("id", "captured_at", "compass_angle", "computed_compass_angle", "geometry", "computed_geometry",
          "thumb_original_url", "thumb_2048_url", "creator", "is_pano", "width", "height")
LICENCE = "CC BY-SA 4.0"
LICENCE_URL = "https://creativecommons.org/licenses/by-sa/4.0/"
METRES_PER_DEGREE_LAT = 111_320.0
SEARCH_LIMIT = 200


@dataclass(frozen=True)
class StreetImage:
    """One Mapillary image as far as choosing and crediting it goes."""
    id: str
    lat: float
    lon: float
    compass_angle: float | None  # degrees clockwise from north the camera faced; SfM-corrected where known
    captured_at: str | None  # ISO 8601, UTC
    creator: str | None
    url: str | None  # the largest size offered
    is_pano: bool = False
    width: int | None = None
    height: int | None = None

    @property
    def page(self) -> str:
        """The image's page on mapillary.com: the link CC BY-SA credit points to."""
        return f"https://www.mapillary.com/app/?pKey={self.id}"


def bbox_around(lat: float, lon: float, radius_m: float) -> str:
    """`minLon,minLat,maxLon,maxLat` of the square that holds a circle of `radius_m` around the point."""
    dlat = radius_m / METRES_PER_DEGREE_LAT
    dlon = radius_m / (METRES_PER_DEGREE_LAT * max(math.cos(math.radians(lat)), 1e-6))
    return ",".join(f"{value:.6f}" for value in (lon - dlon, lat - dlat, lon + dlon, lat + dlat))


def capture_time(value: object) -> str | None:
    """Mapillary gives `captured_at` in milliseconds since 1970 (UTC); also accept an ISO string."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.fromtimestamp(value / 1000.0, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def _point(entry: dict) -> tuple[float, float] | None:
    for key in ("computed_geometry", "geometry"):  # computed: moved by Mapillary's reconstruction, better
        geometry = entry.get(key)
        if isinstance(geometry, dict) and geometry.get("type") == "Point":
            coordinates = geometry.get("coordinates")
            if isinstance(coordinates, (list, tuple)) and len(coordinates) >= 2:
                try:
                    return float(coordinates[1]), float(coordinates[0])  # GeoJSON is lon, lat
                except (TypeError, ValueError):
                    continue
    return None


def _angle(entry: dict) -> float | None:
    for key in ("computed_compass_angle", "compass_angle"):
        value = entry.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            return float(value) % 360.0
    return None


def parse_image(entry: object) -> StreetImage | None:
    """One `data` item, or None when it cannot be placed (no id or no point)."""
    if not isinstance(entry, dict) or not entry.get("id"):
        return None
    point = _point(entry)
    if point is None:
        return None
    creator = entry.get("creator")
    username = creator.get("username") if isinstance(creator, dict) else None
    return StreetImage(
        id=str(entry["id"]), lat=point[0], lon=point[1], compass_angle=_angle(entry),
        captured_at=capture_time(entry.get("captured_at")), creator=str(username) if username else None,
        url=entry.get("thumb_original_url") or entry.get("thumb_2048_url"),
        is_pano=bool(entry.get("is_pano")), width=_int(entry.get("width")), height=_int(entry.get("height")))


def _int(value: object) -> int | None:
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def search_images(lat: float, lon: float, radius_m: float, client: HttpClient, base_url: str,
                  token: str) -> list[StreetImage]:
    """Images in the square around the point, panoramas left out: an equirectangular 360° image is not a
    photo of one facade, and its compass angle is only its centre's."""
    params = {"bbox": bbox_around(lat, lon, radius_m), "fields": ",".join(FIELDS), "limit": SEARCH_LIMIT}
    try:
        answer = client.get_json(f"{base_url}/images", service=SERVICE, params=params, auth=f"OAuth {token}")
    except ServiceError as error:
        if error.status in (401, 403):
            raise ServiceError(f"{SERVICE} refused the access token (HTTP {error.status}); check "
                               f"MAPILLARY_ACCESS_TOKEN (a client token from {TOKEN_HELP})", error.status) from None
        raise
    if not isinstance(answer, dict) or not isinstance(answer.get("data"), list):
        raise ServiceError(f"{SERVICE} answered an unexpected shape (expected {{\"data\": [...]}})")
    images = (parse_image(entry) for entry in answer["data"])
    return [image for image in images if image is not None and not image.is_pano]


def download(image: StreetImage, client: HttpClient) -> bytes:
    """The image's bytes, from the CDN link the search returned (no token: it is another host)."""
    if not image.url:
        raise ServiceError(f"{SERVICE} gave no download link for image {image.id}; pick another with --pick")
    return client.get(image.url, service=f"{SERVICE} image download")
