"""Address -> coordinates with OpenStreetMap's Nominatim search API, following its usage policy.

Policy (https://operations.osmfoundation.org/policies/nominatim/): an identifying User-Agent, at most one
request a second for the whole application, no bulk geocoding, cache results, credit "© OpenStreetMap
contributors" (the data is ODbL). The client sends the User-Agent and waits on the shared `RateLimiter`; this
module caches answers on disk so asking again for the same address costs the service nothing.
"""
from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from renovate_net.errors import UserError
from renovate_net.streetview.http import HttpClient, RateLimiter, ServiceError

SERVICE = "Nominatim"
ATTRIBUTION = ("Geocoding: Nominatim, data © OpenStreetMap contributors, ODbL 1.0, "
               "https://www.openstreetmap.org/copyright")
CACHE_DAYS = 30  # an address does not move, but OSM corrects positions; a month keeps both in view
CACHE_FILE = "nominatim-cache.json"
LIMITER_FILE = "nominatim-last-request"


@dataclass(frozen=True)
class Place:
    """A point to photograph: where the address is, and what Nominatim called it (None for --lat/--lon)."""
    lat: float
    lon: float
    display_name: str | None = None
    query: str | None = None


def cache_key(address: str, country: str | None) -> str:
    """Case and spacing do not change an address; the country filter does."""
    return f"{(country or '').lower()}|{' '.join(address.lower().split())}"


class GeocodeCache:
    """A small JSON file of answers, best-effort: a cache that cannot be read or written is just skipped."""

    def __init__(self, folder: Path | None, max_age_s: float = CACHE_DAYS * 86400) -> None:
        self.path = folder / CACHE_FILE if folder is not None else None
        self.max_age_s = max_age_s

    def _load(self) -> dict:
        if self.path is None or not self.path.is_file():
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def get(self, key: str) -> Place | None:
        """The cached place for `key`, or None when absent, older than the limit, or unreadable."""
        entry = self._load().get(key)
        if not isinstance(entry, dict) or time.time() - entry.get("cached_at", 0) > self.max_age_s:
            return None
        try:
            return Place(float(entry["lat"]), float(entry["lon"]), entry.get("display_name"), entry.get("query"))
        except (KeyError, TypeError, ValueError):
            return None

    def put(self, key: str, place: Place) -> None:
        """Store `place` under `key`: the whole file is rewritten through a temp file, so a crash or a
        concurrent run never leaves half a JSON file behind."""
        if self.path is None:
            return
        data = self._load()
        data[key] = {**asdict(place), "cached_at": time.time()}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            descriptor, temp = tempfile.mkstemp(prefix=".nominatim-", suffix=".tmp", dir=self.path.parent)
        except OSError:
            return
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                json.dump(data, handle, indent=1)
            os.replace(temp, self.path)
        except OSError:
            Path(temp).unlink(missing_ok=True)


def parse_search(answer: object, address: str) -> Place:
    """The first hit of a Nominatim `/search?format=jsonv2` answer (a JSON list of places)."""
    if not isinstance(answer, list):
        raise ServiceError(f"{SERVICE} answered an unexpected shape ({type(answer).__name__}, expected a list)")
    if not answer:
        raise UserError(f"address not found: {address!r}; check the spelling, add the town and postcode, "
                        "or pass --lat/--lon")
    first = answer[0]
    try:
        return Place(float(first["lat"]), float(first["lon"]), str(first.get("display_name", "")) or None, address)
    except (KeyError, TypeError, ValueError):
        raise ServiceError(f"{SERVICE} answered a place without usable lat/lon") from None


def geocode(address: str, client: HttpClient, base_url: str, limiter: RateLimiter,
            country: str | None = "be", cache: GeocodeCache | None = None) -> Place:
    """Coordinates of `address`: from the cache, else one rate-limited Nominatim search.

    `country` (ISO 3166-1 alpha-2 codes, comma-separated) keeps "Kerkstraat 1, Gent" in Belgium rather than
    anywhere a Kerkstraat exists; None searches worldwide.
    """
    address = " ".join(address.split())
    if not address:
        raise UserError("the address is empty; pass an address or --lat/--lon")
    key = cache_key(address, country)
    if cache is not None and (hit := cache.get(key)) is not None:
        return hit
    params = {"q": address, "format": "jsonv2", "limit": 1, "addressdetails": 0}
    if country:
        params["countrycodes"] = country.lower()
    answer = client.get_json(f"{base_url}/search", service=SERVICE, params=params, limiter=limiter)
    place = parse_search(answer, address)
    if cache is not None:
        cache.put(key, place)
    return place
