"""Benchmark of the deployments: the full tool mix against the stand-in with 50 ms latency.

    python3 -m uv run python bench/scale.py [--seconds 5] [--clients 4,32] [--latency-ms 50]

For each of: one `serve` process, `serve --workers 2`, two replicas behind nginx (the
deployment's own configuration) sharing a real Redis, and an MCP SDK server whose tools return
a fixed text at once (the ceiling the SDK allows, in the same run), with 4 and 32 clients
calling the tool mix in turn for `--seconds`: calls/s, p50, p95 (ms), errors; then the
ratio of each to the SDK ceiling. For ours: upstream requests per call, cold (a fresh
server, each call of the mix once) and warm (the same calls again); idle and peak RSS of the
server processes (MiB, summed over workers or replicas; nginx and Redis not counted).
Traffic stays on 127.0.0.1: every process is started here.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import httpx
from harness import memory, standin, upstream_requests

from datagouv_mcp.testing.load import Load, call, load
from datagouv_mcp.testing.nginx import nginx_proxy
from datagouv_mcp.testing.redis import RedisServer
from datagouv_mcp.testing.servers import ServeProcess, free_port
from datagouv_mcp_standin.testing import CorpusIds as Ids

HERE = Path(__file__).parent
SITE = HERE.parent / "deploy" / "nginx" / "datagouv-mcp.conf"

MIX: list[tuple[str, dict[str, Any]]] = [
    ("search_datasets", {"query": "population", "page_size": 5}),
    ("search_organizations", {"query": "insee", "page_size": 5}),
    ("get_dataset_info", {"dataset_id": Ids.POPULATION_DATASET_ID}),
    ("list_dataset_resources", {"dataset_id": Ids.SIRENE_DATASET_ID}),
    ("get_resource_info", {"resource_id": Ids.GENTILES_RESOURCE_ID}),
    ("query_resource_data", {"resource_id": Ids.GENTILES_RESOURCE_ID, "page_size": 20}),
    ("download_and_parse_resource", {"resource_id": Ids.SAMPLE_RESOURCE_IDS["csv"]}),
    ("search_dataservices", {"query": "adresse", "page_size": 5}),
    ("get_dataservice_info", {"dataservice_id": Ids.API_ADRESSE_DATASERVICE_ID}),
    ("get_dataservice_openapi_spec", {"dataservice_id": Ids.OPENAPI_31_DATASERVICE_ID}),
    ("get_metrics", {"dataset_id": Ids.POPULATION_DATASET_ID}),
    ("describe_resource_table", {"resource_id": Ids.TABLE_1K_RESOURCE_ID}),
    (
        "query_resource_sql",
        {"resource_id": Ids.TABLE_1K_RESOURCE_ID, "sql": "SELECT count(*) FROM data"},
    ),
]


def mix(number: int) -> tuple[str, dict[str, Any]]:
    return MIX[number % len(MIX)]


def children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as listing:
            return [int(child) for child in listing.read().split()]
    except OSError:
        return []


def rss(pids: list[int]) -> tuple[float, float]:
    """(RSS, peak RSS) in MiB, summed over the processes and their children."""
    total = peak = 0.0
    for pid in pids:
        for each in [pid, *children(pid)]:
            try:
                now, high = memory(each)
            except OSError:
                continue
            total, peak = total + now, peak + high
    return total, peak


@contextmanager
def ours(env: dict[str, str], kind: str, folder: str) -> Iterator[tuple[str, list[int]]]:
    """One configuration of ours: its URL (what clients call) and its server processes."""
    settings = {**env, "DATAGOUV_MCP_LOG_LEVEL": "WARNING"}
    with ExitStack() as stack:
        if kind == "1 worker":
            replicas = [ServeProcess(settings, log_path=f"{folder}/one.log")]
        elif kind == "2 workers":
            replicas = [ServeProcess(settings, "--workers", "2", log_path=f"{folder}/two.log")]
        else:
            redis = RedisServer()
            redis.start()
            stack.callback(redis.close)
            shared = {**settings, "DATAGOUV_MCP_REDIS_URL": redis.url}
            replicas = [ServeProcess(shared, log_path=f"{folder}/r{n}.log") for n in (1, 2)]
        for replica in replicas:
            replica.start(timeout=60)
            stack.callback(replica.stop)
        url = replicas[0].url
        if kind == "2 replicas + nginx + Redis":
            url = stack.enter_context(nginx_proxy(SITE, [r.port for r in replicas]))
        time.sleep(2 if kind == "2 workers" else 0.5)  # every worker up
        yield url, [r.process.pid for r in replicas if r.process is not None]


@contextmanager
def ceiling() -> Iterator[tuple[str, list[int]]]:
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 - our own script
        [sys.executable, str(HERE / "fixed_server.py"), str(port)]
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                httpx.post(f"{url}/mcp", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.05)
        yield url, [process.pid]
    finally:
        process.terminate()
        process.wait(timeout=10)


def line(name: str, clients: int, done: Load) -> str:
    rate = done.calls / done.seconds if done.seconds else 0.0
    return (
        f"{name:<28} {clients:>3} clients  {rate:8.1f} calls/s  "
        f"p50 {done.percentile(0.5) * 1000:7.1f} ms  p95 {done.percentile(0.95) * 1000:7.1f} ms  "
        f"errors {len(done.failures)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", default="4,32")
    parser.add_argument("--latency-ms", type=int, default=50)
    options = parser.parse_args()
    counts = [int(n) for n in options.clients.split(",")]
    rates: dict[tuple[str, int], float] = {}
    folder = tempfile.mkdtemp(prefix="bench-scale-")
    with standin(options.latency_ms) as (base, env):
        env = {**env, "DATAGOUV_MCP_SQL_CACHE_DIR": os.path.join(folder, "sql")}
        print(f"stand-in latency {options.latency_ms} ms, tool mix of {len(MIX)} tools")
        kinds = ["1 worker", "2 workers", "2 replicas + nginx + Redis"]
        for kind in [*kinds, "SDK, fixed text (ceiling)"]:
            manager = ceiling() if kind.startswith("SDK") else ours(env, kind, folder)
            with manager as (url, pids):
                idle, _ = rss(pids)
                if not kind.startswith("SDK"):
                    before = upstream_requests(base)
                    for tool, arguments in MIX:
                        call(url, tool, **arguments)
                    cold = (upstream_requests(base) - before) / len(MIX)
                    before = upstream_requests(base)
                    for tool, arguments in MIX:
                        call(url, tool, **arguments)
                    warm = (upstream_requests(base) - before) / len(MIX)
                    print(f"{kind}: upstream requests per call cold {cold:.2f}, warm {warm:.2f}")
                for clients in counts:
                    done = asyncio.run(load(url, options.seconds, mix, clients=clients))
                    rates[kind, clients] = done.calls / done.seconds
                    print(line(kind, clients, done))
                    for failure in done.failures[:3]:
                        print(f"    {failure}")
                _, peak = rss(pids)
                print(f"{kind}: RSS idle {idle:.0f} MiB, peak {peak:.0f} MiB")
        print("ratio of calls/s to the SDK ceiling:")
        for kind in kinds:
            for clients in counts:
                ceiling_rate = rates["SDK, fixed text (ceiling)", clients]
                print(
                    f"  {kind:<28} {clients:>3} clients  {rates[kind, clients] / ceiling_rate:.2f}"
                )


if __name__ == "__main__":
    main()
