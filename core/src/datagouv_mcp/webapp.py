"""The HTTP face of the server: POST /mcp (SSE or JSON by Accept), /health, /health/ready."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from datagouv_mcp.health import Readiness, liveness
from datagouv_mcp.mcpserver import build_server

if TYPE_CHECKING:
    from datagouv_mcp.gateway import Gateway
    from datagouv_mcp.settings import CoreSettings

_PORT = re.compile(r":\d{1,5}$")


def matches(value: str, patterns: Sequence[str]) -> bool:
    """`*` allows anything, `name:*` allows `name` on any port, anything else matches exactly.

    Case-insensitive: host names are.
    """
    value = value.lower()
    for pattern in patterns:
        pattern = pattern.lower()
        if pattern == "*" or value == pattern:
            return True
        if pattern.endswith(":*") and _PORT.search(value) and _PORT.sub("", value) == pattern[:-2]:
            return True
    return False


def rebinding_problem(headers: Headers, settings: CoreSettings) -> tuple[int, str] | None:
    """Why a request must be refused to block DNS rebinding, or None. Host first, then Origin."""
    host = headers.get("host")
    if not host or not matches(host, settings.allowed_hosts):
        return 421, (
            f"Host {host!r} is not allowed by this server. If it is this deployment's own "
            "name, its operator must add it to DATAGOUV_MCP_ALLOWED_HOSTS."
        )
    origin = headers.get("origin")
    # No Origin: not a browser page, so not a rebinding attack.
    if origin and not matches(origin, settings.allowed_origins):
        return 403, (
            f"Origin {origin!r} is not allowed by this server. Its operator may add it to "
            "DATAGOUV_MCP_ALLOWED_ORIGINS."
        )
    return None


def _jsonrpc_error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    body = {"jsonrpc": "2.0", "id": None, "error": {"code": -32600, "message": message}}
    return JSONResponse(body, status_code=status, headers=headers)


def _wants_sse(headers: Headers) -> bool:
    accepted = [part.split(";")[0].strip().lower() for part in headers.get("accept", "").split(",")]
    return "text/event-stream" in accepted


class McpEndpoint:
    """Stateless streamable HTTP. Both response modes are served from one path: SSE to clients
    that list text/event-stream (progress and log notifications reach them), plain JSON to the
    others, including clients that send only `Accept: application/json` or no Accept at all."""

    def __init__(
        self,
        settings: CoreSettings,
        json_mode: StreamableHTTPSessionManager,
        sse_mode: StreamableHTTPSessionManager,
    ) -> None:
        self.settings = settings
        self.json_mode = json_mode
        self.sse_mode = sse_mode

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = Headers(scope=scope)
        problem = rebinding_problem(headers, self.settings)
        if problem is not None:
            await _jsonrpc_error(*problem)(scope, receive, send)
            return
        if scope["method"] == "GET":
            # Stateless: there is no session whose server-initiated messages a GET stream
            # could carry, so say so rather than hold a connection open for nothing.
            await _jsonrpc_error(
                405, "This server is stateless: send requests with POST.", {"Allow": "POST"}
            )(scope, receive, send)
            return
        if _wants_sse(headers):
            await self.sse_mode.handle_request(scope, receive, send)
            return
        if "accept" not in headers:
            scope = {**scope, "headers": [*scope["headers"], (b"accept", b"application/json")]}
        await self.json_mode.handle_request(scope, receive, send)


def build_app(gateway: Gateway) -> Starlette:
    """A new ASGI app over the gateway: /mcp, /health, /health/ready."""
    settings = gateway.settings
    server = build_server(gateway)
    modes = []
    for json_response in (True, False):
        server.streamable_http_app(
            stateless_http=True,
            json_response=json_response,
            max_request_body_size=settings.max_request_body_bytes,
            # Host and Origin are checked in front of both modes by McpEndpoint.
            transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
        )
        modes.append(server.session_manager)
    json_mode, sse_mode = modes
    readiness = Readiness(gateway)

    async def health(request: Request) -> Response:
        return JSONResponse(liveness(gateway.version))

    async def ready(request: Request) -> Response:
        report = await readiness.report()
        return JSONResponse(report, status_code=200 if report["status"] == "ready" else 503)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with gateway.running(), json_mode.run(), sse_mode.run():
            yield

    return Starlette(
        routes=[
            Route(
                "/mcp",
                McpEndpoint(settings, json_mode, sse_mode),
                methods=["GET", "POST", "DELETE"],
            ),
            Route("/health", health, methods=["GET"]),
            Route("/health/ready", ready, methods=["GET"]),
        ],
        lifespan=lifespan,
    )


__all__ = ["build_app", "matches", "rebinding_problem"]
