"""Benchmark of query_resource_sql on the stand-in's generated 1,000,000-row resource.

    python3 -m uv run python bench/sql.py [--latency-ms 50] [--paging-calls 20]

Prints: the first query (the table's Parquet export downloaded into the cache, then the
query) and repeated queries (the cache), with upstream requests per call; the server's peak
RSS and its SQL worker's; and, for comparison, the same count per departement done with
query_resource_data paging (pages of 200 rows): the calls it takes, and the time, measured
over the first `--paging-calls` calls and extrapolated to all of them (paging a million rows
through the stand-in call by call takes the better part of an hour). Through the SDK's
client over streamable HTTP; traffic stays on 127.0.0.1 (a stand-in and `datagouv-mcp serve`
as subprocesses).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import tempfile
import time
from collections import Counter

import httpx
from harness import memory, server, standin, timed, upstream_requests

from datagouv_mcp_standin.testing import CorpusIds

RID = CorpusIds.TABLE_1M_RESOURCE_ID
ROWS = 1_000_000
GROUPED = "SELECT departement, count(*) AS n FROM data GROUP BY departement ORDER BY departement"
QUERIES = {
    "count per departement": GROUPED,
    "avg, min, max per year and indicator": (
        "SELECT annee, indicateur, avg(valeur) AS moyenne, min(valeur), max(valeur) "
        "FROM data GROUP BY ALL ORDER BY ALL"
    ),
    "top 10 communes by total": (
        "SELECT commune, sum(nombre) AS total FROM data GROUP BY commune ORDER BY total DESC "
        "LIMIT 10"
    ),
    "filtered count": "SELECT count(*) FROM data WHERE annee >= 2020 AND valeur > 50",
}


def warm_standin(base: str) -> float:
    """The stand-in writes its Parquet export on first request (generating a million rows):
    done here, so the figures are the gateway's."""
    record = httpx.get(f"{base}/api/2/datasets/resources/{RID}/").json()["resource"]
    started = time.perf_counter()
    httpx.get(record["extras"]["analysis:parsing:parquet_url"], timeout=600).raise_for_status()
    httpx.get(f"{base}/tabular/api/resources/{RID}/data/", params={"page_size": 1}, timeout=600)
    return time.perf_counter() - started


def workers_of(pid: int) -> list[int]:
    children = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii") as stat:
                    if int(stat.read().rsplit(")", 1)[1].split()[1]) == pid:
                        children.append(int(entry))
            except OSError:
                continue
    return children


async def sql_figures(base: str, env: dict[str, str]) -> dict[str, int]:
    with (
        tempfile.TemporaryDirectory() as cache,
        server({**env, "DATAGOUV_MCP_SQL_CACHE_DIR": cache}, "sql,resources") as (url, pid),
    ):
        print(f"server RSS at start: {memory(pid)[0]:.1f} MiB")
        before = upstream_requests(base)
        ms, result = await timed(url, "query_resource_sql", {"resource_id": RID, "sql": GROUPED})
        data = result.structured_content
        requests = upstream_requests(base) - before
        source = data["source"]
        print(
            f"first query (download {source['bytes'] / 1024**2:.1f} MiB of Parquet + query): "
            f"{ms:,.0f} ms, {requests} upstream requests, DuckDB {data['elapsed_ms']:.0f} ms"
        )
        for name, sql in QUERIES.items():
            times = []
            for _ in range(3):
                before = upstream_requests(base)
                ms, result = await timed(
                    url, "query_resource_sql", {"resource_id": RID, "sql": sql}
                )
                times.append(ms)
                requests = upstream_requests(base) - before
            print(
                f"repeat, {name}: {min(times):,.0f} ms best of 3 (DuckDB "
                f"{result.structured_content['elapsed_ms']:.0f} ms), {requests} upstream requests"
            )
        rss, peak = memory(pid)
        print(f"server RSS now {rss:.1f} MiB, peak {peak:.1f} MiB (DuckDB runs in the worker)")
        for worker in workers_of(pid):
            worker_rss, worker_peak = memory(worker)
            print(f"SQL worker {worker}: RSS {worker_rss:.1f} MiB, peak {worker_peak:.1f} MiB")
        return {row["departement"]: row["n"] for row in data["rows"]}


async def paging_figures(
    base: str, env: dict[str, str], calls: int, expected: dict[str, int]
) -> None:
    page_size = 200
    needed = math.ceil(ROWS / page_size)
    counts: Counter[str] = Counter()
    with server(env, "resources") as (url, _):
        before = upstream_requests(base)
        started = time.perf_counter()
        for page in range(1, calls + 1):
            arguments = {"resource_id": RID, "page": page, "page_size": page_size}
            _, result = await timed(url, "query_resource_data", arguments)
            counts.update(row["departement"] for row in result.structured_content["rows"])
        elapsed = time.perf_counter() - started
        requests = upstream_requests(base) - before
    per_call = elapsed / calls
    print(
        f"query_resource_data paging, pages of {page_size}: {needed:,} calls for {ROWS:,} rows; "
        f"measured {calls} calls in {elapsed:.1f} s ({per_call * 1000:,.0f} ms a call, "
        f"{requests / calls:.0f} upstream requests a call) -> about {needed * per_call / 60:,.0f} "
        f"min and {needed * requests // calls:,} upstream requests for the whole count"
    )
    seen = sum(counts.values())
    print(f"  (the {seen:,} rows paged so far agree with SQL: "
          f"{all(counts[k] <= expected.get(k, 0) for k in counts)})")  # fmt: skip


async def measure(base: str, env: dict[str, str], calls: int) -> None:
    expected = await sql_figures(base, env)
    print()
    await paging_figures(base, env, calls, expected)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--paging-calls", type=int, default=20)
    options = parser.parse_args()
    with standin(options.latency_ms) as (base, env):
        print(f"stand-in at {base}, {options.latency_ms} ms latency per request")
        warm = warm_standin(base)
        print(f"(stand-in warm-up: its Parquet export and table built in {warm:.1f} s)\n")
        asyncio.run(measure(base, env, options.paging_calls))


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
