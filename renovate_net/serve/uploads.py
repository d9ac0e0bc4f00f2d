"""Uploaded photos from bytes: the size checks the API makes before queueing, decoding, and encoding results.

`renovate_net.imaging.load_image` reads a path; an upload is bytes in memory (nothing goes to disk), so this
is its in-memory twin with the same rules: EXIF orientation applied, any mode to 8-bit RGB, tiny photos
refused, and the pixel count checked from the header before a single pixel is decoded, so a small file
that claims a huge image (a decompression bomb) costs nothing. Messages name the upload's file name as the
CLI's name the path, and carry the HTTP status that fits: 413 too large, 415 not an image, 400 broken.
"""
from __future__ import annotations

import io
import warnings

import numpy as np
from PIL import Image, UnidentifiedImageError

from renovate_net.errors import UserError
from renovate_net.imaging import MAX_PIXELS, SAVE_OPTIONS, upright_rgb
from renovate_net.serve.errors import ApiError
from renovate_net.serve.form import Upload

MAX_UPLOAD_BYTES = 25_000_000
MEDIA_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg"}


def _open(upload: Upload, max_pixels: int) -> Image.Image:
    """Open the upload lazily (header only) and refuse it if it is not an image or has too many pixels."""
    try:
        image = Image.open(io.BytesIO(upload.data))
    except (UnidentifiedImageError, Image.DecompressionBombError):
        raise ApiError(415, f"{upload.name}: not an image PIL can read; give a JPEG or PNG photo") from None
    except OSError as error:
        raise ApiError(400, f"{upload.name}: cannot open ({error}); check the file") from None
    width, height = image.size
    if width * height > max_pixels:
        image.close()
        raise ApiError(413, f"{upload.name}: {width}x{height} is {width * height / 1e6:.1f} megapixels, above the "
                            f"{max_pixels / 1e6:.0f} MP limit; downscale the photo first")
    return image


def check_header(upload: Upload, max_pixels: int = MAX_PIXELS) -> tuple[int, int]:
    """(width, height) from the header alone: cheap enough to run on the event loop before queueing."""
    with _open(upload, max_pixels) as image:
        return image.size


def decode(upload: Upload, max_pixels: int = MAX_PIXELS) -> np.ndarray:
    """The photo as an HxWx3 uint8 RGB array, EXIF orientation applied (the costly part: run it in a worker)."""
    with _open(upload, max_pixels) as image:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                image.load()
        except (OSError, SyntaxError, ValueError) as error:
            raise ApiError(400, f"{upload.name}: truncated or corrupt image ({error}); "
                                "re-export or re-download it") from None
        try:
            return upright_rgb(image, upload.name)
        except UserError as error:
            raise ApiError(400, str(error)) from None


def encode(array: np.ndarray, fmt: str) -> bytes:
    """An RGB or single-channel uint8 array as PNG or JPEG bytes, with the CLI's save options."""
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(array)).save(buffer, format=fmt, **SAVE_OPTIONS.get(fmt, {}))
    return buffer.getvalue()


def preferred_format(accept: str | None) -> str:
    """"JPEG" when the Accept header asks for image/jpeg at least as much as image/png, else "PNG"."""
    weights: dict[str, float] = {}
    for entry in (accept or "").lower().split(","):
        media, *params = (part.strip() for part in entry.split(";"))
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        weights[media] = max(weights.get(media, 0.0), quality)
    jpeg = max(weights.get("image/jpeg", 0.0), weights.get("image/jpg", 0.0))
    return "JPEG" if jpeg > 0 and jpeg >= weights.get("image/png", 0.0) else "PNG"
