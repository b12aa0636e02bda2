"""Benchmark of the resources tools, against the stand-in with 50 ms latency on every request.

    python3 -m uv run python bench/resources.py [--latency-ms 50] [--sizes 10MB,1GB,4GB]

Prints, for get_resource_info and query_resource_data: cold (the server's cache empty for
this call, the process warmed by another call) and warm latency and upstream requests per
call, through the SDK's client over streamable HTTP; the text size of 20 rows of 4 columns
(and the official server's size for the same rows, its one-line-per-cell layout rebuilt);
for download_and_parse_resource on generated CSVs of 10 MB, 1 GB and 4 GB: time to the
first 1,000 rows, then to rows 2,000,001 to 2,001,000 (about 74 MB streamed), and the
server's peak RSS after each (a fresh server per file, so each peak is its own). Traffic
stays on 127.0.0.1: a stand-in and a `datagouv-mcp serve` started here as subprocesses.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
from typing import Any

import httpx
from harness import memory, server, standin, timed, upstream_requests

from datagouv_mcp_standin.testing import CorpusIds

FILES = {
    "10MB": CorpusIds.CSV_10MB_RESOURCE_ID,
    "1GB": CorpusIds.CSV_1GB_RESOURCE_ID,
    "4GB": CorpusIds.CSV_4GB_RESOURCE_ID,
}


def official_text(rid: str, body: dict[str, Any]) -> str:
    """The official server's query_resource_data text for these rows (its layout, rebuilt)."""
    meta, rows = body["meta"], body["data"]
    lines = [f"Querying resource: {rid}", f"Resource ID: {rid}", ""]
    lines.append(f"Total rows (Tabular API): {meta['total']}")
    lines.append(
        f"Total pages: {math.ceil(meta['total'] / meta['page_size'])} "
        f"(page size: {meta['page_size']})"
    )
    lines += [f"Retrieved: {len(rows)} row(s) from page 1", "Columns: " + ", ".join(rows[0])]
    lines += ["", f"Data ({len(rows)} rows):"]
    for number, row in enumerate(rows, 1):
        lines.append(f"  Row {number}:")
        for key, value in row.items():
            shown = "" if value is None else str(value)
            lines.append(f"    {key}: {shown[:100]}{'...' if len(shown) > 100 else ''}")
    lines += ["", "📄 More data available. Use page=2 to see the next page."]
    return "\n".join(lines)


def warm_up(base: str) -> dict[str, Any]:
    """The stand-in builds a table on its first use: build it now, so as to time the gateway;
    and the first 20 rows as the Tabular API gives them, for the official layout's size."""
    rid = CorpusIds.GENTILES_RESOURCE_ID
    httpx.get(f"{base}/tabular/api/resources/{rid}/profile/", timeout=30)
    body: dict[str, Any] = httpx.get(
        f"{base}/tabular/api/resources/{rid}/data/", params={"page_size": 20}, timeout=30
    ).json()
    return body


async def lookups(base: str, env: dict[str, str]) -> None:
    cases = [
        ("get_resource_info", {"resource_id": CorpusIds.GENTILES_RESOURCE_ID}),
        ("query_resource_data", {"resource_id": CorpusIds.GENTILES_RESOURCE_ID}),
        (
            "query_resource_data",
            {"resource_id": CorpusIds.GENTILES_RESOURCE_ID, "page": 2, "page_size": 200},
        ),
    ]
    print("tool                                   cold ms  requests   warm ms  requests")
    for tool, arguments in cases:
        with server(env) as (url, _):
            # A first call of the other tool on another resource warms the process (imports,
            # pools) without filling the cache this call would use.
            other = "query_resource_data" if tool == "get_resource_info" else "get_resource_info"
            await timed(url, other, {"resource_id": CorpusIds.GARES_RESOURCE_ID})
            before = upstream_requests(base)
            cold, _ = await timed(url, tool, arguments)
            middle = upstream_requests(base)
            warm, _ = await timed(url, tool, arguments)
            # The SDK client opens a session per call; the server's cache lives on.
            cold_requests, warm_requests = middle - before, upstream_requests(base) - middle
        label = tool + (" (200 rows)" if arguments.get("page_size") == 200 else "")
        print(f"{label:<38} {cold:>7.0f}  {cold_requests:>8}   {warm:>7.0f}  {warm_requests:>8}")


async def text_sizes(body: dict[str, Any], env: dict[str, str]) -> None:
    rid = CorpusIds.GENTILES_RESOURCE_ID
    with server(env) as (url, _):
        _, result = await timed(url, "query_resource_data", {"resource_id": rid})
    ours = len(result.content[0].text)
    theirs = len(official_text(rid, body))
    print(f"\n20 rows x 4 columns (gentilés): {ours} characters; the official layout: {theirs}")


async def downloads(base: str, env: dict[str, str], sizes: list[str]) -> None:
    print("\nfile   first 1,000 rows ms   RSS MiB   rows 2,000,001-2,001,000 ms   peak RSS MiB")
    env = {**env, "DATAGOUV_MCP_RESOURCES_DOWNLOAD_MAX_ROWS": "1000"}
    for size in sizes:
        rid = FILES[size]
        with server(env) as (url, pid):
            idle = memory(pid)[0]
            first, _ = await timed(
                url, "download_and_parse_resource", {"resource_id": rid, "max_rows": 1000}
            )
            after_first = memory(pid)[1]
            arguments = {"resource_id": rid, "max_rows": 1000, "offset": 2_000_000}
            far, result = await timed(url, "download_and_parse_resource", arguments)
            peak = memory(pid)[1]
        read = result.structured_content["bytes_read"]
        print(
            f"{size:<6} {first:>19.0f}   {after_first:>7.1f}   {far:>27.0f}   {peak:>12.1f}"
            f"   (idle {idle:.1f} MiB; {read / 2**20:.0f} MiB streamed for the second)"
        )


async def measure(base: str, env: dict[str, str], body: dict[str, Any], sizes: list[str]) -> None:
    await lookups(base, env)
    await text_sizes(body, env)
    await downloads(base, env, sizes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--sizes", default="10MB,1GB,4GB")
    options = parser.parse_args()
    with standin(options.latency_ms) as (base, env):
        print(f"stand-in at {base}, {options.latency_ms} ms latency per request\n")
        body = warm_up(base)
        asyncio.run(measure(base, env, body, options.sizes.split(",")))


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
