"""The HTTP client of the street-level services: polite to them, one-line errors for us.

Standard library only (urllib): three GET endpoints do not justify a dependency. What it adds to urllib:
- an identifying User-Agent on every request (Nominatim blocks stock library agents);
- `RateLimiter`: at most one request per interval, also across processes when given a state file, because
  Nominatim's limit (1 request/second) is per application, not per run;
- bounded retries on HTTP 429 and 503 that wait what Retry-After asks, up to a cap, then give up;
- every failure (HTTP error, time-out, refused connection, bad JSON) becomes a `ServiceError`, a UserError,
  so the command line prints one line and exits with code 2.
"""
from __future__ import annotations

import email.utils
import http.client
import json
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from renovate_net.errors import UserError

RETRY_STATUSES = (429, 503)
MAX_BODY_BYTES = 64 * 1024 * 1024  # a Mapillary original is a few MB; refuse anything absurd


class ServiceError(UserError):
    """A remote service failed, timed out or refused us; the message names the service and what to do.
    `status` is the HTTP status when there was one, so callers can say more (a refused token)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class RateLimited(ServiceError):
    """The service kept answering HTTP 429 (or 503) after the bounded retries."""


class RateLimiter:
    """At most one request per `interval_s`.

    With `state_file`, the time of the last request is kept in that file under an exclusive lock, so separate
    processes (a shell loop calling `fetch-photo`) share the limit. Without it the limit holds within the
    process only. `clock` and `sleep` are injectable so tests need not wait.
    """

    def __init__(self, interval_s: float, state_file: Path | None = None,
                 clock: Callable[[], float] = time.time, sleep: Callable[[float], None] = time.sleep) -> None:
        self.interval_s = interval_s
        self.state_file = state_file
        self.clock = clock
        self.sleep = sleep
        self._last = float("-inf")
        self._lock = threading.Lock()

    def wait(self) -> float:
        """Block until a request may go out, record it, and return the seconds waited."""
        with self._lock, _FileLock(self.state_file) as shared:
            last = max(self._last, shared.read())
            delay = max(0.0, last + self.interval_s - self.clock())
            if delay > 0:
                self.sleep(delay)
            self._last = self.clock()
            shared.write(self._last)
            return delay


class _FileLock:
    """An flock-guarded float in a file; a no-op where there is no file or no fcntl (Windows)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.handle = None

    def __enter__(self) -> "_FileLock":
        if self.path is None:
            return self
        try:
            import fcntl

            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.handle = open(self.path, "a+", encoding="ascii")
            fcntl.flock(self.handle, fcntl.LOCK_EX)
        except (ImportError, OSError):  # the cache folder is best-effort: fall back to the in-process limit
            self.close()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the lock (closing the file releases the flock)."""
        if self.handle is not None:
            self.handle.close()
            self.handle = None

    def read(self) -> float:
        """The stored time of the last request; -inf when there is none (or no file)."""
        if self.handle is None:
            return float("-inf")
        self.handle.seek(0)
        try:
            return float(self.handle.read().strip() or "-inf")
        except ValueError:
            return float("-inf")

    def write(self, value: float) -> None:
        """Replace the stored time with `value`."""
        if self.handle is not None:
            self.handle.seek(0)
            self.handle.truncate()
            self.handle.write(repr(value))
            self.handle.flush()


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Retry-After as seconds: either a number of seconds or an HTTP date (RFC 9110); None if absent or bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


@dataclass
class HttpClient:
    """GET with the settings' User-Agent, time-out and retry policy. One per command run."""
    user_agent: str
    timeout_s: float = 20.0
    retries: int = 2
    backoff_s: float = 1.0
    max_wait_s: float = 30.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False)

    def get(self, url: str, *, service: str, params: dict[str, Any] | None = None,
            auth: str | None = None, limiter: RateLimiter | None = None) -> bytes:
        """The body of a 200 answer. `auth` is sent as an unredirected Authorization header, so a redirect to
        another host (a CDN) never receives the token."""
        if params:
            url = f"{url}?{urllib.parse.urlencode(params)}"
        for attempt in range(self.retries + 1):
            if limiter is not None:
                limiter.wait()
            status, headers, body = self._once(url, service, auth)
            if status == 200:
                return body
            if status not in RETRY_STATUSES:
                raise ServiceError(f"{service} answered HTTP {status} {_excerpt(body)}".rstrip(), status)
            wait = retry_after_seconds(headers.get("Retry-After"))
            wait = self.backoff_s * 2 ** attempt if wait is None else wait
            if attempt == self.retries or wait > self.max_wait_s:
                break
            self.sleep(wait)
        hint = f"; it asks to wait {wait:.0f} s" if wait else ""
        raise RateLimited(f"{service} is rate limiting us (HTTP {status}) after {attempt + 1} tries{hint}; "
                          "try again later", status)

    def get_json(self, url: str, **kwargs: Any) -> Any:
        """`get`, parsed as JSON; a body that is not JSON is a service error, not a crash."""
        body = self.get(url, **kwargs)
        try:
            return json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise ServiceError(f"{kwargs['service']} answered something that is not JSON "
                               f"{_excerpt(body)}".rstrip()) from None

    def _once(self, url: str, service: str, auth: str | None) -> tuple[int, Any, bytes]:
        request = urllib.request.Request(url, headers={"User-Agent": self.user_agent, "Accept": "*/*"})
        if auth:
            request.add_unredirected_header("Authorization", auth)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                return response.status, response.headers, _read_bounded(response, service)
        except urllib.error.HTTPError as error:
            try:
                body = error.read(2048)
            except OSError:
                body = b""
            finally:
                error.close()
            return error.code, error.headers, body
        except (socket.timeout, TimeoutError):
            raise ServiceError(f"{service} did not answer within {self.timeout_s:g} s; "
                               "try again later or raise RENOVATE_HTTP_TIMEOUT") from None
        except urllib.error.URLError as error:
            if isinstance(error.reason, (socket.timeout, TimeoutError)):
                raise ServiceError(f"{service} did not answer within {self.timeout_s:g} s; "
                                   "try again later or raise RENOVATE_HTTP_TIMEOUT") from None
            raise ServiceError(f"cannot reach {service} at {_host(url)} ({error.reason})") from None
        except (OSError, http.client.HTTPException) as error:
            raise ServiceError(f"cannot reach {service} at {_host(url)} ({error})") from None


def _read_bounded(response: Any, service: str) -> bytes:
    body = response.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        raise ServiceError(f"{service} sent more than {MAX_BODY_BYTES // 2**20} MB; refusing it")
    return body


def _excerpt(body: bytes, limit: int = 120) -> str:
    """A short, single-line piece of an error body, for the one-line message."""
    text = " ".join(body.decode("utf-8", "replace").split())
    if not text:
        return ""
    return f"({text[:limit]}{'...' if len(text) > limit else ''})"


def _host(url: str) -> str:
    return urllib.parse.urlsplit(url).netloc or url
