"""Slow clients against `datagouv-mcp serve` with its default settings, on 127.0.0.1: 5,000
connections whose headers never finish, then 300 uploads whose body never finishes. Prints
how many the server closed, how soon, with what answer, and the ERROR lines it logged.

    python3 -m uv run python bench/slow_clients.py
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from harness import server

from datagouv_mcp.testing.servers import SAMPLE_PLUGIN

HEADERS = b"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
UPLOAD = HEADERS + b"Content-Length: 100000\r\n\r\n" + b'{"jsonrpc": "2.0", "id": 1, '


async def _held(port: int, payload: bytes, limit: float) -> tuple[float, bytes]:
    """Open a connection, send `payload`, then nothing: (seconds until closed, answer start)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    started = time.monotonic()
    writer.write(payload)
    await writer.drain()
    answer = b""
    try:
        async with asyncio.timeout(limit):
            while chunk := await reader.read(65536):
                answer += chunk
    except (TimeoutError, ConnectionResetError):
        pass
    writer.close()
    return time.monotonic() - started, answer[:12]


async def _wave(port: int, count: int, payload: bytes, limit: float) -> None:
    started = time.monotonic()
    outcomes = await asyncio.gather(*(_held(port, payload, limit) for _ in range(count)))
    closed = [seconds for seconds, _ in outcomes if seconds < limit]
    answers: dict[bytes, int] = {}
    for _, answer in outcomes:
        answers[answer] = answers.get(answer, 0) + 1
    shown = ", ".join(f"{(a.decode() or 'nothing')!r} x{n}" for a, n in answers.items())
    print(
        f"  {len(closed)}/{count} closed by the server, the last after "
        f"{max(closed, default=0):.1f} s ({time.monotonic() - started:.1f} s in all); "
        f"answers: {shown}"
    )


def main() -> None:
    env = {"DATAGOUV_MCP_PLUGIN_MODULES": SAMPLE_PLUGIN}
    with tempfile.TemporaryDirectory() as folder:
        log = Path(folder) / "stderr.log"
        with log.open("w") as stderr, server(env, "sample_plugin", stderr) as (url, _):
            port = int(url.rsplit(":", 1)[1].split("/", 1)[0])
            print("5,000 connections with unfinished headers (default deadline 10 s):")
            asyncio.run(_wave(port, 5000, HEADERS, 60))
            print("300 uploads with an unfinished body (default deadline 30 s):")
            asyncio.run(_wave(port, 300, UPLOAD, 90))
        errors = [line for line in log.read_text().splitlines() if '"level": "error"' in line]
        print(f"ERROR lines logged by the server: {len(errors)}")


if __name__ == "__main__":
    main()
