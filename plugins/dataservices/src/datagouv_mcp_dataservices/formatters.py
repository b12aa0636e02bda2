"""Typed results to the text the model reads. Pure and bounded.

The official server's lines are kept where clients parse them ("Found N third-party API(s)
for query: ...", "Third-party API information: ...", "OpenAPI spec for: ..."). Every value
from the catalogue or from an API description (titles, summaries, parameter descriptions)
is third-party text: one-line fields go through `inline`, descriptions through `block`.
Hints name a tool only when the server offers it (`offers`).
"""

from __future__ import annotations

from collections.abc import Callable

from datagouv_mcp.text import block, empty_result_advice, inline
from datagouv_mcp_dataservices.models import (
    DataserviceInfo,
    OpenApiSummary,
    Operation,
    SearchDataservicesResult,
)

TITLE = 200
URL = 500
Offers = Callable[[str], bool]


def _everything(tool: str) -> bool:
    return True


def _access(access_type: str | None, request_url: str | None) -> str:
    access = inline(access_type or "open", 40)
    if request_url and access_type != "open":
        return f"{access} (request access: {inline(request_url, URL)})"
    return access


# The form each filter takes, for the advice of an empty result.
FILTER_FORMS = {
    "organization": "an organization's id or slug (search_organizations gives them)",
    "tag": "tags as data.gouv.fr writes them (lower case, hyphens); an API must have all",
    "access_type": "open, open_with_account or restricted",
}


def format_search(result: SearchDataservicesResult, offers: Offers = _everything) -> str:
    if not result.dataservices and not result.total:
        headline = f"No third-party APIs found for query: '{inline(result.query)}'"
        forms = {
            name: form
            for name, form in FILTER_FORMS.items()
            if name != "organization" or offers("search_organizations")
        }
        advice = empty_result_advice("search_dataservices", result.filters, forms)
        return "\n".join([headline, *advice])
    lines = [
        f"Found {result.total} third-party API(s) for query: '{inline(result.effective_query)}'"
    ]
    if result.filters:
        shown = ", ".join(f"{k}={inline(v, 100)}" for k, v in result.filters.items())
        lines.append(f"Filters: {shown}")
    if result.dropped_words:
        dropped = ", ".join(inline(word, 50) for word in result.dropped_words)
        lines.append(
            f"Note: no API matched every word of '{inline(result.query)}', so the search was "
            f"retried without the generic word(s): {dropped}."
        )
    lines += [f"Page {result.page} of results:", ""]
    first = (result.page - 1) * result.page_size
    for offset, api in enumerate(result.dataservices, 1):
        lines += [f"{first + offset}. {inline(api.title, TITLE) or 'Untitled'}", f"   ID: {api.id}"]
        if api.description and api.description.strip():
            # cut by the tool (search_description_chars), `…` marking the cut
            lines.append(f"   Description: {inline(api.description, len(api.description))}")
        if api.organization is not None and api.organization.name:
            lines.append(f"   Organization: {inline(api.organization.name, TITLE)}")
        if api.base_api_url:
            lines.append(f"   Base API URL: {inline(api.base_api_url, URL)}")
        documentation = api.machine_documentation_url or api.technical_documentation_url
        if documentation:
            lines.append(f"   Documentation: {inline(documentation, URL)}")
        lines.append(f"   Access: {_access(api.access_type, api.authorization_request_url)}")
        if api.tags:
            lines.append(f"   Tags: {', '.join(inline(tag, 60) for tag in api.tags[:5])}")
        lines += [f"   URL: {api.url}", ""]
    if result.next_page is not None:
        lines.append(
            f"More results: call search_dataservices with the same arguments and "
            f"page={result.next_page}."
        )
    nexts = [
        f"{tool}(dataservice_id) {what}"
        for tool, what in (
            ("get_dataservice_info", "gives an API's full record"),
            ("get_dataservice_openapi_spec", "lists its operations and how to call them"),
        )
        if offers(tool)
    ]
    if nexts:
        lines.append("Next: " + "; ".join(nexts) + ".")
    return "\n".join(lines)


def format_info(info: DataserviceInfo, description_chars: int, offers: Offers = _everything) -> str:
    api = info.dataservice
    lines = [f"Third-party API information: {inline(api.title, TITLE) or 'Unknown'}", ""]
    lines += [f"ID: {api.id}", f"URL: {api.url}/"]
    if api.slug:
        lines.append(f"Slug: {inline(api.slug, 400)}")
    if api.description and api.description.strip():
        lines += ["", "Description:", block(api.description, "description", description_chars)]
    technical = [
        f"{label}: {inline(value, URL)}"
        for label, value in (
            ("Base API URL", api.base_api_url),
            ("OpenAPI/Swagger spec", api.machine_documentation_url),
            ("Technical documentation", api.technical_documentation_url),
            ("Business documentation", api.business_documentation_url),
        )
        if value
    ]
    technical.append(f"Access: {_access(api.access_type, api.authorization_request_url)}")
    published = (
        ("Rate limits", inline(api.rate_limiting or "", 200), api.rate_limiting_url),
        (
            "Availability",
            f"{api.availability:g}%" if api.availability is not None else "",
            api.availability_url,
        ),
    )
    for label, value, url in published:
        where = f"see {inline(url, URL)}" if url else ""
        if value or where:
            technical.append(
                f"{label}: " + (f"{value} ({where})" if value and where else value or where)
            )
    if api.format:
        technical.append(f"Format: {inline(api.format, 40)}")
    lines += ["", *technical]
    if api.organization is not None:
        lines += ["", f"Organization: {inline(api.organization.name, TITLE) or 'Unknown'}"]
        if api.organization.id:
            lines.append(f"  Organization ID: {api.organization.id}")
    if api.tags:
        lines += ["", f"Tags: {', '.join(inline(tag, 60) for tag in api.tags[:10])}"]
    dates = [
        f"{label}: {value}"
        for label, value in (
            ("Created", api.created_at),
            ("Last updated", api.metadata_modified_at),
            ("Archived", api.archived_at),
        )
        if value
    ]
    if dates:
        lines += ["", *dates]
    if api.license:
        lines += ["", f"License: {inline(api.license, 100)}"]
    total = info.datasets_total if info.datasets_total is not None else api.datasets_count
    if total:
        lines += ["", f"Related datasets: {total}"]
        for number, dataset in enumerate(info.datasets, 1):
            lines.append(
                f"{number}. {inline(dataset.title, TITLE) or 'Untitled'} (ID: {dataset.id})"
            )
        if total > len(info.datasets) and info.datasets:
            lines.append(f"(+{total - len(info.datasets)} more)")
    if offers("get_dataservice_openapi_spec") and api.machine_documentation_url:
        lines += [
            "",
            f"Next: get_dataservice_openapi_spec(dataservice_id='{api.id}') lists its "
            "operations; call them at the Base API URL.",
        ]
    return "\n".join(lines)


def _operation(operation: Operation) -> list[str]:
    head = f"  {operation.method} {inline(operation.path, 300)}"
    lines = [head + (" (deprecated)" if operation.deprecated else "")]
    if operation.summary:
        lines.append(f"    {inline(operation.summary, 120)}")
    for parameter in operation.parameters:
        kind = inline(parameter.type or "", 40)
        required = " (required)" if parameter.required else ""
        about = f": {inline(parameter.description, 100)}" if parameter.description else ""
        lines.append(
            f"      - {inline(parameter.name, 100)} [{inline(parameter.location, 20)}, {kind}]"
            f"{required}{about}"
        )
    if operation.body is not None:
        fields = ", ".join(
            f"{inline(f.name, 60)} ({inline(f.type, 40)}{', required' if f.required else ''})"
            for f in operation.body
        )
        media = inline(operation.body_type or "", 60)
        lines.append(f"    Body ({media}): {fields or 'no fields described'}")
    if operation.response:
        lines.append(f"    Returns {inline(operation.response, 300)}")
    return lines


def format_spec(summary: OpenApiSummary, base_api_url: str | None) -> str:
    spec = summary.spec
    lines = [
        f"OpenAPI spec for: {inline(summary.dataservice_title, TITLE) or 'Unknown'}",
        f"Source: {inline(summary.documentation_url, URL)}",
    ]
    if base_api_url:
        lines.append(f"Base API URL: {inline(base_api_url, URL)}")
    lines.append("")
    if spec.title:
        lines.append(f"API: {inline(spec.title, TITLE)}")
    if spec.version:
        lines.append(f"Version: {inline(spec.version, 60)}")
    lines.append(f"Format: {spec.format}")
    if spec.description:
        lines += ["Description:", block(spec.description, "api_description", 600)]
    if spec.servers:
        lines += ["", "Servers:", *(f"  - {inline(url, URL)}" for url in spec.servers)]
    if spec.security:
        lines += ["", "Authentication:", *(f"  - {inline(s, 200)}" for s in spec.security)]
    matching = summary.operations_matching
    first = (summary.page - 1) * summary.page_size + 1
    last = first + len(spec.operations) - 1
    scope = f"{summary.operations_total:,} operations"
    if summary.filters:
        filters = ", ".join(f"{k}={inline(v, 100)}" for k, v in summary.filters.items())
        scope += f", {matching:,} matching {filters}"
    shown = f"{first}-{last} shown" if spec.operations else "none on this page"
    lines += ["", f"Endpoints ({scope}; {shown}):"]
    for operation in spec.operations:
        lines += _operation(operation)
    if summary.next_page is not None:
        remaining = matching - last
        lines += [
            "",
            f"More operations: {remaining:,} remain; call again with page={summary.next_page} "
            "(same filters), or narrow with path_filter, tag or method.",
        ]
    elif not spec.operations and matching:
        lines.append(f"This page is past the last one: {matching:,} operations, ask for page 1.")
    elif not matching and summary.filters:
        lines.append("No operation matches these filters.")
    return "\n".join(lines)
