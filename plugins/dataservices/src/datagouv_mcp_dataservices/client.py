"""Thin calls to the udata API over the core's shared HTTP layer, raw JSON out; and the
guarded, cached fetch of an API description (its URL comes from the catalogue).

Retries, rate limits, caching and typed errors are the layer's job; the client knows the
routes, the parameter names and the cache family of each.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from datagouv_mcp.upstream import Document, Upstreams, path

Filter = str | Sequence[str] | None


class DataservicesClient:
    def __init__(self, upstream: Upstreams) -> None:
        # The layer's clients exist only while the server runs: look them up at call time.
        self._upstream = upstream

    async def search(
        self, query: str, page: int, page_size: int, filters: Mapping[str, Filter]
    ) -> Any:
        """GET /api/2/dataservices/search/; `filters` by udata's names (tag repeated)."""
        params: list[tuple[str, str | int]] = [("q", query)] if query else []
        params += [("page", page), ("page_size", page_size)]
        for name, value in filters.items():
            if value is None:
                continue
            params += [(name, value)] if isinstance(value, str) else [(name, v) for v in value]
        fetched = await self._upstream.api.get_json(
            path("2", "dataservices", "search"), params, ttl="search"
        )
        return fetched.data

    async def dataservice(self, dataservice_id: str) -> Any:
        """GET /api/1/dataservices/{id}/: the whole record."""
        fetched = await self._upstream.api.get_json(path("1", "dataservices", dataservice_id))
        return fetched.data

    async def datasets(self, dataservice_id: str, page_size: int) -> Any:
        """GET /api/1/datasets/?dataservice={id}: the datasets the API serves (an ObjectId)."""
        fetched = await self._upstream.api.get_json(
            path("1", "datasets"), [("dataservice", dataservice_id), ("page_size", page_size)]
        )
        return fetched.data

    async def organization(self, organization_id: str) -> Any:
        """GET /api/1/organizations/{id}/ (to turn a slug into the id the search filters on)."""
        fetched = await self._upstream.api.get_json(path("1", "organizations", organization_id))
        return fetched.data

    async def document(self, url: str, max_bytes: int) -> Document:
        """An API description, through the guarded fetch (public addresses only, checked at
        every redirect, within `max_bytes`), cached as the layer's documents are."""
        return await self._upstream.document(url, max_bytes=max_bytes)

    async def probe(self) -> Any:
        fetched = await self._upstream.api.get_json(
            path("2", "dataservices", "search"), [("page_size", 1)], ttl=None
        )
        return fetched.data
