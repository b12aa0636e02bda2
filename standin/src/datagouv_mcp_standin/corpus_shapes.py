"""What each kind of recorded body holds, the shape its kind needs, and what to do otherwise.

A stand-in that serves any corpus of the shared layout must not crash on one odd file. Each
body is classified by its sidecar's endpoint, then checked against the shape its kind needs:
a known variation is adapted (a search page saved as its bare `data` array, as some recorders
save it, is wrapped back into a one-page answer; list items without an id are dropped), and
anything else is skipped with a warning naming the file. Adapted and skipped files are listed
by `GET /_standin/info`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from datagouv_mcp_standin.corpus import RecordedBody, Vetting

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern))
    for name, pattern in (
        ("community", r"^/api/1/datasets/community_resources/$"),
        ("dataset_search", r"^/api/2/datasets/search/$"),
        ("resource", r"^/api/2/datasets/resources/([^/]+)/$"),
        ("resources_page", r"^/api/2/datasets/([^/]+)/resources/$"),
        ("dataset_v1", r"^/api/1/datasets/([^/]+)/$"),
        ("dataset_v2", r"^/api/2/datasets/([^/]+)/$"),
        ("dataservice_search", r"^/api/2/dataservices/search/$"),
        ("dataservice", r"^/api/1/dataservices/([^/]+)/$"),
        ("organization_list", r"^/api/(1/organizations|2/organizations/search)/$"),
        ("organization", r"^/api/1/organizations/([^/]+)/$"),
        ("tabular_aggregation", r"^/tabular/api/aggregation-exceptions/$"),
        ("tabular_data", r"^/tabular/api/resources/([^/]+)/data/$"),
        ("tabular_profile", r"^/tabular/api/resources/([^/]+)/profile/$"),
        ("tabular_meta", r"^/tabular/api/resources/([^/]+)/$"),
        ("metrics", r"^/metrics/api/([^/]+)/data/$"),
        ("crawler", r"^/crawler/api/resources-exceptions/?$"),
    )
)

# udata list answers: {"data": [objects with an id], "page", "page_size", "total", ...}
UDATA_LISTS = frozenset(
    {"dataset_search", "dataservice_search", "organization_list", "resources_page", "community"}
)
# udata objects served at their own endpoint: an object with an id.
UDATA_OBJECTS = frozenset({"dataset_v1", "dataset_v2", "dataservice", "organization"})
# Tabular and Metrics pages: {"data": [rows], "links": {...}, "meta": {...}}
ROW_PAGES = frozenset({"tabular_data", "metrics"})
# Plain objects read field by field.
OBJECTS = frozenset({"tabular_profile", "tabular_meta", "tabular_aggregation"})


def classify(body: RecordedBody) -> str | None:
    """What a 200 body holds, from its endpoint path (concrete or template)."""
    endpoint = body.endpoint
    if body.folder == "10_openapi":
        return "openapi"
    if endpoint.kind == "other" or body.status != 200 or not body.is_json:
        return None
    path = endpoint.path
    if endpoint.kind == "template" and endpoint.api in ("tabular", "metrics"):
        path = f"/{endpoint.api}{path}"
    for name, pattern in _PATTERNS:
        if pattern.match(path):
            return name
    return None


def _has_id(item: Any, key: str = "id") -> bool:
    value = item.get(key) if isinstance(item, dict) else None
    return isinstance(value, str | int) and not isinstance(value, bool) and str(value) != ""


def _keep_items(
    items: list[Any], valid: Callable[[Any], bool], body: RecordedBody, vetting: Vetting, what: str
) -> list[Any]:
    kept = [item for item in items if valid(item)]
    if len(kept) < len(items):
        vetting.adapt(body.relpath, f"dropped {len(items) - len(kept)} {what}")
    return kept


def _one_page(items: list[Any], kind: str) -> dict[str, Any]:
    """A bare array of items as the one-page answer its endpoint gives."""
    size, total = max(len(items), 1), len(items)
    if kind in ROW_PAGES:
        return {"data": items, "links": {}, "meta": {"page": 1, "page_size": size, "total": total}}
    return {
        "data": items,
        "page": 1,
        "page_size": size,
        "total": total,
        "next_page": None,
        "previous_page": None,
    }


def _page(
    body: RecordedBody, vetting: Vetting, kind: str, valid: Callable[[Any], bool], what: str
) -> Any:
    """A list answer `{"data": [...], ...}`; a bare array of objects is wrapped into one."""
    data = body.data
    if isinstance(data, list) and all(isinstance(item, dict) for item in data):
        vetting.adapt(body.relpath, "a bare JSON array: served as a one-page answer")
        data = _one_page(data, kind)
    if not isinstance(data, dict) or not isinstance(data.get("data"), list):
        return None
    items = _keep_items(data["data"], valid, body, vetting, what)
    return data if len(items) == len(data["data"]) else {**data, "data": items}


def _resources_of(record: dict[str, Any], body: RecordedBody, vetting: Vetting) -> dict[str, Any]:
    resources = record.get("resources")
    if isinstance(resources, list):
        kept = _keep_items(resources, _has_id, body, vetting, "resources without an id")
        return record if len(kept) == len(resources) else {**record, "resources": kept}
    return record


def _a_row(row: Any) -> bool:
    return isinstance(row, dict) and type(row.get("__id")) is int


def _adapted(body: RecordedBody, kind: str, vetting: Vetting) -> Any:
    """The body's data in the shape its kind needs, or None when it cannot be had."""
    data = body.data
    if kind in UDATA_LISTS:
        return _page(body, vetting, kind, _has_id, "items without an id")
    if kind in UDATA_OBJECTS:
        if not _has_id(data):
            return None
        return _resources_of(data, body, vetting) if kind == "dataset_v1" else data
    if kind == "resource":
        if not (isinstance(data, dict) and _has_id(data.get("resource"))):
            return None
        return data
    if kind == "tabular_data":
        return _page(body, vetting, kind, _a_row, "rows without an integer __id")
    if kind == "metrics":
        return _page(body, vetting, kind, lambda row: isinstance(row, dict), "rows")
    if kind in OBJECTS:
        return data if isinstance(data, dict) else None
    if kind == "crawler":
        if not isinstance(data, list):
            return None
        items = [item for item in data if isinstance(item, dict)]
        return data if len(items) == len(data) else items
    return data


def _expected_json(body: RecordedBody) -> bool:
    return "json" in body.content_type or body.relpath.endswith(".json")


def vet(bodies: list[RecordedBody], vetting: Vetting) -> list[tuple[RecordedBody, str | None]]:
    """Every usable body with its kind: adapted where needed, skipped (and noted) otherwise."""
    kept: list[tuple[RecordedBody, str | None]] = []
    for body in bodies:
        if _expected_json(body) and not body.is_json:
            reason = "empty file" if not body.raw.strip() else "not valid JSON"
            vetting.skip(body.relpath, f"{reason}, though its sidecar says JSON")
            continue
        kind = classify(body)
        if kind is None or kind == "openapi":
            kept.append((body, kind))
            continue
        data = _adapted(body, kind, vetting)
        if data is None:
            shape = type(body.data).__name__
            vetting.skip(body.relpath, f"a JSON {shape} that is not the shape of a {kind} answer")
            continue
        if data is not body.data:
            raw = json.dumps(data, ensure_ascii=False).encode("utf-8")
            body = replace(body, data=data, raw=raw)
        kept.append((body, kind))
    return kept
