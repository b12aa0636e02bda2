"""Metrics API endpoints (`/metrics/api/{model}/data/` and `/data/csv/`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from datagouv_mcp_standin.aggregation import aggregate
from datagouv_mcp_standin.metric_series import MODELS, MetricViews
from datagouv_mcp_standin.responses import CORS_HEADERS, json_response, tabular_error
from datagouv_mcp_standin.table_families import Values
from datagouv_mcp_standin.tabular import stream_export, too_long
from datagouv_mcp_standin.tabular_engine import (
    EXPORT_LIMIT,
    Schema,
    compile_plan,
    database_error,
    run_all,
    run_page,
)
from datagouv_mcp_standin.tabular_query import (
    Condition,
    PlainError,
    Query,
    QueryError,
    parse_arguments,
    read_paging,
)

METRICS = "https://metric-api.data.gouv.fr/api"


def views_of(request: Request) -> MetricViews:
    views: MetricViews = request.app.state.metric_views
    return views


def wanted_entities(model: str, query: Query) -> set[str] | None:
    """Ids pinned by a top-level `<id>__exact` or `<id>__in` filter: the fast path."""
    id_column = MODELS[model][0]
    for item in query.where:
        if isinstance(item, Condition) and item.column == id_column and item.value is not None:
            if item.operator == "exact":
                return {item.value}
            if item.operator == "in":
                return {v.strip('"') for v in item.value.split(",")}
    return None


def _prepare(request: Request, page_size_max: int) -> tuple[str, Query, Schema]:
    query = parse_arguments(read_paging(request.url.query, page_size_max))
    model = request.path_params["model"]
    schema = views_of(request).schema(model)
    if schema is None:
        raise database_error(404, "42P01", f'relation "public.{model}" does not exist')
    return model, query, schema


async def metrics_data(request: Request) -> Response:
    views = views_of(request)
    try:
        model, query, schema = _prepare(request, 50)
        plan = compile_plan(query, schema)

        def source() -> Iterable[Values]:
            return views.rows(model, wanted_entities(model, query))

        if query.aggregated:
            rows = await run_in_threadpool(aggregate, source, query, plan, schema)
            total = len(rows)
            data: list[dict[str, Any]] = rows[query.offset : query.offset + query.page_size]
        else:
            data, total = await run_in_threadpool(run_page, source, query, plan)
    except (QueryError, PlainError) as error:
        return tabular_error(request, error)
    kept = [part for part in query.parts if not part.startswith("page")]

    def link(page: int) -> str:
        pairs = [*kept, f"page={page}", f"page_size={query.page_size}"]
        return f"{METRICS}/{model}/data/?{'&'.join(pairs)}"

    body = {
        "data": data,
        "links": {
            "next": link(query.page + 1) if query.page_size + query.offset < total else None,
            "prev": link(query.page - 1) if query.page > 1 else None,
        },
        "meta": {"page": query.page, "page_size": query.page_size, "total": total},
    }
    return json_response(request, body, headers=CORS_HEADERS)


async def metrics_csv(request: Request) -> Response:
    views = views_of(request)
    try:
        model, query, schema = _prepare(request, 10**9)
        plan = compile_plan(query, schema)

        def source() -> Iterable[Values]:
            return views.rows(model, wanted_entities(model, query))

        if query.aggregated:
            rows = await run_in_threadpool(aggregate, source, query, plan, schema)
            total, generate = len(rows), lambda: iter(rows)
        else:
            total, generate = await run_in_threadpool(run_all, source, plan)
        if total > EXPORT_LIMIT:
            raise too_long()
    except (QueryError, PlainError) as error:
        return tabular_error(request, error)
    return stream_export(model, "csv", generate)
