"""Admin endpoints under `/_standin/`: faults, stats, reset, info, dataset patches. Never
faulted or counted."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from datagouv_mcp_standin.env import server_env
from datagouv_mcp_standin.faults import FaultError, FaultRegistry, parse_fault
from datagouv_mcp_standin.middleware import RequestStats
from datagouv_mcp_standin.responses import base_url_of


def _faults(request: Request) -> FaultRegistry:
    registry: FaultRegistry = request.app.state.faults
    return registry


def _stats(request: Request) -> RequestStats:
    stats: RequestStats = request.app.state.stats
    return stats


async def list_faults(request: Request) -> Response:
    return JSONResponse({"faults": _faults(request).listing()})


async def add_faults(request: Request) -> Response:
    """POST one fault object, or a list of them."""
    try:
        raw: Any = json.loads(await request.body() or b"null")
        items = raw if isinstance(raw, list) else [raw]
        faults = [parse_fault(item) for item in items]
    except (ValueError, FaultError) as exc:
        return JSONResponse({"error": str(exc)}, 400)
    added = [_faults(request).add(f).describe() for f in faults]
    return JSONResponse({"faults": added}, 201)


async def clear_faults(request: Request) -> Response:
    _faults(request).clear()
    return JSONResponse({"faults": []})


async def delete_fault(request: Request) -> Response:
    removed = _faults(request).remove(int(request.path_params["fault_id"]))
    return JSONResponse({"removed": removed}, 200 if removed else 404)


async def stats(request: Request) -> Response:
    return JSONResponse(_stats(request).snapshot())


async def patch_dataset(request: Request) -> Response:
    """PATCH a dataset's fields (e.g. `{"last_modified": "..."}`): both API versions, its
    search hits included, show the new values until the next reset."""
    catalogue = request.app.state.catalogue
    dataset = catalogue.dataset(request.path_params["dataset"])
    try:
        fields: Any = json.loads(await request.body() or b"null")
    except ValueError as exc:
        return JSONResponse({"error": f"the body is not JSON: {exc}"}, 400)
    if not isinstance(fields, dict) or not fields or {"id", "slug"} & fields.keys():
        return JSONResponse({"error": "send a JSON object of fields other than id and slug"}, 400)
    if dataset is None:
        return JSONResponse({"error": "no such dataset"}, 404)
    catalogue.patches[dataset.id] = {**catalogue.patches.get(dataset.id, {}), **fields}
    return JSONResponse({"id": dataset.id, "patch": catalogue.patches[dataset.id]})


async def reset(request: Request) -> Response:
    _stats(request).reset()
    _faults(request).clear()
    request.app.state.catalogue.patches.clear()
    return JSONResponse({"status": "reset"})


async def info(request: Request) -> Response:
    catalogue = request.app.state.catalogue
    base = base_url_of(request.scope)
    return JSONResponse(
        {
            "status": "ok",
            "base_url": base,
            "env": server_env(base, request.url.hostname or "127.0.0.1"),
            "datasets": catalogue.dataset_count,
            "recorded_datasets": len(catalogue.recorded),
            "generated_datasets": catalogue.generated.count,
            "organizations": len(catalogue.organizations),
            "dataservices": len(catalogue.dataservices),
            "recorded_bodies": len(catalogue.bodies),
            "replayed_endpoints": len(catalogue.replays),
            "adapted_files": catalogue.corpus_notes.listing("adapted"),
            "skipped_files": catalogue.corpus_notes.listing("skipped"),
        }
    )


ADMIN_ROUTES = [
    Route("/_standin/", info, methods=["GET"]),
    Route("/_standin/info", info, methods=["GET"]),
    Route("/_standin/faults", list_faults, methods=["GET"]),
    Route("/_standin/faults", add_faults, methods=["POST"]),
    Route("/_standin/faults", clear_faults, methods=["DELETE"]),
    Route("/_standin/faults/{fault_id:int}", delete_fault, methods=["DELETE"]),
    Route("/_standin/stats", stats, methods=["GET"]),
    Route("/_standin/reset", reset, methods=["POST"]),
    Route("/_standin/datasets/{dataset}", patch_dataset, methods=["PATCH"]),
]
