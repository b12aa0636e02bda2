"""The `datagouv://datasets/{dataset_id}` resource template: a dataset's record as JSON, with
completion of `dataset_id` from a quick search; and `datagouv://catalog`, an overview of what
the server reaches (so a client that lists resources finds the catalogue is there)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence
from typing import Any

import structlog

from datagouv_mcp import PluginContext, ResourceSpec, ToolError
from datagouv_mcp.arguments import SEARCH_WINDOW, object_id_or_slug
from datagouv_mcp_datasets.arguments import FIND_DATASET
from datagouv_mcp_datasets.parsers import DatasetsParseError, parse_dataset_search, parse_facets
from datagouv_mcp_datasets.tools import Catalogue

log = structlog.get_logger("datagouv_mcp_datasets.mcp_resources")

URI = "datagouv://datasets/{dataset_id}"
CATALOG_URI = "datagouv://catalog"
COMPLETIONS = 10
SHOWN = 10


def dataset_record(catalogue: Catalogue) -> ResourceSpec:
    async def read_dataset(dataset_id: str) -> str:
        # The record as data.gouv.fr's API v1 gives it, resources included.
        record = await catalogue.record(object_id_or_slug(dataset_id, "dataset", FIND_DATASET))
        return json.dumps(record, ensure_ascii=False)

    async def complete_dataset_id(partial: str, chosen: Mapping[str, str]) -> Sequence[str]:
        """Slugs of the first hits of a search for what was typed; nothing on any failure, as
        a completion is a convenience and must never break the client's typing."""
        words = " ".join(partial.split())
        if len(words) < 2:
            return []
        try:
            raw = await catalogue.client.search_datasets(words, 1, COMPLETIONS, {})
            found = parse_dataset_search(raw, catalogue.links, 1, COMPLETIONS)
        except (ToolError, DatasetsParseError) as exc:
            log.info("completion.unavailable", error=type(exc).__name__)
            return []
        return [dataset.slug or dataset.id for dataset in found.datasets]

    return ResourceSpec(
        URI,
        "dataset",
        read_dataset,
        title="data.gouv.fr dataset",
        description=(
            "A dataset's full record from data.gouv.fr's API (v1) as JSON, resources "
            "included. dataset_id: a 24-hex id or a slug."
        ),
        mime_type="application/json",
        completions={"dataset_id": complete_dataset_id},
    )


def how_to_search(tools: Sequence[str] | Any) -> list[str]:
    """The first steps, naming only the tools the server offers."""
    steps = [
        ("search_datasets", "search_datasets(query=...) finds datasets by keywords (every word "
         "must match; filters: organization, tag, format, geozone...)"),
        ("list_dataset_resources", "list_dataset_resources(dataset_id) lists a dataset's files"),
        ("get_dataset_record", "get_dataset_record(dataset_id) gives a dataset's whole record"),
        ("query_resource_data", "query_resource_data(resource_id) reads a table's rows"),
        ("search_dataservices", "search_dataservices(query=...) finds catalogued APIs"),
        ("search_organizations", "search_organizations(query=...) finds publishers"),
    ]  # fmt: skip
    return [text for name, text in steps if name in tools]


def catalog_overview(catalogue: Catalogue, context: PluginContext) -> ResourceSpec:
    async def read_catalog() -> str:
        kinds = ("datasets", "dataservices", "organizations")
        answers = await asyncio.gather(
            *(catalogue.client.count(kind) for kind in kinds), return_exceptions=True
        )
        for answer in answers:
            if isinstance(answer, BaseException) and not isinstance(answer, ToolError):
                raise answer
        if all(isinstance(answer, ToolError) for answer in answers):
            raise next(a for a in answers if isinstance(a, ToolError))
        counts: dict[str, int | None] = {}
        for kind, answer in zip(kinds, answers, strict=True):
            total = None if isinstance(answer, BaseException) else answer.get("total")
            counts[kind] = total if isinstance(total, int) and total >= 0 else None
        datasets = answers[0] if isinstance(answers[0], dict) else {}
        facets = parse_facets(datasets.get("facets"), SHOWN)
        themes = facets.get("topics") or facets.get("tag") or []
        overview = {
            "portal": catalogue.links.site,
            "api": catalogue.links.api,
            "counts": counts,
            "counts_note": f"A count of {SEARCH_WINDOW:,} may be more: the portal's search "
            "counts that far.",
            "main_themes": [{"name": b.name, "datasets": b.count} for b in themes],
            "main_formats": [
                {"format": b.name, "datasets": b.count} for b in facets.get("format", [])
            ],
            "how_to_search": how_to_search(context.tools),
            "resource_templates": [URI],
        }
        return json.dumps(overview, ensure_ascii=False)

    return ResourceSpec(
        CATALOG_URI,
        "catalog",
        read_catalog,
        title="data.gouv.fr catalogue overview",
        description=(
            "What this server reaches: the portal, how many datasets, dataservices (APIs) "
            "and organizations it holds, its main themes and formats, and how to search."
        ),
        mime_type="application/json",
    )


def build(context: PluginContext) -> list[ResourceSpec]:
    catalogue = Catalogue.of(context)
    return [dataset_record(catalogue), catalog_overview(catalogue, context)]
