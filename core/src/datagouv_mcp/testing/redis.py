"""A real Redis for a test: `redis-server` started on a free loopback port, nothing saved;
`RedisServer` can be stopped and started again on the same port (an outage, then a return)."""

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


class RedisServer:
    """`redis-server` on 127.0.0.1 and a fixed port, no persistence: `start`, `stop` (as a
    crash: SIGKILL), `start` again."""

    def __init__(self, port: int | None = None) -> None:
        command = shutil.which("redis-server")
        if command is None:
            raise RuntimeError(MISSING)
        self.command = command
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._folder = tempfile.TemporaryDirectory()
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self._process = subprocess.Popen(  # noqa: S603 - a fixed command line of our own
            [
                self.command,
                "--bind", "127.0.0.1",
                "--port", str(self.port),
                "--save", "",
                "--appendonly", "no",
                "--dir", self._folder.name,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                if self._process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.05)

    def stop(self, kill: bool = False) -> None:
        process, self._process = self._process, None
        if process is not None:
            process.kill() if kill else process.terminate()
            process.wait(timeout=10)

    def close(self) -> None:
        self.stop()
        self._folder.cleanup()


@contextmanager
def redis_server() -> Iterator[int]:
    """`redis-server` on 127.0.0.1 and a free port, no persistence; yields the port."""
    server = RedisServer()
    server.start()
    try:
        yield server.port
    finally:
        server.close()
