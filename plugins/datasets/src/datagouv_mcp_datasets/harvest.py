"""Harvesting the records of every dataset a search finds: the searches paged to the end, each
new or changed dataset's record built by a few workers at once, each outcome handed to a sink
as soon as it is ready.

What a dataset's search hit says about its last changes (`last_modified`, `last_update`)
decides, against a previous harvest's state, whether it is fetched again: an unchanged dataset
costs no request of its own.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from datagouv_mcp import readers
from datagouv_mcp.arguments import SEARCH_WINDOW
from datagouv_mcp_datasets.client import Filter
from datagouv_mcp_datasets.parsers import DatasetsParseError, parse_pagination
from datagouv_mcp_datasets.record_models import DatasetMiss, DatasetRecord
from datagouv_mcp_datasets.records import RecordBuilder

PAGE_SIZE = 100
Outcome = DatasetRecord | DatasetMiss
Stamp = dict[str, str | None]


def stamp_of(hit: Any) -> Stamp:
    """What a search hit says about a dataset's last changes."""
    body = readers.obj(hit)
    return {
        "last_modified": readers.timestamp(body.get("last_modified")),
        "last_update": readers.timestamp(body.get("last_update")),
    }


def _later(new: str | None, old: str | None) -> bool:
    if new == old:
        return False
    if new is None or old is None:
        return True
    try:
        return datetime.fromisoformat(new.replace("Z", "+00:00")) > datetime.fromisoformat(
            old.replace("Z", "+00:00")
        )
    except ValueError:
        return True
    except TypeError:  # one is naive, the other aware: compare as given
        return new != old


def advanced(new: Stamp, old: Stamp | None) -> bool:
    """Whether a dataset changed since `old`: either date later, or nothing known to compare."""
    if old is None or not any(new.values()):
        return True
    return any(_later(new.get(key), old.get(key)) for key in ("last_modified", "last_update"))


class Sink(Protocol):
    def write(self, outcome: Outcome) -> None: ...


@dataclass
class Tally:
    """Where a harvest stands: what the searches found, and what became of each dataset."""

    announced: int = 0  # the datasets the searches find in all
    expected: int = 0  # those the harvest can reach (the window, the maximum)
    found: int = 0
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    partial: list[str] = field(default_factory=list)
    not_found: list[str] = field(default_factory=list)
    unreadable: int = 0
    notes: list[str] = field(default_factory=list)
    started: float | None = None  # time.monotonic() when the harvest began
    seconds: float = 0.0  # how long it has run

    @property
    def done(self) -> int:
        return len(self.updated) + len(self.unchanged) + len(self.not_found) + self.unreadable


@dataclass(frozen=True)
class Plan:
    queries: Sequence[str]
    filters: Mapping[str, Filter]
    max_datasets: int | None = None
    concurrency: int = 8
    page_size: int = PAGE_SIZE


class Known(Protocol):
    """What a previous harvest knows: a dataset's stamp, and what the run already holds."""

    def stamp(self, dataset_id: str) -> Stamp | None: ...

    def holds(self, dataset_id: str) -> bool: ...


class Nothing:
    def stamp(self, dataset_id: str) -> Stamp | None:
        return None

    def holds(self, dataset_id: str) -> bool:
        return False


@dataclass
class Harvest:
    builder: RecordBuilder
    plan: Plan
    sink: Sink
    known: Known = field(default_factory=Nothing)
    on_progress: Callable[[Tally], None] = lambda tally: None
    on_record: Callable[[str, Stamp, Outcome], None] = lambda dataset_id, stamp, outcome: None
    tally: Tally = field(default_factory=Tally)
    # A worker's failure (a sink that cannot write, a bug): it stops the searches too.
    failure: Exception | None = None

    async def run(self) -> Tally:
        """Every query to its end (or the maximum); raises the upstream error of a search
        that fails after the layer's retries (what was written stays written)."""
        self.tally.started = time.monotonic()
        queue: asyncio.Queue[tuple[str, Any, Stamp] | None] = asyncio.Queue(
            self.plan.concurrency * 4
        )
        workers = [
            asyncio.create_task(self._work(queue)) for _ in range(max(1, self.plan.concurrency))
        ]
        try:
            await self._search(queue)
            self.tally.expected = self.tally.found  # overlapping queries announced some twice
            for _ in workers:
                await queue.put(None)
            await asyncio.gather(*workers)
            if self.failure is not None:
                raise self.failure
        finally:
            for worker in workers:
                worker.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
            self.tally.seconds = time.monotonic() - self.tally.started
        return self.tally

    def _room(self) -> bool:
        limit = self.plan.max_datasets
        return limit is None or self.tally.found < limit

    async def _search(self, queue: asyncio.Queue[tuple[str, Any, Stamp] | None]) -> None:
        seen: set[str] = set()
        client, size = self.builder.catalogue.client, self.plan.page_size
        for query in self.plan.queries:
            page, announced = 1, False
            while self._room():
                self._stop_on_failure()
                raw = await client.search_datasets(query, page, size, self.plan.filters)
                items = readers.obj(raw).get("data")
                if not isinstance(items, list):
                    raise DatasetsParseError("the dataset search answer has no `data` list")
                pagination = parse_pagination(raw, page, size, len(items))
                if not announced:
                    announced = True
                    self._announce(query, pagination.total)
                for hit in items:
                    id_ = readers.identifier(readers.obj(hit).get("id"))
                    if id_ is None or id_ in seen or not self._room():
                        continue
                    seen.add(id_)
                    self.tally.found += 1
                    stamp = stamp_of(hit)
                    if self.known.holds(id_) or not advanced(stamp, self.known.stamp(id_)):
                        self.tally.unchanged.append(id_)
                        self.on_progress(self.tally)
                    else:
                        self._stop_on_failure()
                        await queue.put((id_, hit, stamp))
                if not pagination.has_more or not items or (page + 1) * size > SEARCH_WINDOW:
                    break
                page += 1

    def _stop_on_failure(self) -> None:
        if self.failure is not None:
            raise self.failure

    def _announce(self, query: str, total: int) -> None:
        reachable = min(total, SEARCH_WINDOW)
        self.tally.announced += total
        if total > SEARCH_WINDOW:
            self.tally.notes.append(
                f"'{query}' finds {total:,} datasets; the portal pages through the first "
                f"{SEARCH_WINDOW:,} only: split it with filters (organization, geozone, "
                "format...) to reach the others."
            )
        self.tally.expected += reachable
        if self.plan.max_datasets is not None:
            self.tally.expected = min(self.tally.expected, self.plan.max_datasets)
        self.on_progress(self.tally)

    async def _work(self, queue: asyncio.Queue[tuple[str, Any, Stamp] | None]) -> None:
        while (item := await queue.get()) is not None:
            if self.failure is not None:
                continue  # drained, so that the searches never wait on a full queue
            try:
                await self._one(*item)
            except Exception as exc:
                self.failure = exc

    async def _one(self, dataset_id: str, hit: Any, stamp: Stamp) -> None:
        try:
            outcome = await self.builder.build(dataset_id, hit)
        except DatasetsParseError:
            self.tally.unreadable += 1
            self.on_progress(self.tally)
            return
        self.sink.write(outcome)
        if isinstance(outcome, DatasetMiss):
            self.tally.not_found.append(dataset_id)
        else:
            self.tally.updated.append(dataset_id)
            if outcome.extraction_partial:
                self.tally.partial.append(dataset_id)
        self.on_record(dataset_id, stamp, outcome)
        self.on_progress(self.tally)


class Collected:
    """A sink that keeps the outcomes in memory (the bounded harvest tool)."""

    def __init__(self) -> None:
        self.outcomes: list[Outcome] = []

    def write(self, outcome: Outcome) -> None:
        self.outcomes.append(outcome)
