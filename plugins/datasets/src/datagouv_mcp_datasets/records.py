"""Building the normalised record of one dataset: its v1 record, then (at once) the
dataservices that list it and a few datasets of its organization, through the core's
upstream layer (its retries, rate budget, coalescing and cache)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from datagouv_mcp.upstream import UpstreamError, UpstreamNotFound, path
from datagouv_mcp_datasets.record_models import DatasetMiss, DatasetRecord
from datagouv_mcp_datasets.record_parsers import RELATED_MAX, Enrichment, parse_record
from datagouv_mcp_datasets.tools import Catalogue

DATASERVICES_MAX = 20


def now() -> str:
    """The time now, ISO 8601 in UTC to the second: a record's extraction date."""
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _failure(what: str, error: BaseException) -> str:
    message = error.message if isinstance(error, UpstreamError) else "unexpected failure"
    return f"{what}: {message}"


@dataclass(frozen=True)
class RecordBuilder:
    catalogue: Catalogue

    def source_url(self, dataset_id: str) -> str:
        return self.catalogue.links.api + path("1", "datasets", dataset_id)

    async def build(self, dataset_id: str, hit: Any = None) -> DatasetRecord | DatasetMiss:
        """The record of a dataset, or the miss when the portal does not have it. When its v1
        record cannot be fetched, a partial record from `hit` (its search hit), if given;
        else the upstream error is raised."""
        client = self.catalogue.client
        try:
            raw = await client.dataset(dataset_id)
        except UpstreamNotFound:
            return DatasetMiss(dataset_id=dataset_id, extraction_date=now())
        except UpstreamError as exc:
            if hit is None:
                raise
            return self._record(hit, Enrichment(errors=[_failure("dataset record", exc)]))
        id_ = str(raw.get("id") or dataset_id) if isinstance(raw, dict) else dataset_id
        organization = raw.get("organization") if isinstance(raw, dict) else None
        org_id = organization.get("id") if isinstance(organization, dict) else None
        asks = [client.dataservices_of(id_, DATASERVICES_MAX)]
        if isinstance(org_id, str) and org_id:
            asks.append(client.search_datasets("", 1, RELATED_MAX + 1, {"organization": org_id}))
        answers = await asyncio.gather(*asks, return_exceptions=True)
        errors = [
            _failure(what, answer)
            for what, answer in zip(("dataservices", "related datasets"), answers, strict=False)
            if isinstance(answer, BaseException)
        ]
        for answer in answers:
            if isinstance(answer, BaseException) and not isinstance(answer, Exception):
                raise answer  # a cancellation, not an upstream failure
        kept = [None if isinstance(a, BaseException) else a for a in answers]
        enrichment = Enrichment(
            dataservices=kept[0], related=kept[1] if len(kept) > 1 else None, errors=errors
        )
        return self._record(raw, enrichment, self.source_url(id_))

    def _record(self, raw: Any, enrichment: Enrichment, source: str | None = None) -> DatasetRecord:
        id_ = raw.get("id") if isinstance(raw, dict) else None
        return parse_record(
            raw,
            self.catalogue.links,
            enrichment,
            extraction_date=now(),
            raw_source_url=source or self.source_url(str(id_ or "")),
        )
