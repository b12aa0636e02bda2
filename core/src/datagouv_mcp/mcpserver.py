"""The MCP server over a gateway: `build_server(gateway)`. Tool calls go through the core's one
call path (`datagouv_mcp.calls`); resources, prompts, completions and logging/setLevel are
served from the gateway's contributions."""

from __future__ import annotations

import functools
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import structlog
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError
from mcp.server.mcpserver.prompts import Prompt
from mcp.shared.exceptions import MCPError
from mcp_types import (
    INVALID_PARAMS,
    Completion,
    CompletionArgument,
    CompletionContext,
    EmptyResult,
    PromptReference,
    ResourceTemplateReference,
    SetLevelRequestParams,
)

from datagouv_mcp import payloads
from datagouv_mcp.calls import ToolCalls
from datagouv_mcp.clientlimits import ClientLimits, client_of
from datagouv_mcp.errors import InvalidArgumentError, NotFoundError, ToolError
from datagouv_mcp.specs import Completer, PromptSpec, ResourceSpec

if TYPE_CHECKING:
    from mcp.server.context import ServerRequestContext
    from mcp.server.mcpserver import Context

    from datagouv_mcp.gateway import Gateway

log = structlog.get_logger("datagouv_mcp.server")

MAX_COMPLETIONS = 100  # the protocol's cap on completion values


class GatewayServer(MCPServer[Any]):
    """MCPServer whose tool calls all go through the core's call path."""

    def __init__(self, gateway: Gateway, calls: ToolCalls, **kwargs: Any) -> None:
        super().__init__(tools=list(calls.tools.values()), **kwargs)
        self.gateway = gateway
        self.calls = calls
        # The level a client asked for with logging/setLevel.
        self.client_log_level: str | None = None

    async def call_tool(
        self, name: str, arguments: dict[str, Any], context: Context[Any, Any] | None = None
    ) -> Any:
        progress = context.report_progress if context is not None else None
        return await self.calls.call(name, arguments, progress, client=_client(context))


def _client(context: Context[Any, Any] | None) -> str | None:
    """The HTTP client's address the web app found, or None (stdio, in process)."""
    try:
        request = context.request_context.request if context is not None else None
    except ValueError:  # no request context
        return None
    return client_of(getattr(request, "scope", None))


def bounded_contents(body: str | bytes, mime_type: str, max_bytes: int) -> str | bytes:
    """A resource's contents as the client gets them: JSON with its catalogue strings
    defused (no `<catalogue_text>` tag) and within `max_bytes`, a `_truncated` key saying
    what was cut; other text cut at `max_bytes`. Binary contents pass as they are."""
    if isinstance(body, bytes):
        return body
    if "json" in mime_type:
        try:
            data = json.loads(body)
        except ValueError:
            data = None
        if data is not None:
            bounded, cuts = payloads.bound(payloads.neutralised(data), max_bytes)
            if cuts and isinstance(bounded, dict):
                bounded = {"_truncated": "; ".join(cuts), **bounded}
            return json.dumps(bounded, ensure_ascii=False)
    return payloads.bounded_text(body, max_bytes)


def _resource_reader(spec: ResourceSpec, max_bytes: int) -> Callable[..., Awaitable[str | bytes]]:
    @functools.wraps(spec.handler)
    async def read(**params: str) -> str | bytes:
        try:
            body = await spec.handler(**params)
        except NotFoundError as exc:
            raise ResourceNotFoundError(exc.text()) from exc
        except InvalidArgumentError as exc:
            # A malformed id in the URI: the client's params are wrong (-32602), no fault here.
            raise MCPError(code=INVALID_PARAMS, message=exc.text()) from exc
        except ToolError as exc:
            raise ResourceError(exc.text()) from exc
        return bounded_contents(body, spec.mime_type, max_bytes)

    return read


def _prompt_renderer(spec: PromptSpec) -> Callable[..., Awaitable[str]]:
    @functools.wraps(spec.handler)
    async def render(**arguments: Any) -> str:
        try:
            return await spec.handler(**arguments)
        except InvalidArgumentError as exc:
            # The client's arguments are wrong (-32602), and the error says how: the SDK would
            # replace any other exception's text with "Error rendering prompt <name>".
            raise MCPError(code=INVALID_PARAMS, message=exc.text()) from exc
        except ToolError as exc:
            raise ValueError(exc.text()) from exc

    return render


def _completion_handler(gateway: Gateway) -> Callable[..., Awaitable[Completion | None]]:
    by_template = {c.spec.uri: c.spec.completions for c in gateway.resources}
    by_prompt = {c.spec.name: c.spec.completions for c in gateway.prompts}

    async def complete(
        ref: PromptReference | ResourceTemplateReference,
        argument: CompletionArgument,
        context: CompletionContext | None,
    ) -> Completion | None:
        table = (
            by_prompt.get(ref.name)
            if isinstance(ref, PromptReference)
            else by_template.get(ref.uri)
        )
        completer: Completer | None = (table or {}).get(argument.name)
        if completer is None:
            return None
        try:
            values = list(
                await completer(argument.value, dict(context.arguments or {}) if context else {})
            )
        except Exception:
            # A completion is a convenience: its failure must not surface as a protocol error.
            log.warning("completion.failed", argument=argument.name, exc_info=True)
            return None
        return Completion(
            values=values[:MAX_COMPLETIONS],
            total=len(values),
            has_more=len(values) > MAX_COMPLETIONS,
        )

    return complete


def _install_set_level(server: GatewayServer) -> None:
    """logging/setLevel: the SDK 2.3 has no public hook for it, hence the one private call."""

    async def set_level(
        ctx: ServerRequestContext[Any], params: SetLevelRequestParams
    ) -> EmptyResult:
        server.client_log_level = params.level
        log.info("client.set_log_level", level=params.level)
        return EmptyResult()

    server._lowlevel_server.add_request_handler(
        "logging/setLevel", SetLevelRequestParams, set_level
    )


def build_server(gateway: Gateway, client_limits: ClientLimits | None = None) -> GatewayServer:
    """A new MCP server over the gateway's tools, resources and prompts. `client_limits`: the
    per-client rate limit of tool calls (HTTP only: a call without a client is never limited)."""

    @asynccontextmanager
    async def lifespan(_: MCPServer[Any]) -> AsyncIterator[Gateway]:
        async with gateway.running():
            yield gateway

    server = GatewayServer(
        gateway,
        ToolCalls(gateway, client_limits),
        name="datagouv-mcp",
        title="data.gouv.fr",
        version=gateway.version,
        instructions=gateway.instructions,
        website_url="https://www.data.gouv.fr",
        lifespan=lifespan,
        # The SDK calls logging.basicConfig with it; the CLI configures logging itself.
        log_level="WARNING",
    )
    for contribution in gateway.resources:
        spec: ResourceSpec = contribution.spec
        server.resource(
            spec.uri,
            name=spec.name,
            title=spec.title,
            description=spec.description,
            mime_type=spec.mime_type,
        )(_resource_reader(spec, gateway.settings.answer_max_bytes))
    for contribution in gateway.prompts:
        prompt: PromptSpec = contribution.spec
        server.add_prompt(
            Prompt.from_function(
                _prompt_renderer(prompt),
                name=prompt.name,
                title=prompt.title,
                description=prompt.description,
            )
        )
    server.completion()(_completion_handler(gateway))  # type: ignore[no-untyped-call]
    _install_set_level(server)
    return server
