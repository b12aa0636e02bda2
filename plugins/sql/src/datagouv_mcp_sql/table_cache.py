"""The on-disk cache of the tables SQL runs over: one Parquet file per resource version.

A version is the resource's id with a digest of the kind of source (its Parquet export, its
CSV) and the resource's `last_modified`: when the portal says the file changed, the next
query builds a new version and the old one is deleted. The folder is bounded in bytes; the
least recently used files go first, never one a query is reading. Files are written under a
temporary name and renamed, so a reader never sees half a file; leftovers of an interrupted
build are removed at start.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import structlog

log = structlog.get_logger("datagouv_mcp.sql")

SUFFIX = ".parquet"
PARTIAL = ".part"


def version_key(resource_id: str, source: str, last_modified: str | None) -> str:
    """`<resource id>.<digest>`: a new key whenever the source kind (the Parquet export, the
    CSV) or the resource's date moves. Not the URL: udata moves `last_modified` when a
    resource's file or URL changes, and the same data reached by another host is the same."""
    digest = hashlib.sha256(f"{source}\n{last_modified or ''}".encode()).hexdigest()[:16]
    return f"{resource_id}.{digest}"


@dataclass
class _Entry:
    size: int
    used: float


class TableCache:
    def __init__(self, folder: Path, max_bytes: int) -> None:
        self.folder = folder
        self.max_bytes = max_bytes
        self._entries: dict[str, _Entry] | None = None
        self._locks: dict[str, asyncio.Lock] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._leases: dict[str, int] = {}

    def _load(self) -> dict[str, _Entry]:
        if self._entries is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            entries = {}
            for path in self.folder.iterdir():
                if PARTIAL in path.name:
                    path.unlink(missing_ok=True)
                elif path.name.endswith(SUFFIX):
                    stat = path.stat()
                    entries[path.name.removesuffix(SUFFIX)] = _Entry(stat.st_size, stat.st_mtime)
            self._entries = entries
        return self._entries

    def path(self, key: str) -> Path:
        return self.folder / f"{key}{SUFFIX}"

    @property
    def size(self) -> int:
        return sum(entry.size for entry in self._load().values())

    @contextlib.asynccontextmanager
    async def lease(
        self, key: str, build: Callable[[Path], Awaitable[None]]
    ) -> AsyncIterator[tuple[Path, bool]]:
        """(the file of `key`, whether it was already there), built by `build(path)` when
        missing (one build at a time per key); not evicted while the lease is held."""
        entries = self._load()
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # locks belong to one event loop
            self._locks, self._loop = {}, loop
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            target = self.path(key)
            cached = key in entries and target.exists()
            if not cached:
                partial = target.with_name(f"{target.name}{PARTIAL}-{uuid.uuid4().hex[:8]}")
                try:
                    await build(partial)
                    partial.replace(target)
                finally:
                    partial.unlink(missing_ok=True)
                entries[key] = _Entry(target.stat().st_size, time.time())
                self._drop_other_versions(key)
            else:
                entries[key].used = time.time()
                with contextlib.suppress(OSError):
                    os.utime(target)
            self._leases[key] = self._leases.get(key, 0) + 1
        try:
            self._evict()
            yield target, cached
        finally:
            self._leases[key] -= 1
            if not self._leases[key]:
                del self._leases[key]
            self._evict()

    def _remove(self, key: str) -> None:
        entries = self._load()
        entries.pop(key, None)
        self.path(key).unlink(missing_ok=True)

    def _drop_other_versions(self, key: str) -> None:
        resource_id = key.split(".", 1)[0]
        for other in [k for k in self._load() if k != key and k.split(".", 1)[0] == resource_id]:
            if other not in self._leases:
                self._remove(other)

    def _evict(self) -> None:
        """Least recently used first, until the folder is within its bound; files being
        read stay (so the bound may be passed while a query runs)."""
        entries = self._load()
        total = sum(entry.size for entry in entries.values())
        for key in sorted(entries, key=lambda k: entries[k].used):
            if total <= self.max_bytes:
                break
            if key in self._leases:
                continue
            total -= entries[key].size
            log.info("sql.cache_evicted", key=key, size=entries[key].size)
            self._remove(key)
