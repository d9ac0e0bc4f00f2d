"""The render endpoint's OpenAPI description (/docs, /openapi.json).

The endpoint reads its multipart body itself (see form.py), so FastAPI cannot infer the form from the
function's parameters; the body, the answers and the limits are declared here instead.
"""
from __future__ import annotations

from renovate_net.catalog import Catalog

DESCRIPTION = """\
See a house after renovation: upload a photo, choose renovation types (with a material and colour from
`/api/types`), get the after photo back at the photo's full size. Every pixel outside the edit is the
photo's own.

Limits: photos up to 25 MB and 40 megapixels (refused from the header, before decoding). Renders run on a
bounded queue; when it is full, or a render passes the server's time limit, the answer is 503 with
`Retry-After` (seconds). Errors are JSON `{"error": "<one line>"}` with a 4xx status for anything the
client sent.
"""

_ERROR = {"application/json": {"schema": {"type": "object", "properties": {"error": {"type": "string"}},
                                          "required": ["error"]}}}


def render_body(catalog: Catalog) -> dict:
    """`openapi_extra` for POST /api/render: the multipart form, with the catalog's type ids."""
    materials = ", ".join(f"{t.id}={t.materials[0].id}" for t in catalog.types[:2])
    schema = {
        "type": "object",
        "required": ["photo", "type"],
        "properties": {
            "photo": {"type": "string", "format": "binary",
                      "description": "JPEG or PNG photo of the house, up to 25 MB and 40 megapixels."},
            "type": {"type": "array", "items": {"type": "string", "enum": list(catalog.type_ids)},
                     "description": "Renovation type (repeat the field for several)."},
            "material": {"type": "array", "items": {"type": "string"},
                         "description": f"TYPE=MATERIAL for a requested type, e.g. {materials}."},
            "color": {"type": "array", "items": {"type": "string", "pattern": "^[a-z-]+=#[0-9A-Fa-f]{6}$"},
                      "description": "TYPE=#RRGGBB custom colour for a requested type."},
        },
    }
    return {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": schema}}}}


RENDER_RESPONSES = {
    200: {"description": "The after photo at the photo's size: PNG, or JPEG when `Accept` asks for image/jpeg. "
                         "With `edit_mask=true`, multipart/form-data with parts `after` (the photo) and "
                         "`edit_mask` (single-channel PNG, 0 where a pixel is unchanged). Header "
                         "`Render-Warnings`: JSON list of one-line warnings, e.g. a type whose region the "
                         "photo lacks.",
          "content": {"image/png": {}, "image/jpeg": {}, "multipart/form-data": {}}},
    400: {"description": "Bad request: an unknown type, material or colour, a broken photo, a type that "
                         "cannot be drawn in this photo.", "content": _ERROR},
    413: {"description": "Photo over 25 MB or 40 megapixels.", "content": _ERROR},
    415: {"description": "Not a multipart form, or the photo is not an image.", "content": _ERROR},
    422: {"description": "Missing `photo` or `type` field, or a bad query parameter.", "content": _ERROR},
    503: {"description": "Models still loading, queue full, or the render passed the time limit; "
                         "try again after `Retry-After` seconds.", "content": _ERROR},
}
