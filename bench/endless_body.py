"""Benchmark of an endless upstream body: the server's memory under concurrent calls that each
meet one.

    python3 -m uv run python bench/endless_body.py [--calls 10] [--rounds 3] \
        [--set DATAGOUV_MCP_RESPONSE_MAX_BYTES=50000000 ...]

Starts a stand-in whose dataset records all answer with the `endless_body` fault (200 and a
JSON-looking body that never ends) and `datagouv-mcp serve` (datasets plugin, default
settings unless `--set`: a 50 MB DATAGOUV_MCP_RESPONSE_MAX_BYTES, 5 requests in flight per
API) as subprocesses on 127.0.0.1. Each round makes `--calls` concurrent get_dataset_info
calls on distinct ids (so none is coalesced with another), each through its own SDK client
session over streamable HTTP and each ending at the byte cap; prints, per round, the time it
took, the errors' codes, the server's RSS after it (from /proc/<pid>/status) and its peak.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from collections import Counter

from harness import memory, server, standin
from mcp import Client

FAULT = {"route": "/api/*/datasets/*", "kind": "endless_body"}


async def one(url: str, dataset_id: str) -> str:
    async with Client(url, mode="legacy") as client:
        result = await client.call_tool("get_dataset_info", {"dataset_id": dataset_id})
    if not result.is_error:
        return "ok"
    return str((result.structured_content or {}).get("code"))


async def round_of(url: str, calls: int, number: int) -> Counter[str]:
    ids = [f"{number:04x}{call:020x}" for call in range(calls)]
    return Counter(await asyncio.gather(*(one(url, dataset_id) for dataset_id in ids)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE")
    options = parser.parse_args()
    overrides = dict(item.split("=", 1) for item in options.set)
    with (
        standin(0, "--fault", json.dumps(FAULT)) as (_, env),
        server({**env, **overrides}, "datasets") as (url, pid),
    ):
        before, _ = memory(pid)
        print(f"settings: {overrides or 'defaults'}; {options.calls} concurrent calls a round")
        print(f"before      RSS {before:7.1f} MiB")
        for number in range(1, options.rounds + 1):
            started = time.perf_counter()
            codes = asyncio.run(round_of(url, options.calls, number))
            elapsed = time.perf_counter() - started
            time.sleep(1)
            rss, peak = memory(pid)
            outcome = ", ".join(f"{count} {code}" for code, count in sorted(codes.items()))
            print(
                f"round {number}     RSS {rss:7.1f} MiB   peak {peak:7.1f} MiB   "
                f"{elapsed:5.1f} s   {outcome}"
            )


if __name__ == "__main__":
    main()
