"""What the benchmarks share: a stand-in and a `datagouv-mcp serve` started as subprocesses
on 127.0.0.1, the processes' memory read from /proc, tool calls timed through the SDK's client
over streamable HTTP. Import it from a script in this folder (`from harness import ...`)."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

import httpx
from mcp import Client

from datagouv_mcp.testing.servers import clean_env, cli_command, free_port


@contextmanager
def standin(latency_ms: int, *options: str) -> Iterator[tuple[str, dict[str, str]]]:
    """A stand-in on a free port: its base URL and the environment pointing a server at it.
    `options` are more of its command-line options (`--datasets`, `--fault`...)."""
    command = [sys.executable, "-m", "datagouv_mcp_standin", "--port", "0", *options]
    process = subprocess.Popen(  # noqa: S603 - our own command
        [*command, "--latency-ms", str(latency_ms)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().split()[-1]
        env = {}
        for line in iter(process.stdout.readline, "\n"):
            name, _, value = line.strip().removeprefix("export ").partition("=")
            env[name] = value
        yield url, env
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextmanager
def server(
    env: dict[str, str], plugins: str = "resources", stderr: IO[str] | None = None
) -> Iterator[tuple[str, int]]:
    """`datagouv-mcp serve` on a free port, once its /health answers: its /mcp URL and pid.
    Its log (warnings and errors) goes to `stderr`, if given."""
    port = free_port()
    settings = {"DATAGOUV_MCP_PLUGINS": plugins, "DATAGOUV_MCP_LOG_LEVEL": "WARNING", **env}
    process = subprocess.Popen(  # noqa: S603 - our own command
        cli_command("serve", "--port", str(port)),
        env=clean_env(settings),
        stdout=subprocess.DEVNULL,
        stderr=stderr or subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                httpx.get(f"{base}/health", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield f"{base}/mcp", process.pid
    finally:
        process.terminate()
        process.wait(timeout=20)


def memory(pid: int) -> tuple[float, float]:
    """(current RSS, peak RSS) of a process, in MiB."""
    fields = {}
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def upstream_requests(base: str) -> int:
    """Requests the stand-in served so far (a reset would also clear its latency)."""
    total: int = httpx.get(f"{base}/_standin/stats").json()["total"]
    return total


async def timed(url: str, tool: str, arguments: dict[str, Any]) -> tuple[float, Any]:
    async with Client(url, mode="legacy") as client:
        started = time.perf_counter()
        result = await client.call_tool(tool, arguments)
        elapsed = (time.perf_counter() - started) * 1000
    assert not result.is_error, result.content[0].text
    return elapsed, result
