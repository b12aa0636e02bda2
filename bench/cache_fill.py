"""Benchmark of the response cache under a cache-fill attack: one client asking for thousands
of distinct search pages, each a large answer worth caching.

    python3 -m uv run python bench/cache_fill.py [--datasets 20000] [--pages 2200] \
        [--set DATAGOUV_MCP_CACHE_MAX_BYTES=64000000 ...]

Starts a stand-in with `--datasets` generated datasets and `datagouv-mcp serve` (datasets
plugin, default settings unless `--set`) as subprocesses on 127.0.0.1, then calls
search_datasets `--pages` times, each a distinct page of page_size 100 (the 11 orders, pages
1 to 100, without and with a format filter), 4 calls at a time through one SDK client session
over streamable HTTP. Prints the server's RSS (from /proc/<pid>/status) before, every 200
pages, after, and its peak; and the stand-in's request count (each page went upstream once).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import time
from collections.abc import Iterator
from typing import Any

from harness import memory, server, standin, upstream_requests
from mcp import Client

SORTS = [None] + [
    f"{sign}{field}"
    for field in ("created", "last_update", "reuses", "followers", "views")
    for sign in ("", "-")
]
FORMATS = [None, "csv"]
PAGE_SIZE = 100


def pages() -> Iterator[dict[str, Any]]:
    """Distinct search_datasets arguments, each a full page of 100 datasets."""
    for fmt, sort, page in itertools.product(FORMATS, SORTS, range(1, 10_000 // PAGE_SIZE + 1)):
        arguments: dict[str, Any] = {"query": "", "page": page, "page_size": PAGE_SIZE}
        if sort:
            arguments["sort"] = sort
        if fmt:
            arguments["format"] = fmt
        yield arguments


async def attack(url: str, pid: int, count: int, concurrency: int) -> None:
    wanted = list(itertools.islice(pages(), count))
    slots = asyncio.Semaphore(concurrency)
    done = errors = 0
    started = time.perf_counter()

    async with Client(url, mode="legacy") as client:

        async def one(arguments: dict[str, Any]) -> None:
            nonlocal done, errors
            async with slots:
                result = await client.call_tool("search_datasets", arguments)
            errors += bool(result.is_error)
            done += 1
            if done % 200 == 0:
                rss, peak = memory(pid)
                print(f"  {done:5} pages   RSS {rss:7.1f} MiB   peak {peak:7.1f} MiB", flush=True)

        await asyncio.gather(*(one(arguments) for arguments in wanted))
    elapsed = time.perf_counter() - started
    print(f"{done} calls ({errors} errors) in {elapsed:.0f} s")


async def warm(url: str) -> None:
    """One small search first: imports, pools and the stand-in's index warmed."""
    async with Client(url, mode="legacy") as client:
        await client.call_tool("search_datasets", {"query": "eau", "page_size": 5})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=int, default=20_000)
    parser.add_argument("--pages", type=int, default=2_200)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    options = parser.parse_args()
    overrides = dict(item.split("=", 1) for item in options.set)
    with (
        standin(0, "--datasets", str(options.datasets)) as (base, env),
        server({**env, **overrides}, "datasets") as (url, pid),
    ):
        asyncio.run(warm(url))
        before, _ = memory(pid)
        print(f"settings: {overrides or 'defaults'}; {options.datasets} datasets")
        print(f"before    RSS {before:7.1f} MiB")
        requests = upstream_requests(base)
        asyncio.run(attack(url, pid, options.pages, options.concurrency))
        after, peak = memory(pid)
        print(f"after     RSS {after:7.1f} MiB   peak {peak:7.1f} MiB")
        print(f"upstream requests: {upstream_requests(base) - requests}")
        time.sleep(5)
        settled, _ = memory(pid)
        print(f"5 s later RSS {settled:7.1f} MiB")


if __name__ == "__main__":
    main()
