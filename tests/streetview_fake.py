"""Local stand-ins for Nominatim, the Mapillary graph API and Mapillary's image CDN (http.server in threads on
127.0.0.1), answering in the real services' shapes, so fetch-photo is tested without the network.

- Nominatim `GET /search?q=...&format=jsonv2` -> a JSON list of {place_id, lat, lon, display_name} (lat/lon as
  strings, as Nominatim sends them), `[]` for an unknown address.
- Mapillary `GET /images?bbox=minLon,minLat,maxLon,maxLat&fields=...&limit=N` with `Authorization: OAuth TOKEN`
  -> `{"data": [...]}` holding the images inside the box, each with only the fields asked for (as the real API
  does); HTTP 401 with a Graph-style error for a wrong token.
- CDN `GET /img/ID.jpg` -> the image's JPEG bytes.

`script[path]` queues canned answers (status, headers, body) served before the normal ones, and `delay[path]`
makes a path answer late, for the error tests. Every request is recorded with its query and headers.
"""
from __future__ import annotations

import io
import json
import math
import threading
import time
import urllib.parse
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from PIL import Image

TOKEN = "MLY|test|token"
M_PER_DEG = 111_320.0


def offset(lat: float, lon: float, north_m: float, east_m: float) -> tuple[float, float]:
    """The point `north_m` north and `east_m` east of (lat, lon), flat-earth (fine at street scale)."""
    return lat + north_m / M_PER_DEG, lon + east_m / (M_PER_DEG * math.cos(math.radians(lat)))


def jpeg(colour: tuple[int, int, int], size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="JPEG", quality=90)
    return out.getvalue()


@dataclass
class Seen:
    server: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    at: float


@dataclass
class FakeServices:
    places: dict[str, list[dict]] = field(default_factory=dict)  # lower-case query -> Nominatim list
    images: list[dict] = field(default_factory=list)  # Mapillary image entities (all fields)
    photos: dict[str, bytes] = field(default_factory=dict)  # image id -> JPEG bytes on the CDN
    script: dict[str, deque] = field(default_factory=lambda: defaultdict(deque))
    delay: dict[str, float] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)

    def start(self) -> "FakeServices":
        self.api = _serve(self, "api")
        self.cdn = _serve(self, "cdn")
        return self

    def stop(self) -> None:
        for server in (self.api, self.cdn):
            server.shutdown()
            server.server_close()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api.server_address[1]}"

    @property
    def cdn_url(self) -> str:
        return f"http://127.0.0.1:{self.cdn.server_address[1]}"

    def requests(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.path == path]

    def add_image(self, image_id: str, lat: float, lon: float, colour=(120, 120, 120), **fields) -> None:
        """A flat image at (lat, lon) with the fields Mapillary returns; `fields` override or add."""
        entity = {"id": image_id, "geometry": {"type": "Point", "coordinates": [lon, lat]},
                  "captured_at": 1_622_541_600_000, "is_pano": False, "width": 64, "height": 48,
                  "creator": {"username": f"user_{image_id}", "id": "100"},
                  "thumb_original_url": f"{self.cdn_url}/img/{image_id}.jpg",
                  "thumb_2048_url": f"{self.cdn_url}/img/{image_id}.jpg"}
        entity.update(fields)
        self.images.append({k: v for k, v in entity.items() if v is not None})
        self.photos[image_id] = jpeg(colour)

    # --- answers ---------------------------------------------------------------------------------------
    def answer(self, server: str, path: str, query: dict[str, str], headers: dict[str, str]):
        if self.script.get(path):
            return self.script[path].popleft()
        if server == "cdn":
            image_id = path.rsplit("/", 1)[-1].removesuffix(".jpg")
            if path.startswith("/img/") and image_id in self.photos:
                return 200, {"Content-Type": "image/jpeg"}, self.photos[image_id]
            return 404, {}, b"not found"
        if path == "/search":
            return 200, {}, json.dumps(self.places.get(query.get("q", "").lower(), [])).encode()
        if path == "/images":
            return self._images(query, headers)
        return 404, {}, b'{"error": "no such path"}'

    def _images(self, query: dict[str, str], headers: dict[str, str]):
        if headers.get("Authorization") != f"OAuth {TOKEN}":
            error = {"error": {"message": "Invalid OAuth access token - Cannot parse access token",
                               "type": "OAuthException", "code": 190}}
            return 401, {}, json.dumps(error).encode()
        min_lon, min_lat, max_lon, max_lat = (float(v) for v in query["bbox"].split(","))
        fields = query.get("fields", "id").split(",")
        inside = [image for image in self.images
                  if min_lon <= image["geometry"]["coordinates"][0] <= max_lon
                  and min_lat <= image["geometry"]["coordinates"][1] <= max_lat]
        data = [{k: v for k, v in image.items() if k in fields} for image in inside[:int(query.get("limit", 2000))]]
        return 200, {"Content-Type": "application/json"}, json.dumps({"data": data}).encode()


def _serve(fake: FakeServices, name: str) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            split = urllib.parse.urlsplit(self.path)
            query = dict(urllib.parse.parse_qsl(split.query))
            headers = dict(self.headers.items())
            fake.seen.append(Seen(name, split.path, query, headers, time.monotonic()))
            if split.path in fake.delay:
                time.sleep(fake.delay[split.path])
            status, extra, body = fake.answer(name, split.path, query, headers)
            try:
                self.send_response(status)
                for key, value in {"Content-Type": "application/json", **extra}.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (the time-out test)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return server
