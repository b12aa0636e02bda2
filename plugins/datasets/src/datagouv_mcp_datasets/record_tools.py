"""get_dataset_record (one dataset's normalised record) and harvest_datasets (the records of
a search's first datasets, bounded: the command line harvests whole searches)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from datagouv_mcp import NotFoundError, PluginContext, ToolResult, ToolSpec
from datagouv_mcp.text import inline
from datagouv_mcp_datasets.arguments import (
    FIND_DATASET,
    DatasetId,
    DatasetQuery,
    Formats,
    Geozone,
    OrganizationFilter,
    Tags,
)
from datagouv_mcp_datasets.client import Filter
from datagouv_mcp_datasets.harvest import Collected, Harvest, Plan
from datagouv_mcp_datasets.record_models import DatasetMiss, DatasetRecord, HarvestResult
from datagouv_mcp_datasets.records import RecordBuilder, now
from datagouv_mcp_datasets.tools import Catalogue

HARVEST_MAX = 20
SUMMARY_LINES = 20

GET_DATASET_RECORD = """Get a dataset's normalised record: one stable JSON shape with the \
whole description, organization, tags, licence, dates, frequency, geographic scope, temporal \
coverage, every resource (format, size, URL, permanent URL, schema, Tabular API \
availability), file URLs, API endpoints (including the dataservices that list it), formats, \
a few related datasets of the same organization, and quality signals.

The structured content is the record; the text is a short summary. Use it to extract clean \
metadata rather than parsing get_dataset_info's text."""

HARVEST_DATASETS = f"""Harvest the normalised records of a search's first datasets (at most \
{HARVEST_MAX}): each as get_dataset_record gives it, in the structured content's `results`, \
with `total_results` the number the search finds in all.

For whole searches (thousands of datasets, incremental re-runs), the command line \
`datagouv-mcp harvest QUERY --out records.jsonl` does the same without a bound."""


def summary(record: DatasetRecord) -> str:
    organization = record.organization.name if record.organization else "none"
    formats = ", ".join(record.formats[:8]) or "none"
    lines = [
        f"Dataset record: {inline(record.title)}",
        f"ID: {record.metadata.id}",
        f"URL: {record.url}",
        f"Organization: {inline(organization, 120)}",
        f"License: {record.license or 'not specified'}",
        f"Updated: {record.updated_at or 'unknown'}",
        f"Resources: {len(record.resources)} (formats: {inline(formats, 200)})",
        f"API endpoints: {len(record.api_endpoints)}",
        f"Related datasets: {len(record.related_datasets)}",
    ]
    if record.extraction_partial:
        lines.append(
            "Partial: yes (" + inline("; ".join(record.metadata.upstream_errors), 300) + ")"
        )
    lines.append("The structured content holds the whole record.")
    return "\n".join(lines)


def get_dataset_record(catalogue: Catalogue) -> ToolSpec:
    builder = RecordBuilder(catalogue)

    async def handler(dataset_id: DatasetId) -> ToolResult:
        outcome = await builder.build(dataset_id)
        if isinstance(outcome, DatasetMiss):
            raise NotFoundError(f"Dataset with ID '{dataset_id}' not found.", hint=FIND_DATASET)
        return ToolResult(catalogue.text(summary(outcome)), outcome)

    return ToolSpec(
        "get_dataset_record", "Get dataset record", GET_DATASET_RECORD, handler, DatasetRecord
    )


def harvest_text(result: HarvestResult) -> str:
    if result.total_results == 0:
        return f"No datasets found for query: '{inline(result.query, 200)}'"
    records = [r for r in result.results if isinstance(r, DatasetRecord)]
    lines = [
        f"Harvested {len(records)} record(s) of {result.total_results} dataset(s) for query: "
        f"'{inline(result.query, 200)}'",
        "",
    ]
    for number, item in enumerate(result.results[:SUMMARY_LINES], 1):
        if isinstance(item, DatasetMiss):
            lines.append(f"{number}. (not found) ID: {item.dataset_id}")
            continue
        partial = " (partial)" if item.extraction_partial else ""
        lines.append(
            f"{number}. {inline(item.title, 150)}{partial}\n   ID: {item.metadata.id}\n"
            f"   Resources: {len(item.resources)}, formats: {inline(', '.join(item.formats), 100)}"
        )
    if result.total_results > len(result.results):
        lines += [
            "",
            f"{result.total_results - len(result.results)} more: narrow the query, or "
            "harvest them all with `datagouv-mcp harvest` on the command line.",
        ]
    lines.append("The structured content holds every record.")
    return "\n".join(lines)


def harvest_datasets(catalogue: Catalogue) -> ToolSpec:
    builder = RecordBuilder(catalogue)

    async def handler(
        query: DatasetQuery,
        max_datasets: Annotated[
            int, Field(ge=1, le=HARVEST_MAX, description="How many records, at most.")
        ] = 10,
        organization: OrganizationFilter = None,
        tag: Tags = None,
        format: Formats = None,
        geozone: Geozone = None,
    ) -> ToolResult:
        filters: dict[str, Filter] = {
            "tag": tag,
            "format": format,
            "geozone": geozone,
            "organization": await catalogue.organization_id(organization) if organization else None,
        }
        asked = " ".join(query.split())
        started = now()
        sink = Collected()
        plan = Plan([asked], filters, max_datasets, concurrency=4, page_size=max_datasets)
        tally = await Harvest(builder, plan, sink).run()
        result = HarvestResult(
            query=query,
            total_results=tally.announced,
            results=sink.outcomes,
            extraction_date=started,
        )
        return ToolResult(catalogue.text(harvest_text(result)), result)

    return ToolSpec(
        "harvest_datasets", "Harvest dataset records", HARVEST_DATASETS, handler, HarvestResult
    )


def build(context: PluginContext) -> list[ToolSpec]:
    catalogue = Catalogue.of(context)
    return [get_dataset_record(catalogue), harvest_datasets(catalogue)]
