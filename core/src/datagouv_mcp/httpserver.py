"""The HTTP server `serve` runs: uvicorn with its h11 protocol, plus what uvicorn lacks in
front of a public endpoint.

uvicorn times out an idle keep-alive connection (`timeout_keep_alive`) but nothing else: a
client may take forever to send its headers (it never arms a timer for them), and
`limit_concurrency` only answers 503 once a request's headers are in. `GuardedH11Protocol`
adds, per connection:

- a deadline for the request line and headers (`DATAGOUV_MCP_HEADER_TIMEOUT_SECONDS`), armed
  when the connection opens and again at the first byte of each next request; past it the
  client gets a 408 with a JSON-RPC error body and the connection is closed;
- a cap on open connections (`DATAGOUV_MCP_MAX_CONNECTIONS`): a connection over it gets a 503
  with a JSON-RPC error body and `Retry-After`, then is closed;
- no connection kept for a request body the application did not read (a 404, a refusal):
  once the answer is sent, the connection is closed rather than fed forever.

The body's own deadline (`DATAGOUV_MCP_BODY_TIMEOUT_SECONDS`) is the web app's, which reads
the body of `/mcp` before anything else (`datagouv_mcp.webapp`).
"""

from __future__ import annotations

import asyncio
import errno
import functools
import socket
import time
from collections.abc import Callable
from typing import Any

import h11
import structlog
import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

from datagouv_mcp.jsonrpc import INVALID_REQUEST, OVERLOADED, Refusal, http_response
from datagouv_mcp.settings import CoreSettings

log = structlog.get_logger("datagouv_mcp.http")

WARN_EVERY_SECONDS = 10.0
WORKER_HEALTHCHECK_SECONDS = 30


def header_timeout_refusal(seconds: float) -> Refusal:
    return Refusal(
        408, INVALID_REQUEST, f"Request Timeout: the request's headers took over {seconds:g} s."
    )


OVER_CAPACITY = Refusal(
    503,
    OVERLOADED,
    "The server has too many open connections: retry in a moment.",
    headers={"retry-after": "1", "connection": "close"},
)


async def _over_capacity(scope: Scope, receive: Receive, send: Send) -> None:
    headers = [
        (name.encode(), value.encode()) for name, value in OVER_CAPACITY.response_headers().items()
    ]
    await send({"type": "http.response.start", "status": OVER_CAPACITY.status, "headers": headers})
    await send({"type": "http.response.body", "body": OVER_CAPACITY.body()})


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a header deadline, a connection cap and no connection held
    for an unread body. `protocol_class` binds the operator's numbers to it."""

    _warned_at: float = -WARN_EVERY_SECONDS

    def __init__(
        self, *args: Any, header_timeout: float = 10.0, max_connections: int = 1000, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.header_timeout = header_timeout
        self.max_connections = max_connections
        self._header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.max_connections:
            # Read its request (within the header deadline), answer 503, close.
            self.app = _over_capacity
            self._warn_over_capacity()
        self._watch_headers()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._watch_headers()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_header_timer()
        super().connection_lost(exc)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self.conn.their_state is h11.SEND_BODY and not self.transport.is_closing():
            # Answered without reading the whole body: nothing more to do on this connection.
            self._cancel_header_timer()
            self._unset_keepalive_if_required()
            self.transport.close()

    def _watch_headers(self) -> None:
        """The deadline runs while a request's headers are awaited (their side IDLE: a new
        connection, or the first bytes of a next request), and stops once they are in."""
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            if self._header_timer is None:
                self._header_timer = self.loop.call_later(
                    self.header_timeout, self._headers_too_slow
                )
        else:
            self._cancel_header_timer()

    def _cancel_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if self.transport.is_closing() or self.conn.their_state is not h11.IDLE:
            return
        log.info("http.header_timeout", client=self.client and self.client[0])
        if self.conn.our_state is h11.IDLE:  # no answer under way on this connection
            self.transport.write(http_response(header_timeout_refusal(self.header_timeout)))
        self._unset_keepalive_if_required()
        self.transport.close()

    def _warn_over_capacity(self) -> None:
        now = time.monotonic()
        if now - type(self)._warned_at >= WARN_EVERY_SECONDS:
            type(self)._warned_at = now
            log.warning("http.connection_limit", max_connections=self.max_connections)


def protocol_class(settings: CoreSettings) -> Callable[..., GuardedH11Protocol]:
    """The protocol with this server's header deadline and connection cap (a partial, so that
    it pickles into `--workers` processes)."""
    return functools.partial(
        GuardedH11Protocol,
        header_timeout=settings.header_timeout_seconds,
        max_connections=settings.max_connections,
    )


def server_config(app: ASGIApp | str, settings: CoreSettings, **options: Any) -> uvicorn.Config:
    """uvicorn's configuration for `app` under `settings` (`options` override, e.g. `port`)."""
    values: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "http": protocol_class(settings),
        # No WebSocket: an upgrade request is answered like any other.
        "ws": "none",
        # X-Forwarded-For is read by the web app, from DATAGOUV_MCP_TRUSTED_PROXIES only
        # (uvicorn would trust 127.0.0.1 by default).
        "proxy_headers": False,
        "log_config": None,
        "server_header": False,
        "lifespan": "on",
        "timeout_keep_alive": settings.keepalive_seconds,
        **options,
    }
    return uvicorn.Config(app, **values)


def bind_problem(host: str, port: int) -> str | None:
    """Why `serve` could not listen on host:port, in one sentence saying what to do, or None.
    Tried by binding a socket as uvicorn will (SO_REUSEADDR), then closing it."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host.strip("[]"), port))
        except OSError as exc:
            where = f"[{host.strip('[]')}]:{port}" if ":" in host else f"{host}:{port}"
            if exc.errno == errno.EADDRINUSE:
                return (
                    f"{where} is already in use: stop the program listening there, or choose "
                    "another port with --port or DATAGOUV_MCP_PORT."
                )
            if exc.errno == errno.EACCES:
                return (
                    f"not allowed to listen on {where}: choose a port above 1023 with --port "
                    "or DATAGOUV_MCP_PORT."
                )
            if exc.errno in (errno.EADDRNOTAVAIL, socket.EAI_NONAME) or isinstance(
                exc, socket.gaierror
            ):
                return (
                    f"cannot listen on {where}: {host} is not an address of this machine; "
                    "choose one with --host or DATAGOUV_MCP_HOST (127.0.0.1, or 0.0.0.0 for "
                    "every interface)."
                )
            return (
                f"cannot listen on {where} ({exc.strerror or exc}): choose another --host "
                "or --port."
            )
    return None


def run_workers(factory: str, settings: CoreSettings) -> None:
    """`settings.workers` processes on one port (uvicorn's supervisor, which restarts a worker
    that dies), each serving the app that `factory` ("module:function") builds."""
    from uvicorn.supervisors import Multiprocess

    config = server_config(
        factory,
        settings,
        factory=True,
        workers=settings.workers,
        # A worker loads every plugin before it answers the supervisor's pings: on a busy
        # machine that takes longer than uvicorn's 5 s, which would kill it and start again.
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
    )
    Multiprocess(config, sockets=[config.bind_socket()]).run()
