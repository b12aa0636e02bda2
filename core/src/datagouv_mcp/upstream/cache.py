"""The response cache: cashews (memory by default, Redis by URL), entries that know their age.

Entries are kept past their TTL for `stale_seconds`, so a failing upstream can still be answered
with the last good response, marked stale.
"""

from __future__ import annotations

import pickle
import time
from dataclasses import dataclass
from typing import Any

from cashews import Cache


@dataclass(frozen=True)
class Entry:
    stored_at: float
    data: Any

    def age(self) -> float:
        return time.time() - self.stored_at


class ResponseCache:
    def __init__(self, url: str, max_entry_bytes: int) -> None:
        self._cache = Cache()
        self._cache.setup(url)
        self._max_entry_bytes = max_entry_bytes

    async def get(self, key: str) -> Entry | None:
        raw = await self._cache.get(key)
        if not isinstance(raw, dict):
            return None
        return Entry(raw["stored_at"], raw["data"])

    async def set(self, key: str, data: Any, keep_seconds: float) -> None:
        if keep_seconds <= 0:
            return
        value = {"stored_at": time.time(), "data": data}
        # Bound what one entry may hold, whatever the backend: a huge answer is not worth it.
        if len(pickle.dumps(value)) > self._max_entry_bytes:
            return
        await self._cache.set(key, value, expire=keep_seconds)

    async def clear(self) -> None:
        await self._cache.clear()

    async def close(self) -> None:
        await self._cache.close()
