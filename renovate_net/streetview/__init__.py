"""Before photos by address: geocode with OpenStreetMap's Nominatim, pick a facing Mapillary street-level image.

- `settings.py`: base URLs, token, contact and cache folder from the environment (tests point them at a
  local fake server).
- `http.py`: the one HTTP client: identifying User-Agent, a one-request-a-second limiter, bounded retries
  on HTTP 429/503 that honour Retry-After, and one-line errors.
- `geocode.py`: address -> coordinates (Nominatim search API), cached on disk.
- `mapillary.py`: images around a point (Mapillary API v4 `images` endpoint) and the image download.
- `ranking.py`: distance and heading error of each camera to the address, and the order they are offered in.
- `fetch.py`: the `fetch-photo` command's work: candidates, download, photo + attribution sidecar.
"""
from renovate_net.streetview.fetch import FetchResult, fetch_photo, find_candidates, sidecar_path

__all__ = ["FetchResult", "fetch_photo", "find_candidates", "sidecar_path"]
