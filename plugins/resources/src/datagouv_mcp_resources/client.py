"""Thin calls to udata, the Tabular API and the crawler over the core's HTTP layer: raw JSON
out; and the guarded stream of a resource's file (its URL comes from the catalogue).

Retries, rate limits, caching and typed errors are the layer's job. The client knows the
routes, the parameter names and which cache family fits each.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from datagouv_mcp.upstream import GuardedResponse, Upstreams, path

TABULAR_PAGE_MAX = 50  # the Tabular API answers 400 above it

Params = Sequence[tuple[str, str | int]]


class ResourcesClient:
    def __init__(self, upstream: Upstreams) -> None:
        # The layer's clients exist only while the server runs: look them up at call time.
        self._upstream = upstream

    async def resource(self, resource_id: str) -> Any:
        """GET /api/2/datasets/resources/{rid}/: `{"resource": {...}, "dataset_id": ...}`."""
        fetched = await self._upstream.api.get_json(path("2", "datasets", "resources", resource_id))
        return fetched.data

    async def dataset_summary(self, dataset_id: str) -> Any:
        """GET /api/2/datasets/{id}/: the parent's record, light (resources as a link)."""
        fetched = await self._upstream.api.get_json(path("2", "datasets", dataset_id))
        return fetched.data

    async def dataset_resources(self, dataset_id: str, page_size: int) -> Any:
        """GET /api/2/datasets/{id}/resources/: the first page of a dataset's resources."""
        fetched = await self._upstream.api.get_json(
            path("2", "datasets", dataset_id, "resources"), [("page_size", page_size)]
        )
        return fetched.data

    async def suggest_datasets(self, query: str, size: int) -> Any:
        """GET /api/1/datasets/suggest/: datasets whose title contains `query` (any part of a
        word), for completions."""
        fetched = await self._upstream.api.get_json(
            path("1", "datasets", "suggest"), [("q", query), ("size", size)], ttl="search"
        )
        return fetched.data

    async def crawler_exceptions(self) -> Any:
        """GET crawler /api/resources-exceptions: resources loaded whatever their size."""
        fetched = await self._upstream.crawler.get_json(
            path("resources-exceptions", trailing_slash=False), ttl="document"
        )
        return fetched.data

    async def aggregation_exceptions(self) -> Any:
        """GET tabular /api/aggregation-exceptions/: where aggregation is allowed."""
        fetched = await self._upstream.tabular.get_json(
            path("aggregation-exceptions"), ttl="document"
        )
        return fetched.data

    async def profile(self, resource_id: str) -> Any:
        """GET tabular /api/resources/{rid}/profile/: csv-detective's profile of the table."""
        fetched = await self._upstream.tabular.get_json(
            path("resources", resource_id, "profile"), ttl="metadata"
        )
        return fetched.data

    async def rows(self, resource_id: str, params: Params) -> Any:
        """GET tabular /api/resources/{rid}/data/: one page of rows (at most 50)."""
        fetched = await self._upstream.tabular.get_json(
            path("resources", resource_id, "data"), params, ttl="search"
        )
        return fetched.data

    @asynccontextmanager
    async def file(
        self, url: str, max_bytes: int, timeout: float
    ) -> AsyncIterator[GuardedResponse]:
        """A resource's file, through the guarded fetch: public addresses only, checked at
        every redirect; its body read by the caller, at most `max_bytes`."""
        async with self._upstream.fetch.stream(
            url, max_bytes=max_bytes, timeout=timeout, refuse_declared=False
        ) as response:
            yield response

    async def probe(self) -> Any:
        """Is the Tabular API answering? (never from the cache)."""
        fetched = await self._upstream.tabular.get_json(path("aggregation-exceptions"), ttl=None)
        return fetched.data
