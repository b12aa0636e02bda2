"""The Tabular API's rules, as this plugin applies them: whether a resource is in it (from the
crawler's analysis, never from a failed probe), its query syntax, pages of more than 50 rows,
and its errors explained in terms of the tool's arguments. Pure, but for `fetch_rows`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from datagouv_mcp import InvalidArgumentError, NotFoundError, ToolError
from datagouv_mcp.arguments import naming
from datagouv_mcp.callcontext import offers
from datagouv_mcp.text import clip
from datagouv_mcp.upstream import FLAG, UpstreamError
from datagouv_mcp_resources.arguments import VALUELESS
from datagouv_mcp_resources.client import TABULAR_PAGE_MAX, ResourcesClient
from datagouv_mcp_resources.models import (
    AppliedFilter,
    Column,
    Profile,
    Resource,
    RowsPage,
    TabularInfo,
    TabularPolicy,
)
from datagouv_mcp_resources.parsers import parse_rows

# What the crawler loads into the Tabular API, and up to which size (upstream reference §2.8).
LOADED_FORMATS = {
    "csv": 100 * 2**20,
    "csv.gz": 100 * 2**20,
    "xls": 50 * 2**20,
    "xlsx": 12_800 * 2**10,
}


def read_instead(rid: str) -> str:
    """Where the rows of a resource outside the Tabular API are, naming offered tools only."""
    hint = (
        f"Read its file with download_and_parse_resource(resource_id='{rid}')."
        if offers("download_and_parse_resource")
        else "Download its file from its URL."
    )
    if offers("get_resource_info"):
        hint += " get_resource_info says why it is not in the Tabular API."
    return hint


def why_not(resource: Resource) -> str:
    """Why the crawler did not load a resource into the Tabular API, as far as its record says."""
    if resource.parsing_error:
        return f"the crawler could not load it: {clip(resource.parsing_error, 200)}"
    fmt = (resource.format or "").strip().lower()
    if fmt not in LOADED_FORMATS:
        shown = f"a {clip(fmt, 40)} file" if fmt else "of no declared format"
        return f"the Tabular API loads CSV and Excel files, and this resource is {shown}"
    limit = LOADED_FORMATS[fmt]
    if resource.filesize and resource.filesize > limit:
        return (
            f"it is {resource.filesize:,} bytes, over the {limit:,} bytes the crawler loads for "
            f"{fmt} files (and it is not among the crawler's exceptions)"
        )
    return "the crawler has not loaded it into the Tabular API (not yet, or not at all)"


def tabular_info(
    resource: Resource, policy: TabularPolicy, profile: Profile | ToolError | None
) -> TabularInfo:
    """What the Tabular API offers for a resource: decided from its extras (the crawler sets
    `analysis:parsing:parsing_table` once it loaded the table) and the crawler's exceptions;
    the profile, when there is a table, gives the columns and the row count."""
    listed = resource.id in policy.exceptions
    known = resource.parsing_table is not None or listed
    if not known:
        return TabularInfo(available=False, reason=why_not(resource))
    indexes = policy.exceptions.get(resource.id)
    common: dict[str, Any] = {
        "aggregation_allowed": policy.aggregation_allowed(resource.id),
        "crawler_exception": listed,
    }
    if isinstance(profile, Profile):
        return TabularInfo(
            available=True,
            reason="the crawler loaded it into the Tabular API"
            + (" (a large file exception)" if listed else ""),
            columns=profile.columns,
            rows=profile.rows,
            indexed_columns=list(indexes or profile.indexes or []) or None,
            **common,
        )
    if isinstance(profile, NotFoundError):
        return TabularInfo(
            available=False,
            reason="the crawler analysed it, but the Tabular API has no table for it",
        )
    detail = profile.message if isinstance(profile, ToolError) else "no profile"
    return TabularInfo(
        available=True,
        reason=f"could not read its profile: {clip(detail, 200)}",
        indexed_columns=list(indexes) if indexes else None,
        **common,
    )


# -- queries ---------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _listed(values: list[Any]) -> str:
    """`in` and `notin` values: comma-separated, a value holding a comma or quote quoted."""
    quoted = []
    for value in values:
        text = _text(value)
        if any(c in text for c in ',"()'):
            text = '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
        quoted.append(text)
    return ",".join(quoted)


def query_params(
    applied: list[AppliedFilter],
    sort: tuple[str, str] | None,
    columns: list[str] | None,
    group_by: list[str] | None,
    aggregates: list[tuple[str, str]] | None,
) -> list[tuple[str, Any]]:
    """The Tabular API's query arguments, paging aside: `col__op=value` (the name alone for
    isnull, isnotnull, groupby and aggregates), `col__sort`, `columns`."""
    params: list[tuple[str, Any]] = []
    for item in applied:
        key = f"{item.column}__{item.operator}"
        if item.operator in VALUELESS:
            params.append((key, FLAG))
        elif isinstance(item.value, list):
            params.append((key, _listed(item.value)))
        else:
            params.append((key, _text(item.value)))
    if sort is not None:
        params.append((f"{sort[0]}__sort", sort[1]))
    if columns:
        for name in columns:
            if "," in name or '"' in name:
                raise InvalidArgumentError(
                    f"The column name {name!r} holds a comma or a quote, which the Tabular API "
                    "cannot select.",
                    hint="Leave columns out to get every column.",
                )
        params.append(("columns", ",".join(columns)))
    params += [(f"{name}__groupby", FLAG) for name in group_by or []]
    params += [(f"{column}__{function}", FLAG) for column, function in aggregates or []]
    return params


async def fetch_rows(
    client: ResourcesClient, resource_id: str, params: list[tuple[str, Any]], page: int, size: int
) -> RowsPage:
    """One page of `size` rows: one upstream request up to 50 rows, else the upstream pages
    of 50 that cover it, all at once (still one round trip). `has_next`: rows follow."""
    if size <= TABULAR_PAGE_MAX:
        paging = [("page", page), ("page_size", size)]
        return parse_rows(await client.rows(resource_id, [*params, *paging]))
    offset = (page - 1) * size
    first, last = offset // TABULAR_PAGE_MAX + 1, (offset + size - 1) // TABULAR_PAGE_MAX + 1
    raws = await asyncio.gather(
        *(
            client.rows(resource_id, [*params, ("page", n), ("page_size", TABULAR_PAGE_MAX)])
            for n in range(first, last + 1)
        )
    )
    pages = [parse_rows(raw) for raw in raws]
    start = offset - (first - 1) * TABULAR_PAGE_MAX
    rows = [row for found in pages for row in found.rows][start : start + size]
    total = pages[0].total
    more = offset + len(rows) < total if total is not None else pages[-1].has_next
    return RowsPage(rows=rows, total=total, has_next=more)


# -- errors ----------------------------------------------------------------------------------

ColumnsLookup = Callable[[], Awaitable[list[Column] | None]]


def _named(columns: list[Column] | None) -> str:
    if not columns:
        return "get_resource_info lists them"
    listed = ", ".join(f"{c.name} ({c.type})" if c.type else c.name for c in columns[:60])
    return f"valid columns: {listed}"


def _typed(columns: list[Column] | None, name: str) -> str:
    for column in columns or []:
        if column.name == name and column.type:
            return f"column {name!r} holds {column.type} values"
    return f"check the type of column {name!r} with get_resource_info"


async def explain(
    error: UpstreamError,
    resource_id: str,
    applied: list[AppliedFilter],
    aggregated: bool,
    columns: ColumnsLookup,
) -> ToolError:
    """A Tabular API error in the terms of the tool's arguments: the column that does not
    exist (and the valid ones), the value of the wrong type, the refused aggregation, the
    resource the Tabular API does not have. The columns are fetched on this path only."""
    detail, status = error.detail or error.message, error.status
    lowered = detail.lower()
    if status == 404 and not detail.lower().startswith("database error"):
        return NotFoundError(
            f"Resource {resource_id} is not in the Tabular API, so its rows cannot be queried.",
            hint=read_instead(resource_id),
            code="not_in_tabular_api",
        )
    if status == 410:
        return NotFoundError(
            f"Resource {resource_id} has been deleted: {clip(detail, 300)}",
            hint=naming(
                "list_dataset_resources",
                "Find a current resource with list_dataset_resources.",
                "Find a current resource on the dataset's page.",
            )(),
        )
    if "does not exist" in lowered and "column" in lowered:
        missing = detail.rsplit(".", 1)[-1].split(" does not exist")[0].strip().strip('"')
        return InvalidArgumentError(
            f"Resource {resource_id} has no column {missing!r}.",
            hint=f"Use the exact names: {_named(await columns())}.",
            code="unknown_column",
        )
    if "invalid input syntax for type" in lowered or "operator does not exist" in lowered:
        suspects = [f for f in applied if f.operator not in VALUELESS]
        quoted = detail.split('"')[1] if detail.count('"') >= 2 else None
        culprit = next(
            (f for f in suspects if quoted is not None and quoted in _text(f.value)), None
        )
        culprit = culprit or (suspects[0] if len(suspects) == 1 else None)
        known = await columns()
        where = f"the filter on {culprit.column!r}" if culprit else "a filter"
        why = _typed(known, culprit.column) if culprit else _named(known)
        if "operator does not exist" in lowered and "~~" in detail:
            fix = f"contains and notcontains work on text columns only ({why})."
        else:
            fix = f"{why}: give a value of that type."
        return InvalidArgumentError(
            f"The Tabular API refused {where}: {clip(detail.split(': ', 1)[-1], 160)}.",
            hint=fix[0].upper() + fix[1:],
            code="type_mismatch",
        )
    if "function" in lowered and "does not exist" in lowered:
        return InvalidArgumentError(
            f"The Tabular API refused an aggregate: {clip(detail.split(': ', 1)[-1], 160)}.",
            hint="avg and sum need a numeric column; count, min and max work on any.",
            code="type_mismatch",
        )
    if status == 403 and aggregated:
        if "allowed columns" in lowered:
            return InvalidArgumentError(
                f"The Tabular API allows aggregates on some columns only of resource "
                f"{resource_id}: {clip(detail.split(': ', 1)[-1], 200)}.",
                hint="Aggregate the indexed columns that get_resource_info lists.",
                code="aggregation_not_allowed",
            )
        return InvalidArgumentError(
            f"Aggregation (group_by, aggregates) is not allowed for resource {resource_id} by "
            "the Tabular API.",
            hint="Query without group_by and aggregates, and count from the rows (or their "
            "total); get_resource_info says where aggregation is allowed.",
            code="aggregation_not_allowed",
        )
    if status is not None and 400 <= status < 500:
        return InvalidArgumentError(
            f"The Tabular API refused the query: {clip(detail, 300)}.",
            hint="Check the column names and values with get_resource_info.",
        )
    return error
