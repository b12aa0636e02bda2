"""The SQL tools: query_resource_sql and describe_resource_table. Each is one ToolSpec whose
handler's signature is its input schema; the work they share (the record, the table on disk,
the workers) is on `Sql`.

Where a table comes from, in this order: the portal's Parquet export of the resource
(`analysis:parsing:parquet_url`), else its CSV file (CSV or CSV.GZ, within a size cap),
converted to Parquet once by a worker. Either is downloaded only through the core's guarded
fetch, to the bounded on-disk cache, keyed by the resource's `last_modified`.

No `from __future__ import annotations` here: the bounds of `sql` and `max_rows` come from
the settings, so the handlers' annotations are evaluated where they are defined.
"""

import contextlib
import functools
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field

from datagouv_mcp import PluginContext, ToolError, ToolResult, ToolSpec
from datagouv_mcp.callcontext import offers
from datagouv_mcp.errors import resource_not_found
from datagouv_mcp.text import bounded, human_size, inline
from datagouv_mcp.upstream import BlockedURL, UpstreamError, UpstreamNotFound
from datagouv_mcp_sql.arguments import FIND_RESOURCE, SQL_DESCRIPTION, ResourceId
from datagouv_mcp_sql.client import SqlClient
from datagouv_mcp_sql.formatters import format_description, format_result
from datagouv_mcp_sql.models import (
    DescribedColumn,
    SqlColumn,
    SqlResource,
    SqlResult,
    TableDescription,
    TableSource,
)
from datagouv_mcp_sql.parsers import parse_resource_record
from datagouv_mcp_sql.settings import SqlSettings
from datagouv_mcp_sql.table_cache import TableCache, version_key
from datagouv_mcp_sql.workers import Limits, WorkerFailed, WorkerPool

CSV_FORMATS = frozenset({"csv", "csv.gz", "tsv"})
CSV_SUFFIXES = (".csv", ".csv.gz", ".tsv", ".tsv.gz")
PARQUET_MAGIC = b"PAR1"

QUERY = """Run one read-only SQL SELECT over a resource's data, as the table `data` (DuckDB \
SQL): several filters, GROUP BY, aggregates (count, sum, avg, min, max, median...), joins \
of `data` with itself, window functions, ORDER BY, LIMIT.

Use it to count, total or group rows instead of paging through them. Works on resources \
with a Parquet export (most tabular resources) and on CSV files. Call describe_resource_table \
first for the column names and types. Column names with spaces or capitals go in "double \
quotes". Returns a compact table (max_rows at most), the columns with their types, the row \
count and the time taken."""

DESCRIBE = """Describe the table `data` that query_resource_sql runs over for a resource: \
its columns with their DuckDB types and a few example values, and its row count."""


def _refusal(answer: dict[str, Any], settings: SqlSettings) -> ToolError:
    """The worker's error as the model reads it: DuckDB's message, what to do next."""
    kind, message = answer.get("error", "sql"), str(answer.get("message", ""))
    columns = answer.get("columns") or []
    listed = ", ".join(f"{inline(str(c['name']), 60)} {c['type']}" for c in columns[:80])
    table_hint = f"The table `data` has: {listed}." if listed else None
    if kind in ("refused", "statements"):
        return ToolError(
            f"Refused: {message}.",
            hint="Send one SELECT (or WITH ... SELECT) over the table `data`; nothing else runs.",
            code="sql_refused",
        )
    if kind == "forbidden":
        return ToolError(
            f"Refused: the query reads something other than this resource's table ({message}).",
            hint="Only the table `data` can be read: no file, URL, extension or setting.",
            code="sql_refused",
        )
    if kind == "timeout":
        return ToolError(
            f"The query ran past the {settings.timeout_seconds:g} s time limit and was "
            "interrupted.",
            hint="Aggregate or filter more (WHERE, GROUP BY, LIMIT), avoid joins that multiply "
            "rows.",
            code="sql_timeout",
        )
    if kind == "memory":
        return ToolError(
            f"The query needed more than its {settings.memory_limit_mb} MB of memory (and "
            f"{settings.temp_max_mb} MB of temporary files) and was stopped: {message}",
            hint="Aggregate before joining, select fewer columns, or add LIMIT.",
            code="sql_memory",
        )
    return ToolError(
        f"DuckDB refused the query: {message}",
        hint=(table_hint or "Check the SQL.") + ' Quote column names with "double quotes".',
        code="sql_error",
    )


def _failed(exc: WorkerFailed, settings: SqlSettings) -> ToolError:
    if exc.kind == "timeout":
        return _refusal({"error": "timeout"}, settings)
    return ToolError(
        f"The SQL worker stopped while running this query ({exc.message}); a fresh one runs "
        "the next query.",
        hint="If the query is heavy (large joins, huge results), aggregate or filter more.",
        code="sql_worker_failed",
        retryable=exc.kind == "start",
    )


@dataclass(frozen=True)
class Sql:
    """What the SQL tools share: the client, the settings, the table cache and the workers."""

    client: SqlClient
    settings: SqlSettings
    cache: TableCache
    pool: WorkerPool

    @classmethod
    def of(cls, context: PluginContext) -> "Sql":
        settings = context.settings(SqlSettings)
        limits = Limits(
            memory_mb=settings.memory_limit_mb,
            threads=settings.threads,
            temp_max_mb=settings.temp_max_mb,
            address_space_mb=settings.worker_address_space_mb,
        )
        folder = settings.cache_dir
        return cls(
            SqlClient(context.upstream),
            settings,
            TableCache(folder / "tables", settings.cache_max_bytes),
            WorkerPool(settings.workers, limits, folder / "workers"),
        )

    async def record(self, resource_id: str) -> SqlResource:
        try:
            raw = await self.client.resource(resource_id)
        except UpstreamNotFound as exc:
            raise resource_not_found(resource_id, exc.message, FIND_RESOURCE()) from None
        return parse_resource_record(raw)

    async def run(self, job: dict[str, Any], seconds: float) -> dict[str, Any]:
        try:
            answer = await self.pool.run(job, seconds)
        except WorkerFailed as exc:
            raise _failed(exc, self.settings) from None
        if not answer.get("ok"):
            raise _refusal(answer, self.settings)
        return answer

    # -- the table on disk -------------------------------------------------------------

    def _csv_url(self, resource: SqlResource) -> str | None:
        url = resource.url or ""
        plain = url.split("?", 1)[0].split("#", 1)[0].lower()
        if resource.format in CSV_FORMATS or plain.endswith(CSV_SUFFIXES):
            return url or None
        return None

    def _no_source(self, resource: SqlResource) -> ToolError:
        what = f"a {inline(resource.format, 20).upper()} file" if resource.format else "a file"
        readers = ["download_and_parse_resource"]
        if resource.parsing_table:  # in the Tabular API
            readers.insert(0, "query_resource_data")
        others = [name for name in readers if offers(name)]
        return ToolError(
            f"Resource '{inline(resource.title, 120)}' is {what} without a Parquet export: SQL "
            "reads the portal's Parquet exports and CSV files.",
            hint=f"Read it with {' or '.join(others)}." if others else None,
            code="no_sql_source",
        )

    @contextlib.asynccontextmanager
    async def table(self, resource: SqlResource) -> AsyncIterator[tuple[Path, TableSource]]:
        """The resource's table as a Parquet file in the cache (downloaded, or converted
        from its CSV, when missing), held for the time of the `async with`."""
        csv_url = self._csv_url(resource)
        sources = [("parquet", resource.parquet_url)] if resource.parquet_url else []
        if csv_url:
            sources.append(("csv", csv_url))
        if not sources:
            raise self._no_source(resource)
        for position, (kind, url) in enumerate(sources):
            assert url is not None
            key = version_key(resource.id, kind, resource.last_modified)
            try:
                build = functools.partial(
                    self._parquet if kind == "parquet" else self._converted, url, resource=resource
                )
                async with self.cache.lease(key, build) as (path, cached):
                    source = TableSource(
                        kind=kind,
                        url=url,
                        bytes=path.stat().st_size,
                        cached=cached,
                    )
                    yield path, source
                    return
            except UpstreamError as exc:
                # The export is missing or its server down: the CSV may still serve.
                if isinstance(exc, BlockedURL) or position == len(sources) - 1:
                    raise

    async def _parquet(self, url: str, target: Path, *, resource: SqlResource) -> None:
        await self.client.download(
            url, target, self.settings.parquet_max_bytes, self.settings.download_max_seconds
        )
        with target.open("rb") as got:
            head = got.read(4)
        if head != PARQUET_MAGIC:
            raise ToolError(
                f"The Parquet export of resource {resource.id} ({url}) is not a Parquet file.",
                code="unreadable_file",
            )

    async def _converted(self, url: str, target: Path, *, resource: SqlResource) -> None:
        settings = self.settings
        if resource.filesize and resource.filesize > settings.csv_max_bytes:
            raise ToolError(
                f"Resource '{inline(resource.title, 120)}' is a CSV of "
                f"{human_size(resource.filesize)} without a Parquet export, over the "
                f"{human_size(settings.csv_max_bytes)} SQL downloads.",
                hint="Filter it with query_resource_data."
                if offers("query_resource_data") and resource.parsing_table
                else None,
                code="file_too_large",
            )
        raw = target.with_name(target.name + ".source")
        try:
            await self.client.download(
                url, raw, settings.csv_max_bytes, settings.download_max_seconds
            )
            with raw.open("rb") as got:
                head = got.read(512)
            source = raw.with_name(raw.name + (".csv.gz" if head[:2] == b"\x1f\x8b" else ".csv"))
            raw.replace(source)
            raw = source
            if head[:4] == b"PK\x03\x04" or head.lstrip()[:1] == b"<":
                kind = "a ZIP archive" if head[:2] == b"PK" else "an HTML or XML document"
                raise ToolError(
                    f"The file of resource {resource.id} ({url}) is {kind}, not a CSV.",
                    code="unreadable_file",
                )
            job = {"op": "convert", "source": str(raw), "target": str(target),
                   "timeout": settings.download_max_seconds}  # fmt: skip
            try:
                await self.run(job, settings.download_max_seconds)
            except ToolError as exc:
                if exc.code in ("sql_timeout", "sql_memory", "sql_error"):
                    raise ToolError(
                        f"The CSV of resource {resource.id} could not be read as a table: "
                        f"{exc.message}",
                        code="unreadable_file",
                    ) from None
                raise
        finally:
            raw.unlink(missing_ok=True)


def query_resource_sql(engine: Sql) -> ToolSpec:
    settings = engine.settings

    async def handler(
        resource_id: ResourceId,
        sql: Annotated[
            str,
            Field(min_length=1, max_length=settings.sql_max_chars, description=SQL_DESCRIPTION),
        ],
        max_rows: Annotated[
            int, Field(ge=1, le=settings.max_rows, description="The most rows returned.")
        ] = min(100, settings.max_rows),
    ) -> ToolResult:
        resource = await engine.record(resource_id)
        async with engine.table(resource) as (path, source):
            job = {"op": "query", "file": str(path), "sql": sql, "max_rows": max_rows,
                   "value_chars": settings.value_chars,
                   "timeout": settings.timeout_seconds}  # fmt: skip
            answer = await engine.run(job, settings.timeout_seconds)
        columns = [SqlColumn(**column) for column in answer["columns"]]
        names = [column.name for column in columns]
        rows = [dict(zip(names, row, strict=True)) for row in answer["rows"]]
        result = SqlResult(
            resource_id=resource.id,
            title=resource.title,
            sql=sql,
            columns=columns,
            rows=rows,
            row_count=answer["row_count"],
            truncated=bool(answer["more"]),
            max_rows=max_rows,
            elapsed_ms=answer["elapsed_ms"],
            source=source,
        )
        text = format_result(result, settings.cell_chars)
        return ToolResult(bounded(text, settings.max_text_chars), result)

    return ToolSpec("query_resource_sql", "Query a resource with SQL", QUERY, handler, SqlResult)


def describe_resource_table(engine: Sql) -> ToolSpec:
    settings = engine.settings

    async def handler(resource_id: ResourceId) -> ToolResult:
        resource = await engine.record(resource_id)
        async with engine.table(resource) as (path, source):
            job = {"op": "describe", "file": str(path), "examples": 3,
                   "value_chars": settings.value_chars,
                   "timeout": settings.timeout_seconds}  # fmt: skip
            answer = await engine.run(job, settings.timeout_seconds)
        described = TableDescription(
            resource_id=resource.id,
            title=resource.title,
            row_count=answer["row_count"],
            columns=[DescribedColumn(**column) for column in answer["columns"]],
            source=source,
        )
        text = format_description(described, settings.cell_chars, offers)
        return ToolResult(bounded(text, settings.max_text_chars), described)

    return ToolSpec(
        "describe_resource_table", "Describe a resource's SQL table", DESCRIBE, handler,
        TableDescription,
    )  # fmt: skip


def build(engine: Sql) -> list[ToolSpec]:
    return [query_resource_sql(engine), describe_resource_table(engine)]
