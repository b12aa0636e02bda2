"""Running the stand-in with uvicorn: in the foreground (CLI) or in a background thread."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path
from typing import Any

import uvicorn

from datagouv_mcp_standin.app import create_app
from datagouv_mcp_standin.catalog_build import build_catalogue

# Hanging and endless faults keep requests open; don't let them block shutdown for long.
GRACEFUL_SHUTDOWN_S = 1
KEEPALIVE_S = 75


def bind(host: str, port: int) -> socket.socket:
    """A listening socket; port 0 picks a free one (read it back with getsockname)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio only sets TCP_NODELAY on sockets whose proto says TCP,
    # and without it every response pays a 40 ms delayed-ACK stall.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def base_url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


def make_server(
    corpus: Path | None = None,
    datasets: int = 0,
    latency_ms: int = 0,
    faults: tuple[dict[str, Any], ...] = (),
    seed: int = 0,
    log_level: str = "warning",
) -> uvicorn.Server:
    catalogue = build_catalogue(corpus, datasets)
    app = create_app(catalogue, faults=faults, latency_ms=latency_ms, seed=seed)
    config = uvicorn.Config(
        app,
        http="h11",  # the `reset` fault relies on the h11 protocol's transport handling
        lifespan="off",
        log_level=log_level,
        access_log=False,
        server_header=False,
        # Longer than any client's pool keeps an idle connection (the core's upstream layer:
        # 30 s; httpx: 5 s), so a client never reuses one the stand-in is closing (a request
        # meeting a reset, `[Errno 104]`). uvicorn's 5 s is httpx's own expiry: a race.
        timeout_keep_alive=KEEPALIVE_S,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
    )
    return uvicorn.Server(config)


class BackgroundServer:
    """A uvicorn server in a daemon thread, on an already-bound socket."""

    def __init__(self, server: uvicorn.Server, sock: socket.socket) -> None:
        self.server = server
        self.sock = sock
        self.thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="standin", daemon=True
        )

    def start(self, timeout_s: float = 30.0) -> None:
        self.thread.start()
        deadline = time.monotonic() + timeout_s
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the stand-in did not start")
            time.sleep(0.01)

    def stop(self, timeout_s: float = 10.0) -> None:
        self.server.should_exit = True
        self.thread.join(timeout_s)
        self.sock.close()
