"""Thin calls to the udata API over the core's shared HTTP layer: raw JSON out.

Retries, rate limits, caching and typed errors are the layer's job. The client only knows the
routes, and which cache family fits each: searches change fast, records less so.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from datagouv_mcp.upstream import Upstreams, path

Params = Sequence[tuple[str, str | int]]


class DatasetsClient:
    def __init__(self, upstream: Upstreams) -> None:
        # The layer's clients exist only while the server runs: look them up at call time.
        self._upstream = upstream

    async def search_datasets(self, params: Params) -> Any:
        """GET /api/2/datasets/search/ (repeat a key in `params` for repeatable filters)."""
        fetched = await self._upstream.api.get_json(
            path("2", "datasets", "search"), params, ttl="search"
        )
        return fetched.data

    async def dataset(self, dataset_id: str) -> Any:
        """GET /api/1/datasets/{id}/: the whole record, resources embedded."""
        fetched = await self._upstream.api.get_json(path("1", "datasets", dataset_id))
        return fetched.data

    async def dataset_summary(self, dataset_id: str) -> Any:
        """GET /api/2/datasets/{id}/: the record with resources as a link (light for big ones)."""
        fetched = await self._upstream.api.get_json(path("2", "datasets", dataset_id))
        return fetched.data

    async def resources(self, dataset_id: str, params: Params) -> Any:
        """GET /api/2/datasets/{id}/resources/: one page of a dataset's resources."""
        fetched = await self._upstream.api.get_json(
            path("2", "datasets", dataset_id, "resources"), params
        )
        return fetched.data

    async def organization(self, organization_id: str) -> Any:
        """GET /api/1/organizations/{id}/."""
        fetched = await self._upstream.api.get_json(path("1", "organizations", organization_id))
        return fetched.data

    async def search_organizations(self, params: Params) -> Any:
        """GET /api/2/organizations/search/."""
        fetched = await self._upstream.api.get_json(
            path("2", "organizations", "search"), params, ttl="search"
        )
        return fetched.data

    async def probe(self) -> Any:
        """The cheapest search, never from the cache: is the API answering?"""
        fetched = await self._upstream.api.get_json(
            path("2", "datasets", "search"), [("page_size", 1)], ttl=None
        )
        return fetched.data
