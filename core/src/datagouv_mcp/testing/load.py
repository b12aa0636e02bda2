"""Tool calls over HTTP for tests and benchmarks of deployments: one call, or many clients
calling for a while (the stateless JSON-RPC POST every MCP client sends, answered as JSON)."""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}
_ids = itertools.count(1)

Arguments = Callable[[int], tuple[str, dict[str, Any]]]
"""The n-th call of a load: (tool, arguments)."""


def call_body(tool: str, arguments: dict[str, Any]) -> str:
    return json.dumps(
        {
            "jsonrpc": "2.0",
            "id": next(_ids),
            "method": "tools/call",
            "params": {"name": tool, "arguments": arguments},
        }
    )


def call(base: str, tool: str, **arguments: Any) -> dict[str, Any]:
    """One tool call on `base` (`http://host:port`); its result, which must not be an error."""
    response = httpx.post(
        f"{base}/mcp", content=call_body(tool, arguments), headers=HEADERS, timeout=40
    )
    if response.status_code != 200:
        raise AssertionError(f"HTTP {response.status_code}: {response.text[:500]}")
    result: dict[str, Any] = response.json()["result"]
    if result.get("isError"):
        raise AssertionError(result["content"][0]["text"])
    return result


@dataclass
class Load:
    """What a load did: each call's latency (seconds) and the calls that failed."""

    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def calls(self) -> int:
        return len(self.latencies)

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


async def load(
    base: str,
    seconds: float,
    arguments: Arguments,
    clients: int = 8,
    at: tuple[float, Callable[[], None]] | None = None,
) -> Load:
    """`clients` clients calling tools on `base` for `seconds`, each sending its next call
    once it has its answer; `at` = (when, what) runs `what` in a thread that many seconds in
    (a replica killed, Redis stopped). A call fails on any HTTP error or tool error."""
    done = Load()
    numbers = itertools.count()
    started = time.monotonic()

    async def client(http: httpx.AsyncClient) -> None:
        while time.monotonic() - started < seconds:
            tool, args = arguments(next(numbers))
            sent = time.monotonic()
            try:
                response = await http.post(f"{base}/mcp", content=call_body(tool, args))
                result = response.json().get("result", {}) if response.status_code == 200 else {}
                if response.status_code != 200 or result.get("isError"):
                    done.failures.append(
                        f"{tool}: HTTP {response.status_code} {response.text[:300]}"
                    )
            except httpx.HTTPError as exc:
                done.failures.append(f"{tool}: {type(exc).__name__} {exc}")
            done.latencies.append(time.monotonic() - sent)

    async def event() -> None:
        if at is not None:
            await asyncio.sleep(at[0])
            await asyncio.to_thread(at[1])

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(headers=HEADERS, timeout=40, limits=limits) as http:
        await asyncio.gather(event(), *(client(http) for _ in range(clients)))
    done.seconds = time.monotonic() - started
    return done
