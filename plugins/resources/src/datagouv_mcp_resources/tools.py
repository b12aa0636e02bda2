"""The three resources tools. Each is one ToolSpec whose handler's signature is its input
schema (the argument types of arguments.py, checked by the core before it runs); each handler
calls the client, parses, and formats.

No `from __future__ import annotations` here: page_size and max_rows are bounded by settings,
so the handlers' annotations are evaluated where the handlers are defined.
"""

import asyncio
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import Field

from datagouv_mcp import (
    InvalidArgumentError,
    PluginContext,
    ToolError,
    ToolResult,
    ToolSpec,
)
from datagouv_mcp.callcontext import offers
from datagouv_mcp.errors import resource_not_found
from datagouv_mcp.links import SiteLinks
from datagouv_mcp.text import bounded
from datagouv_mcp.upstream import UpstreamError, UpstreamNotFound
from datagouv_mcp_resources import tabular
from datagouv_mcp_resources.arguments import (
    FIND_RESOURCE,
    LIST_OPERATORS,
    VALUELESS,
    Aggregates,
    ArchiveMember,
    Columns,
    FilterColumn,
    FilterOperator,
    Filters,
    FilterValue,
    GroupBy,
    QueryPage,
    ResourceId,
    SheetName,
    SortColumn,
    SortDirection,
)
from datagouv_mcp_resources.client import ResourcesClient
from datagouv_mcp_resources.downloads import Budget, Unsupported, read_file
from datagouv_mcp_resources.file_readers import FileError, Window, clip_value
from datagouv_mcp_resources.formatters import format_download, format_resource_info, format_rows
from datagouv_mcp_resources.models import (
    AppliedFilter,
    Column,
    DatasetRef,
    DownloadResult,
    Profile,
    QueryResult,
    Resource,
    ResourceInfo,
    TabularPolicy,
)
from datagouv_mcp_resources.parsers import (
    parse_dataset_ref,
    parse_policy,
    parse_profile,
    parse_resource_record,
)
from datagouv_mcp_resources.settings import ResourcesSettings

GET_RESOURCE_INFO = """Get detailed information about a specific resource (file).

Returns format, size, MIME type, URL, parent dataset, schema, checksum, and whether the \
Tabular API can query it (decided from the crawler's analysis). When it can: the columns with \
their types and the formats csv-detective found (commune INSEE codes, SIRET, postcodes, \
dates...: the columns to filter or join on), the row count, indexed columns, and whether \
aggregation is allowed. Next step: query_resource_data for a tabular resource, \
download_and_parse_resource for the others."""

QUERY_RESOURCE_DATA = """Query the rows of a tabular resource through data.gouv.fr's Tabular \
API: filter, sort, choose columns, and (where the Tabular API allows it for the resource) \
group and aggregate.

Simple filter: filter_column, filter_value, filter_operator (exact by default). Several \
filters: `filters`, a list of {column, operator, value}, all applied. Operators: exact, \
differs (keeps empty values), contains, notcontains, in and notin (value a list), less and \
greater (inclusive), strictly_less, strictly_greater, isnull and isnotnull (no value). Sort \
with sort_column and sort_direction; keep some columns with `columns`; `group_by` and \
`aggregates` ({column, function}: count, avg, min, max, sum) where get_resource_info says \
aggregation is allowed. Answers a compact table; get column names from get_resource_info."""

DOWNLOAD_AND_PARSE = """Read the rows of a resource's file directly, for files the Tabular \
API cannot query: CSV (any delimiter and encoding), CSV.GZ, JSON, JSON Lines, GeoJSON \
(geometries summarised), Excel and ODS (sheet=...), ZIP archives holding such files \
(member=...). Streams the file and stops after max_rows: memory stays flat whatever its \
size; read a later window with offset. Says how far it read and whether the file goes on."""


@dataclass(frozen=True)
class Resources:
    """What the resources tools share: the client, the settings, the portal's links, and
    the lookups several tools make."""

    client: ResourcesClient
    settings: ResourcesSettings
    links: SiteLinks

    @classmethod
    def of(cls, context: PluginContext) -> "Resources":
        settings = context.settings(ResourcesSettings)
        return cls(ResourcesClient(context.upstream), settings, context.links)

    async def record(self, resource_id: str) -> Resource:
        """A resource's record and its dataset's id; a miss says how to find an id."""
        try:
            raw = await self.client.resource(resource_id)
        except UpstreamNotFound as exc:
            raise resource_not_found(resource_id, exc.message, FIND_RESOURCE()) from None
        return parse_resource_record(raw, self.links)

    async def policy(self) -> TabularPolicy:
        """The crawler's exceptions and the aggregation exceptions (cached documents); an
        empty policy when they cannot be had: the resource's own extras still decide."""
        outcomes = await asyncio.gather(
            self.client.crawler_exceptions(),
            self.client.aggregation_exceptions(),
            return_exceptions=True,
        )
        crawler, aggregation = (
            None if isinstance(outcome, UpstreamError) else outcome for outcome in outcomes
        )
        for outcome in outcomes:
            if isinstance(outcome, BaseException) and not isinstance(outcome, UpstreamError):
                raise outcome
        return parse_policy(crawler, aggregation)

    async def dataset(self, dataset_id: str | None) -> DatasetRef | None:
        """The parent dataset's title, a nicety: None when it cannot be had."""
        if dataset_id is None:
            return None
        try:
            return parse_dataset_ref(await self.client.dataset_summary(dataset_id), self.links)
        except UpstreamError:
            return None

    async def profile(self, resource_id: str, wanted: bool = True) -> Profile | ToolError | None:
        """The table's profile, or the error that stopped it (the tool says which)."""
        if not wanted:
            return None
        try:
            return parse_profile(await self.client.profile(resource_id))
        except UpstreamError as exc:
            return exc

    async def columns(self, resource_id: str) -> list[Column] | None:
        profile = await self.profile(resource_id)
        return profile.columns if isinstance(profile, Profile) else None

    def text(self, text: str) -> str:
        return bounded(text, self.settings.max_text_chars)


def get_resource_info(resources: Resources) -> ToolSpec:
    async def handler(resource_id: ResourceId) -> ToolResult:
        # Round trip 1: the record, and the Tabular API's policy (cached lists).
        resource, policy = await asyncio.gather(resources.record(resource_id), resources.policy())
        tabular_known = resource.parsing_table is not None or resource.id in policy.exceptions
        # Round trip 2: the parent's title, and the table's profile when there is a table.
        dataset, profile = await asyncio.gather(
            resources.dataset(resource.dataset_id), resources.profile(resource.id, tabular_known)
        )
        info = ResourceInfo(
            resource=resource,
            dataset=dataset,
            tabular=tabular.tabular_info(resource, policy, profile),
        )
        return ToolResult(resources.text(format_resource_info(info, offers)), info)

    return ToolSpec(
        "get_resource_info", "Get resource info", GET_RESOURCE_INFO, handler, ResourceInfo
    )


def _applied(
    filter_column: str | None,
    filter_value: str | None,
    operator: str,
    filters: list[Any] | None,
) -> list[AppliedFilter]:
    applied = []
    if filter_column is not None or filter_value is not None:
        if filter_column is None:
            raise InvalidArgumentError(
                "filter_value was given without filter_column.",
                hint="Give filter_column (a column name from get_resource_info) too.",
            )
        if filter_value is None and operator not in VALUELESS:
            raise InvalidArgumentError(
                f"filter_column {filter_column!r} was given without filter_value.",
                hint="Give filter_value, or use filter_operator isnull or isnotnull.",
            )
        value: Any = None if operator in VALUELESS else filter_value
        if operator in LIST_OPERATORS:
            value = [part.strip() for part in str(filter_value).split(",") if part.strip()]
        applied.append(AppliedFilter(column=filter_column, operator=operator, value=value))
    for item in filters or []:
        applied.append(AppliedFilter(column=item.column, operator=item.operator, value=item.value))
    return applied


def query_resource_data(resources: Resources) -> ToolSpec:
    settings = resources.settings

    async def handler(
        resource_id: ResourceId,
        page: QueryPage = 1,
        page_size: Annotated[
            int,
            Field(
                ge=1,
                le=settings.query_max_page_size,
                description=(
                    f"Rows per page, 1 to {settings.query_max_page_size} (above 50 the "
                    "server fetches several Tabular API pages at once)."
                ),
            ),
        ] = 20,
        filter_column: FilterColumn = None,
        filter_value: FilterValue = None,
        filter_operator: FilterOperator = "exact",
        sort_column: SortColumn = None,
        sort_direction: SortDirection = "asc",
        filters: Filters = None,
        columns: Columns = None,
        group_by: GroupBy = None,
        aggregates: Aggregates = None,
    ) -> ToolResult:
        operator = filter_operator or "exact"
        applied = _applied(filter_column, filter_value, operator, filters)
        sort = (sort_column, sort_direction or "asc") if sort_column else None
        aggregations = [(a.column, str(a.function)) for a in aggregates or []]
        params = tabular.query_params(applied, sort, columns, group_by, aggregations)
        try:
            found = await tabular.fetch_rows(resources.client, resource_id, params, page, page_size)
        except UpstreamError as exc:
            raise await tabular.explain(
                exc,
                resource_id,
                applied,
                aggregated=bool(group_by or aggregates),
                columns=lambda: resources.columns(resource_id),
            ) from None
        more = found.has_next
        rows = [
            {k: clip_value(v, settings.value_chars) for k, v in row.items()} for row in found.rows
        ]
        names = list(columns or (rows[0].keys() if rows else []))
        result = QueryResult(
            resource_id=resource_id,
            page=page,
            page_size=page_size,
            total=found.total,
            has_more=more,
            next_page=page + 1 if more and rows else None,
            columns=names,
            rows=rows,
            filters=applied,
            sort=f"{sort[0]} {sort[1]}" if sort else None,
            group_by=list(group_by or []),
            aggregates=[f"{a.column}__{a.function}" for a in aggregates or []],
        )
        return ToolResult(resources.text(format_rows(result, settings.cell_chars)), result)

    return ToolSpec(
        "query_resource_data", "Query resource data", QUERY_RESOURCE_DATA, handler, QueryResult
    )


def download_and_parse_resource(resources: Resources) -> ToolSpec:
    settings = resources.settings

    async def handler(
        resource_id: ResourceId,
        max_rows: Annotated[
            int,
            Field(ge=1, le=settings.download_max_rows, description="Rows to return."),
        ] = 20,
        offset: Annotated[
            int, Field(ge=0, le=100_000_000, description="Rows to skip first (a later window).")
        ] = 0,
        sheet: SheetName = None,
        member: ArchiveMember = None,
    ) -> ToolResult:
        resource = await resources.record(resource_id)
        url = resource.url or resource.latest_url
        if not url:
            raise ToolError(
                f"Resource {resource_id} has no file URL.",
                hint="get_resource_info shows what the catalogue knows of it.",
                code="no_file",
            )
        budget = Budget.of(settings.download_max_bytes, settings.download_max_seconds)
        options = {
            "value_chars": settings.value_chars,
            "spreadsheet_max_bytes": settings.spreadsheet_max_bytes,
            "archive_max_bytes": settings.archive_max_bytes,
            "sheet": sheet,
            "member": member,
        }
        try:
            async with resources.client.file(
                url,
                # The budget stops the read first; these are the hard limits behind it.
                max_bytes=max(settings.download_max_bytes, settings.archive_max_bytes) + 2**20,
                timeout=settings.download_max_seconds + 30,
            ) as response:
                size = response.declared_length or resource.filesize
                download = await read_file(
                    response.iter_bytes(),
                    size,
                    resource.format,
                    response.url,
                    Window(offset, max_rows),
                    budget,
                    options,
                )
        except Unsupported as exc:
            raise ToolError(
                f"Resource {resource_id} is {exc}, which this tool does not read as rows.",
                hint=f"Open it from its URL: {url}",
                code="unsupported_format",
            ) from None
        except FileError as exc:
            raise ToolError(
                f"The file of resource {resource_id} could not be read: {exc}.",
                hint=f"Check it from its URL: {url}",
                code="unreadable_file",
            ) from None
        rows = download.rows
        stopped = download.stopped_by or ("max_rows" if rows.more else "end_of_file")
        result = DownloadResult(
            resource_id=resource.id,
            title=resource.title,
            url=url,
            format=download.format,
            columns=rows.columns,
            rows=rows.rows,
            offset=offset,
            stopped_by=stopped,
            more=True if rows.more else (None if download.stopped_by else False),
            next_offset=offset + len(rows.rows) if rows.more else None,
            bytes_read=download.bytes_read,
            file_size=size,
            details=rows.details,
        )
        return ToolResult(resources.text(format_download(result, settings.cell_chars)), result)

    return ToolSpec(
        "download_and_parse_resource",
        "Download and parse a resource",
        DOWNLOAD_AND_PARSE,
        handler,
        DownloadResult,
    )


def build(context: PluginContext) -> list[ToolSpec]:
    resources = Resources.of(context)
    return [
        get_resource_info(resources),
        query_resource_data(resources),
        download_and_parse_resource(resources),
    ]
