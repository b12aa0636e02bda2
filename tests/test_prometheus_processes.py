"""Several server processes counting into one PROMETHEUS_MULTIPROC_DIR (what `serve --workers`
does): a scrape of any of them answers for all, and a process killed mid-call stops counting
as in flight. Real `datagouv-mcp serve` processes on loopback ports."""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import anyio
import pytest
from mcp import Client

from datagouv_mcp import meters
from datagouv_mcp.testing.prometheus import scrape
from datagouv_mcp.testing.servers import clean_env, cli_command, free_port, wait_until_healthy
from datagouv_mcp_standin.testing import CorpusIds, Standin

DATASET = {"dataset_id": CorpusIds.POPULATION_DATASET_ID}
CALLS = "datagouv_mcp_tool_calls_total"
IN_FLIGHT = "datagouv_mcp_tool_calls_in_flight"


@contextmanager
def _serve(env: dict[str, str]) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    port = free_port()
    process = subprocess.Popen(
        cli_command("serve", "--port", str(port)),
        env=clean_env(env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(base, process, "serve")
        yield base, process
    finally:
        if process.poll() is None:
            process.terminate()
        process.wait(timeout=20)


@pytest.fixture
def shared_dir(tmp_path: Path) -> Path:
    path = tmp_path / "metrics"
    path.mkdir()
    return path


@pytest.mark.anyio
async def test_a_scrape_of_any_process_counts_the_calls_of_all(upstream: Standin) -> None:
    env = {**upstream.env(), "DATAGOUV_MCP_PLUGINS": "datasets"}
    with ExitStack() as stack:
        # As `serve --workers 2` prepares it: the processes started inside inherit it.
        path = stack.enter_context(meters.shared_between_workers(2))
        assert path is not None
        shared_dir = Path(path)
        first, _ = stack.enter_context(_serve(env))
        second, _ = stack.enter_context(_serve(env))
        for base, calls in ((first, 2), (second, 1)):
            async with Client(f"{base}/mcp", mode="legacy") as client:
                for _ in range(calls):
                    await client.call_tool("get_dataset_info", DATASET)
        seen_by_first = scrape(first)
        seen_by_second = scrape(second)
        assert len(list(shared_dir.glob("*.db"))) >= 2  # files of both processes
    for samples in (seen_by_first, seen_by_second):
        assert samples.value(CALLS, tool="get_dataset_info", outcome="ok") == 3
        # One process asked upstream (2 calls, the second from its cache), the other too.
        assert samples.value("datagouv_mcp_cache_lookups_total", result="hit") >= 1
        assert samples.value("datagouv_mcp_build_info") == 1
        assert samples.value(IN_FLIGHT) == 0
    assert not shared_dir.exists()  # its own temporary directory, removed


def test_one_worker_counts_alone() -> None:
    with meters.shared_between_workers(1) as path:
        assert path is None
        assert "PROMETHEUS_MULTIPROC_DIR" not in os.environ


def test_a_given_directory_is_emptied_and_kept(
    shared_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (shared_dir / "counter_1.db").write_bytes(b"old")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(shared_dir))
    with meters.shared_between_workers(3) as path:
        assert path == str(shared_dir)
        assert list(shared_dir.iterdir()) == []
    assert shared_dir.is_dir()


@pytest.mark.anyio
async def test_a_process_killed_mid_call_stops_counting_in_flight(
    upstream: Standin, shared_dir: Path
) -> None:
    env = {
        **upstream.env(),
        "DATAGOUV_MCP_PLUGINS": "datasets",
        "PROMETHEUS_MULTIPROC_DIR": str(shared_dir),
    }
    upstream.add_fault(route="/api/*", kind="latency", latency_ms=3000)
    with _serve(env) as (survivor, _), _serve(env) as (doomed, process):
        failed: list[BaseException] = []

        async def slow_call() -> None:
            try:
                async with Client(f"{doomed}/mcp", mode="legacy") as client:
                    await client.call_tool("get_dataset_info", DATASET)
            except Exception as exc:  # the connection dies with the process
                failed.append(exc)

        async with anyio.create_task_group() as group:
            group.start_soon(slow_call)
            await anyio.sleep(1.0)
            during = await anyio.to_thread.run_sync(scrape, survivor)
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        after = scrape(survivor)
    assert failed
    assert during.value(IN_FLIGHT) == 1
    assert after.value(IN_FLIGHT) == 0
