"""Assembling the stand-in: routes for every API, admin, and the middleware around them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Route

from datagouv_mcp_standin import (
    crawler,
    files,
    metrics,
    sample_apis,
    suggest,
    tabular,
    udata_datasets,
    udata_search,
)
from datagouv_mcp_standin.admin import ADMIN_ROUTES
from datagouv_mcp_standin.catalog import Catalogue
from datagouv_mcp_standin.faults import FaultRegistry, parse_fault
from datagouv_mcp_standin.metric_series import MetricViews
from datagouv_mcp_standin.middleware import RequestStats, StandinMiddleware
from datagouv_mcp_standin.parquet import ParquetExports, parquet_export
from datagouv_mcp_standin.responses import base_url_of, json_response, rewrite
from datagouv_mcp_standin.tables import TableRegistry
from datagouv_mcp_standin.udata_args import NOT_FOUND


async def sample_api_document(request: Request) -> Response:
    """`/files/openapi/{name}`: the documents the sample dataservices point to."""
    found = sample_apis.document(request.path_params["name"])
    if found is None:
        return Response("Not Found", 404, media_type="text/plain")
    body, media = found
    return Response(body, media_type=media)


async def openapi_document(request: Request) -> Response:
    catalogue: Catalogue = request.app.state.catalogue
    doc = catalogue.openapi.get(request.path_params["name"])
    if doc is None:
        return Response("Not Found", 404, media_type="text/plain")
    return Response(rewrite(request, doc.raw.decode("utf-8")), media_type=doc.content_type)


API_ROUTES: list[BaseRoute] = [
    # udata, /api/1 and /api/2 (the `r/` redirect is the one route without a trailing slash)
    Route("/api/1/datasets/r/{rid}", udata_datasets.resource_redirect),
    Route("/api/1/datasets/community_resources/", udata_datasets.community_resources),
    Route("/api/1/datasets/", udata_datasets.datasets_v1_list),
    Route("/api/1/datasets/suggest/", suggest.datasets_suggest),
    Route("/api/1/datasets/{dataset}/", udata_datasets.dataset_v1),
    Route("/api/2/datasets/search/", udata_search.datasets_search),
    Route("/api/2/datasets/resources/{rid}/", udata_datasets.resource_v2),
    Route("/api/2/datasets/{dataset}/resources/", udata_datasets.dataset_resources),
    Route("/api/2/datasets/{dataset}/", udata_datasets.dataset_v2),
    Route("/api/2/dataservices/search/", udata_search.dataservices_search),
    Route("/api/1/dataservices/", udata_datasets.dataservices_v1_list),
    Route("/api/1/dataservices/{dataservice}/", udata_datasets.dataservice),
    Route("/api/2/organizations/search/", udata_search.organizations_search),
    Route("/api/1/organizations/suggest/", suggest.organizations_suggest),
    Route("/api/1/organizations/{org}/", udata_datasets.organization),
    # Tabular API
    Route("/tabular/api/aggregation-exceptions/", tabular.aggregation_exceptions),
    Route("/tabular/api/resources/{rid}/", tabular.resource_meta),
    Route("/tabular/api/resources/{rid}/data/", tabular.resource_data),
    Route("/tabular/api/resources/{rid}/data/{kind:str}/", tabular.resource_export),
    Route("/tabular/api/resources/{rid}/profile/", tabular.resource_profile),
    Route("/tabular/api/resources/{rid}/swagger/", tabular.resource_swagger),
    # Metrics and crawler APIs
    Route("/metrics/api/{model}/data/", metrics.metrics_data),
    Route("/metrics/api/{model}/data/csv/", metrics.metrics_csv),
    Route("/crawler/api/resources-exceptions", crawler.resources_exceptions),
    Route("/crawler/api/resources-exceptions/", crawler.resources_exceptions),
    # Files
    Route("/static/{path:path}", files.static_file),
    Route("/s/{path:path}", files.static_file),
    Route("/files/", files.files_index),
    Route("/files/generated.csv", files.generated_file),
    Route("/files/redirect", files.redirect_to),
    Route("/files/openapi/{name}", sample_api_document),
    Route("/files/{name}", files.sample_file),
    Route("/openapi/{name}", openapi_document),
    Route("/parquet/{name}", parquet_export),
]


def _matches(routes: Iterable[BaseRoute], scope: dict[str, Any]) -> bool:
    return any(route.matches(scope)[0] == Match.FULL for route in routes)


async def not_found(request: Request, exc: Exception) -> Response:
    """Each API's own 404: udata's JSON (after a 308 to the slashed path), aiohttp's text."""
    path = request.url.path
    if path.startswith("/api/"):
        if not path.endswith("/"):
            slashed = dict(request.scope, path=path + "/")
            if _matches(API_ROUTES, slashed):
                query = f"?{request.url.query}" if request.url.query else ""
                location = f"{base_url_of(request.scope)}{path}/{query}"
                return Response(status_code=308, headers={"Location": location})
        return json_response(request, {"error": NOT_FOUND, "status": 404}, 404)
    return Response("404: Not Found", 404, media_type="text/plain; charset=utf-8")


def create_app(
    catalogue: Catalogue,
    faults: Iterable[Mapping[str, Any]] = (),
    latency_ms: int = 0,
    seed: int = 0,
) -> StandinMiddleware:
    """The stand-in as an ASGI app; `app.state` (on the inner Starlette) holds its parts."""
    registry = FaultRegistry(seed)
    if latency_ms:
        registry.add(parse_fault({"route": "*", "kind": "latency", "latency_ms": latency_ms}))
    for fault in faults:
        registry.add(parse_fault(dict(fault)))
    stats = RequestStats()
    inner = Starlette(
        routes=[*ADMIN_ROUTES, *API_ROUTES],
        exception_handlers={404: not_found},
    )
    inner.router.redirect_slashes = False
    inner.state.catalogue = catalogue
    inner.state.tables = TableRegistry(catalogue)
    inner.state.parquet = ParquetExports(catalogue, inner.state.tables)
    inner.state.metric_views = MetricViews(catalogue)
    inner.state.faults = registry
    inner.state.stats = stats
    inner.state.search_words = {}  # words of each dataservice and organization, per search
    return StandinMiddleware(inner, catalogue, registry, stats, API_ROUTES)
