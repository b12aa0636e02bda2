"""Thin calls to the udata API over the core's shared HTTP layer: raw JSON out.

Retries, rate limits, caching and typed errors are the layer's job. The client knows the
routes, the upstream's parameter names, and which cache family fits each: searches change
fast, records less so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from datagouv_mcp.upstream import Upstreams, path

Params = list[tuple[str, str | int]]
# A filter's value: one value, or several (the parameter is repeated).
Filter = str | Sequence[str] | None


def _params(query: str | None, page: int, page_size: int, filters: Mapping[str, Filter]) -> Params:
    params: Params = [("q", query)] if query else []
    params += [("page", page), ("page_size", page_size)]
    for name, value in filters.items():
        if value is None:
            continue
        params += [(name, value)] if isinstance(value, str) else [(name, v) for v in value]
    return params


class DatasetsClient:
    def __init__(self, upstream: Upstreams) -> None:
        # The layer's clients exist only while the server runs: look them up at call time.
        self._upstream = upstream

    async def search_datasets(
        self, query: str, page: int, page_size: int, filters: Mapping[str, Filter]
    ) -> Any:
        """GET /api/2/datasets/search/; `filters` by udata's names (tag, format, geozone...)."""
        fetched = await self._upstream.api.get_json(
            path("2", "datasets", "search"), _params(query, page, page_size, filters), ttl="search"
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

    async def resources(
        self,
        dataset_id: str,
        page: int,
        page_size: int,
        resource_type: str | None = None,
        query: str | None = None,
    ) -> Any:
        """GET /api/2/datasets/{id}/resources/: one page of a dataset's resources."""
        params = _params(query, page, page_size, {"type": resource_type})
        fetched = await self._upstream.api.get_json(
            path("2", "datasets", dataset_id, "resources"), params
        )
        return fetched.data

    async def organization(self, organization_id: str) -> Any:
        """GET /api/1/organizations/{id}/."""
        fetched = await self._upstream.api.get_json(path("1", "organizations", organization_id))
        return fetched.data

    async def search_organizations(
        self, query: str, page: int, page_size: int, filters: Mapping[str, Filter]
    ) -> Any:
        """GET /api/2/organizations/search/; `filters` by udata's names (sort, badge...)."""
        fetched = await self._upstream.api.get_json(
            path("2", "organizations", "search"),
            _params(query, page, page_size, filters),
            ttl="search",
        )
        return fetched.data

    async def dataservices_of(self, dataset_id: str, page_size: int) -> Any:
        """GET /api/1/dataservices/?dataset={id}: the catalogued APIs that list a dataset."""
        fetched = await self._upstream.api.get_json(
            path("1", "dataservices"), [("dataset", dataset_id), ("page_size", page_size)]
        )
        return fetched.data

    async def count(self, kind: str) -> Any:
        """GET /api/2/{kind}/search/?page_size=1 (kind: datasets, dataservices, organizations):
        the catalogue's totals and facets, kept for the metadata TTL."""
        fetched = await self._upstream.api.get_json(
            path("2", kind, "search"), [("page_size", 1)], ttl="metadata"
        )
        return fetched.data

    async def suggest(self, kind: str, query: str, size: int) -> Any:
        """GET /api/1/{datasets|organizations}/suggest/: the objects whose title (name) or
        acronym contains `query`, any part of a word: for completions."""
        fetched = await self._upstream.api.get_json(
            path("1", kind, "suggest"), [("q", query), ("size", size)], ttl="search"
        )
        return fetched.data

    async def probe(self) -> Any:
        """The cheapest search, never from the cache: is the API answering?"""
        fetched = await self._upstream.api.get_json(
            path("2", "datasets", "search"), [("page_size", 1)], ttl=None
        )
        return fetched.data
