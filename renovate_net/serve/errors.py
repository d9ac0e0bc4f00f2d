"""The API's one error type: an HTTP status and one line for the client, answered as JSON `{"error": line}`.

Every refusal of something the client sent is an ApiError with a 4xx status; 503 (with Retry-After) is kept
for the server's own limits: models still loading, a full queue, a render past its time limit.
"""
from __future__ import annotations


class ApiError(Exception):
    """A refusal the client can act on: `status`, a one-line `message` and optional response `headers`."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def busy(message: str, retry_after: float) -> ApiError:
    """503 with a Retry-After in whole seconds (at least 1): the client should simply try again later."""
    return ApiError(503, message, {"Retry-After": str(max(1, int(retry_after + 0.999)))})
