"""The upstream layer's memory bounds, each against the attack it stops, on the stand-in: a
client filling the cache with distinct large pages, an answer no parser can read, an upstream
body that never ends."""

from __future__ import annotations

import asyncio
import tracemalloc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

import pytest
from mcp import Client
from pydantic import BaseModel, Field
from redis.asyncio import Redis

from datagouv_mcp import ParseError, PluginContext, ToolResult, ToolSpec, hookimpl
from datagouv_mcp.gateway import Gateway
from datagouv_mcp.mcpserver import build_server
from datagouv_mcp.redislink import RedisLink
from datagouv_mcp.settings import CoreSettings
from datagouv_mcp.testing.gateways import upstream_settings
from datagouv_mcp.upstream import (
    Fetched,
    ResponseTooLarge,
    Upstreams,
    UpstreamUnavailable,
    path,
)
from datagouv_mcp.upstream.cache import CashewsStore, Entry, MemoryStore, ResponseCache
from datagouv_mcp_standin.testing import CorpusIds, Standin

pytestmark = pytest.mark.usefixtures("upstream")

SEARCH = path("2", "datasets", "search")
SORTS = [f"{sign}{field}" for field in ("created", "views", "reuses") for sign in ("", "-")]


@asynccontextmanager
async def layer(standin: Standin, **settings: Any) -> AsyncIterator[Upstreams]:
    quick = {"max_attempts": 1, "call_budget_seconds": 10.0, **settings}
    async with Upstreams(upstream_settings(standin.env(), **quick), "test").running() as running:
        yield running


def _searches(standin: Standin) -> int:
    return standin.requests("/datasets/search/")


async def _page(upstreams: Upstreams, sort: str) -> Fetched:
    params = {"page": 1, "page_size": 100, "sort": sort}
    return await upstreams.api.get_json(SEARCH, params, ttl="search")


# -- the cache-fill attack ----------------------------------------------------------------------


@pytest.mark.anyio
async def test_cache_fill_attack_stays_within_its_byte_bound(standin: Standin) -> None:
    bound = 1_000_000  # about three of these pages
    async with layer(standin, cache_max_bytes=bound) as upstreams:
        for sort in SORTS:  # distinct large pages, each worth caching, more than the bound holds
            await _page(upstreams, sort)
            usage = upstreams.cache_usage()
            assert usage is not None and usage[1] <= bound
        entries, _ = upstreams.cache_usage() or (0, 0)
        assert 0 < entries < len(SORTS)
        asked = _searches(standin)
        await _page(upstreams, SORTS[-1])  # the most recent page is still kept
        assert _searches(standin) == asked
        await _page(upstreams, SORTS[0])  # the first one was evicted to make room
        assert _searches(standin) == asked + 1


@pytest.mark.anyio
async def test_an_answer_over_the_per_entry_cap_is_not_cached(standin: Standin) -> None:
    async with layer(standin, cache_max_entry_bytes=10_000) as upstreams:
        await _page(upstreams, "created")
        await _page(upstreams, "created")
        assert upstreams.cache_usage() == (0, 0)
    assert _searches(standin) == 2


@pytest.mark.anyio
async def test_nothing_is_kept_past_the_stale_window(standin: Standin) -> None:
    settings = {"cache_ttl_search_seconds": 0.1, "cache_stale_seconds": 0.3}
    async with layer(standin, **settings) as upstreams:
        fresh = await _page(upstreams, "created")
        await asyncio.sleep(0.2)  # expired, within the stale window
        standin.add_fault(route="/api/2/datasets/search/*", kind="status", status=503)
        stale = await _page(upstreams, "created")
        assert stale.stale is True and stale.data == fresh.data
        await asyncio.sleep(0.3)  # past the stale window: gone
        with pytest.raises(UpstreamUnavailable):
            await _page(upstreams, "created")
        assert upstreams.cache_usage() == (0, 0)


@pytest.mark.anyio
async def test_a_shared_cache_keeps_each_entry_for_its_keep_time_only(redis_port: int) -> None:
    # A real Redis, as replicas share it: each entry has its keep time as Redis TTL, and an
    # entry over the per-entry cap is never written there.
    url = f"redis://127.0.0.1:{redis_port}/3"
    cache = ResponseCache(url, max_entry_bytes=1_000, max_bytes=0)
    redis = Redis(host="127.0.0.1", port=redis_port, db=3)
    try:
        await cache.clear()
        small = Entry(1.0, b'{"a": 1}', ("about",))
        await cache.set("small", small, 30.0)
        await cache.set("large", Entry(1.0, b"x" * 1_001), 30.0)
        assert await cache.get("small") == small
        assert await cache.get("large") is None
        keys = await redis.keys("*")
        assert len(keys) == 1
        assert 0 < await redis.ttl(keys[0]) <= 30
        await cache.set("brief", small, 0.2)
        await asyncio.sleep(0.4)
        assert await cache.get("brief") is None
        assert len(await redis.keys("*")) == 1
    finally:
        await cache.clear()
        await cache.close()
        await redis.aclose()


@pytest.mark.anyio
async def test_a_shared_cache_away_falls_back_to_this_process_memory() -> None:
    # Nothing listens on port 9 of loopback: no failure, the process's own memory answers
    # (within its byte bound), and the link knows Redis is away.
    link = RedisLink("redis://127.0.0.1:9/0")
    store = CashewsStore("redis://127.0.0.1:9/0", link, MemoryStore(10_000))
    await store.set("key", Entry(1.0, b"{}"), 30.0)
    assert await store.get("key") == Entry(1.0, b"{}")
    assert not link.up
    assert link.report() is not None and "127.0.0.1:9/0" in link.report()  # type: ignore[operator]
    await store.close()


# -- an answer no parser can read ---------------------------------------------------------------


class Unreadable(ParseError):
    source = "The test API"


class Title(BaseModel):
    title: str


def parse_title(raw: Any) -> Title:
    if not isinstance(raw, dict) or not isinstance(raw.get("title"), str):
        raise Unreadable("no title")
    return Title(title=raw["title"])


class Titles:
    """A plugin whose one tool fetches a dataset record and parses it: a ParseError when the
    record has no title."""

    @hookimpl
    def register_tools(self, context: PluginContext) -> list[ToolSpec]:
        async def dataset_title(
            dataset_id: Annotated[str, Field(description="A dataset id.")],
        ) -> ToolResult:
            fetched = await context.upstream.api.get_json(path("1", "datasets", dataset_id))
            title = parse_title(fetched.data)
            return ToolResult(text=title.title, data=title)

        return [ToolSpec("dataset_title", "Title", "A dataset's title.", dataset_title, Title)]


BAD_ANSWERS = {
    # 200 and JSON, but not a dataset: the plugin's parser refuses it.
    "a body the parser rejects": {"kind": "status", "status": 200},
    # 200 and half a JSON body: the layer cannot decode it.
    "malformed JSON": {"kind": "malformed_json"},
}


@pytest.mark.anyio
@pytest.mark.parametrize("fault", BAD_ANSWERS.values(), ids=BAD_ANSWERS.keys())
async def test_a_malformed_answer_is_never_cached_and_keeps_the_good_one(
    standin: Standin, fault: dict[str, Any]
) -> None:
    route = "/api/1/datasets/*"
    settings = upstream_settings(
        standin.env(), cache_ttl_metadata_seconds=0.2, max_attempts=1, call_budget_seconds=10.0
    )
    gateway = Gateway.build(
        CoreSettings(plugins=["titles"]), upstream=settings, extra=[("titles", Titles())]
    )
    arguments = {"dataset_id": CorpusIds.POPULATION_DATASET_ID}
    async with Client(build_server(gateway), mode="legacy") as client:
        good = await client.call_tool("dataset_title", arguments)
        await asyncio.sleep(0.3)  # the good entry expired, kept for stale-if-error
        standin.add_fault(route=route, **fault, times=1)
        bad = await client.call_tool("dataset_title", arguments)
        # The bad answer replaced nothing: when the upstream fails, the good one is served...
        standin.add_fault(route=route, kind="status", status=503)
        stale = await client.call_tool("dataset_title", arguments)
        standin.clear_faults()
        # ...and the next call asks upstream again, rather than serve the bad answer.
        before = standin.requests("/api/1/datasets/")
        again = await client.call_tool("dataset_title", arguments)
        assert standin.requests("/api/1/datasets/") == before + 1
    assert good.is_error is False and again.is_error is False
    if fault["kind"] == "status":
        assert bad.is_error is True
        assert bad.structured_content is not None
        assert bad.structured_content["code"] == "bad_upstream_answer"
    else:  # an undecodable answer is an upstream failure: the good one is served stale
        assert bad.is_error is False and bad.meta is not None and bad.meta["datagouv/stale"]
    assert stale.is_error is False, stale.content
    assert stale.structured_content == good.structured_content
    assert stale.meta is not None and stale.meta["datagouv/stale"] is True


@pytest.mark.anyio
async def test_a_refused_answer_releases_its_fill_lock_at_once(
    standin: Standin, redis_port: int
) -> None:
    # Two replicas sharing Redis: replica A's fetch takes the fill lock; its parser refuses the
    # answer, so nothing is written. The lock goes with the call, and replica B, asking next,
    # fetches at once instead of waiting the lease out (5 s here) for an entry never coming.
    url = f"redis://127.0.0.1:{redis_port}/4"
    settings = upstream_settings(
        standin.env(), redis_url=url, coalesce_wait_seconds=5.0, max_attempts=1
    )
    redis = Redis(host="127.0.0.1", port=redis_port, db=4)
    await redis.flushdb()
    arguments = {"dataset_id": CorpusIds.POPULATION_DATASET_ID}

    def replica() -> Gateway:
        core = CoreSettings(plugins=["titles"])
        return Gateway.build(core, upstream=settings, extra=[("titles", Titles())])

    try:
        async with (
            Client(build_server(replica()), mode="legacy") as one,
            Client(build_server(replica()), mode="legacy") as two,
        ):
            standin.add_fault(route="/api/1/datasets/*", kind="status", status=200, times=1)
            refused = await one.call_tool("dataset_title", arguments)
            assert refused.structured_content is not None
            assert refused.structured_content["code"] == "bad_upstream_answer"
            assert [key async for key in redis.scan_iter("*fill:*")] == []
            started = asyncio.get_running_loop().time()
            answered = await two.call_tool("dataset_title", arguments)
            waited = asyncio.get_running_loop().time() - started
        assert answered.is_error is False, answered.content
        assert waited < 2.5  # not the 5 s lease
        assert standin.requests("/api/1/datasets/") == 2
    finally:
        await redis.flushdb()
        await redis.aclose()


# -- a body that never ends ---------------------------------------------------------------------


@pytest.mark.anyio
async def test_an_endless_body_stops_at_the_cap_in_one_buffer(standin: Standin) -> None:
    cap, in_flight, calls = 4_000_000, 2, 8
    standin.add_fault(route="/api/1/datasets/*", kind="endless_body")
    async with layer(standin, response_max_bytes=cap, max_in_flight=in_flight) as upstreams:
        ids = [f"{number:024x}" for number in range(calls)]  # distinct: none coalesced
        tracemalloc.start()
        try:
            baseline = tracemalloc.get_traced_memory()[0]
            outcomes = await asyncio.gather(
                *(upstreams.api.get_json(path("1", "datasets", i), ttl=None) for i in ids),
                return_exceptions=True,
            )
            after, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert all(isinstance(outcome, ResponseTooLarge) for outcome in outcomes)
    # At most `in_flight` bodies at once, each one buffer that stops at the cap (a bytearray
    # over-allocates by an eighth; the stand-in, in this process, takes some too), never one
    # per call; and nothing left once they failed, though their exceptions are still alive.
    assert peak - baseline < (in_flight + 1) * cap
    assert after - baseline < cap / 2
    assert standin.requests("/api/1/datasets/") == calls
