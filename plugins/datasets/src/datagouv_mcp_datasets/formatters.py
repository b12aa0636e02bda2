"""Typed results to the text the model reads. Pure and bounded.

The shapes follow the official server's where clients parse them (search_datasets above all).
Every title, name, tag, format and description comes from the catalogue, written by third
parties, so it goes through `datagouv_mcp.text`: `inline()` flattens one-line fields, so they
cannot fake lines of our own, and `block()` fences descriptions as data. Whole answers are
capped by the tools with `datagouv_mcp.text.bounded`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from datagouv_mcp.text import block, empty_result_advice, human_size, inline
from datagouv_mcp_datasets.arguments import FILTER_FORMS
from datagouv_mcp_datasets.models import (
    Dataset,
    DatasetResources,
    Resource,
    SearchDatasetsResult,
    SearchOrganizationsResult,
)

TITLE = 200
TAG = 60
URL = 500
ZONES_SHOWN = 10
QUALITY_LABELS = {
    "license": "licence",
    "temporal_coverage": "temporal coverage",
    "spatial": "spatial coverage",
    "update_frequency": "update frequency",
    "update_fulfilled_in_time": "updated on time",
    "dataset_description_quality": "description quality",
    "has_resources": "has resources",
    "has_open_format": "open formats",
    "all_resources_available": "all resources available",
    "resources_documentation": "resources documented",
}


def _everything(tool: str) -> bool:
    return True


def _tags(tags: list[str], shown: int) -> str:
    listed = ", ".join(inline(tag, TAG) for tag in tags[:shown])
    more = len(tags) - shown
    return f"{listed} (+{more} more)" if more > 0 and listed else listed


def _filters(filters: dict[str, str]) -> str:
    return ", ".join(f"{name}={inline(value, 100)}" for name, value in filters.items())


def _call(tool: str, **arguments: object) -> str:
    listed = ", ".join(f"{name}={value!r}" for name, value in arguments.items())
    return f"{tool}({listed})"


def _past_the_end(tool: str, total: int, page_size: int) -> str:
    last = max(1, -(-total // page_size))
    return (
        f"This page is past the last one: with page_size={page_size}, call {tool} with "
        f"page <= {last}."
    )


def _owner_lines(dataset: Dataset, indent: str) -> list[str]:
    if dataset.organization is not None:
        return [f"{indent}Organization: {inline(dataset.organization.name, TITLE)}"]
    if dataset.owner is not None and dataset.owner.name:
        return [f"{indent}Owner: {inline(dataset.owner.name, TITLE)}"]
    return []


# -- search_datasets ---------------------------------------------------------------------


def _search_hit(number: int, dataset: Dataset, tags_shown: int) -> list[str]:
    lines = [f"{number}. {inline(dataset.title, TITLE) or 'Untitled'}", f"   ID: {dataset.id}"]
    summary = dataset.description_short or dataset.description
    if summary and summary.strip():
        lines.append(f"   Description: {inline(summary, 200)}")
    lines += _owner_lines(dataset, "   ")
    if dataset.tags and tags_shown:
        lines.append(f"   Tags: {_tags(dataset.tags, tags_shown)}")
    lines.append(f"   Resources: {dataset.resources_count or 0}")
    lines.append(f"   URL: {dataset.url}")
    return [*lines, ""]


def format_search_datasets(result: SearchDatasetsResult, tags_shown: int = 5) -> str:
    if not result.datasets and not result.total:
        headline = f"No datasets found for query: '{inline(result.query)}'"
        advice = empty_result_advice("search_datasets", result.filters, FILTER_FORMS)
        return "\n".join([headline, *advice])
    lines = [f"Found {result.total} dataset(s) for query: '{inline(result.effective_query)}'"]
    if result.filters:
        lines.append(f"Filters: {_filters(result.filters)}")
    if result.dropped_words:
        dropped = ", ".join(inline(word, 50) for word in result.dropped_words)
        lines.append(
            f"Note: no dataset matched every word of '{inline(result.query)}', so the search "
            f"was retried without the generic word(s): {dropped}."
        )
    lines += [f"Page {result.page} of results:", ""]
    if not result.datasets:
        return "\n".join([*lines, _past_the_end("search_datasets", result.total, result.page_size)])
    first = (result.page - 1) * result.page_size
    for offset, dataset in enumerate(result.datasets, 1):
        lines += _search_hit(first + offset, dataset, tags_shown)
    if result.next_page is not None:
        lines.append(
            f"More results: call search_datasets with the same arguments and "
            f"page={result.next_page}."
        )
    elif result.has_more:
        lines.append(
            "More results exist beyond the 10000 the search can reach: narrow the query or add "
            "filters (organization, tag, format, geozone...)."
        )
    lines.append(
        "Next: list_dataset_resources(dataset_id) lists a dataset's files; get_dataset_info "
        "gives its full description and coverage."
    )
    return "\n".join(lines)


# -- get_dataset_info --------------------------------------------------------------------


def _status(dataset: Dataset) -> list[str]:
    states = []
    if dataset.deleted:
        states.append(f"deleted on {dataset.deleted}")
    if dataset.archived:
        states.append(f"archived on {dataset.archived}")
    if dataset.private:
        states.append("private")
    return [f"Status: {', '.join(states)}"] if states else []


def _quality(dataset: Dataset) -> list[str]:
    quality = dataset.quality
    if quality is None:
        return []
    parts = []
    if quality.score is not None:
        parts.append(f"{round(quality.score * 100)}%")
    met = [QUALITY_LABELS.get(k, k) for k, v in quality.signals.items() if v]
    unmet = [QUALITY_LABELS.get(k, k) for k, v in quality.signals.items() if not v]
    if quality.signals:
        parts.append(f"{len(met)}/{len(quality.signals)} criteria met")
    line = f"Quality score: {' - '.join(parts)}"
    return [line + (f"; missing: {', '.join(unmet)}" if unmet else "")]


def _metrics(dataset: Dataset) -> list[str]:
    if dataset.metrics is None:
        return []
    values = dataset.metrics.model_dump(exclude_none=True)
    return [f"Metrics: {', '.join(f'{k}={v}' for k, v in values.items())}"] if values else []


def _coverage(dataset: Dataset) -> list[str]:
    lines = []
    spatial = dataset.spatial
    if spatial is not None:
        parts = []
        if spatial.granularity:
            parts.append(f"granularity {inline(spatial.granularity, 80)}")
        if spatial.zones:
            zones = ", ".join(inline(zone, 80) for zone in spatial.zones[:ZONES_SHOWN])
            more = len(spatial.zones) - ZONES_SHOWN
            parts.append(f"zones {zones}" + (f" (+{more} more)" if more > 0 else ""))
        if spatial.has_geometry:
            parts.append("with a geometry")
        lines.append(f"Spatial coverage: {'; '.join(parts)}")
    temporal = dataset.temporal_coverage
    if temporal is not None:
        lines.append(f"Temporal coverage: {temporal.start or '?'} to {temporal.end or '?'}")
    return lines


def _resources_line(dataset: Dataset) -> str:
    line = f"Resources: {dataset.resources_count or 0} file(s)"
    if dataset.resource_formats:
        counts = ", ".join(f"{inline(f.format, 40)} ({f.count})" for f in dataset.resource_formats)
        line += f"; formats: {counts}"
    return line


def _sections(*sections: Iterable[str]) -> list[str]:
    """Non-empty sections separated by a blank line, as the official server spaces them."""
    lines: list[str] = []
    for section in sections:
        kept = list(section)
        if kept:
            lines += ["", *kept] if lines else kept
    return lines


def format_dataset_info(info: Dataset, description_chars: int = 4000, tags_shown: int = 20) -> str:
    identity = [f"ID: {info.id}"]
    if info.slug:
        identity.append(f"Slug: {inline(info.slug, 400)}")
    identity.append(f"URL: {info.url}")
    if info.acronym:
        identity.append(f"Acronym: {inline(info.acronym, 80)}")
    description = []
    if info.description_short:
        description.append(f"Description: {inline(info.description_short, 500)}")
    if info.description and info.description.strip():
        description += [
            "Full description:",
            block(info.description, "description", description_chars),
        ]
        if len(info.description.strip()) > description_chars:
            description.append("(The whole description is in the structured content.)")
    owner = _owner_lines(info, "")
    if info.organization is not None and info.organization.id:
        owner.append(f"  Organization ID: {info.organization.id}")
    resources = [_resources_line(info)]
    if info.community_resources_count:
        resources.append(f"Community resources: {info.community_resources_count}")
    dates = [
        f"{label}: {value}"
        for label, value in (
            ("Created", info.created_at),
            ("Last updated", info.last_update),
            ("Metadata modified", info.last_modified),
        )
        if value
    ]
    terms = [
        f"{label}: {inline(value, 100)}"
        for label, value in (("License", info.license), ("Update frequency", info.frequency))
        if value
    ]
    if info.access_type and info.access_type != "open":
        terms.append(f"Access: {inline(info.access_type, 60)}")
    extra = [*_quality(info), *_metrics(info)]
    if info.badges:
        extra.append(f"Badges: {', '.join(inline(b, 40) for b in info.badges)}")
    body = _sections(
        identity + _status(info),
        description,
        owner,
        [f"Tags: {_tags(info.tags, tags_shown)}"] if info.tags and tags_shown else [],
        resources,
        dates,
        terms,
        _coverage(info),
        extra,
        [f"Next: {_call('list_dataset_resources', dataset_id=info.id)} lists its files."],
    )
    return "\n".join([f"Dataset Information: {inline(info.title, TITLE) or 'Untitled'}", "", *body])


# -- list_dataset_resources --------------------------------------------------------------


def _resource(number: int, resource: Resource) -> list[str]:
    lines = [
        f"{number}. {inline(resource.title, TITLE) or 'Untitled'}",
        f"   Resource ID: {resource.id}",
    ]
    if resource.format:
        lines.append(f"   Format: {inline(resource.format, 40)}")
    if resource.filesize:
        lines.append(f"   Size: {human_size(resource.filesize)}")
    if resource.mime:
        lines.append(f"   MIME type: {inline(resource.mime, 100)}")
    if resource.type:
        lines.append(f"   Type: {inline(resource.type, 40)}")
    if resource.url:
        lines.append(f"   URL: {inline(resource.url, URL)}")
    if resource.latest_url:
        lines.append(f"   Latest URL: {resource.latest_url}")
    if resource.last_modified:
        lines.append(f"   Last modified: {resource.last_modified}")
    schema = resource.data_schema
    if schema is not None and (schema.name or schema.url):
        named = inline(schema.name or schema.url, 200)
        version = f" {inline(schema.version, 40)}" if schema.version else ""
        lines.append(f"   Schema: {named}{version}")
    lines.append(f"   Tabular API: {'yes' if resource.tabular_api else 'no'}")
    return [*lines, ""]


def format_resources(result: DatasetResources, offers: Callable[[str], bool] = _everything) -> str:
    lines = [
        f"Resources in dataset: {inline(result.dataset_title, TITLE) or 'Untitled'}",
        f"Dataset ID: {result.dataset_id}",
        f"Total resources: {result.total}",
    ]
    if result.filters:
        lines.append(f"Filters: {_filters(result.filters)}")
    first = (result.page - 1) * result.page_size
    if result.resources and (result.page > 1 or result.has_more):
        last = first + len(result.resources)
        lines.append(f"Showing resources {first + 1}-{last} (page {result.page}).")
    lines.append("")
    if not result.resources:
        if result.filters:
            call = _call("list_dataset_resources", dataset_id=result.dataset_id)
            lines.append(f"No resource matches these filters. Next: {call} lists them all.")
        elif result.total:
            lines.append(_past_the_end("list_dataset_resources", result.total, result.page_size))
        else:
            lines.append("This dataset has no resources.")
        return "\n".join(lines)
    for offset, resource in enumerate(result.resources, 1):
        lines += _resource(first + offset, resource)
    if result.next_page is not None:
        call = _call("list_dataset_resources", dataset_id=result.dataset_id, page=result.next_page)
        lines.append(f"More resources: call {call} (same page_size and filters).")
    if offers("query_resource_data"):
        lines.append(
            "Resources with 'Tabular API: yes' can be queried with query_resource_data; "
            "download the others from their URL (the Latest URL always points to the current "
            "file)."
        )
    else:
        lines.append(
            "Download a file from its URL (the Latest URL always points to the current one)."
        )
    return "\n".join(lines)


# -- search_organizations ----------------------------------------------------------------


def format_organizations(result: SearchOrganizationsResult) -> str:
    if not result.organizations and not result.total:
        label = f"query '{inline(result.query)}'" if result.query else "current filters"
        advice = empty_result_advice("search_organizations", result.filters, FILTER_FORMS)
        return "\n".join([f"No organizations found for {label}", *advice])
    bits = [f"query '{inline(result.query)}'"] if result.query else []
    bits += [f"{name}={inline(value, 100)}" for name, value in result.filters.items()]
    lines = [
        f"Found {result.total} organization(s) ({', '.join(bits) or 'browse (no text query)'})",
        f"Page {result.page} of results:",
        "",
    ]
    if not result.organizations:
        return "\n".join(
            [*lines, _past_the_end("search_organizations", result.total, result.page_size)]
        )
    first = (result.page - 1) * result.page_size
    for offset, org in enumerate(result.organizations, 1):
        title = inline(org.name, TITLE) or "Untitled"
        if org.acronym:
            title += f" ({inline(org.acronym, 40)})"
        lines += [f"{first + offset}. {title}", f"   ID: {org.id}"]
        if org.slug:
            lines.append(f"   Slug: {inline(org.slug, 400)}")
        if org.badges:
            lines.append(f"   Badges: {', '.join(inline(b, 40) for b in org.badges)}")
        if org.metrics is not None:
            values = org.metrics.model_dump(include={"datasets", "reuses", "followers", "views"})
            shown = [f"{k}={v}" for k, v in values.items() if v is not None]
            if shown:
                lines.append(f"   Metrics: {', '.join(shown)}")
        lines += [f"   URL: {org.url}", ""]
    if result.next_page is not None:
        lines.append(
            f"More results: call search_organizations with the same arguments and "
            f"page={result.next_page}."
        )
    lines.append(
        "Next: search_datasets(query='', organization=<ID>) lists an organization's datasets."
    )
    return "\n".join(lines)
