"""The response cache: upstream answers kept as the bytes they arrived in, bounded in bytes.

An entry is a body as received (plus a few short strings about it) and when it was obtained;
it is decoded again on every hit, so what the cache holds is what it counts, and no caller can
change an answer another will read. Entries are kept past their TTL for the stale window, so a
failing upstream can still be answered with the last good response, marked stale.

Backends, by `DATAGOUV_MCP_CACHE_URL` (or `DATAGOUV_MCP_REDIS_URL`): `mem://` (the default) is
in process, least recently used entries evicted to stay within `DATAGOUV_MCP_CACHE_MAX_BYTES`
(and within N entries with `mem://?size=N`); any other cashews URL (`redis://...`) is shared by
the replicas, each entry with its keep time as TTL, the total bounded by that server's own
`maxmemory`, with the in-process store in front of it (fresh hits without a round trip, and
the whole cache while Redis is away); empty: no cache. On every backend an entry over
`DATAGOUV_MCP_CACHE_MAX_ENTRY_BYTES` is not kept.

During a tool call, fresh answers are not written at once: they are held on the call's context
and written only once the call's parsers have read them (`keep`, `callcontext`), so a
malformed answer never replaces a good entry.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

import structlog
from cashews import Cache
from cashews.wrapper.backend_settings import settings_url_parse

from datagouv_mcp import callcontext
from datagouv_mcp.redislink import Away, RedisLink, client_options, is_redis, with_timeouts

log = structlog.get_logger("datagouv_mcp.upstream")

# What one entry costs the in-process store beyond its key and bytes: the dict slot, the
# tuples, the Entry and the bytes objects' headers (measured: about 300 bytes).
ENTRY_OVERHEAD = 400
# How often the in-process store drops every expired entry at once (they are also dropped
# when read, and evicted first when least recently used).
SWEEP_SECONDS = 60.0


@dataclass(frozen=True)
class Entry:
    """One kept answer: when it was obtained (epoch seconds), its body (JSON as received, a
    text as UTF-8), and short strings about it (a document's final URL and content type)."""

    stored_at: float
    body: bytes
    about: tuple[str, ...] = ()

    def age(self) -> float:
        return time.time() - self.stored_at

    @property
    def size(self) -> int:
        """The bytes this entry is counted for: its body and its strings."""
        return len(self.body) + sum(len(text) for text in self.about)


class _Store(Protocol):
    async def get(self, key: str, fresh_seconds: float | None = None) -> Entry | None: ...
    async def set(self, key: str, entry: Entry, keep_seconds: float) -> None: ...
    async def clear(self) -> None: ...
    async def close(self) -> None: ...


class MemoryStore:
    """In process: least recently used entries go first, so that the keys and bytes held stay
    within `max_bytes` (and the entries within `max_entries`, when given); an entry past its
    keep time is never returned, and dropped."""

    def __init__(self, max_bytes: int, max_entries: int | None = None) -> None:
        self.max_bytes = max_bytes
        self.max_entries = max_entries
        self.bytes = 0
        # key -> (monotonic expiry, bytes counted, entry), least recently used first.
        self._entries: OrderedDict[str, tuple[float, int, Entry]] = OrderedDict()
        self._swept = time.monotonic()

    def __len__(self) -> int:
        return len(self._entries)

    async def get(self, key: str, fresh_seconds: float | None = None) -> Entry | None:
        item = self._entries.get(key)
        if item is None:
            return None
        if item[0] <= time.monotonic():
            self._drop(key)
            return None
        self._entries.move_to_end(key)
        return item[2]

    async def set(self, key: str, entry: Entry, keep_seconds: float) -> None:
        now = time.monotonic()
        self._drop(key)
        self._sweep(now)
        weight = len(key) + entry.size + ENTRY_OVERHEAD
        if weight > self.max_bytes:
            return
        self._entries[key] = (now + keep_seconds, weight, entry)
        self.bytes += weight
        while self.bytes > self.max_bytes or (
            self.max_entries is not None and len(self._entries) > self.max_entries
        ):
            _, (_, evicted, _) = self._entries.popitem(last=False)
            self.bytes -= evicted

    def _drop(self, key: str) -> None:
        item = self._entries.pop(key, None)
        if item is not None:
            self.bytes -= item[1]

    def _sweep(self, now: float) -> None:
        if now - self._swept < SWEEP_SECONDS:
            return
        self._swept = now
        for key in [key for key, item in self._entries.items() if item[0] <= now]:
            self._drop(key)

    async def clear(self) -> None:
        self._entries.clear()
        self.bytes = 0

    async def close(self) -> None:
        await self.clear()


class CashewsStore:
    """Any cashews backend (Redis, shared between replicas) behind this process's own memory:
    each entry written to both, with its keep time as its TTL (the backend's own limits, Redis
    `maxmemory`, bound the whole); read from memory while fresh there, else from the backend.

    Entries travel as bytes of our own framing (no pickle: what is read from Redis is only
    ever decoded as data). While Redis is away (`RedisLink`) the memory alone answers, so
    every call still has a cache, and what was read or written before still serves stale.

    Fill locks (`claim`, `release`, `await_fill`) let one replica fetch a cold entry while
    the others wait for it, bounded."""

    def __init__(self, url: str, link: RedisLink, near: MemoryStore) -> None:
        self._cache = Cache()
        self._cache.setup(_client_url(url), **(client_options() if is_redis(url) else {}))
        self.link = link.used_for("cache").used_for("coalescing")
        self.near = near

    async def get(self, key: str, fresh_seconds: float | None = None) -> Entry | None:
        near = await self.near.get(key)
        if near is not None and fresh_seconds is not None and near.age() < fresh_seconds:
            return near
        raw = await self.link.attempt(lambda: self._cache.get_raw(key))
        far = _unframed(raw) if isinstance(raw, bytes) else None
        if far is None:
            return near
        entry, expires_at = far
        if near is not None and near.stored_at >= entry.stored_at:
            return near
        if expires_at > time.time():
            await self.near.set(key, entry, expires_at - time.time())
        return entry

    async def set(self, key: str, entry: Entry, keep_seconds: float) -> None:
        await self.near.set(key, entry, keep_seconds)
        framed = _framed(entry, time.time() + keep_seconds)
        milliseconds = max(1, int(keep_seconds * 1000))
        await self.link.attempt(lambda: self._cache.set_raw(key, framed, px=milliseconds))

    async def claim(self, key: str, token: str, seconds: float) -> bool | None:
        """True: this replica fills `key` (for at most `seconds`); False: another one is
        filling it; None: Redis is away (fetch alone)."""
        taken = await self.link.attempt(lambda: self._cache.set_lock(LOCK + key, token, seconds))
        return None if isinstance(taken, Away) else bool(taken)

    async def claim_or_await(
        self, key: str, token: str, fresh_seconds: float, seconds: float
    ) -> tuple[Entry | None, bool | None]:
        """(the entry another replica filled meanwhile, None), or (None, whether this one
        now holds the fill lock: None when Redis is away): fetch it then."""
        claimed = await self.claim(key, token, seconds)
        if claimed is False:
            entry = await self.await_fill(key, fresh_seconds, seconds)
            if entry is not None:
                return entry, None
            claimed = await self.claim(key, token, seconds)
        return None, claimed

    async def release(self, key: str, token: str) -> None:
        await self.link.attempt(lambda: self._cache.unlock(LOCK + key, token))

    async def await_fill(self, key: str, fresh_seconds: float, seconds: float) -> Entry | None:
        """The entry another replica is filling, once written; None when that replica gives
        up (its lock released or expired without an entry), Redis goes away, or `seconds`
        pass: then fetch it yourself."""
        deadline = time.monotonic() + seconds
        step = 0.01
        while time.monotonic() < deadline:
            await asyncio.sleep(step)
            step = min(step * 2, 0.1)
            entry = await self.get(key, fresh_seconds)
            if entry is not None and entry.age() < fresh_seconds:
                return entry
            locked = await self.link.attempt(lambda: self._cache.is_locked(LOCK + key))
            if isinstance(locked, Away) or not locked:
                # Written between the two reads, or never: one last look.
                entry = await self.get(key, fresh_seconds)
                return entry if entry is not None and entry.age() < fresh_seconds else None
        return None

    async def clear(self) -> None:
        await self.near.clear()
        await self._cache.clear()

    async def close(self) -> None:
        await self.near.close()
        await self._cache.close()


LOCK = "fill:"
# Redis's client as cashews sets it up: errors raised (not swallowed as misses: the link must
# see Redis go), short socket timeouts, and a pool that never makes a call wait long.
_REDIS_OPTIONS = {"suppress": "false", "max_connections": "64", "wait_for_connection_timeout": "1"}


def _client_url(url: str) -> str:
    if not is_redis(url):
        return url
    parts = urlsplit(with_timeouts(url))
    query = parts.query
    for name, value in _REDIS_OPTIONS.items():
        if name not in query:
            query = f"{query}&{name}={value}"
    return parts._replace(query=query).geturl()


def _framed(entry: Entry, expires_at: float) -> bytes:
    """An entry as bytes: one JSON line (when obtained, until when kept, its strings), then
    the body as received."""
    head = json.dumps([entry.stored_at, expires_at, list(entry.about)]).encode()
    return head + b"\n" + entry.body


def _unframed(raw: bytes) -> tuple[Entry, float] | None:
    """An entry and its expiry from `_framed` bytes; None for anything else (a miss)."""
    head, newline, body = raw.partition(b"\n")
    try:
        fields = json.loads(head) if newline else None
    except ValueError:
        return None
    if not (isinstance(fields, list) and len(fields) == 3):
        return None
    stored_at, expires_at, about = fields
    if not (
        isinstance(stored_at, float | int)
        and isinstance(expires_at, float | int)
        and isinstance(about, list)
        and all(isinstance(text, str) for text in about)
    ):
        return None
    return Entry(float(stored_at), body, tuple(about)), float(expires_at)


def _store(url: str, max_bytes: int, link: RedisLink | None) -> _Store | None:
    if not url:
        return None
    _, params, _ = settings_url_parse(url)
    if not url.startswith("mem://"):
        return CashewsStore(url, link or RedisLink(url), MemoryStore(max_bytes))
    if params.get("disable"):
        return None
    size = params.get("size")
    return MemoryStore(max_bytes, size if isinstance(size, int) else None)


class ResponseCache:
    def __init__(
        self, url: str, max_entry_bytes: int, max_bytes: int, link: RedisLink | None = None
    ) -> None:
        self.store = _store(url, max_bytes, link)
        self._max_entry_bytes = max_entry_bytes

    @property
    def shared(self) -> CashewsStore | None:
        """The store shared with other replicas, if any (for fill locks)."""
        return self.store if isinstance(self.store, CashewsStore) else None

    def usage(self) -> tuple[int, int] | None:
        """(entries, bytes counted) the in-process store holds; None for another backend."""
        store = self.store
        return (len(store), store.bytes) if isinstance(store, MemoryStore) else None

    def fits(self, size: int) -> bool:
        """Whether an answer of `size` bytes may be kept at all."""
        return self.store is not None and size <= self._max_entry_bytes

    async def get(self, key: str, fresh_seconds: float | None = None) -> Entry | None:
        """The entry kept under `key` (fresh or stale); with `fresh_seconds`, a fresh one
        from wherever it is freshest."""
        return None if self.store is None else await self.store.get(key, fresh_seconds)

    async def set(self, key: str, entry: Entry, keep_seconds: float) -> None:
        """Write an entry now (within the per-entry cap): `keep` is what the layer calls."""
        if keep_seconds > 0 and self.store is not None and self.fits(entry.size):
            await self.store.set(key, entry, keep_seconds)

    async def keep(
        self,
        key: str,
        entry: Entry,
        keep_seconds: float,
        answer: Any,
        then: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        """Keep a fresh answer: inside a tool call, held on the call's context (with `answer`,
        the decoded value its later lookups in the same call get) until the call commits it;
        outside one (health probes, resource reads), written at once. `then` runs once it is
        written, or once the call drops it (a fill lock released)."""

        async def write() -> None:
            await self.set(key, entry, keep_seconds)
            if then is not None:
                await then()

        context = callcontext.current()
        if context is None or keep_seconds <= 0 or not self.fits(entry.size):
            await write()
            return
        context.hold(key, answer, write, then)

    async def clear(self) -> None:
        if self.store is not None:
            await self.store.clear()

    async def close(self) -> None:
        if self.store is not None:
            await self.store.close()
