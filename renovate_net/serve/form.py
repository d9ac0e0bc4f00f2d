"""Read the render form (multipart/form-data) from the request body as it streams in, in memory.

Starlette's own form parser spools files over 1 MB to a temporary file and reads bodies of any size; the
server must keep nothing on disk and refuse an oversized upload before it has read it all, so the body is
fed to python-multipart's streaming parser here and counted chunk by chunk.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import ClientDisconnect, Request

from renovate_net.serve.errors import ApiError

FIELDS = ("photo", "type", "material", "color", "colour")  # `colour` too, as the CLI takes --colour
FORM_OVERHEAD = 64 * 1024    # bytes a body may hold beyond the photo: part headers and the text fields
MAX_FIELD_BYTES = 200        # one text field: a type, TYPE=MATERIAL or TYPE=#RRGGBB
MAX_PARTS = 64


@dataclass
class Upload:
    """The uploaded photo's bytes and the file name used to name it in messages."""
    name: str
    data: bytes


@dataclass
class RenderForm:
    """What the client sent: the photo (None if missing) and the text fields, repeated ones in order."""
    photo: Upload | None = None
    fields: dict[str, list[str]] = field(default_factory=dict)

    def values(self, name: str) -> list[str]:
        return self.fields.get(name, [])


def megabytes(count: int) -> str:
    return f"{count / 1e6:.3g} MB"


def safe_name(raw: bytes | None) -> str:
    """A client's file name, made safe to echo in a one-line message: no folders, no control characters."""
    name = (raw or b"").decode("utf-8", "replace").replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip()[:80]
    return name or "photo"


class _Collector:
    """python-multipart callbacks that gather the parts into a RenderForm, refusing what the API does not take."""

    def __init__(self, max_photo_bytes: int):
        self.form = RenderForm()
        self.max_photo_bytes = max_photo_bytes
        self.parts = 0
        self.ended = False
        self._header, self._value = b"", b""
        self._disposition = b""
        self._name, self._filename, self._data = "", None, bytearray()

    def callbacks(self) -> dict:
        return {"on_part_begin": self._begin, "on_header_field": self._header_field,
                "on_header_value": self._header_value, "on_header_end": self._header_end,
                "on_headers_finished": self._headers_done, "on_part_data": self._part_data,
                "on_part_end": self._part_end, "on_end": self._end}

    def _begin(self) -> None:
        self.parts += 1
        if self.parts > MAX_PARTS:
            raise ApiError(400, f"the form has more than {MAX_PARTS} fields; send one photo and its choices")
        self._disposition, self._data = b"", bytearray()

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._header += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def _header_end(self) -> None:
        if self._header.strip().lower() == b"content-disposition":
            self._disposition = self._value
        self._header, self._value = b"", b""

    def _headers_done(self) -> None:
        _, options = parse_options_header(self._disposition)
        self._name = options.get(b"name", b"").decode("utf-8", "replace")
        self._filename = options.get(b"filename")
        if self._name not in FIELDS:
            raise ApiError(400, f"unknown form field {self._name[:40]!r}; "
                                f"use photo, type, material and color")
        if self._name == "photo" and self.form.photo is not None:
            raise ApiError(400, "two photos in one request; send one photo per render")

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        self._data += data[start:end]
        if self._name == "photo" and len(self._data) > self.max_photo_bytes:
            raise ApiError(413, f"the photo is over the {megabytes(self.max_photo_bytes)} limit; "
                                "send a smaller photo, e.g. a JPEG")
        if self._name != "photo" and len(self._data) > MAX_FIELD_BYTES:
            raise ApiError(400, f"form field {self._name!r} is too long; give e.g. windows=alu-black")

    def _part_end(self) -> None:
        if self._name == "photo":
            self.form.photo = Upload(safe_name(self._filename), bytes(self._data))
            return
        name = "color" if self._name == "colour" else self._name
        text = self._data.decode("utf-8", "replace").strip()
        self.form.fields.setdefault(name, []).append(text)

    def _end(self) -> None:
        self.ended = True


def _boundary(request: Request) -> bytes:
    kind, options = parse_options_header(request.headers.get("content-type"))
    if kind != b"multipart/form-data":
        raise ApiError(415, "send a multipart/form-data form with the photo in a `photo` field "
                            "(curl -F photo=@house.jpg -F type=windows ...)")
    if not options.get(b"boundary"):
        raise ApiError(400, "the multipart form has no boundary; let your HTTP client build the form")
    return options[b"boundary"]


async def read_form(request: Request, max_photo_bytes: int) -> RenderForm:
    """The request's form, read without ever holding more than `max_photo_bytes` + FORM_OVERHEAD bytes.

    Raises ApiError: 415 not a multipart form, 413 too large (from Content-Length before reading, or while
    reading), 400 malformed or unknown fields. A missing photo is the caller's to refuse (422).
    """
    boundary = _boundary(request)
    max_body = max_photo_bytes + FORM_OVERHEAD
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_body:
        raise ApiError(413, f"the upload is {megabytes(int(declared))}, over the {megabytes(max_photo_bytes)} "
                            "limit; send a smaller photo, e.g. a JPEG")
    collector = _Collector(max_photo_bytes)
    try:
        parser = MultipartParser(boundary, collector.callbacks())
        received = 0
        async for chunk in request.stream():
            received += len(chunk)
            if received > max_body:
                raise ApiError(413, f"the upload is over the {megabytes(max_photo_bytes)} limit; "
                                    "send a smaller photo, e.g. a JPEG")
            parser.write(chunk)
    except ClientDisconnect:
        raise ApiError(400, "the upload was cut off before the form ended; send it again") from None
    except FormParserError as error:
        raise ApiError(400, f"malformed multipart form ({str(error)[:80]}); "
                            "let your HTTP client build the form") from None
    if not collector.ended:
        raise ApiError(400, "the multipart form ended early; send the whole form again")
    return collector.form
