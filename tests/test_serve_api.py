"""The HTTP API in process (FastAPI's TestClient): every status it answers, what a render returns, the limits."""
from __future__ import annotations

import io
import json
import tempfile
import threading
import time

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from renovate_net.catalog import load_catalog
from renovate_net.imaging import load_image
from renovate_net.serve.app import Settings, create_app
from serve_fixtures import EXAMPLE, FakeRenderer, multipart_parts, photo_bytes, shipped_renderer  # noqa: F401


def render(client: TestClient, photo: bytes | None = None, types=("facade-insulation",), query: str = "",
           name: str = "house.jpg", headers: dict | None = None, **fields):
    files = [("photo", (name, photo, "application/octet-stream"))] if photo is not None else []
    files += [("type", (None, t)) for t in types]
    for field, values in fields.items():
        files += [(field, (None, value)) for value in values]
    return client.post(f"/api/render{query}", files=files, headers=headers or {})


def error_of(response) -> str:
    assert response.headers["content-type"] == "application/json"
    message = response.json()["error"]
    assert "\n" not in message and "Traceback" not in message
    return message


@pytest.fixture
def fake() -> FakeRenderer:
    return FakeRenderer()


@pytest.fixture
def client(fake) -> TestClient:
    return TestClient(create_app(fake))


def test_shipped_render_keeps_size_and_every_pixel_outside_the_edit(shipped_renderer):
    client = TestClient(create_app(shipped_renderer))
    response = render(client, EXAMPLE.read_bytes(), types=("facade-insulation", "windows"), query="?edit_mask=true")
    assert response.status_code == 200, response.text
    parts = multipart_parts(response)
    before = load_image(EXAMPLE)
    after = np.asarray(Image.open(io.BytesIO(parts["after"])))
    mask = np.asarray(Image.open(io.BytesIO(parts["edit_mask"])))
    assert after.shape == before.shape and mask.shape == before.shape[:2]
    unchanged = mask == 0
    assert unchanged.any() and (~unchanged).any()
    assert np.array_equal(after[unchanged], before[unchanged])  # bit for bit outside the edit
    assert (after[~unchanged] != before[~unchanged]).any(axis=-1).all()
    warnings = json.loads(response.headers["Render-Warnings"])  # the wall and windows are found; the example's
    assert all(line.startswith("windows: ") and "frame" in line for line in warnings)  # small frames may not fit


def test_png_by_default_jpeg_on_accept(client):
    png = render(client, photo_bytes(320, 240))
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(png.content)).size == (320, 240)
    jpeg = render(client, photo_bytes(320, 240), headers={"Accept": "image/jpeg"})
    assert jpeg.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(jpeg.content)).format == "JPEG"
    png_wins = render(client, photo_bytes(), headers={"Accept": "image/png, image/jpeg;q=0.8"})
    assert png_wins.headers["content-type"] == "image/png"


def test_edit_mask_marks_the_edit(client):
    response = render(client, photo_bytes(200, 100, "PNG"), query="?edit_mask=true")
    mask = np.asarray(Image.open(io.BytesIO(multipart_parts(response)["edit_mask"])))
    assert mask.shape == (100, 200) and (mask[:50] == 255).all() and (mask[50:] == 0).all()


def test_missing_region_and_what_the_render_left_undone_are_warning_headers():
    note = ("windows", "2 of 5 windows show no frame clear enough to fit a new one to and keep their old frames")
    client = TestClient(create_app(FakeRenderer(missing=("pool",), notes=(note,))))
    response = render(client, photo_bytes(), types=("pool", "windows"))
    assert response.status_code == 200
    assert json.loads(response.headers["Render-Warnings"]) == [
        "pool: no ground found in this photo, so it is left as it was", "windows: " + note[1]]


def test_renderer_user_error_is_400_with_its_line():
    line = "--type roof: no roof in this photo; use a photo that shows more of the house, or leave roof out"
    response = render(TestClient(create_app(FakeRenderer(error=line))), photo_bytes(), types=("roof",))
    assert response.status_code == 400 and error_of(response) == line


@pytest.mark.parametrize("fields, expected", [
    ({"types": ("pol",)}, "unknown type 'pol' (did you mean 'pool'?)"),
    ({"material": ["windows=alu-blak"], "types": ("windows",)}, "unknown material 'alu-blak' for windows"),
    ({"color": ["windows=#12345"], "types": ("windows",)}, "bad colour '#12345' for windows"),
    ({"color": ["pool=#123456"], "types": ("windows",)}, "--color given for 'pool', which is not requested"),
    ({"sizes": ["big"]}, "unknown form field 'sizes'"),
])
def test_bad_choices_are_400_with_the_cli_line(client, fake, fields, expected):
    response = render(client, photo_bytes(), **fields)
    assert response.status_code == 400 and expected in error_of(response)
    assert fake.calls == 0


def test_missing_fields_are_422(client):
    no_photo = render(client, None)
    assert no_photo.status_code == 422 and "no photo" in error_of(no_photo)
    no_type = render(client, photo_bytes(), types=())
    assert no_type.status_code == 422 and "no renovation type" in error_of(no_type)
    bad_query = render(client, photo_bytes(), query="?edit_mask=maybe")
    assert bad_query.status_code == 422 and "edit_mask" in error_of(bad_query)


def test_not_an_image_is_415(client):
    response = render(client, b"%PDF-1.4 not a photo", name="quote.pdf")
    assert response.status_code == 415
    assert error_of(response) == "quote.pdf: not an image PIL can read; give a JPEG or PNG photo"
    form = client.post("/api/render", data={"type": "pool"})
    assert form.status_code == 415 and "multipart/form-data" in error_of(form)


def test_broken_and_tiny_photos_are_400(client):
    truncated = render(client, photo_bytes(640, 480)[:3000])
    assert truncated.status_code == 400 and "truncated or corrupt" in error_of(truncated)
    tiny = render(client, photo_bytes(40, 40))
    assert tiny.status_code == 400 and "too small" in error_of(tiny)


def test_too_many_bytes_is_413_before_and_while_reading():
    fake = FakeRenderer()
    client = TestClient(create_app(fake, Settings(max_upload_bytes=20_000)))
    big = photo_bytes(400, 300, "PNG", noise=True)
    assert len(big) > 100_000
    declared = render(client, big)
    assert declared.status_code == 413 and "over the 0.02 MB limit" in error_of(declared)
    boundary = "b0undary"
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="photo"; filename="big.png"\r\n\r\n'.encode()
            + big + f"\r\n--{boundary}--\r\n".encode())
    chunks = (body[start:start + 8192] for start in range(0, len(body), 8192))  # no Content-Length: chunked
    streamed = client.post("/api/render", content=chunks,
                           headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert streamed.status_code == 413 and "limit" in error_of(streamed)
    assert fake.calls == 0


def test_decompression_bomb_is_413_before_decoding(client, fake, monkeypatch):
    buffer = io.BytesIO()
    Image.new("1", (8000, 6000)).save(buffer, format="PNG")  # 48 megapixels in a few kilobytes
    assert len(buffer.getvalue()) < 100_000
    decoded = []
    monkeypatch.setattr(Image.Image, "load", lambda self: decoded.append(self) or None)
    response = render(client, buffer.getvalue(), name="bomb.png")
    assert response.status_code == 413
    assert error_of(response) == ("bomb.png: 8000x6000 is 48.0 megapixels, above the 40 MP limit; "
                                  "downscale the photo first")
    assert decoded == [] and fake.calls == 0


def test_full_queue_is_503_with_retry_after():
    gate = threading.Event()
    fake = FakeRenderer(gate=gate)
    with TestClient(create_app(fake, Settings(workers=1, queue=0))) as client:
        first: list = []
        thread = threading.Thread(target=lambda: first.append(render(client, photo_bytes())))
        thread.start()
        assert fake.started.wait(10)
        refused = render(client, photo_bytes())
        assert refused.status_code == 503 and int(refused.headers["Retry-After"]) >= 1
        assert "busy" in error_of(refused)
        assert client.get("/healthz").status_code == 200  # the event loop still answers
        gate.set()
        thread.join(10)
    assert first[0].status_code == 200 and fake.calls == 1


def test_time_limit_is_503_and_frees_the_place_when_the_render_ends():
    gate = threading.Event()
    fake = FakeRenderer(gate=gate)
    app = create_app(fake, Settings(workers=1, queue=1, time_limit_s=0.3))
    with TestClient(app) as client:
        response = render(client, photo_bytes())
        assert response.status_code == 503 and "Retry-After" in response.headers
        assert "longer than the 0.3 s limit" in error_of(response)
        assert app.state.queue.taken == 1  # the render still runs: its place stays taken
        gate.set()
        deadline = time.monotonic() + 10
        while app.state.queue.taken and time.monotonic() < deadline:
            time.sleep(0.02)
        assert app.state.queue.taken == 0
        assert render(client, photo_bytes()).status_code == 200


def test_healthz_is_503_until_the_models_are_loaded():
    loaded = threading.Event()

    def loader():
        loaded.wait(10)
        return FakeRenderer()

    with TestClient(create_app(loader)) as client:
        waiting = client.get("/healthz")
        assert waiting.status_code == 503 and waiting.json() == {"status": "loading"}
        refused = render(client, photo_bytes())
        assert refused.status_code == 503 and "still loading" in error_of(refused)
        loaded.set()
        deadline = time.monotonic() + 10
        while client.get("/healthz").status_code != 200 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert client.get("/healthz").json() == {"status": "ready"}
        assert render(client, photo_bytes()).status_code == 200


def test_failed_load_is_reported():
    from renovate_net.errors import UserError

    heard = []

    def loader():
        raise UserError("model files not found at x; is mlruns/ complete?")

    with TestClient(create_app(loader, on_load_error=heard.append)) as client:
        deadline = time.monotonic() + 10
        while not heard and time.monotonic() < deadline:
            time.sleep(0.02)
        health = client.get("/healthz")
    assert heard == ["model files not found at x; is mlruns/ complete?"]
    assert health.status_code == 503 and health.json()["status"] == "failed"


def test_types_is_the_catalog_json(client):
    from click.testing import CliRunner

    from renovate_net.cli import cli

    response = client.get("/api/types")
    assert response.status_code == 200
    assert response.json() == load_catalog().to_json() == json.loads(CliRunner().invoke(cli, ["types", "--json"]).output)


def test_page_static_files_and_docs(client):
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert 'capture="environment"' in page.text and "Content-Security-Policy" in page.headers
    for name in ("app.js", "style.css", "i18n.json"):
        assert client.get(f"/static/{name}").status_code == 200, name
    assert client.get("/docs").status_code == 200
    schema = client.get("/openapi.json").json()
    assert "multipart/form-data" in schema["paths"]["/api/render"]["post"]["requestBody"]["content"]
    assert {"200", "400", "413", "415", "422", "503"} <= set(schema["paths"]["/api/render"]["post"]["responses"])
    missing = client.get("/nope")
    assert missing.status_code == 404 and error_of(missing) == "no such page: /nope"


def test_no_cors_unless_an_origin_is_allowed(fake):
    origin = {"Origin": "https://www.example.be"}
    closed = TestClient(create_app(fake)).get("/api/types", headers=origin)
    assert "access-control-allow-origin" not in closed.headers
    client = TestClient(create_app(fake, Settings(allow_origins=("https://www.example.be",))))
    opened = render(client, photo_bytes(), headers=origin)
    assert opened.headers["access-control-allow-origin"] == "https://www.example.be"
    assert "render-warnings" in opened.headers["access-control-expose-headers"].lower()
    other = client.get("/api/types", headers={"Origin": "https://elsewhere.example"})
    assert "access-control-allow-origin" not in other.headers


def test_uploads_never_touch_the_disk(client, monkeypatch, tmp_path):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    big = photo_bytes(800, 600, "PNG", noise=True)  # over Starlette's 1 MB spool size
    assert len(big) > 1_100_000
    assert render(client, big).status_code == 200
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("args, expected", [
    (["--port", "70000"], "error: --port 70000: give a port from 1 to 65535 (or 0 for any free port)"),
    (["--workers", "0"], "error: --workers 0: give at least 1 (renders run at once)"),
    (["--host", "no-such-host.invalid"], "error: --host no-such-host.invalid: not an address of this machine"),
])
def test_serve_refuses_bad_options_in_one_line(args, expected):
    from click.testing import CliRunner

    from renovate_net.cli import cli

    result = CliRunner().invoke(cli, ["serve", *args])
    assert result.exit_code == 2 and result.output.startswith(expected) and result.output.count("\n") == 1


def test_serve_refuses_a_port_in_use():
    import socket

    from click.testing import CliRunner

    from renovate_net.cli import cli

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(cli, ["serve", "--port", str(port)])
    assert result.exit_code == 2
    assert result.output == f"error: port {port} on 127.0.0.1 is already in use; stop the other server or pick another with --port\n"
