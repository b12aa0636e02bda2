"""`serve --workers N` (or DATAGOUV_MCP_WORKERS): N processes answering on one port; without
Redis, start-up says each has its own cache and budget, and the budget is divided among them
so that the total still holds."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest

from datagouv_mcp.testing.load import call, load
from datagouv_mcp.testing.servers import ServeProcess, run_cli
from datagouv_mcp_standin.testing import Standin

BUDGET = 4


def _events(log: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in log.splitlines() if line.startswith("{")]


def test_workers_share_one_port_and_divide_the_budget_without_redis(
    standin: Standin, tmp_path: Path
) -> None:
    env = {
        **standin.env(),
        "DATAGOUV_MCP_PLUGINS": "datasets",
        "DATAGOUV_MCP_REQUESTS_PER_SECOND": str(BUDGET),
    }
    server = ServeProcess(env, "--workers", "2", log_path=str(tmp_path / "serve.log"))
    server.start()
    try:
        assert server.process is not None
        pid = server.process.pid
        with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as listing:
            workers = listing.read().split()
        standin.reset()
        done = asyncio.run(
            load(
                server.url,
                3.0,
                lambda n: ("search_datasets", {"query": f"workers {n}", "page_size": 2}),
            )
        )
        sent = standin.requests("datasets/search")
    finally:
        server.stop()
    assert done.failures == []
    # Two workers, each counting BUDGET / 2 per second: together within BUDGET.
    assert BUDGET * done.seconds * 0.5 <= sent <= BUDGET * (done.seconds + 1), (sent, done)
    assert len(workers) >= 2  # the supervisor's worker processes
    log = server.log()
    (warning,) = [e for e in _events(log) if e["event"] == "serve.workers_without_redis"]
    assert "own response cache and its own rate budget (2 requests per second" in str(
        warning["note"]
    )


def test_workers_from_the_environment_say_what_they_share_with_redis(
    standin: Standin, tmp_path: Path, redis_port: int
) -> None:
    env = {
        **standin.env(),
        "DATAGOUV_MCP_PLUGINS": "datasets",
        "DATAGOUV_MCP_WORKERS": "2",
        "DATAGOUV_MCP_REDIS_URL": f"redis://127.0.0.1:{redis_port}/5",
    }
    server = ServeProcess(env, log_path=str(tmp_path / "serve.log"))
    server.start()
    try:
        for n in range(6):
            result = call(server.url, "search_datasets", query=f"workers {n}", page_size=2)
        # Whichever worker answers the scrape, it counts every worker's calls.
        metrics = httpx.get(f"{server.url}/metrics", timeout=10).text
    finally:
        server.stop()
    assert result["structuredContent"]["query"] == "workers 5"
    line = 'datagouv_mcp_tool_calls_total{outcome="ok",tool="search_datasets"} 6.0'
    assert line in metrics, metrics[:2000]
    events = _events(server.log())
    assert [e["workers"] for e in events if e["event"] == "serve.workers"] == [2]
    assert not [e for e in events if e["event"] == "serve.workers_without_redis"]


@pytest.mark.parametrize("value", ["0", "many"])
def test_a_bad_worker_count_is_named(value: str) -> None:
    result = run_cli("serve", env={"DATAGOUV_MCP_WORKERS": value})
    assert result.returncode == 2
    assert f"DATAGOUV_MCP_WORKERS={value!r}" in result.stderr
