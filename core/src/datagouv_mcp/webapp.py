"""The HTTP face of the server: POST /mcp (SSE or JSON by Accept), POST /mcp/{groups} (only
those tool groups, `datagouv_mcp.groups`), /health, /health/ready, /metrics.

In front of every path but the health checks and /metrics, before routing (so before any
redirect), the `Guard` checks Host and Origin, the client's request rate and the bearer token
(/metrics is restricted by address instead: `datagouv_mcp.scrape`). `McpEndpoint`
then reads the body itself (size cap, deadline, a client gone away is no error), checks the
JSON-RPC envelope and the protocol version, and only then hands the request to the SDK.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

import anyio
import structlog
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from datagouv_mcp import meters, scrape
from datagouv_mcp.auth import BearerTokens
from datagouv_mcp.clientlimits import CLIENT_KEY, ClientLimits, client_address, networks
from datagouv_mcp.groups import ToolGroups, UnknownGroupError, selecting
from datagouv_mcp.health import Readiness, liveness
from datagouv_mcp.jsonrpc import (
    INVALID_REQUEST,
    JSON,
    RATE_LIMITED,
    Refusal,
    checked_message,
    media_type,
    protocol_version_problem,
    unsupported_media_type,
)
from datagouv_mcp.mcpserver import build_server

if TYPE_CHECKING:
    from datagouv_mcp.gateway import Gateway
    from datagouv_mcp.settings import CoreSettings

log = structlog.get_logger("datagouv_mcp.http")

_PORT = re.compile(r":\d{1,5}$")

OPEN_PATHS = frozenset({"/health", "/health/ready", scrape.PATH})
"""Served whatever the Host, token or rate: load balancers probe them, scrapers scrape (the
metrics are restricted by address, `datagouv_mcp.scrape`)."""


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


def _refused(refusal: Refusal) -> Response:
    return Response(refusal.body(), refusal.status, headers=refusal.response_headers())


def _jsonrpc_error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return _refused(Refusal(status, INVALID_REQUEST, message, headers=headers or {}))


class Guard:
    """Host and Origin (DNS rebinding), then the client's request rate, then the bearer token,
    for every path but the health checks and the metrics. Leaves the client's address in the scope
    (`CLIENT_KEY`) for the tool-call rate limit."""

    def __init__(
        self,
        app: ASGIApp,
        settings: CoreSettings,
        limits: ClientLimits | None,
        tokens: BearerTokens | None,
    ) -> None:
        self.app = app
        self.settings = settings
        self.limits = limits
        self.tokens = tokens
        self.trusted = networks(settings.trusted_proxies)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        problem = rebinding_problem(headers, self.settings)
        if problem is not None:
            await _jsonrpc_error(*problem)(scope, receive, send)
            return
        peer = scope.get("client")
        client = client_address(peer[0] if peer else None, scope["headers"], self.trusted)
        scope = {**scope, CLIENT_KEY: client}
        if self.limits is not None and client is not None:
            wait = await self.limits.request_wait(client)
            if wait is not None:
                message = f"Too many requests from your address: wait {wait} s."
                refusal = Refusal(
                    429,
                    RATE_LIMITED,
                    message,
                    data={"retry_after": wait},
                    headers={"retry-after": str(wait)},
                )
                await _refused(refusal)(scope, receive, send)
                return
        authorization = headers.get("authorization")
        if self.tokens is not None and not self.tokens.accepts(authorization):
            challenge = {"www-authenticate": self.tokens.challenge(authorization)}
            message = "Unauthorized: send this server's token as Authorization: Bearer <token>."
            await _jsonrpc_error(401, message, challenge)(scope, receive, send)
            return
        await self.app(scope, receive, _start_with_body(send))


def _start_with_body(send: Send) -> Send:
    """`send`, holding a response's start until its first body part, then sending both at
    once: a one-part answer (every JSON answer) leaves whole or not at all, so a replica that
    dies while answering has passed nothing on to the proxy in front, which can then retry
    the request on another replica (an answer cut after its headers cannot be retried)."""
    held: Message | None = None

    async def sending(message: Message) -> None:
        nonlocal held
        if message["type"] == "http.response.start":
            held = message
            return
        if held is not None:
            start, held = held, None
            await send(start)
        await send(message)

    return sending


class _BodyTooLarge(Exception):
    pass


class _ClientGone(Exception):
    pass


async def _read_body(receive: Receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _ClientGone
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _BodyTooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replaying(body: bytes, receive: Receive) -> Receive:
    """`receive` for the SDK: the body read already, then the connection's own events."""
    pending = True

    async def replay() -> Message:
        nonlocal pending
        if pending:
            pending = False
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


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
        groups: ToolGroups | None = None,
    ) -> None:
        self.settings = settings
        self.json_mode = json_mode
        self.sse_mode = sse_mode
        self.groups = groups

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        selected = None
        joined = scope.get("path_params", {}).get("groups")
        if joined is not None and self.groups is not None:
            try:
                selected = self.groups.parse(joined)
            except UnknownGroupError as exc:
                await _jsonrpc_error(404, str(exc))(scope, receive, send)
                return
        with selecting(selected):
            await self._serve(scope, receive, send)

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = Headers(scope=scope)
        if scope["method"] != "POST":
            # Stateless: there is no session whose server-initiated messages a GET stream
            # could carry, nor one to DELETE, so say so rather than hold a connection open.
            await _jsonrpc_error(
                405, "This server is stateless: send requests with POST.", {"Allow": "POST"}
            )(scope, receive, send)
            return
        if media_type(headers.get("content-type")) != JSON:
            await _refused(unsupported_media_type())(scope, receive, send)
            return
        body = await self._body(scope, receive, headers)
        if not isinstance(body, bytes):
            if body is not None:
                await _refused(body)(scope, receive, send)
            return
        message = checked_message(body)
        if isinstance(message, Refusal):
            await _refused(message)(scope, receive, send)
            return
        version = headers.get("mcp-protocol-version")
        refusal = protocol_version_problem(version, message.id)
        if refusal is not None:
            await _refused(refusal)(scope, receive, send)
            return
        # The SDK compares media types exactly, and reads an absent Accept as "nothing".
        kept = [(k, v) for k, v in scope["headers"] if k not in (b"content-type", b"accept")]
        accept = headers.get("accept") or JSON
        scope = {
            **scope,
            "headers": [*kept, (b"content-type", JSON.encode()), (b"accept", accept.encode())],
        }
        mode = self.sse_mode if _wants_sse(headers) else self.json_mode
        await mode.handle_request(scope, _replaying(body, receive), send)

    async def _body(
        self, scope: Scope, receive: Receive, headers: Headers
    ) -> bytes | Refusal | None:
        """The whole body; the refusal to answer if it is too large or too slow; None if the
        client went away (no error: logged quietly)."""
        limit = self.settings.max_request_body_bytes
        timeout = self.settings.body_timeout_seconds
        too_large = Refusal(
            413,
            INVALID_REQUEST,
            f"Request body too large: this server accepts up to {limit} bytes.",
            headers={"connection": "close"},
        )
        try:
            if int(headers.get("content-length", "0")) > limit:
                return too_large
        except ValueError:
            pass  # h11 refuses a bad Content-Length before we see it
        try:
            with anyio.fail_after(timeout):
                return await _read_body(receive, limit)
        except _BodyTooLarge:
            return too_large
        except TimeoutError:
            log.info("http.body_timeout", client=scope.get(CLIENT_KEY), seconds=timeout)
            message = f"Request Timeout: the request's body took over {timeout:g} s."
            return Refusal(408, INVALID_REQUEST, message, headers={"connection": "close"})
        except _ClientGone:
            log.info("http.client_gone", client=scope.get(CLIENT_KEY), during="body")
            return None


def build_app(gateway: Gateway) -> Starlette:
    """A new ASGI app over the gateway: /mcp, /mcp/{groups}, /health, /health/ready, /metrics."""
    settings = gateway.settings
    storage = gateway.upstream.settings.rate_storage()
    limits = ClientLimits.configured(
        settings.rate_limit, storage, gateway.upstream.link_for(storage)
    )
    server = build_server(gateway, client_limits=limits)
    modes = []
    for json_response in (True, False):
        server.streamable_http_app(
            stateless_http=True,
            json_response=json_response,
            max_request_body_size=settings.max_request_body_bytes,
            # Host and Origin are checked in front of every path by the Guard.
            transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
        )
        modes.append(server.session_manager)
    json_mode, sse_mode = modes
    endpoint = McpEndpoint(settings, json_mode, sse_mode, ToolGroups(gateway))
    readiness = Readiness(gateway)

    async def health(request: Request) -> Response:
        return JSONResponse(liveness(gateway.version))

    async def ready(request: Request) -> Response:
        report = await readiness.report()
        return JSONResponse(report, status_code=503 if report["status"] == "not_ready" else 200)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            async with gateway.running(), json_mode.run(), sse_mode.run():
                yield
        finally:
            meters.process_stopping()

    return Starlette(
        routes=[
            # Every method reaches the endpoint, which answers all but POST with a 405.
            Route("/mcp", endpoint, methods=None),
            Route("/mcp/{groups}", endpoint, methods=None),
            Route("/health", health, methods=["GET"]),
            Route("/health/ready", ready, methods=["GET"]),
            Route(scrape.PATH, scrape.MetricsEndpoint(settings).respond, methods=["GET"]),
        ],
        middleware=[
            Middleware(
                Guard,
                settings=settings,
                limits=limits,
                tokens=BearerTokens.configured(settings),
            )
        ],
        lifespan=lifespan,
    )


__all__ = ["build_app", "matches", "rebinding_problem"]
