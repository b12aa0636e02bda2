"""The deployment of compose.yaml on loopback: nginx (with deploy/nginx/datagouv-mcp.conf, the
file compose mounts) in front of two `datagouv-mcp serve` replicas sharing one real Redis,
against the stand-in. What one replica fetched, the other does not fetch again; a cold entry
asked of both at once is fetched once; the upstream budget holds for both together; a replica
killed mid-load, or Redis killed mid-load, fails no client request; while Redis is away each
replica keeps half the budget (DATAGOUV_MCP_REPLICAS=2), so it holds still; Redis back,
sharing resumes."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from datagouv_mcp.testing.load import call, load
from datagouv_mcp.testing.nginx import MISSING as NGINX_MISSING
from datagouv_mcp.testing.nginx import config_test, nginx_command, nginx_proxy
from datagouv_mcp.testing.redis import MISSING as REDIS_MISSING
from datagouv_mcp.testing.redis import RedisServer, redis_available
from datagouv_mcp.testing.servers import ServeProcess
from datagouv_mcp_standin.testing import CorpusIds, Standin

SITE = Path(__file__).parents[1] / "deploy" / "nginx" / "datagouv-mcp.conf"
BUDGET = 6  # upstream requests per second per API, for both replicas together
SEARCH = "datasets/search"

pytestmark = pytest.mark.slow

if not (redis_available() and nginx_command()):
    missing = REDIS_MISSING if not redis_available() else NGINX_MISSING
    if os.environ.get("CI"):
        pytest.fail(missing, pytrace=False)
    pytest.skip(missing, allow_module_level=True)


@dataclass
class Topology:
    nginx: str
    a: ServeProcess
    b: ServeProcess
    redis: RedisServer
    standin: Standin


@pytest.fixture(scope="module")
def topology(standin: Standin, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Topology]:
    folder = tmp_path_factory.mktemp("topology")
    redis = RedisServer()
    redis.start()
    env = {
        **standin.env(),
        "DATAGOUV_MCP_PLUGINS": "datasets",
        "DATAGOUV_MCP_REDIS_URL": redis.url,
        "DATAGOUV_MCP_REQUESTS_PER_SECOND": str(BUDGET),
        "DATAGOUV_MCP_REPLICAS": "2",
        "DATAGOUV_MCP_MAX_ATTEMPTS": "2",
        "DATAGOUV_MCP_CACHE_TTL_SEARCH_SECONDS": "1",
        "DATAGOUV_MCP_READINESS_CACHE_SECONDS": "0",
    }
    a = ServeProcess(env, log_path=str(folder / "a.log"))
    b = ServeProcess(env, log_path=str(folder / "b.log"))
    try:
        a.start()
        b.start()
        with nginx_proxy(SITE, [a.port, b.port]) as nginx:
            yield Topology(nginx, a, b, redis, standin)
    finally:
        a.stop()
        b.stop()
        redis.close()


def warm_mix(number: int) -> tuple[str, dict[str, Any]]:
    """Mostly answers already kept, some not: what a busy public server sees."""
    if number % 4 == 0:
        return "get_dataset_info", {"dataset_id": CorpusIds.POPULATION_DATASET_ID}
    return "search_datasets", {"query": f"population {number % 7}", "page_size": 5}


def test_nginx_accepts_the_deployment_configuration() -> None:
    checked = config_test(SITE)
    assert checked.returncode == 0, checked.stderr


def test_what_one_replica_fetched_the_other_does_not_fetch_again(topology: Topology) -> None:
    topology.standin.reset()
    first = call(topology.a.url, "get_dataset_info", dataset_id=CorpusIds.SIRENE_DATASET_ID)
    fetched = topology.standin.stats()["total"]
    assert fetched >= 1
    second = call(topology.b.url, "get_dataset_info", dataset_id=CorpusIds.SIRENE_DATASET_ID)
    assert topology.standin.stats()["total"] == fetched  # replica B asked nothing upstream
    assert second["structuredContent"] == first["structuredContent"]


def test_a_cold_entry_asked_of_both_replicas_at_once_is_fetched_once(
    topology: Topology,
) -> None:
    topology.standin.reset()
    topology.standin.add_fault(route="/api/2/datasets/search/*", kind="latency", latency_ms=500)
    arguments = {"query": "transport cold entry", "page_size": 3}

    async def both() -> None:
        await asyncio.gather(
            *(
                asyncio.to_thread(call, replica.url, "search_datasets", **arguments)
                for replica in (topology.a, topology.b)
            )
        )

    asyncio.run(both())
    assert topology.standin.requests(SEARCH) == 1


def test_an_expired_entry_in_redis_answers_stale_when_the_upstream_fails(
    topology: Topology,
) -> None:
    topology.standin.reset()
    call(topology.a.url, "search_datasets", query="stale from redis", page_size=3)
    time.sleep(1.2)  # past its freshness (1 s), within its stale window
    topology.standin.add_fault(route="/api/2/datasets/search/*", kind="status", status=503)
    result = call(topology.b.url, "search_datasets", query="stale from redis", page_size=3)
    assert result["_meta"]["datagouv/stale"] is True


def new_searches(topology: Topology, seconds: float, label: str) -> tuple[int, float]:
    """Load through nginx where every call is a new search (all must go upstream, far above
    the budget): the upstream searches sent, and the seconds it took. No call may fail."""
    topology.standin.reset()
    started = time.monotonic()
    failures = asyncio.run(
        load(
            topology.nginx,
            seconds,
            lambda n: ("search_datasets", {"query": f"{label} {n}", "page_size": 2}),
        )
    ).failures
    elapsed = time.monotonic() - started
    assert failures == []
    return topology.standin.requests(SEARCH), elapsed


def test_the_upstream_budget_holds_for_both_replicas_together(topology: Topology) -> None:
    sent, elapsed = new_searches(topology, 3.0, "budget")
    # A moving window of 1 s: at most BUDGET in any second, both replicas together.
    assert BUDGET * elapsed * 0.5 <= sent <= BUDGET * (elapsed + 1), (sent, elapsed)


def test_no_request_fails_when_a_replica_is_killed_mid_load(topology: Topology) -> None:
    try:
        failures = asyncio.run(
            load(topology.nginx, 3.0, warm_mix, at=(1.0, topology.a.kill))
        ).failures
        assert failures == []
    finally:
        topology.a.start()


def test_no_request_fails_while_redis_is_away_and_sharing_resumes_on_its_return(
    topology: Topology,
) -> None:
    def kill_redis() -> None:
        topology.redis.stop(kill=True)

    try:
        failures = asyncio.run(load(topology.nginx, 3.0, warm_mix, at=(1.0, kill_redis))).failures
        assert failures == []
        for replica in (topology.a, topology.b):
            ready = httpx.get(f"{replica.url}/health/ready", timeout=10)
            assert ready.status_code == 200  # degraded, still in the load balancer
            report = ready.json()
            assert report["status"] == "degraded"
            (redis,) = [check for check in report["checks"] if check["name"] == "redis"]
            assert redis["ok"] is False
            assert "own cache and rate budget" in redis["detail"]
            # Calls while Redis is away answer from the replica's own state.
            call(replica.url, "search_datasets", query="while redis is away", page_size=2)
            metrics = httpx.get(f"{replica.url}/metrics", timeout=10).text
            for component in ("cache", "coalescing", "rate_budget"):
                assert f'datagouv_mcp_redis_degraded{{component="{component}"}} 1.0' in metrics
        for replica in (topology.a, topology.b):
            assert replica.log().count('"redis.unavailable"') == 1  # warned once
        # Counting alone, each replica keeps half the budget: the total still holds.
        sent, elapsed = new_searches(topology, 2.0, "alone")
        assert sent <= BUDGET * (elapsed + 1), (sent, elapsed)
    finally:
        topology.redis.start()
    for replica in (topology.a, topology.b):
        report = httpx.get(f"{replica.url}/health/ready", timeout=10).json()
        assert report["status"] == "ready", report
        assert '"redis.reconnected"' in replica.log()
        metrics = httpx.get(f"{replica.url}/metrics", timeout=10).text
        assert 'datagouv_mcp_redis_degraded{component="cache"} 0.0' in metrics
    topology.standin.reset()
    call(topology.a.url, "get_dataset_info", dataset_id=CorpusIds.GENTILES_DATASET_ID)
    fetched = topology.standin.stats()["total"]
    call(topology.b.url, "get_dataset_info", dataset_id=CorpusIds.GENTILES_DATASET_ID)
    assert topology.standin.stats()["total"] == fetched
