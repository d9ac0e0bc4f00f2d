"""One render request from form to response: checks on the event loop, the costly work on a worker thread.

`prepare` refuses everything it can before the request is queued (missing fields, a bad choice, a photo too
large by its header), so a bad request never waits behind others; `render_photo` decodes, renders and
encodes in the worker; `respond` builds the answer: the after photo alone, or with `?edit_mask=true` a
multipart/form-data body holding the after photo and the edit mask (browsers read it with
`Response.formData()`), so one render gives both.
"""
from __future__ import annotations

import functools
import json
import secrets
from dataclasses import dataclass
from typing import Any, Callable, Protocol

import numpy as np
from fastapi import Response

from renovate_net.catalog import Catalog
from renovate_net.errors import UserError
from renovate_net.request import RenovationRequest, parse_request
from renovate_net.serve.errors import ApiError
from renovate_net.serve.form import RenderForm, Upload
from renovate_net.serve.uploads import MEDIA_TYPES, check_header, decode, encode

WARNINGS_HEADER = "Render-Warnings"  # a JSON list of one-line warnings, `[]` when there are none


class Renderer(Protocol):
    """What the server needs of a renderer: `Renovator`, or a fake in tests. The result has `after` (HxWx3
    uint8), `edit_mask` (HxW uint8, 0 = unchanged) and `missing` (type ids whose region the photo lacks)."""

    def render(self, image: np.ndarray, request: RenovationRequest) -> Any: ...


@dataclass
class RenderResult:
    after: bytes
    media_type: str
    edit_mask: bytes | None
    warnings: list[str]


def prepare(form: RenderForm, renderer: Renderer, catalog: Catalog, *, fmt: str, with_mask: bool,
            max_pixels: int) -> Callable[[], RenderResult]:
    """Validate the form as the CLI validates its options and return the job for the worker.
    Raises ApiError: 422 missing photo or type, 400 bad choices, 413/415 from the photo's header."""
    if form.photo is None:
        raise ApiError(422, "no photo in the form; send the photo as the `photo` file field")
    if not form.values("type"):
        raise ApiError(422, f"no renovation type given; add a `type` field, one of: {', '.join(catalog.type_ids)}")
    try:
        request = parse_request(form.values("type"), form.values("material"), form.values("color"), catalog)
    except UserError as error:
        raise ApiError(400, str(error)) from None
    check_header(form.photo, max_pixels)
    return functools.partial(render_photo, renderer, form.photo, request, catalog,
                             fmt=fmt, with_mask=with_mask, max_pixels=max_pixels)


def render_photo(renderer: Renderer, photo: Upload, request: RenovationRequest, catalog: Catalog, *,
                 fmt: str, with_mask: bool, max_pixels: int) -> RenderResult:
    """Decode, render and encode one photo (on a worker thread). A UserError (e.g. a type's region is
    missing) becomes a 400 with the CLI's line."""
    image = decode(photo, max_pixels)
    try:
        rendered = renderer.render(image, request)
    except UserError as error:
        raise ApiError(400, str(error)) from None
    warnings = [f"{type_id}: no {catalog.type(type_id).edits} found in this photo, so it is left as it was"
                for type_id in rendered.missing] + [f"{type_id}: {note}" for type_id, note in rendered.notes]
    mask = encode(rendered.edit_mask, "PNG") if with_mask else None
    return RenderResult(encode(rendered.after, fmt), MEDIA_TYPES[fmt], mask, warnings)


def _extension(media_type: str) -> str:
    return "jpg" if media_type == "image/jpeg" else "png"


def respond(result: RenderResult) -> Response:
    """The after photo (image/png or image/jpeg), or a multipart/form-data body with parts `after` and
    `edit_mask` when the mask was asked for; the warnings ride in the Render-Warnings header either way."""
    headers = {WARNINGS_HEADER: json.dumps(result.warnings), "X-Content-Type-Options": "nosniff",
               "Cache-Control": "no-store"}
    if result.edit_mask is None:
        headers["Content-Disposition"] = f'inline; filename="after.{_extension(result.media_type)}"'
        return Response(result.after, media_type=result.media_type, headers=headers)
    boundary = secrets.token_hex(16)
    parts = [("after", f"after.{_extension(result.media_type)}", result.media_type, result.after),
             ("edit_mask", "edit_mask.png", "image/png", result.edit_mask)]
    body = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
        f"Content-Type: {media_type}\r\n\r\n".encode() + data + b"\r\n"
        for name, filename, media_type, data in parts) + f"--{boundary}--\r\n".encode()
    return Response(body, media_type=f"multipart/form-data; boundary={boundary}", headers=headers)
