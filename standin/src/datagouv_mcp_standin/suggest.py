"""udata's suggest endpoints, `/api/1/datasets/suggest/` and `/api/1/organizations/suggest/`:
the objects whose title (a dataset's; an organization's name) or acronym contains `q`,
case-insensitively, at most `size` (default 10), as udata answers them (MongoDB `icontains`:
any substring, so the start of a word is enough)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from datagouv_mcp_standin.responses import json_response
from datagouv_mcp_standin.udata_args import first
from datagouv_mcp_standin.udata_datasets import catalogue_of

Json = dict[str, Any]
SIZE_MAX = 100


def _size(request: Request) -> int | None:
    raw = first(request.query_params, "size") or "10"
    try:
        size = int(raw)
    except ValueError:
        return None
    return size if 0 < size <= SIZE_MAX else None


def _bad(request: Request, message: str) -> Response:
    return json_response(request, {"message": message, "errors": {"q": message}}, status=400)


def _matching(candidates: Iterable[Json], q: str, fields: tuple[str, ...], size: int) -> list[Json]:
    needle = q.casefold()
    found = []
    for candidate in candidates:
        if any(needle in str(candidate.get(f) or "").casefold() for f in fields):
            found.append(candidate)
            if len(found) == size:
                break
    return found


async def datasets_suggest(request: Request) -> Response:
    q, size = first(request.query_params, "q"), _size(request)
    if not q or size is None:
        return _bad(request, "q is required; size is an integer from 1 to 100")
    catalogue = catalogue_of(request)
    bodies = (catalogue.dataset_at(o).v2_body() for o in range(catalogue.dataset_count))
    hits = _matching(bodies, q, ("title", "acronym"), size)
    return json_response(
        request,
        [
            {
                "id": body.get("id"),
                "title": body.get("title"),
                "acronym": body.get("acronym"),
                "slug": body.get("slug"),
                "image_url": None,
                "page": body.get("page"),
            }
            for body in hits
        ],
    )


async def organizations_suggest(request: Request) -> Response:
    q, size = first(request.query_params, "q"), _size(request)
    if not q or size is None:
        return _bad(request, "q is required; size is an integer from 1 to 100")
    organizations = catalogue_of(request).organizations.values()
    hits = _matching(organizations, q, ("name", "acronym"), size)
    return json_response(
        request,
        [
            {
                "id": org.get("id"),
                "name": org.get("name"),
                "acronym": org.get("acronym"),
                "slug": org.get("slug"),
                "image_url": org.get("logo"),
            }
            for org in hits
        ],
    )
