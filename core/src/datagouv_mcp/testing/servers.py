"""Run the server for a test: over HTTP on a free loopback port, or as a CLI subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import uvicorn
from starlette.types import ASGIApp

SAMPLE_PLUGIN = "datagouv_mcp.testing.sample_plugin"


@contextmanager
def serve_asgi(app: ASGIApp, host: str = "127.0.0.1") -> Iterator[str]:
    """Serve an ASGI app with uvicorn in a thread on a free port; yields `http://host:port`."""
    config = uvicorn.Config(app, host=host, port=0, log_config=None, lifespan="on", ws="none")
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


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The current environment without any DATAGOUV_MCP_* or SENTRY_DSN, plus `extra`.

    Logs as JSON lines so tests can parse stderr."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("DATAGOUV_MCP_") and key != "SENTRY_DSN"
    }
    env["DATAGOUV_MCP_LOG_FORMAT"] = "json"
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
