"""The response cache shared through a real Redis: what one replica writes another reads,
entries are data (anything else under a key is a miss, never unpickled), the fresher copy
wins over the process's own, and the fill lock hands a cold entry from the replica filling it
to the ones waiting."""

from __future__ import annotations

import asyncio
import pickle
import time
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from datagouv_mcp.redislink import RedisLink
from datagouv_mcp.upstream.cache import CashewsStore, Entry, MemoryStore


class Exploit:
    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (print, ("unpickled!",))


@pytest.fixture
async def replicas(redis_port: int) -> AsyncIterator[tuple[CashewsStore, CashewsStore, Redis]]:
    url = f"redis://127.0.0.1:{redis_port}/7"
    one = CashewsStore(url, RedisLink(url), MemoryStore(1_000_000))
    two = CashewsStore(url, RedisLink(url), MemoryStore(1_000_000))
    redis = Redis(host="127.0.0.1", port=redis_port, db=7)
    await redis.flushdb()
    try:
        yield one, two, redis
    finally:
        await one.close()
        await two.close()
        await redis.aclose()


@pytest.mark.anyio
async def test_what_one_replica_writes_the_other_reads(
    replicas: tuple[CashewsStore, CashewsStore, Redis],
) -> None:
    one, two, _ = replicas
    entry = Entry(time.time(), b'{"id": 1}', ("https://example.org/final", "application/json"))
    await one.set("api:json:key", entry, 30.0)
    assert await two.get("api:json:key", fresh_seconds=60) == entry
    assert await two.near.get("api:json:key") == entry  # now in its own memory too


@pytest.mark.anyio
async def test_anything_else_under_a_key_is_a_miss_never_unpickled(
    replicas: tuple[CashewsStore, CashewsStore, Redis], capsys: pytest.CaptureFixture[str]
) -> None:
    one, _, redis = replicas
    for value in (pickle.dumps(Exploit()), b"garbage", b'{"a": 1}\nbody', b"[1, 2]\nbody"):
        await redis.set("api:json:key", value)
        assert await one.get("api:json:key") is None
    assert "unpickled" not in capsys.readouterr().out


@pytest.mark.anyio
async def test_a_fresher_copy_in_redis_wins_over_the_process_own(
    replicas: tuple[CashewsStore, CashewsStore, Redis],
) -> None:
    one, two, _ = replicas
    old = Entry(time.time() - 100, b'{"v": "old"}')
    await two.near.set("key", old, 300.0)
    new = Entry(time.time(), b'{"v": "new"}')
    await one.set("key", new, 300.0)
    assert await two.get("key", fresh_seconds=60) == new  # its own copy is too old for 60 s
    assert await two.get("key", fresh_seconds=600) == new  # and older than Redis's anyway


@pytest.mark.anyio
async def test_the_replica_waiting_on_a_fill_gets_the_entry_once_written(
    replicas: tuple[CashewsStore, CashewsStore, Redis],
) -> None:
    one, two, _ = replicas
    assert await one.claim("cold", "token-1", 5.0) is True
    assert await two.claim("cold", "token-2", 5.0) is False

    async def fill() -> None:
        await asyncio.sleep(0.2)
        await one.set("cold", Entry(time.time(), b"{}"), 30.0)
        await one.release("cold", "token-1")

    started = time.monotonic()
    _, entry = await asyncio.gather(fill(), two.await_fill("cold", 60.0, 5.0))
    assert entry is not None and entry.body == b"{}"
    assert time.monotonic() - started < 1.0


@pytest.mark.anyio
async def test_a_fill_given_up_sends_the_waiting_replica_to_fetch_itself_at_once(
    replicas: tuple[CashewsStore, CashewsStore, Redis],
) -> None:
    one, two, _ = replicas
    assert await one.claim("cold", "token-1", 5.0) is True

    async def give_up() -> None:
        await asyncio.sleep(0.2)
        await one.release("cold", "token-1")  # its upstream request failed: nothing written

    started = time.monotonic()
    _, entry = await asyncio.gather(give_up(), two.await_fill("cold", 60.0, 5.0))
    assert entry is None
    assert time.monotonic() - started < 1.0  # not the whole lease
