"""The resource templates `datagouv://datasets/{dataset_id}` and
`datagouv://organizations/{organization_id}`: a record as JSON, with completion of the id
from what was typed, any part of a title's word (udata's suggest endpoints); and
`datagouv://catalog`, an overview of what the server reaches (so a client that lists
resources finds the catalogue is there)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import structlog

from datagouv_mcp import PluginContext, ResourceSpec, ToolError, readers
from datagouv_mcp.arguments import SEARCH_WINDOW, object_id_or_slug
from datagouv_mcp.text import prefixed_first, typed_words
from datagouv_mcp_datasets.arguments import FIND_DATASET, FIND_ORGANIZATION
from datagouv_mcp_datasets.parsers import parse_facets
from datagouv_mcp_datasets.tools import Catalogue

log = structlog.get_logger("datagouv_mcp_datasets.mcp_resources")

URI = "datagouv://datasets/{dataset_id}"
ORGANIZATION_URI = "datagouv://organizations/{organization_id}"
CATALOG_URI = "datagouv://catalog"
COMPLETIONS = 10
SHOWN = 10


def suggester(
    catalogue: Catalogue, kind: str, search: Callable[..., Awaitable[Any]]
) -> Callable[..., Awaitable[Sequence[str]]]:
    """A completer of `kind` ids (datasets, organizations): slugs of udata's suggestions for
    what was typed (2 characters at least; any part of a title's word, accents as written),
    else of its word search (whole words, accents folded), those starting with what was typed
    first; nothing on any failure, as a completion must never break the client's typing."""

    async def complete(partial: str, chosen: Mapping[str, str]) -> Sequence[str]:
        words = typed_words(partial)
        if len(words) < 2:
            return []
        try:
            found = await catalogue.client.suggest(kind, words, COMPLETIONS)
            items = [readers.obj(item) for item in found] if isinstance(found, list) else []
            if not items:
                found = await search(words, 1, COMPLETIONS, {})
                items = [readers.obj(item) for item in readers.obj(found).get("data") or []]
        except ToolError as exc:
            log.info("completion.unavailable", error=type(exc).__name__)
            return []
        values = [
            value
            for item in items
            if (value := readers.identifier(item.get("slug")) or readers.identifier(item.get("id")))
        ]
        return prefixed_first(partial, values)

    return complete


def dataset_record(catalogue: Catalogue) -> ResourceSpec:
    async def read_dataset(dataset_id: str) -> str:
        # The record as data.gouv.fr's API v1 gives it, resources included.
        record = await catalogue.record(object_id_or_slug(dataset_id, "dataset", FIND_DATASET))
        return json.dumps(record, ensure_ascii=False)

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
        completions={
            "dataset_id": suggester(catalogue, "datasets", catalogue.client.search_datasets)
        },
    )


def organization_record(catalogue: Catalogue) -> ResourceSpec:
    async def read_organization(organization_id: str) -> str:
        checked = object_id_or_slug(organization_id, "organization", FIND_ORGANIZATION)
        return json.dumps(await catalogue.organization(checked), ensure_ascii=False)

    return ResourceSpec(
        ORGANIZATION_URI,
        "organization",
        read_organization,
        title="data.gouv.fr organization",
        description=(
            "A publisher's record from data.gouv.fr's API (v1) as JSON: name, description, "
            "badges, metrics. organization_id: a 24-hex id or a slug."
        ),
        mime_type="application/json",
        completions={
            "organization_id": suggester(
                catalogue, "organizations", catalogue.client.search_organizations
            )
        },
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
            "resource_templates": [URI, ORGANIZATION_URI],
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
    return [
        dataset_record(catalogue),
        organization_record(catalogue),
        catalog_overview(catalogue, context),
    ]
