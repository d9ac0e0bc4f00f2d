"""`renovate-net fetch-photo`: a before photo of an address from Mapillary, with its attribution beside it.

Steps: check the output paths and the token (before any request, so a mistake costs the services nothing),
geocode the address (or take --lat/--lon), search Mapillary around it, rank the images (ranking.py), download
the chosen one, then write the photo and its sidecar, each to a temp file renamed into place, so a failure at
any step leaves nothing behind.

Sidecar: `house.jpg` -> `house.jpg.attribution.json`. The full photo name keeps the pair unambiguous (house.jpg
and house.png from two fetches get two sidecars) and no other command writes a name like it. It holds what
CC BY-SA 4.0 asks to be credited (creator, licence, link, image id) plus the capture date, the camera's place
and heading, and the geocoding credit OpenStreetMap's licence asks for.
"""
from __future__ import annotations

import functools
import io
import json
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from renovate_net import __version__
from renovate_net.errors import UserError
from renovate_net.imaging import SAVE_OPTIONS, check_writable
from renovate_net.streetview import geocode as nominatim
from renovate_net.streetview import mapillary
from renovate_net.streetview.http import HttpClient, RateLimiter, ServiceError
from renovate_net.streetview.ranking import HALF_VIEW_DEG, Candidate, rank_images
from renovate_net.streetview.settings import TOKEN_HELP, Settings

PHOTO_FORMATS = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG"}
MAX_RADIUS_M = 500  # Mapillary's bounding-box search is meant for small areas; a house needs no more


@dataclass(frozen=True)
class FetchResult:
    """What `fetch_photo` wrote and why it chose that image."""
    photo: Path
    sidecar: Path
    candidate: Candidate
    target: nominatim.Place
    candidates: int


def sidecar_path(photo: str | Path) -> Path:
    """`house.jpg` -> `house.jpg.attribution.json`."""
    photo = Path(photo)
    return photo.with_name(photo.name + ".attribution.json")


def _check_place_arguments(address: str | None, lat: float | None, lon: float | None, radius_m: float) -> None:
    if address is not None and (lat is not None or lon is not None):
        raise UserError("pass either an ADDRESS or --lat and --lon, not both")
    if address is None and (lat is None or lon is None):
        raise UserError("pass an ADDRESS, or both --lat and --lon")
    if lat is not None and not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise UserError(f"--lat {lat} --lon {lon}: latitude must be in [-90, 90] and longitude in [-180, 180]")
    if not 0 < radius_m <= MAX_RADIUS_M:
        raise UserError(f"--radius {radius_m:g}: use 1 to {MAX_RADIUS_M} metres")


def _client(settings: Settings) -> HttpClient:
    return HttpClient(settings.user_agent, timeout_s=settings.timeout_s, retries=settings.retries,
                      backoff_s=settings.backoff_s, max_wait_s=settings.max_wait_s)


@functools.lru_cache(maxsize=None)
def _limiter(base_url: str, interval_s: float, state_file: Path | None) -> RateLimiter:
    """One limiter per Nominatim instance and process, so calls in a loop share it even without a cache
    folder (the state file then adds the limit across processes)."""
    return RateLimiter(interval_s, state_file)


def _target(address: str | None, lat: float | None, lon: float | None, country: str | None,
            settings: Settings, client: HttpClient) -> nominatim.Place:
    if address is None:
        return nominatim.Place(float(lat), float(lon))
    folder = settings.cache_dir
    limiter = _limiter(settings.nominatim_url, settings.nominatim_interval_s,
                       folder / nominatim.LIMITER_FILE if folder else None)
    return nominatim.geocode(address, client, settings.nominatim_url, limiter, country=country,
                             cache=nominatim.GeocodeCache(folder))


def find_candidates(address: str | None = None, lat: float | None = None, lon: float | None = None,
                    radius_m: float = 50, country: str | None = "be", settings: Settings | None = None,
                    ) -> tuple[nominatim.Place, list[Candidate]]:
    """The address's place and the Mapillary images within `radius_m` of it, best first; no image is
    downloaded. Raises UserError when there is no token, no such address or no image in the radius."""
    _check_place_arguments(address, lat, lon, radius_m)
    settings = settings or Settings.from_env()
    if not settings.token:
        raise UserError(f"MAPILLARY_ACCESS_TOKEN is not set; create a client token at {TOKEN_HELP} "
                        "and export it")
    client = _client(settings)
    target = _target(address, lat, lon, country, settings, client)
    images = mapillary.search_images(target.lat, target.lon, radius_m, client, settings.mapillary_url,
                                     settings.token)
    candidates = rank_images(images, target.lat, target.lon, radius_m)
    if not candidates:
        where = f"{address!r}" if address is not None else f"{target.lat:.6f}, {target.lon:.6f}"
        raise UserError(f"no Mapillary image within {radius_m:g} m of {where}; try a larger --radius "
                        f"(at most {MAX_RADIUS_M}) or take the photo yourself (docs/datasets.md, capture guide)")
    return target, candidates


def format_candidates(target: nominatim.Place, candidates: list[Candidate], radius_m: float) -> list[str]:
    """The `--list` table: rank, distance, camera heading, bearing to the address, heading error, date, id."""
    name = target.display_name or target.query or "the point"
    lines = [f"{len(candidates)} images within {radius_m:g} m of {name} ({target.lat:.6f}, {target.lon:.6f}); "
             f"facing the address (error <= {HALF_VIEW_DEG:g}°) first, then by distance + 0.5 m per degree:",
             f"{'rank':>4}  {'distance':>8}  {'heading':>7}  {'bearing':>7}  {'error':>5}  {'captured':<10}  id"]
    for c in candidates:
        heading = "?" if c.image.compass_angle is None else f"{c.image.compass_angle:.0f}°"
        error = "?" if c.heading_error_deg is None else f"{c.heading_error_deg:.0f}°"
        date = (c.image.captured_at or "?")[:10]
        lines.append(f"{c.rank:>4}  {c.distance_m:>6.1f} m  {heading:>7}  {c.bearing_deg:>6.0f}°  {error:>5}  "
                     f"{date:<10}  {c.image.id}")
    return lines


def attribution(candidate: Candidate, target: nominatim.Place, photo: Path, total: int) -> dict:
    """The sidecar's content: the credit CC BY-SA 4.0 requires, and how the image was chosen."""
    image = candidate.image
    creator = image.creator or "a Mapillary contributor"
    return {
        "photo": photo.name,
        "source": "Mapillary",
        "image_id": image.id,
        "url": image.page,
        "creator": image.creator,
        "captured_at": image.captured_at,
        "licence": mapillary.LICENCE,
        "licence_url": mapillary.LICENCE_URL,
        "attribution": f"Photo by {creator} on Mapillary, {mapillary.LICENCE} ({mapillary.LICENCE_URL}), "
                       f"{image.page}",
        "note": "Share anything made from this photo (a rendered 'after' image too) under CC BY-SA 4.0, "
                "with this credit and a note that it was changed.",
        "camera": {"lat": image.lat, "lon": image.lon, "compass_angle": image.compass_angle,
                   "width": image.width, "height": image.height},
        "choice": {"rank": candidate.rank, "of": total, "distance_m": round(candidate.distance_m, 1),
                   "bearing_deg": round(candidate.bearing_deg, 1),
                   "heading_error_deg": None if candidate.heading_error_deg is None
                   else round(candidate.heading_error_deg, 1)},
        "target": {"lat": target.lat, "lon": target.lon, "address": target.query,
                   "display_name": target.display_name},
        "geocoding": nominatim.ATTRIBUTION if target.query is not None else None,
        "fetched_at": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "tool": f"renovate-net {__version__} fetch-photo",
    }


def _encode(data: bytes, fmt: str, image_id: str) -> bytes:
    """The downloaded bytes as the output's format: a JPEG into a .jpg as is (no second compression, EXIF
    kept), anything else re-encoded. Bytes that are not an image are the service's fault, not ours."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.load()
            if image.format == fmt:
                return data
            out = io.BytesIO()
            image.convert("RGB").save(out, format=fmt, **SAVE_OPTIONS.get(fmt, {}))
            return out.getvalue()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise ServiceError(f"Mapillary image {image_id} did not download as a readable image; "
                           "try again or pick another with --pick") from None


def _write_pair(photo: Path, photo_bytes: bytes, sidecar: Path, record: dict) -> None:
    """Both files or neither: each goes to a temp file in the target folder, then both are renamed."""
    temps: list[str] = []
    try:
        for payload in (photo_bytes, (json.dumps(record, indent=2, ensure_ascii=False) + "\n").encode()):
            descriptor, temp = tempfile.mkstemp(prefix=f".{photo.name}.", suffix=".tmp", dir=photo.parent)
            temps.append(temp)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(payload)
            os.chmod(temp, 0o644)  # mkstemp makes 0600; a photo should be readable like any other
        os.replace(temps[0], photo)
        try:
            os.replace(temps[1], sidecar)
        except OSError:
            photo.unlink(missing_ok=True)  # a photo without its credit must not stay behind
            raise
    finally:
        for temp in temps:
            Path(temp).unlink(missing_ok=True)


def fetch_photo(output: str | Path, address: str | None = None, lat: float | None = None,
                lon: float | None = None, radius_m: float = 50, pick: int = 1, country: str | None = "be",
                force: bool = False, settings: Settings | None = None) -> FetchResult:
    """Write the `pick`-th best Mapillary image of the address to `output` (.jpg or .png) and its attribution
    to `sidecar_path(output)`. Nothing is written unless everything succeeds."""
    output = Path(output)
    fmt = PHOTO_FORMATS.get(output.suffix.lower())
    if fmt is None:
        raise UserError(f"{output}: unknown photo type {output.suffix!r}; use .jpg or .png")
    if pick < 1:
        raise UserError(f"--pick {pick}: candidates are numbered from 1 (see --list)")
    check_writable(output, force)
    sidecar = check_writable(sidecar_path(output), force)
    settings = settings or Settings.from_env()
    target, candidates = find_candidates(address, lat, lon, radius_m, country, settings)
    if pick > len(candidates):
        raise UserError(f"--pick {pick}: only {len(candidates)} image(s) within {radius_m:g} m; see --list")
    chosen = candidates[pick - 1]
    photo_bytes = _encode(mapillary.download(chosen.image, _client(settings)), fmt, chosen.image.id)
    _write_pair(output, photo_bytes, sidecar, attribution(chosen, target, output, len(candidates)))
    return FetchResult(output, sidecar, chosen, target, len(candidates))
