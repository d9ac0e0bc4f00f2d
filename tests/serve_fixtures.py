"""Helpers for the serve tests: a fake renderer, test photos, the shipped models and multipart answers."""
from __future__ import annotations

import contextlib
import functools
import io
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Iterator

import numpy as np
import pytest
from PIL import Image

from renovate_net.errors import UserError
from renovate_net.tracking import PROJECT_MLRUNS

EXAMPLE = Path(__file__).resolve().parent.parent / "tools" / "examples" / "house.jpg"


class FakeRenderer:
    """Inverts the top half of the photo (the "edit"); can report missing regions and notes, refuse with a
    UserError, or hold every render until `gate` is set, to fill the queue or pass the time limit."""

    def __init__(self, missing: tuple[str, ...] = (), error: str | None = None,
                 gate: threading.Event | None = None, notes: tuple[tuple[str, str], ...] = ()):
        self.missing, self.error, self.gate, self.notes = missing, error, gate, notes
        self.started = threading.Event()
        self.calls = 0

    def render(self, image: np.ndarray, request) -> SimpleNamespace:
        self.calls += 1
        self.started.set()
        if self.gate is not None:
            self.gate.wait(30)
        if self.error:
            raise UserError(self.error)
        after, mask = image.copy(), np.zeros(image.shape[:2], np.uint8)
        top = image.shape[0] // 2
        after[:top] = 255 - after[:top]
        mask[:top] = 255
        return SimpleNamespace(after=after, edit_mask=mask, labels=None, missing=self.missing, notes=self.notes)


def photo_bytes(width: int = 320, height: int = 240, fmt: str = "JPEG", noise: bool = False) -> bytes:
    """A generated photo in `fmt`: smooth, or random noise (which does not compress: a large file)."""
    y, x = np.mgrid[0:height, 0:width]
    rgb = np.stack([x * 255 // width, y * 255 // height, (x + y) * 127 // (width + height)], -1).astype(np.uint8)
    if noise:
        rgb = np.random.default_rng(0).integers(0, 256, (height, width, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format=fmt)
    return buffer.getvalue()


def multipart_parts(response) -> dict[str, bytes]:
    """The parts of a multipart/form-data answer, by name."""
    boundary = response.headers["content-type"].split("boundary=")[1].encode()
    parts = {}
    for chunk in response.content.split(b"--" + boundary)[1:-1]:
        head, _, data = chunk.partition(b"\r\n\r\n")
        name = head.split(b'name="')[1].split(b'"')[0].decode()
        parts[name] = data[:-2]  # the CRLF before the next boundary
    return parts


@functools.lru_cache(maxsize=1)
def _load_shipped():
    from renovate_net.serve.app import shipped_renderer as loader

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{PROJECT_MLRUNS / 'mlflow.db'}")
        return loader(device="cpu")()


@pytest.fixture(scope="session")
def shipped_renderer():
    """The real generator and segmenter from the project's mlruns/, read-only (tests otherwise use a temporary
    MLflow store, see conftest.py); loaded once for every test module that imports this fixture."""
    return _load_shipped()


@contextlib.contextmanager
def running_server(app) -> Iterator[str]:
    """Serve `app` with uvicorn on a free loopback port in a thread; yields the base URL."""
    import uvicorn

    from renovate_net.serve.server import listening_socket

    sock = listening_socket("127.0.0.1", 0)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/"
    finally:
        server.should_exit = True
        thread.join(15)
        sock.close()
