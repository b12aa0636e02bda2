"""Thin calls to the Metrics API and, for titles, the catalogue. Raw JSON out."""

from __future__ import annotations

from typing import Any

from datagouv_mcp.upstream import Upstreams, path
from datagouv_mcp_metrics.models import Kind

PAGE_SIZE_MAX = 50  # the Metrics API answers 400 above it

MODELS: dict[Kind, str] = {
    "dataset": "datasets",
    "resource": "resources",
    "organization": "organizations",
    "dataservice": "dataservices",
}
# For titles: the v2 dataset record links its resources instead of embedding them all.
RECORDS: dict[Kind, tuple[str, ...]] = {
    "dataset": ("2", "datasets"),
    "resource": ("2", "datasets", "resources"),
    "organization": ("1", "organizations"),
    "dataservice": ("1", "dataservices"),
}


class MetricsClient:
    def __init__(self, upstream: Upstreams) -> None:
        self.upstream = upstream

    async def months(self, kind: Kind, id_: str, page: int, page_size: int) -> Any:
        """One page of monthly rows for an id, most recent month first."""
        params = [
            (f"{kind}_id__exact", id_),
            ("metric_month__sort", "desc"),
            ("page", page),
            ("page_size", page_size),
        ]
        fetched = await self.upstream.metrics.get_json(
            path(MODELS[kind], "data"), params, ttl="metadata"
        )
        return fetched.data

    async def record(self, kind: Kind, id_: str) -> Any:
        """The catalogue record of an id, for its title and canonical id."""
        fetched = await self.upstream.api.get_json(path(*RECORDS[kind], id_), ttl="metadata")
        return fetched.data

    async def probe(self) -> None:
        await self.upstream.metrics.get_json(path("datasets", "data"), {"page_size": 1}, ttl=None)
