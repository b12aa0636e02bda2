"""Run the server for a test: over HTTP on a free loopback port, or as a CLI subprocess."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import httpx
import uvicorn
from starlette.types import ASGIApp

from datagouv_mcp.httpserver import server_config
from datagouv_mcp.settings import CoreSettings

SAMPLE_PLUGIN = "datagouv_mcp.testing.sample_plugin"

# Where tests send upstream traffic unless they point it elsewhere (at the stand-in): a closed
# port on loopback, so a forgotten setting fails at once instead of reaching data.gouv.fr.
OFFLINE_UPSTREAM = {
    "DATAGOUV_MCP_API_URL": "http://127.0.0.1:9/api/",
    "DATAGOUV_MCP_SITE_URL": "http://127.0.0.1:9/",
    "DATAGOUV_MCP_TABULAR_URL": "http://127.0.0.1:9/tabular/api/",
    "DATAGOUV_MCP_METRICS_URL": "http://127.0.0.1:9/metrics/api/",
    "DATAGOUV_MCP_CRAWLER_URL": "http://127.0.0.1:9/crawler/api/",
}


def sample_only(*also: str, **settings: Any) -> CoreSettings:
    """Core settings enabling only the sample plugin (and the plugins named in `also`)."""
    return CoreSettings(
        plugins=["sample_plugin", *also], plugin_modules=[SAMPLE_PLUGIN], **settings
    )


@contextmanager
def serve_asgi(
    app: ASGIApp, host: str = "127.0.0.1", settings: CoreSettings | None = None
) -> Iterator[str]:
    """Serve an ASGI app in a thread on a free port, as `serve` does (uvicorn with the header
    deadline and connection cap of `settings`, default ones without); yields
    `http://host:port`."""
    config = server_config(app, settings or CoreSettings.model_construct(), host=host, port=0)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="test-uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)


def free_port() -> int:
    """A TCP port free on 127.0.0.1 just now, for a server started as a subprocess."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The current environment without any DATAGOUV_MCP_* or SENTRY_DSN, plus `extra`.

    Upstreams point at a closed loopback port unless `extra` says otherwise; logs are JSON
    lines, so tests can parse stderr."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("DATAGOUV_MCP_") and key != "SENTRY_DSN"
    }
    env["DATAGOUV_MCP_LOG_FORMAT"] = "json"
    env.update(OFFLINE_UPSTREAM)
    env.update(extra or {})
    return env


def cli_command(*args: str, python: str | None = None) -> list[str]:
    """The `datagouv-mcp` command line for a given interpreter (default: this one)."""
    return [python or sys.executable, "-m", "datagouv_mcp.cli", *args]


def run_cli(
    *args: str,
    env: Mapping[str, str] | None = None,
    python: str | None = None,
    timeout: float = 60,
    **kwargs: Any,
) -> subprocess.CompletedProcess[str]:
    """Run `datagouv-mcp ARGS` in a subprocess with a clean environment plus `env`."""
    return subprocess.run(  # noqa: S603 - our own CLI, arguments from the test
        cli_command(*args, python=python),
        env=clean_env(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        **kwargs,
    )


def wait_until_healthy(
    base: str,
    process: subprocess.Popen[Any],
    name: str,
    timeout: float = 30,
    output: Callable[[], str] | None = None,
) -> None:
    """Return once `base`/health answers; raise, naming `name` (with `output()` when given), if
    `process` exits first or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            httpx.get(f"{base}/health", timeout=1)
            return
        except httpx.TransportError:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited: {output() if output else ''}") from None
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name} did not answer /health in time") from None
            time.sleep(0.05)


@contextmanager
def serving(*args: str, env: Mapping[str, str] | None = None, timeout: float = 30) -> Iterator[str]:
    """`datagouv-mcp serve ARGS` in a subprocess on a free loopback port, with a clean
    environment plus `env`; yields `http://127.0.0.1:<port>` once /health answers."""
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 - our own CLI, arguments from the test
        cli_command("serve", "--port", str(port), *args),
        env=clean_env(env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(base, process, "serve", timeout, lambda: process.communicate()[1])
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)


class ServeProcess:
    """`datagouv-mcp serve` as a subprocess on a fixed loopback port, its log in a file:
    `start` (returns once /health answers), `kill` (SIGKILL, a crash), `start` again, `stop`."""

    def __init__(
        self, env: Mapping[str, str], *args: str, port: int | None = None, log_path: str
    ) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = dict(env)
        self.args = args
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 30) -> None:
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own CLI, arguments from the test
                cli_command("serve", "--port", str(self.port), *self.args),
                env=clean_env(self.env),
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        wait_until_healthy(self.url, self.process, "serve", timeout, lambda: self.log()[-2000:])

    def log(self) -> str:
        with open(self.log_path, encoding="utf-8", errors="replace") as log:
            return log.read()

    def kill(self) -> None:
        process, self.process = self.process, None
        if process is not None:
            process.kill()
            process.wait(timeout=10)

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None:
            process.terminate()
            process.wait(timeout=20)
