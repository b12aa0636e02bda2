"""Serialising responses: every body leaves with production hosts rewritten to this server."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from datagouv_mcp_standin.rewrite import Rewriter
from datagouv_mcp_standin.tabular_query import PlainError, QueryError

CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type, Authorization, X-Requested-With",
    "Access-Control-Expose-Headers": "*",
}


def base_url_of(scope: Mapping[str, Any]) -> str:
    """The stand-in's own base URL, as the client addressed it (Host header)."""
    headers = dict(scope.get("headers") or [])
    host = headers.get(b"host", b"").decode("latin-1")
    if not host:
        server = scope.get("server") or ("127.0.0.1", 80)
        host = f"{server[0]}:{server[1]}"
    return f"{scope.get('scheme', 'http')}://{host}"


def rewriter_of(request: Request) -> Rewriter:
    rewriter: Rewriter = request.app.state.catalogue.rewriter
    return rewriter


def rewrite(request: Request, text: str) -> str:
    return rewriter_of(request).apply(text, base_url_of(request.scope))


def json_response(
    request: Request,
    body: Any,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    text = rewrite(request, json.dumps(body, ensure_ascii=False))
    return Response(text, status, headers=headers, media_type="application/json")


def text_response(
    request: Request, text: str, status: int = 200, media_type: str = "text/plain; charset=utf-8"
) -> Response:
    return Response(rewrite(request, text), status, media_type=media_type)


def redirect(request: Request, location: str, status: int) -> Response:
    return Response(status_code=status, headers={"Location": rewrite(request, location)})


def tabular_error(request: Request, error: QueryError | PlainError) -> Response:
    """api-tabular's error shapes: JSON `errors[]`, or aiohttp's plain text."""
    if isinstance(error, PlainError):
        return Response(error.text, error.status, media_type="text/plain; charset=utf-8")
    code = None
    if error.title == "Database error":
        # Production puts the Sentry event id here; make a stable one from the request.
        seed = f"{request.url.path}?{request.url.query}".encode()
        code = hashlib.md5(seed, usedforsecurity=False).hexdigest()
    body = {"errors": [{"code": code, "title": error.title, "detail": error.detail}]}
    return json_response(request, body, error.status)
