"""udata endpoints for datasets and resources (/api/1, /api/2)."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from starlette.requests import Request
from starlette.responses import Response

from datagouv_mcp_standin.catalog import Catalogue, canonical_uuid
from datagouv_mcp_standin.records import API, Json
from datagouv_mcp_standin.responses import json_response, redirect
from datagouv_mcp_standin.udata_args import (
    NOT_FOUND,
    ArgumentError,
    choice,
    envelope,
    first,
    paging,
)

RESOURCE_TYPES = ("main", "documentation", "update", "api", "code", "other")


def catalogue_of(request: Request) -> Catalogue:
    catalogue: Catalogue = request.app.state.catalogue
    return catalogue


def page_of(request: Request, items: list[Json], path: str, page: int, page_size: int) -> Response:
    """One page of `items` in udata's list envelope, its links under `path`."""
    window = items[(page - 1) * page_size : page * page_size]
    args = request.query_params
    return json_response(request, envelope(window, path, args, page, page_size, len(items)))


def not_found(request: Request, message: str = NOT_FOUND) -> Response:
    return json_response(request, {"message": message}, 404)


def bad_arguments(request: Request, error: ArgumentError) -> Response:
    return json_response(request, error.body, error.status)


async def dataset_v1(request: Request) -> Response:
    dataset = catalogue_of(request).dataset(request.path_params["dataset"])
    if dataset is None:
        return not_found(request)
    return json_response(request, dataset.v1_body())


async def dataset_v2(request: Request) -> Response:
    dataset = catalogue_of(request).dataset(request.path_params["dataset"])
    if dataset is None:
        return not_found(request)
    return json_response(request, dataset.v2_body())


async def dataset_resources(request: Request) -> Response:
    """`/api/2/datasets/{dataset}/resources/`: paginated, `type` and `q` filters."""
    dataset = catalogue_of(request).dataset(request.path_params["dataset"])
    if dataset is None:
        return not_found(request)
    args = request.query_params
    try:
        page, page_size = paging(args, 50)
        kind = choice(args, "type", RESOURCE_TYPES, "The type of resources to fetch")
    except ArgumentError as error:
        return bad_arguments(request, error)
    needle = (first(args, "q") or "").casefold()
    resources = [
        r
        for r in dataset.resource_list()
        if (kind is None or r.get("type") == kind)
        and (not needle or needle in str(r.get("title") or "").casefold())
    ]
    total = len(resources)

    def link(target: int) -> str:
        pairs = [("page", str(target)), ("page_size", str(page_size))]
        pairs += [(k, v) for k, v in (("type", kind), ("q", first(args, "q"))) if v]
        query = urlencode(pairs, quote_via=quote)
        return f"{API}/2/datasets/{dataset.id}/resources/?{query}"

    body = {
        "data": resources[(page - 1) * page_size : page * page_size],
        "next_page": link(page + 1) if page * page_size < total else None,
        "page": page,
        "page_size": page_size,
        "previous_page": link(page - 1) if page > 1 else None,
        "total": total,
    }
    return json_response(request, body)


async def resource_v2(request: Request) -> Response:
    """`/api/2/datasets/resources/{rid}/`: a resource and its dataset id."""
    raw = request.path_params["rid"]
    rid = canonical_uuid(raw)
    if rid is None:
        return not_found(request)
    found = catalogue_of(request).resource(rid)
    if found is None:
        message = (
            f"Resource does not exist. You have requested this URI [{request.url.path}] but "
            "did you mean /api/2/datasets/resources/<uuid:rid>/ ?"
        )
        return not_found(request, message)
    resource, dataset_id = found
    return json_response(request, {"dataset_id": dataset_id, "resource": resource})


async def resource_redirect(request: Request) -> Response:
    """`/api/1/datasets/r/{rid}`: 302 to the resource's URL (not 301, not 308)."""
    rid = canonical_uuid(request.path_params["rid"])
    found = catalogue_of(request).resource(rid) if rid else None
    if found is None:
        return not_found(request, "Resource not found")
    return redirect(request, str(found[0].get("url") or "").strip(), 302)


async def community_resources(request: Request) -> Response:
    """`/api/1/datasets/community_resources/?dataset=`: the v2 `community_resources` link."""
    catalogue = catalogue_of(request)
    args = request.query_params
    try:
        page, page_size = paging(args, 20)
    except ArgumentError as error:
        return bad_arguments(request, error)
    wanted = first(args, "dataset")
    dataset = catalogue.dataset(wanted) if wanted else None
    items = [
        c
        for c in catalogue.community
        if wanted is None or (c.get("dataset") or {}).get("id") == (dataset.id if dataset else "")
    ]
    return page_of(request, items, "/1/datasets/community_resources/", page, page_size)


async def datasets_v1_list(request: Request) -> Response:
    """`/api/1/datasets/?dataservice=`: the target of a dataservice's `datasets` link."""
    catalogue = catalogue_of(request)
    args = request.query_params
    try:
        page, page_size = paging(args, 20)
    except ArgumentError as error:
        return bad_arguments(request, error)
    bodies: list[Json] = []
    service_key = first(args, "dataservice")
    if service_key is not None:
        service = catalogue.dataservice(service_key) or {}
        linked = service.get("datasets")
        ids = [str(ref.get("id") or "") for ref in linked] if isinstance(linked, list) else []
        ids = ids or list(catalogue.dataservice_datasets.get(str(service.get("id")), ()))
        for dataset_id in ids:
            dataset = catalogue.dataset(dataset_id)
            if dataset is not None:
                bodies.append(dataset.v1_body())
    else:
        start = (page - 1) * page_size
        ordinals = range(start, min(start + page_size, catalogue.dataset_count))
        bodies = [catalogue.dataset_at(o).v1_body() for o in ordinals]
        body = envelope(bodies, "/1/datasets/", args, page, page_size, catalogue.dataset_count)
        return json_response(request, body)
    return page_of(request, bodies, "/1/datasets/", page, page_size)


async def dataservices_v1_list(request: Request) -> Response:
    """`/api/1/dataservices/?dataset=`: the dataservices that list a dataset (or all)."""
    catalogue = catalogue_of(request)
    args = request.query_params
    try:
        page, page_size = paging(args, 20)
    except ArgumentError as error:
        return bad_arguments(request, error)
    wanted = first(args, "dataset")
    if wanted is None:
        services = list(catalogue.dataservices.values())
    else:
        dataset = catalogue.dataset(wanted)
        services = catalogue.dataservices_of(dataset.id) if dataset is not None else []
    return page_of(request, services, "/1/dataservices/", page, page_size)


async def dataservice(request: Request) -> Response:
    found = catalogue_of(request).dataservice(request.path_params["dataservice"])
    if found is None:
        message = (
            f"{NOT_FOUND} You have requested this URI [{request.url.path}] but did you mean "
            "/api/1/dataservices/<dataservice:dataservice>/datasets/<dataset:dataset>/ or "
            "/api/1/dataservices/<dataservice:dataservice>/rdf.<_format> or "
            "/api/1/dataservices/<dataservice:dataservice>/rdf ?"
        )
        return not_found(request, message)
    return json_response(request, found)


async def organization(request: Request) -> Response:
    found = catalogue_of(request).organization(request.path_params["org"])
    if found is None:
        return not_found(request)
    return json_response(request, found)
