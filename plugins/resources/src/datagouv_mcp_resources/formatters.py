"""Typed results to the text the model reads. Pure and bounded.

get_resource_info keeps the official server's lines (clients parse them) and adds what it left
out: the columns with their detected formats, the row count, indexes, aggregation. Rows are a
compact table: the header once, one line per row, long cells cut with a marker. Every value
from the catalogue or a file goes through `datagouv_mcp.text` (one line, fenced or clipped).
"""

from __future__ import annotations

from collections.abc import Callable

from datagouv_mcp.text import block, human_size, inline, table
from datagouv_mcp_resources.models import (
    AppliedFilter,
    Column,
    DownloadResult,
    QueryResult,
    ResourceInfo,
)

TITLE = 200
URL = 500
# csv-detective's formats in words: the columns to filter or join on.
FORMAT_LABELS = {
    "code_commune_insee": "commune INSEE code",
    "code_commune": "commune INSEE code",
    "code_postal": "postcode",
    "code_departement": "département code",
    "code_region": "region code",
    "code_pays": "country code",
    "code_fantoir": "FANTOIR street code",
    "code_waldec": "association RNA code",
    "code_rna": "association RNA code",
    "uai": "school UAI code",
    "siren": "SIREN company number",
    "siret": "SIRET establishment number",
    "insee_ape700": "NAF/APE activity code",
    "commune": "commune name",
    "departement": "département name",
    "region": "region name",
    "pays": "country name",
    "latitude_wgs": "latitude (WGS84)",
    "longitude_wgs": "longitude (WGS84)",
    "latlon_wgs": "latitude,longitude (WGS84)",
    "date": "date",
    "datetime": "date and time",
    "datetime_iso": "date and time (ISO 8601)",
    "datetime_rfc822": "date and time (RFC 822)",
    "year": "year",
    "email": "email address",
    "url": "URL",
    "tel_fr": "French phone number",
    "booleen": "boolean",
    "json": "JSON",
}
PLAIN_FORMATS = frozenset({"string", "int", "float"})


def _column(column: Column) -> str:
    parts = [inline(column.type, 20)] if column.type else []
    fmt = column.format
    if fmt and fmt not in PLAIN_FORMATS and fmt != column.type:
        label = FORMAT_LABELS.get(fmt)
        parts.append(f"{label} ({inline(fmt, 40)})" if label else f"format {inline(fmt, 40)}")
    return f"- {inline(column.name, 100)}" + (f": {', '.join(parts)}" if parts else "")


def _everything(tool: str) -> bool:
    return True


def format_resource_info(info: ResourceInfo, offers: Callable[[str], bool] = _everything) -> str:
    resource, tabular = info.resource, info.tabular
    lines = [f"Resource Information: {inline(resource.title, TITLE) or 'Unknown'}", ""]
    lines.append(f"Resource ID: {resource.id}")
    for label, value in (
        ("Format", resource.format),
        ("MIME type", resource.mime),
        ("Type", resource.type),
    ):
        if value:
            lines.append(f"{label}: {inline(value, 100)}")
        if label == "Format" and resource.filesize:
            lines.append(f"Size: {human_size(resource.filesize)}")
    if resource.url:
        lines += ["", f"URL: {inline(resource.url, URL)}"]
    if resource.latest_url:
        lines.append(f"Latest URL: {resource.latest_url}")
    if resource.description:
        lines += ["", "Description:", block(resource.description, "description", 1000)]
    if resource.dataset_id:
        lines += ["", f"Dataset ID: {resource.dataset_id}"]
        if info.dataset is not None and info.dataset.title:
            lines.append(f"Dataset: {inline(info.dataset.title, TITLE)}")
    facts = []
    if resource.last_modified:
        facts.append(f"Last modified: {resource.last_modified}")
    schema = resource.data_schema
    if schema is not None and (schema.name or schema.url):
        version = f" {inline(schema.version, 40)}" if schema.version else ""
        facts.append(f"Schema: {inline(schema.name or schema.url, 200)}{version}")
    if resource.checksum is not None:
        kind = f"{inline(resource.checksum.type, 20)} " if resource.checksum.type else ""
        facts.append(f"Checksum: {kind}{inline(resource.checksum.value, 128)}")
    if facts:
        lines += ["", *facts]
    lines += ["", "Tabular API availability:", _availability(info)]
    if tabular.available:
        lines += _tabular_facts(info, offers)
    else:
        lines.append(f"Why: {tabular.reason}")
        if offers("download_and_parse_resource"):
            lines.append(
                f"Next: download_and_parse_resource(resource_id='{resource.id}') reads the "
                "first rows of its file (CSV, JSON, Excel, ZIP...); or download it from its URL."
            )
    return "\n".join(lines)


def _availability(info: ResourceInfo) -> str:
    tabular = info.tabular
    if tabular.available:
        if tabular.crawler_exception:
            return "✅ Available via Tabular API (large file exception)"
        return "✅ Available via Tabular API (can be queried)"
    if tabular.reason.startswith("could not check"):
        return "⚠️  Could not check Tabular API availability"
    return "⚠️  Not available via Tabular API (may not be tabular data)"


def _tabular_facts(info: ResourceInfo, offers: Callable[[str], bool]) -> list[str]:
    tabular = info.tabular
    lines = []
    if tabular.rows is not None:
        lines.append(f"Rows: {tabular.rows:,}")
    if tabular.columns:
        lines.append(f"Columns ({len(tabular.columns)}; type, and detected format):")
        lines += [_column(column) for column in tabular.columns[:200]]
        if len(tabular.columns) > 200:
            lines.append(f"(+{len(tabular.columns) - 200} more columns in the structured content)")
    elif tabular.reason:
        lines.append(f"Columns: unknown ({tabular.reason})")
    if tabular.indexed_columns:
        indexed = ", ".join(inline(name, 100) for name in tabular.indexed_columns)
        lines.append(f"Indexed columns (the only ones aggregates may use): {indexed}")
    allowed = "allowed" if tabular.aggregation_allowed else "not allowed for this resource"
    lines.append(f"Aggregation (group_by and aggregates of query_resource_data): {allowed}")
    if offers("query_resource_data"):
        lines.append(
            f"Next: query_resource_data(resource_id='{info.resource.id}') reads its rows; "
            "filter and sort on the columns above."
        )
    return lines


# -- rows ------------------------------------------------------------------------------------


def _filter(applied: AppliedFilter) -> str:
    named = f"{inline(applied.column, 60)} {applied.operator}"
    if applied.value is None:
        return named
    if isinstance(applied.value, list):
        return f"{named} (" + ",".join(inline(str(v), 40) for v in applied.value) + ")"
    return f"{named} {inline(str(applied.value), 60)}"


def format_rows(result: QueryResult, cell_chars: int) -> str:
    first = (result.page - 1) * result.page_size + 1
    last = first + len(result.rows) - 1
    what = "groups" if result.aggregates or result.group_by else "rows"
    of = f" of {result.total:,}" if result.total is not None else ""
    if result.rows:
        head = f"{what.capitalize()} {first}-{last}{of} (page {result.page}):"
    else:
        head = f"No {what} on page {result.page}{of}."
    lines = [head]
    if result.filters:
        lines.append("Filters: " + "; ".join(_filter(f) for f in result.filters))
    if result.sort:
        lines.append(f"Sort: {inline(result.sort, 100)}")
    if result.group_by or result.aggregates:
        grouped = ", ".join(inline(name, 60) for name in result.group_by) or "-"
        lines.append(f"Group by: {grouped}; aggregates: {', '.join(result.aggregates) or '-'}")
    if result.rows:
        lines += table(result.columns, result.rows, cell_chars)
    elif result.total:
        lines.append(f"This page is past the last one: ask for page <= {_last(result)}.")
    else:
        lines.append("No row matches these filters.")
    if result.next_page is not None:
        lines.append(f"Next: page={result.next_page}, same arguments.")
    return "\n".join(lines)


def _last(result: QueryResult) -> int:
    return max(1, -(-(result.total or 0) // result.page_size))


def format_download(result: DownloadResult, cell_chars: int) -> str:
    first = result.offset + 1
    last = result.offset + len(result.rows)
    details = result.details
    how = [
        f"{key} {details[key]!r}" for key in ("encoding", "delimiter", "sheet") if key in details
    ]
    if "member" in details:
        how.append(f"member {inline(str(details['member']), 200)!r} of the archive")
    lines = [
        f"Resource {result.resource_id} ({inline(result.title, TITLE) or 'Untitled'}): "
        + (f"rows {first}-{last}" if result.rows else "no rows")
        + f" of its {result.format} file"
        + (f" ({', '.join(how)})" if how else ""),
        f"URL: {inline(result.url, URL)}",
    ]
    size = f" of {result.file_size:,}" if result.file_size else ""
    lines.append(f"Read {result.bytes_read:,} bytes{size}.")
    if result.rows:
        lines += table(result.columns, result.rows, cell_chars)
    if details.get("error"):
        lines.append(f"Note: {inline(str(details['error']), 300)}")
    if details.get("invalid_lines"):
        lines.append(f"Note: {details['invalid_lines']} line(s) were not JSON and were skipped.")
    lines.append(_download_next(result))
    others = details.get("sheets") or details.get("members")
    if isinstance(others, list) and len(others) > 1:
        key = "sheet" if "sheets" in details else "member"
        listed = ", ".join(inline(str(name), 80) for name in others[:20])
        lines.append(f"Other {key}s ({len(others)}): {listed}; choose one with {key}=...")
    return "\n".join(lines)


def _download_next(result: DownloadResult) -> str:
    if result.stopped_by == "max_rows":
        return f"More rows follow: call again with offset={result.next_offset}."
    if result.stopped_by == "end_of_file":
        return f"The file ends here ({result.offset + len(result.rows)} rows in all)."
    cap = "the byte cap" if result.stopped_by == "byte_cap" else "the time cap"
    return (
        f"Reading stopped at {cap} after {result.bytes_read:,} bytes: the file may go on, but "
        "this tool reads no further into it (the cap counts from the start of the file)."
    )
