"""The upstream layer against the stand-in: pooling, retries, Retry-After, coalescing, cache,
stale-if-error, the concurrency cap, caps on bodies and time."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from datagouv_mcp import callcontext
from datagouv_mcp.testing.gateways import upstream_settings
from datagouv_mcp.upstream import (
    ResponseTooLarge,
    UpstreamNotFound,
    UpstreamRateLimited,
    Upstreams,
    UpstreamTimeout,
    UpstreamUnavailable,
    path,
)
from datagouv_mcp_standin.testing import CorpusIds, Standin

DATASET = path("1", "datasets", CorpusIds.POPULATION_DATASET_ID)
DATASET_PATH = f"GET /api/1/datasets/{CorpusIds.POPULATION_DATASET_ID}/"
ROUTE = "/api/1/datasets/*"


pytestmark = pytest.mark.usefixtures("upstream")


@asynccontextmanager
async def layer(standin: Standin, **settings: Any) -> AsyncIterator[Upstreams]:
    quick = {"max_attempts": 4, "call_budget_seconds": 10.0, **settings}
    async with Upstreams(upstream_settings(standin.env(), **quick), "test").running() as running:
        yield running


def _hits(standin: Standin, key: str = DATASET_PATH) -> int:
    return int(standin.stats()["paths"].get(key, 0))


@pytest.mark.anyio
async def test_one_connection_is_reused_across_calls(standin: Standin) -> None:
    async with layer(standin) as upstreams:
        for page in range(1, 6):
            await upstreams.api.get_json(path("2", "datasets", "search"), {"page": page}, ttl=None)
    stats = standin.stats()
    assert stats["total"] == 5
    assert stats["connections"] == 1


@pytest.mark.anyio
@pytest.mark.parametrize("status", [429, 502, 503, 504])
async def test_retryable_status_is_retried_until_success(standin: Standin, status: int) -> None:
    standin.add_fault(route=ROUTE, kind="status", status=status, times=2)
    async with layer(standin) as upstreams:
        fetched = await upstreams.api.get_json(DATASET, ttl=None)
    assert fetched.data["id"] == CorpusIds.POPULATION_DATASET_ID
    assert _hits(standin) == 3


@pytest.mark.anyio
async def test_connection_reset_is_retried(standin: Standin) -> None:
    standin.add_fault(route=ROUTE, kind="reset", times=1)
    async with layer(standin) as upstreams:
        fetched = await upstreams.api.get_json(DATASET, ttl=None)
    assert fetched.data["title"] == "Population"


@pytest.mark.anyio
async def test_not_found_is_not_retried(standin: Standin) -> None:
    async with layer(standin) as upstreams:
        with pytest.raises(UpstreamNotFound):
            await upstreams.api.get_json(path("1", "datasets", "0" * 24), ttl=None)
    assert _hits(standin, f"GET /api/1/datasets/{'0' * 24}/") == 1


@pytest.mark.anyio
async def test_a_persistent_503_gives_up_after_max_attempts(standin: Standin) -> None:
    standin.add_fault(route=ROUTE, kind="status", status=503)
    async with layer(standin, max_attempts=3) as upstreams:
        with pytest.raises(UpstreamUnavailable, match="HTTP 503") as caught:
            await upstreams.api.get_json(DATASET, ttl=None)
    assert caught.value.retryable is True
    assert _hits(standin) == 3


@pytest.mark.anyio
async def test_retry_after_is_honoured(standin: Standin) -> None:
    standin.add_fault(route=ROUTE, kind="retry_after", retry_after=1, times=1)
    async with layer(standin) as upstreams:
        started = time.monotonic()
        await upstreams.api.get_json(DATASET, ttl=None)
        waited = time.monotonic() - started
    assert waited >= 0.95
    assert _hits(standin) == 2


@pytest.mark.anyio
async def test_retry_after_beyond_the_call_budget_fails_at_once(standin: Standin) -> None:
    standin.add_fault(route=ROUTE, kind="retry_after", retry_after=30, times=1)
    async with layer(standin) as upstreams:
        started = time.monotonic()
        with callcontext.tool_call("test", 5.0), pytest.raises(UpstreamRateLimited) as caught:
            await upstreams.api.get_json(DATASET, ttl=None)
    assert time.monotonic() - started < 5
    assert caught.value.text().endswith("Retry after 30 s.")
    assert _hits(standin) == 1


@pytest.mark.anyio
async def test_identical_concurrent_gets_go_upstream_once(standin: Standin) -> None:
    standin.add_fault(route=ROUTE, kind="latency", latency_ms=300)
    async with layer(standin) as upstreams:
        results = await asyncio.gather(
            *(upstreams.api.get_json(DATASET, ttl=None) for _ in range(10))
        )
    assert {r.data["id"] for r in results} == {CorpusIds.POPULATION_DATASET_ID}
    assert _hits(standin) == 1


@pytest.mark.anyio
async def test_a_cached_answer_is_served_without_an_upstream_call(standin: Standin) -> None:
    async with layer(standin) as upstreams:
        with callcontext.tool_call("test", 10) as context:
            first = await upstreams.api.get_json(DATASET)
            second = await upstreams.api.get_json(DATASET)
    assert first.data == second.data
    assert _hits(standin) == 1
    assert (context.upstream_calls, context.cache_hits) == (1, 1)


@pytest.mark.anyio
async def test_a_cached_answer_expires_after_its_ttl(standin: Standin) -> None:
    async with layer(standin, cache_ttl_metadata_seconds=0.2) as upstreams:
        await upstreams.api.get_json(DATASET)
        await asyncio.sleep(0.3)
        await upstreams.api.get_json(DATASET)
    assert _hits(standin) == 2


@pytest.mark.anyio
async def test_the_last_good_answer_is_served_stale_when_the_upstream_fails(
    standin: Standin,
) -> None:
    async with layer(standin, cache_ttl_metadata_seconds=0.1, max_attempts=2) as upstreams:
        fresh = await upstreams.api.get_json(DATASET)
        await asyncio.sleep(0.2)
        standin.add_fault(route=ROUTE, kind="status", status=503)
        with callcontext.tool_call("test", 10) as context:
            stale = await upstreams.api.get_json(DATASET)
    assert stale.stale is True
    assert stale.data == fresh.data
    assert stale.fetched_at == pytest.approx(fresh.fetched_at, abs=1)
    assert context.stale_since is not None


@pytest.mark.anyio
async def test_nothing_stale_to_serve_means_the_error(standin: Standin) -> None:
    standin.add_fault(route=ROUTE, kind="status", status=503)
    async with layer(standin, max_attempts=1) as upstreams:
        with pytest.raises(UpstreamUnavailable):
            await upstreams.api.get_json(DATASET)


@pytest.mark.anyio
async def test_the_concurrency_cap_holds(standin: Standin) -> None:
    standin.add_fault(route="/api/2/datasets/search/*", kind="latency", latency_ms=200)
    in_flight = peak = 0

    async def sent(request: httpx.Request) -> None:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)

    async def answered(response: httpx.Response) -> None:
        nonlocal in_flight
        in_flight -= 1

    async with layer(standin, max_in_flight=2) as upstreams:
        upstreams.api.http.event_hooks["request"].append(sent)
        upstreams.api.http.event_hooks["response"].append(answered)
        await asyncio.gather(
            *(
                upstreams.api.get_json(path("2", "datasets", "search"), {"page": p}, ttl=None)
                for p in range(1, 7)
            )
        )
    assert peak == 2
    assert standin.stats()["total"] == 6


@pytest.mark.anyio
async def test_a_hanging_upstream_times_out(standin: Standin) -> None:
    standin.add_fault(route=ROUTE, kind="hang")
    async with layer(standin, request_timeout_seconds=0.5) as upstreams:
        with pytest.raises(UpstreamTimeout):
            await upstreams.api.get_json(DATASET, ttl=None)


@pytest.mark.anyio
async def test_malformed_json_is_an_unavailable_upstream(standin: Standin) -> None:
    standin.add_fault(route=ROUTE, kind="malformed_json", times=1)
    async with layer(standin) as upstreams:
        with pytest.raises(UpstreamUnavailable, match="malformed"):
            await upstreams.api.get_json(DATASET, ttl=None)


@pytest.mark.anyio
async def test_an_endless_body_stops_at_the_byte_cap(standin: Standin) -> None:
    standin.add_fault(route=ROUTE, kind="endless_body")
    async with layer(standin, response_max_bytes=1_000_000) as upstreams:
        with pytest.raises(ResponseTooLarge, match="over 1,000,000 bytes"):
            await upstreams.api.get_json(DATASET, ttl=None)


@pytest.mark.anyio
async def test_a_slow_body_stops_at_the_time_cap(standin: Standin) -> None:
    standin.add_fault(route=ROUTE, kind="slow_body")
    async with layer(standin, request_timeout_seconds=0.5, max_attempts=1) as upstreams:
        started = time.monotonic()
        with pytest.raises(UpstreamTimeout):
            await upstreams.api.get_json(DATASET, ttl=None)
    assert time.monotonic() - started < 3


@pytest.mark.anyio
async def test_the_guarded_fetch_follows_no_redirect_from_the_standin_to_127_0_0_2(
    standin: Standin,
) -> None:
    from datagouv_mcp.upstream import BlockedURL

    async with layer(standin) as upstreams:
        target = "http://127.0.0.2:9/secret"
        with pytest.raises(BlockedURL, match=r"127\.0\.0\.2"):
            await upstreams.fetch.fetch_bytes(f"{standin.url}/files/redirect?to={target}")
