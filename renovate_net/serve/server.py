"""Run the app under uvicorn for `renovate-net serve`: bind first, so a bad address fails with one line.

The socket is bound here and handed to uvicorn (instead of letting uvicorn bind and exit with a log line),
so "port in use" and "no such address" are UserErrors like every other bad option, and nothing else can
take the port between the check and the start. A failed model load stops the server with a UserError too.
"""
from __future__ import annotations

import copy
import errno
import socket

from renovate_net.errors import UserError
from renovate_net.serve.app import Settings, create_app, shipped_renderer

BACKLOG = 2048  # uvicorn's default


def check_settings(settings: Settings) -> None:
    """Refuse settings the queue cannot work with, naming the option to fix."""
    if settings.workers < 1:
        raise UserError(f"--workers {settings.workers}: give at least 1 (renders run at once)")
    if settings.queue < 0:
        raise UserError(f"--queue {settings.queue}: give 0 or more (requests that may wait for a worker)")
    if settings.time_limit_s <= 0:
        raise UserError(f"--time-limit {settings.time_limit_s:g}: give a number of seconds above 0")


def listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to host:port (port 0: any free port). Raises UserError if that is not possible."""
    if not 0 <= port <= 65535:
        raise UserError(f"--port {port}: give a port from 1 to 65535 (or 0 for any free port)")
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                             flags=socket.AI_PASSIVE)[0]
    except socket.gaierror:
        raise UserError(f"--host {host}: not an address of this machine; use 127.0.0.1 (this machine only) "
                        "or 0.0.0.0 (every network)") from None
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            raise UserError(f"port {port} on {host} is already in use; stop the other server or pick "
                            "another with --port") from None
        raise UserError(f"cannot listen on {host}:{port} ({error.strerror}); pick another --host or --port") from None
    sock.listen(BACKLOG)  # from now on connections wait in the backlog instead of being refused while we start
    return sock


def run(sock: socket.socket, settings: Settings, model: str | None = None, device: str = "auto") -> None:
    """Serve on the bound socket until interrupted; the models load in the background meanwhile."""
    import uvicorn
    from uvicorn.config import LOGGING_CONFIG

    log_config = copy.deepcopy(LOGGING_CONFIG)  # our own lines ("models loaded") in uvicorn's format
    log_config["loggers"]["renovate_net"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    failures: list[str] = []

    def stop(message: str) -> None:
        failures.append(message)
        server.should_exit = True

    app = create_app(shipped_renderer(model, device), settings, on_load_error=stop)
    host, port = sock.getsockname()[:2]
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="info",
                                           log_config=log_config, timeout_graceful_shutdown=5))
    server.run(sockets=[sock])
    if failures:
        raise UserError(f"the models failed to load: {failures[0]}")
