"""Where the street-level services live and who we tell them we are, read from the environment.

Base URLs are settings, not constants, for two reasons: Nominatim's usage policy asks applications to be able
to switch to another instance without a software update, and the tests answer from a local fake server.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from renovate_net import __version__
from renovate_net.errors import UserError

NOMINATIM_URL = "https://nominatim.openstreetmap.org"
MAPILLARY_URL = "https://graph.mapillary.com"
TOKEN_HELP = "https://www.mapillary.com/dashboard/developers"


def _default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "renovate-net"


def _float_env(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise UserError(f"{name}={raw!r} is not a number of seconds") from None
    if value <= 0:
        raise UserError(f"{name}={raw!r} must be more than 0 seconds")
    return value


@dataclass(frozen=True)
class Settings:
    """Everything `fetch-photo` needs from outside the command line.

    `contact` (an e-mail address or URL) goes into the User-Agent: Nominatim's policy asks for one so the
    operators can reach us before blocking us. `cache_dir` holds the geocoding cache and the time of the last
    Nominatim request, so the one-a-second limit also holds across separate runs of the command.
    """
    nominatim_url: str = NOMINATIM_URL
    mapillary_url: str = MAPILLARY_URL
    token: str | None = None
    contact: str | None = None
    timeout_s: float = 20.0
    cache_dir: Path | None = None
    nominatim_interval_s: float = 1.0
    retries: int = 2
    backoff_s: float = 1.0
    max_wait_s: float = 30.0

    @classmethod
    def from_env(cls) -> "Settings":
        """RENOVATE_NOMINATIM_URL, RENOVATE_MAPILLARY_URL, MAPILLARY_ACCESS_TOKEN, RENOVATE_CONTACT,
        RENOVATE_HTTP_TIMEOUT (seconds), RENOVATE_CACHE_DIR (empty string: no disk cache)."""
        env = os.environ
        cache = env.get("RENOVATE_CACHE_DIR")
        return cls(
            nominatim_url=(env.get("RENOVATE_NOMINATIM_URL") or NOMINATIM_URL).rstrip("/"),
            mapillary_url=(env.get("RENOVATE_MAPILLARY_URL") or MAPILLARY_URL).rstrip("/"),
            token=(env.get("MAPILLARY_ACCESS_TOKEN") or "").strip() or None,
            contact=(env.get("RENOVATE_CONTACT") or "").strip() or None,
            timeout_s=_float_env("RENOVATE_HTTP_TIMEOUT", 20.0),
            cache_dir=_default_cache_dir() if cache is None else (Path(cache) if cache.strip() else None),
        )

    @property
    def user_agent(self) -> str:
        """`renovate-net/VERSION (+CONTACT)`: names the application, as Nominatim's policy requires."""
        agent = f"renovate-net/{__version__}"
        return f"{agent} (+{self.contact})" if self.contact else agent
