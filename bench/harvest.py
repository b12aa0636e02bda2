"""Benchmark of `datagouv-mcp harvest`, against the stand-in with 50 ms latency on every
request and 2,000 generated datasets.

    python3 -m uv run python bench/harvest.py [--datasets 2000] [--latency-ms 50]
        [--concurrency 16] [--requests-per-second 1000] [--max-in-flight 16] [--changed 20]

Prints, for a first harvest of the catalogue's first N datasets (JSON Lines and CSV, with
--state): wall time, datasets per second, upstream requests per dataset and the harvest
process's peak RSS; then, after `--changed` datasets' last_modified moved in the stand-in,
the same for the incremental re-run with the same --state. The upstream layer's rate budget
and in-flight cap are raised (the stand-in is not the portal: at the portal's default budget
of 8 requests per second, the wall time is the request count divided by 8). Traffic stays on
127.0.0.1: the stand-in and the harvest run here as subprocesses.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from harness import standin, upstream_requests

from datagouv_mcp.testing.servers import clean_env, cli_command


def harvest(env: dict[str, str], *args: str) -> tuple[float, float, str, str]:
    """(seconds, peak RSS in MiB, stdout, stderr) of one `datagouv-mcp harvest ARGS`; its CPU
    time is printed (the stand-in shares the machine's cores)."""
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(  # noqa: S603 - our own command
            cli_command("harvest", *args), env=clean_env(env), stdout=out, stderr=err
        )
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if process.returncode != 0:
        raise SystemExit(f"harvest failed ({process.returncode}):\n{stderr[-2000:]}")
    print(f"  (harvest process CPU: {usage.ru_utime + usage.ru_stime:.1f} s)")
    return seconds, usage.ru_maxrss / 1024, stdout, stderr


def harvesting_seconds(stderr: str) -> float:
    """The time the harvest itself took (its last progress line), without start-up."""
    last = [line for line in stderr.splitlines() if line.startswith("harvest: ")][-1]
    return float(last.rsplit(" in ", 1)[1].removesuffix(" s"))


def report(
    label: str, seconds: float, stderr: str, datasets: int, requests: int, peak: float
) -> None:
    inner = harvesting_seconds(stderr)
    print(
        f"{label}: {datasets:,} datasets in {seconds:.1f} s wall ({inner:.1f} s harvesting, "
        f"the rest start-up), {datasets / inner:.1f} datasets/s, {requests:,} upstream "
        f"requests ({requests / max(datasets, 1):.2f} per dataset), peak RSS {peak:.0f} MiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", type=int, default=2000)
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--requests-per-second", type=int, default=1000)
    parser.add_argument("--max-in-flight", type=int, default=16)
    parser.add_argument("--changed", type=int, default=20)
    options = parser.parse_args()
    with standin(options.latency_ms, "--datasets", str(options.datasets)) as (base, env):
        env = {
            **env,
            "DATAGOUV_MCP_REQUESTS_PER_SECOND": str(options.requests_per_second),
            "DATAGOUV_MCP_MAX_IN_FLIGHT": str(options.max_in_flight),
            "DATAGOUV_MCP_LOG_LEVEL": "WARNING",
        }
        folder = Path(tempfile.mkdtemp(prefix="harvest-bench-"))
        out, table, state = folder / "r.jsonl", folder / "r.csv", folder / "state.json"
        common = ("--state", str(state), "--max-datasets", str(options.datasets))
        common += ("--concurrency", str(options.concurrency))
        print(
            f"stand-in: {options.datasets:,} generated datasets, {options.latency_ms} ms "
            f"latency; harvest: concurrency {options.concurrency}, upstream budget "
            f"{options.requests_per_second} requests/s, {options.max_in_flight} in flight"
        )
        before = upstream_requests(base)
        seconds, peak, stdout, stderr = harvest(
            env, "", "--out", str(out), "--csv", str(table), *common
        )
        requests = upstream_requests(base) - before
        summary: dict[str, Any] = json.loads(stdout)
        written = len(summary["updated_ids"])
        report("first harvest", seconds, stderr, written, requests, peak)
        print(
            f"  files: {out.stat().st_size / 1e6:.1f} MB of JSON Lines, "
            f"{table.stat().st_size / 1e6:.1f} MB of CSV; at the portal's default budget "
            f"(8 requests/s) it would take about {requests / 8 / 60:.0f} min"
        )

        changed = summary["updated_ids"][:: max(1, written // max(1, options.changed))]
        changed = changed[: options.changed]
        with httpx.Client(base_url=f"{base}/_standin", timeout=10) as admin:
            for dataset_id in changed:
                admin.patch(
                    f"/datasets/{dataset_id}", json={"last_modified": "2026-11-30T10:00:00+00:00"}
                ).raise_for_status()
        before = upstream_requests(base)
        seconds, peak, stdout, stderr = harvest(
            env, "", "--out", str(folder / "delta.jsonl"), *common
        )
        requests = upstream_requests(base) - before
        again = json.loads(stdout)
        assert sorted(again["updated_ids"]) == sorted(changed), "the re-run missed a change"
        print(
            f"incremental re-run ({len(changed)} changed): {len(again['updated_ids'])} "
            f"updated, {len(again['unchanged_ids']):,} unchanged in {seconds:.1f} s wall "
            f"({harvesting_seconds(stderr):.1f} s harvesting), {requests:,} upstream requests "
            f"({requests / options.datasets:.3f} per dataset), peak RSS {peak:.0f} MiB"
        )


if __name__ == "__main__":
    main()
