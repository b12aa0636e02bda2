"""Tabular API endpoints (`/tabular/api/...`), in api-tabular's evaluation order."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from datagouv_mcp_standin.aggregation import aggregate
from datagouv_mcp_standin.catalog import canonical_uuid
from datagouv_mcp_standin.responses import CORS_HEADERS, json_response, tabular_error, text_response
from datagouv_mcp_standin.table_docs import TABULAR, meta_body, profile_body, swagger_text
from datagouv_mcp_standin.tables import Table, TableRegistry
from datagouv_mcp_standin.tabular_engine import (
    EXPORT_LIMIT,
    Plan,
    RowSource,
    Schema,
    compile_plan,
    database_error,
    run_all,
    run_page,
)
from datagouv_mcp_standin.tabular_query import (
    PlainError,
    Query,
    QueryError,
    parse_arguments,
    read_paging,
)

NOT_FOUND_TEXT = "404: Not Found"


def registry_of(request: Request) -> TableRegistry:
    registry: TableRegistry = request.app.state.tables
    return registry


def checked_rid(raw: str) -> str:
    """The canonical rid; a non-UUID fails in PostgREST's uuid cast (a 400 database error)."""
    rid = canonical_uuid(raw)
    if rid is None:
        raise database_error(400, "22P02", f'invalid input syntax for type uuid: "{raw}"')
    return rid


# A table its producer deleted: the Tabular API answers 410 in plain text (§2.2).
DELETED_RID = "de1e7ed0-0000-4000-8000-000000000410"
DELETED_TEXT = (
    f"Resource {DELETED_RID} has been permanently deleted on 2026-08-01 12:00:00+00:00 by its "
    "producer. You can find more information about this resource at "
    "https://www.data.gouv.fr/datasets/5f7e57f11e5000000000f11e"
)


def table_or_404(registry: TableRegistry, rid: str) -> Table:
    if rid == DELETED_RID:
        raise PlainError(410, DELETED_TEXT)
    table = registry.get(rid)
    if table is None:
        raise PlainError(404, NOT_FOUND_TEXT)
    return table


def link_with_page(path: str, parts: list[str], page: int, page_size: int) -> str:
    """api-tabular's rebuild: drop every argument starting with `page`, append the paging."""
    kept = [part for part in parts if not part.startswith("page")]
    kept += [f"page={page}", f"page_size={page_size}"]
    return f"{TABULAR}{path}?{'&'.join(kept)}"


def prepare(
    request: Request, registry: TableRegistry, paging: bool
) -> tuple[str, Table, Query, Plan, RowSource]:
    """Steps 1-4 of api-tabular: page size, exceptions lookup, query parsing, table lookup."""
    query = read_paging(request.url.query) if paging else read_paging(request.url.query, 10**9)
    rid = checked_rid(request.path_params["rid"])
    parse_arguments(query, registry.indexes(rid))
    if query.aggregated and not registry.aggregation_allowed(rid):
        names = "`, `".join(query.aggregator_names)
        raise QueryError(
            403,
            "Unauthorized parameters",
            f"Aggregation parameters `{names}` are not allowed for resource '{rid}'",
        )
    table = table_or_404(registry, rid)
    schema = Schema(table.parsing_table, table.columns)
    return rid, table, query, compile_plan(query, schema), table.rows


async def resource_data(request: Request) -> Response:
    registry = registry_of(request)
    try:
        rid, table, query, plan, source = prepare(request, registry, paging=True)
        schema = Schema(table.parsing_table, table.columns)
        if query.aggregated:
            rows = await run_in_threadpool(aggregate, source, query, plan, schema)
            data = rows[query.offset : query.offset + query.page_size if query.page_size else None]
            total: int | None = None
        else:
            data, total = await run_in_threadpool(run_page, source, query, plan)
    except (QueryError, PlainError) as error:
        return tabular_error(request, error)
    path = f"/resources/{request.path_params['rid']}/data/"
    if total is not None:
        has_next = query.page_size + query.offset < total
    else:
        has_next = len(data) >= query.page_size
    meta: dict[str, Any] = {"page": query.page, "page_size": query.page_size}
    if total is not None:
        meta["total"] = total
    body = {
        "data": data,
        "links": {
            "profile": f"{TABULAR}/resources/{rid}/profile/",
            "swagger": f"{TABULAR}/resources/{rid}/swagger/",
            "next": link_with_page(path, query.parts, query.page + 1, query.page_size)
            if has_next
            else None,
            "prev": link_with_page(path, query.parts, query.page - 1, query.page_size)
            if query.page > 1
            else None,
        },
        "meta": meta,
    }
    return json_response(request, body, headers=CORS_HEADERS)


def export_rows(
    source: RowSource, query: Query, plan: Plan, schema: Schema
) -> tuple[int, Callable[[], Iterator[dict[str, Any]]]]:
    if query.aggregated:
        rows = aggregate(source, query, plan, schema)
        return len(rows), lambda: iter(rows)
    return run_all(source, plan)


def too_long() -> QueryError:
    return QueryError(
        403,
        "Output is too long",
        f"The output has more than {EXPORT_LIMIT} rows, please consider downloading the "
        "source file directly",
    )


def stream_export(
    name: str, kind: str, generate: Callable[[], Iterator[dict[str, Any]]]
) -> StreamingResponse:
    """Rows streamed as CSV (header first) or as one JSON array, in modest chunks."""

    def csv_chunks() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        header_written = False
        for n, row in enumerate(generate()):
            if not header_written:
                writer.writerow(row.keys())
                header_written = True
            writer.writerow(_csv_cell(v) for v in row.values())
            if n % 500 == 499:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    def json_chunks() -> Iterator[str]:
        yield "["
        for n, row in enumerate(generate()):
            yield ("," if n else "") + json.dumps(row, ensure_ascii=False)
        yield "]"

    chunks = csv_chunks() if kind == "csv" else json_chunks()
    media = "text/csv" if kind == "csv" else "application/json"
    headers = {"Content-Disposition": f'attachment; filename="{name}.{kind}"', **CORS_HEADERS}
    return StreamingResponse(chunks, media_type=media, headers=headers)


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


async def resource_export(request: Request) -> Response:
    registry = registry_of(request)
    kind = request.path_params["kind"]
    if kind not in ("csv", "json"):
        return tabular_error(request, PlainError(404, NOT_FOUND_TEXT))
    try:
        rid, table, query, plan, source = prepare(request, registry, paging=False)
        schema = Schema(table.parsing_table, table.columns)
        total, generate = await run_in_threadpool(export_rows, source, query, plan, schema)
        if total > EXPORT_LIMIT:
            raise too_long()
    except (QueryError, PlainError) as error:
        return tabular_error(request, error)
    return stream_export(rid, kind, generate)


async def resource_meta(request: Request) -> Response:
    try:
        table = table_or_404(registry_of(request), checked_rid(request.path_params["rid"]))
    except (QueryError, PlainError) as error:
        return tabular_error(request, error)
    return json_response(request, meta_body(table), headers=CORS_HEADERS)


async def resource_profile(request: Request) -> Response:
    registry = registry_of(request)
    try:
        rid = checked_rid(request.path_params["rid"])
        table = table_or_404(registry, rid)
    except (QueryError, PlainError) as error:
        return tabular_error(request, error)
    body = await run_in_threadpool(profile_body, table, registry.indexes(rid))
    return json_response(request, body, headers=CORS_HEADERS)


async def resource_swagger(request: Request) -> Response:
    registry = registry_of(request)
    try:
        rid = checked_rid(request.path_params["rid"])
        table = table_or_404(registry, rid)
    except (QueryError, PlainError) as error:
        return tabular_error(request, error)
    text = swagger_text(table, registry.aggregation_allowed(rid), registry.indexes(rid))
    return text_response(request, text)


async def aggregation_exceptions(request: Request) -> Response:
    registry = registry_of(request)
    body = request.app.state.catalogue.aggregation_exceptions
    if not registry.aggregation_rids and not registry.aggregation_all:
        body = {"allowed": False, "exceptions": []}
    return json_response(request, body, headers=CORS_HEADERS)
