"""The response cache: upstream answers kept as the bytes they arrived in, bounded in bytes.

An entry is a body as received (plus a few short strings about it) and when it was obtained;
it is decoded again on every hit, so what the cache holds is what it counts, and no caller can
change an answer another will read. Entries are kept past their TTL for the stale window, so a
failing upstream can still be answered with the last good response, marked stale.

Backends, by `DATAGOUV_MCP_CACHE_URL`: `mem://` (the default) is in process, least recently
used entries evicted to stay within `DATAGOUV_MCP_CACHE_MAX_BYTES` (and within N entries with
`mem://?size=N`); any other cashews URL (`redis://...`) goes through cashews, each entry with
its keep time as TTL, the total bounded by that server's own `maxmemory`; empty: no cache. On
every backend an entry over `DATAGOUV_MCP_CACHE_MAX_ENTRY_BYTES` is not kept.

During a tool call, fresh answers are not written at once: they are held on the call's context
and written only once the call's parsers have read them (`keep`, `callcontext`), so a
malformed answer never replaces a good entry.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Protocol

import structlog
from cashews import Cache
from cashews.wrapper.backend_settings import settings_url_parse

from datagouv_mcp import callcontext

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
    async def get(self, key: str) -> Entry | None: ...
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

    async def get(self, key: str) -> Entry | None:
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
    """Any cashews backend (Redis, shared between replicas): each entry with its keep time as
    its TTL; the backend's own limits (Redis `maxmemory`) bound the whole."""

    def __init__(self, url: str) -> None:
        self._cache = Cache()
        self._cache.setup(url)

    async def get(self, key: str) -> Entry | None:
        try:
            raw = await self._cache.get(key)
        except Exception:  # the cache away (Redis down) is a miss, not a failed call
            log.warning("cache.unavailable", operation="get", exc_info=True)
            return None
        if not isinstance(raw, tuple) or len(raw) != 3:
            return None
        stored_at, body, about = raw
        return Entry(stored_at, body, tuple(about))

    async def set(self, key: str, entry: Entry, keep_seconds: float) -> None:
        value = (entry.stored_at, entry.body, entry.about)
        try:
            await self._cache.set(key, value, expire=keep_seconds)
        except Exception:
            log.warning("cache.unavailable", operation="set", exc_info=True)

    async def clear(self) -> None:
        await self._cache.clear()

    async def close(self) -> None:
        await self._cache.close()


def _store(url: str, max_bytes: int) -> _Store | None:
    if not url:
        return None
    _, params, _ = settings_url_parse(url)
    if not url.startswith("mem://"):
        return CashewsStore(url)
    if params.get("disable"):
        return None
    size = params.get("size")
    return MemoryStore(max_bytes, size if isinstance(size, int) else None)


class ResponseCache:
    def __init__(self, url: str, max_entry_bytes: int, max_bytes: int) -> None:
        self.store = _store(url, max_bytes)
        self._max_entry_bytes = max_entry_bytes

    def usage(self) -> tuple[int, int] | None:
        """(entries, bytes counted) the in-process store holds; None for another backend."""
        store = self.store
        return (len(store), store.bytes) if isinstance(store, MemoryStore) else None

    def fits(self, size: int) -> bool:
        """Whether an answer of `size` bytes may be kept at all."""
        return self.store is not None and size <= self._max_entry_bytes

    async def get(self, key: str) -> Entry | None:
        return None if self.store is None else await self.store.get(key)

    async def set(self, key: str, entry: Entry, keep_seconds: float) -> None:
        """Write an entry now (within the per-entry cap): `keep` is what the layer calls."""
        if keep_seconds > 0 and self.store is not None and self.fits(entry.size):
            await self.store.set(key, entry, keep_seconds)

    async def keep(self, key: str, entry: Entry, keep_seconds: float, answer: Any) -> None:
        """Keep a fresh answer: inside a tool call, held on the call's context (with `answer`,
        the decoded value its later lookups in the same call get) until the call commits it;
        outside one (health probes, resource reads), written at once."""
        if keep_seconds <= 0 or not self.fits(entry.size):
            return
        context = callcontext.current()
        if context is None:
            await self.set(key, entry, keep_seconds)
            return

        async def write() -> None:
            await self.set(key, entry, keep_seconds)

        context.hold(key, answer, write)

    async def clear(self) -> None:
        if self.store is not None:
            await self.store.clear()

    async def close(self) -> None:
        if self.store is not None:
            await self.store.close()
