"""The web app behind `renovate-net serve`: the page, the catalog, renders, health.

`create_app` takes the renderer from outside (a loaded `Renovator`, a fake in tests) or a function that
loads one: then the models load on a background thread at start-up and /healthz says 503 until they are
ready, so a supervisor or a load balancer can tell a starting server from a broken one.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from importlib import resources
from typing import Callable

from fastapi import FastAPI, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from renovate_net import __version__
from renovate_net.catalog import load_catalog
from renovate_net.errors import UserError
from renovate_net.imaging import MAX_PIXELS
from renovate_net.render.pipeline import Renovator  # the one place the server names the renderer's class
from renovate_net.serve import openapi
from renovate_net.serve.errors import ApiError, busy
from renovate_net.serve.form import read_form
from renovate_net.serve.jobs import WARNINGS_HEADER, Renderer, prepare, respond
from renovate_net.serve.uploads import MAX_UPLOAD_BYTES, preferred_format
from renovate_net.serve.worker import RenderQueue

log = logging.getLogger("renovate_net.serve")
STATIC = resources.files("renovate_net.serve") / "static"
LOADING_RETRY_S = 5
# The page loads only its own files; blob: and data: for the photo and the result shown in the page.
PAGE_HEADERS = {"Content-Security-Policy": "default-src 'self'; img-src 'self' blob: data:; object-src 'none'",
                "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}

Loader = Callable[[], Renderer]


@dataclass(frozen=True)
class Settings:
    """The server's limits and access rules (see `renovate-net serve --help`)."""
    workers: int = 1
    queue: int = 8
    time_limit_s: float = 120.0
    max_upload_bytes: int = MAX_UPLOAD_BYTES
    max_pixels: int = MAX_PIXELS
    allow_origins: tuple[str, ...] = ()


def shipped_renderer(model: str | None = None, device: str = "auto") -> Loader:
    """A loader for the generator (default: the shipped champion) and the shipped facade segmenter."""
    return lambda: Renovator.load(model, device=device)


class Models:
    """The renderer once it is ready, or why it is not (still loading, or loading failed)."""

    def __init__(self, renderer: Renderer | None):
        self.renderer, self.error = renderer, None

    def ready(self) -> Renderer:
        """The renderer, or the 503 that tells the client why there is none yet."""
        if self.renderer is not None:
            return self.renderer
        if self.error is not None:
            raise ApiError(503, f"the models failed to load ({self.error}); see the server log")
        raise busy("the models are still loading; try again in a few seconds", LOADING_RETRY_S)

    async def load(self, loader: Loader, on_error: Callable[[str], None] | None) -> None:
        try:
            self.renderer = await asyncio.to_thread(loader)
            log.info("models loaded; ready to render")
        except Exception as error:  # any failure must reach /healthz and the CLI, not vanish in a task
            self.error = str(error) if isinstance(error, UserError) else f"{type(error).__name__}: {error}"
            log.error("cannot load the models: %s", self.error)
            if on_error is not None:
                on_error(self.error)


def create_app(renderer: Renderer | Loader, settings: Settings = Settings(),
               on_load_error: Callable[[str], None] | None = None) -> FastAPI:
    """The app, given a renderer (has `.render`) or a loader of one; `on_load_error` hears a failed load."""
    catalog = load_catalog()
    queue = RenderQueue(settings.workers, settings.queue, settings.time_limit_s)
    loaded = hasattr(renderer, "render")
    models = Models(renderer if loaded else None)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI):
        task = None if loaded else asyncio.create_task(models.load(renderer, on_load_error))
        yield
        if task is not None:
            task.cancel()
        queue.shutdown()

    app = FastAPI(title="renovate-net", version=__version__, description=openapi.DESCRIPTION, lifespan=lifespan)
    app.state.models, app.state.queue = models, queue
    _add_error_handlers(app)
    if settings.allow_origins:
        app.add_middleware(CORSMiddleware, allow_origins=list(settings.allow_origins), allow_methods=["GET", "POST"],
                           allow_headers=["Accept", "Content-Type"], expose_headers=[WARNINGS_HEADER, "Retry-After"],
                           max_age=600)
    app.mount("/static", StaticFiles(directory=str(STATIC)), name="static")

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(str(STATIC / "index.html"), headers=PAGE_HEADERS)

    @app.get("/api/types", summary="The renovation catalog, as `renovate-net types --json`")
    async def types() -> list[dict]:
        return catalog.to_json()

    @app.get("/healthz", summary="200 once the models are loaded, 503 before (or if loading failed)")
    async def healthz() -> JSONResponse:
        if models.renderer is not None:
            return JSONResponse({"status": "ready"})
        if models.error is not None:
            return JSONResponse({"status": "failed", "error": models.error}, 503)
        return JSONResponse({"status": "loading"}, 503, {"Retry-After": str(LOADING_RETRY_S)})

    @app.post("/api/render", summary="Render a photo after renovation", response_class=Response,
              responses=openapi.RENDER_RESPONSES, openapi_extra=openapi.render_body(catalog))
    async def render(request: Request, edit_mask: bool = Query(
            False, description="Answer multipart/form-data with the after photo and the edit mask.")) -> Response:
        ready = models.ready()
        with queue.place() as place:
            form = await read_form(request, settings.max_upload_bytes)
            job = prepare(form, ready, catalog, fmt=preferred_format(request.headers.get("accept")),
                          with_mask=edit_mask, max_pixels=settings.max_pixels)
            result = await queue.run(place, job)
        return respond(result)

    return app


def _add_error_handlers(app: FastAPI) -> None:
    """Every error answers JSON `{"error": "<one line>"}`: the API's own, FastAPI's and Starlette's."""

    @app.exception_handler(ApiError)
    async def api_error(_: Request, error: ApiError) -> JSONResponse:
        return JSONResponse({"error": error.message}, error.status, error.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, error: RequestValidationError) -> JSONResponse:
        first = error.errors()[0] if error.errors() else {}
        where = ".".join(str(part) for part in first.get("loc", ()))
        return JSONResponse({"error": f"bad {where}: {first.get('msg', 'invalid value')}"}, 422)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> JSONResponse:
        message = f"no such page: {request.url.path}" if error.status_code == 404 else str(error.detail)
        return JSONResponse({"error": message}, error.status_code, getattr(error, "headers", None))

    @app.exception_handler(Exception)
    async def crashed(_: Request, error: Exception) -> JSONResponse:
        # Starlette re-raises after answering, so the server logs the traceback; the client gets one line.
        return JSONResponse({"error": "the server failed on this request; its log has the details"}, 500)

