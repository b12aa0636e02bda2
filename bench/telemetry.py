"""What Prometheus and Matomo cost a tool call: `datagouv-mcp serve` (the sample plugin's echo
tool, no upstream) on 127.0.0.1, 8 clients calling at once, with Matomo off, then pointed at a
Matomo stand-in on loopback that answers at once, takes 2 s per batch, answers 500, or is not
there. Prints calls/s, the server's CPU time per call, p50, p95 and max per configuration
(the median of `--rounds` rounds, the configurations taking turns, so that a busy machine
weighs on all alike), what the Matomo counters say, how long a scrape of /metrics takes, and
what counting and queueing cost one call, measured in process.

    python3 -m uv run python bench/telemetry.py [--calls 1000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
from typing import Any

import httpx
from harness import server
from mcp import Client
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from datagouv_mcp.testing.prometheus import parse
from datagouv_mcp.testing.servers import SAMPLE_PLUGIN, free_port, serve_asgi

CLIENTS = 8


class Matomo:
    """A Matomo stand-in: answers after `delay`, or 500 when `failing`."""

    def __init__(self) -> None:
        self.delay = 0.0
        self.failing = False
        self.received = 0

    async def track(self, request: Request) -> Response:
        body = await request.json()
        await asyncio.sleep(self.delay)
        if self.failing:
            return Response("no", 500)
        self.received += len(body["requests"])
        return JSONResponse({"status": "success"})


async def _client(url: str, calls: int, durations: list[float]) -> None:
    async with Client(url, mode="legacy") as client:
        for _ in range(calls):
            started = time.perf_counter()
            result = await client.call_tool("echo", {"text": "bonjour"})
            durations.append((time.perf_counter() - started) * 1000)
            assert not result.is_error


async def _load(url: str, calls: int) -> tuple[float, list[float]]:
    durations: list[float] = []
    started = time.perf_counter()
    await asyncio.gather(*(_client(url, calls // CLIENTS, durations) for _ in range(CLIENTS)))
    return time.perf_counter() - started, durations


def _cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process used so far."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _run(name: str, env: dict[str, str], calls: int) -> dict[str, Any]:
    with server(env, plugins="sample_plugin") as (url, pid):
        asyncio.run(_load(url, CLIENTS * 5))  # warm up
        cpu = _cpu_seconds(pid)
        seconds, durations = asyncio.run(_load(url, calls))
        cpu = _cpu_seconds(pid) - cpu
        base = url.removesuffix("/mcp")
        scrapes = []
        for _ in range(20):
            started = time.perf_counter()
            text = httpx.get(f"{base}/metrics", timeout=10).text
            scrapes.append((time.perf_counter() - started) * 1000)
        samples = parse(text)
    ordered = sorted(durations)
    return {
        "configuration": name,
        "calls/s": len(durations) / seconds,
        "cpu": cpu / len(durations) * 1000,
        "p50": statistics.median(ordered),
        "p95": ordered[int(len(ordered) * 0.95) - 1],
        "max": ordered[-1],
        "sent": samples.value("datagouv_mcp_matomo_events_total", result="sent"),
        "dropped": samples.value("datagouv_mcp_matomo_events_total", result="dropped"),
        "failed": samples.value("datagouv_mcp_matomo_events_total", result="failed"),
        "queued": samples.value("datagouv_mcp_matomo_queue_length"),
        "scrape": statistics.median(scrapes),
    }


def _in_process_costs() -> tuple[float, float]:
    """Microseconds per call of the Prometheus counting and of queueing the Matomo event."""
    from datagouv_mcp import meters
    from datagouv_mcp.matomo import MatomoSettings, MatomoSink
    from datagouv_mcp.specs import Event

    event = Event("tool.called", tool="echo", outcome="ok", duration_ms=12.5)
    settings = MatomoSettings(url="http://127.0.0.1:9/", site_id=1, queue_size=10**6)
    sink = MatomoSink(settings, "bench")
    count = 100_000
    started = time.perf_counter()
    for _ in range(count):
        meters.count_tool_call("echo", "ok", 0.0125, None)
    counting = (time.perf_counter() - started) / count * 1e6
    started = time.perf_counter()
    for _ in range(count):
        sink.track(event)
    queueing = (time.perf_counter() - started) / count * 1e6
    return counting, queueing


def _median_row(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    row = {
        key: statistics.median(r[key] for r in rounds)
        for key in rounds[0]
        if key != "configuration"
    }
    return {"configuration": rounds[0]["configuration"], **row}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    options = parser.parse_args()
    calls = options.calls
    matomo = Matomo()
    app = Starlette(routes=[Route("/matomo.php", matomo.track, methods=["POST"])])
    base = {"DATAGOUV_MCP_PLUGIN_MODULES": SAMPLE_PLUGIN}
    results: dict[str, list[dict[str, Any]]] = {}
    with serve_asgi(app) as matomo_url:
        on = {
            **base,
            "DATAGOUV_MCP_MATOMO_URL": matomo_url,
            "DATAGOUV_MCP_MATOMO_SITE_ID": "1",
            "DATAGOUV_MCP_MATOMO_FLUSH_SECONDS": "1",
            "DATAGOUV_MCP_MATOMO_QUEUE_SIZE": "1000",
        }
        down = {**on, "DATAGOUV_MCP_MATOMO_URL": f"http://127.0.0.1:{free_port()}"}
        configurations = [
            ("Matomo off", base, 0.0, False),
            ("Matomo answering", on, 0.0, False),
            ("Matomo 2 s per batch", on, 2.0, False),
            ("Matomo answering 500", on, 0.0, True),
            ("Matomo down", down, 0.0, False),
        ]
        for round_number in range(options.rounds):
            turn = configurations[round_number:] + configurations[:round_number]
            for name, env, delay, failing in turn:
                matomo.delay, matomo.failing = delay, failing
                results.setdefault(name, []).append(_run(name, env, calls))
    rows = [_median_row(results[name]) for name, *_ in configurations]
    counting, queueing = _in_process_costs()
    print(
        f"{calls} echo calls, {CLIENTS} clients at once, median of {options.rounds} rounds; "
        "Matomo queue 1000, batches of 100, flushed every second"
    )
    header = (
        f"{'configuration':<22} {'calls/s':>8} {'CPU ms/call':>11} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'max ms':>7} {'sent':>6} {'dropped':>8} {'failed':>7} {'queued':>7} {'scrape ms':>10}"
    )
    print(header)
    for row in rows:
        print(
            f"{row['configuration']:<22} {row['calls/s']:>8.0f} {row['cpu']:>11.2f} "
            f"{row['p50']:>7.1f} "
            f"{row['p95']:>7.1f} {row['max']:>7.1f} {row['sent']:>6.0f} {row['dropped']:>8.0f} "
            f"{row['failed']:>7.0f} {row['queued']:>7.0f} {row['scrape']:>10.1f}"
        )
    print(
        f"in process, per call: Prometheus counting {counting:.1f} µs, "
        f"queueing the Matomo event {queueing:.1f} µs"
    )


if __name__ == "__main__":
    main()
