"""A real Redis for a test: `redis-server` started on a free loopback port, nothing saved."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager

from datagouv_mcp.testing.servers import free_port

MISSING = "redis-server is not installed (apt-get install redis-server; .ci/run does)"


def redis_available() -> bool:
    """Whether `redis-server` is on PATH. Tests skip without it locally, and fail in CI."""
    return shutil.which("redis-server") is not None


@contextmanager
def redis_server() -> Iterator[int]:
    """`redis-server` on 127.0.0.1 and a free port, no persistence; yields the port."""
    command = shutil.which("redis-server")
    if command is None:
        raise RuntimeError(MISSING)
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        process = subprocess.Popen(  # noqa: S603 - a fixed command line of our own
            [
                command,
                "--bind", "127.0.0.1",
                "--port", str(port),
                "--save", "",
                "--appendonly", "no",
                "--dir", folder,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 10
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError("redis-server did not start") from None
                    time.sleep(0.05)
            yield port
        finally:
            process.terminate()
            process.wait(timeout=10)
