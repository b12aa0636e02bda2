"""Building the MCP server from the gateway's contributions."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import structlog
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError
from mcp.server.mcpserver.prompts import Prompt
from mcp.server.mcpserver.tools import Tool
from mcp_types import (
    Completion,
    CompletionArgument,
    CompletionContext,
    EmptyResult,
    PromptReference,
    ResourceTemplateReference,
    SetLevelRequestParams,
)

from datagouv_mcp.errors import NotFoundError, ToolError
from datagouv_mcp.specs import Completer, Event, PromptSpec, ResourceSpec
from datagouv_mcp.tooling import check_arguments, error_result, sdk_tool

if TYPE_CHECKING:
    from mcp.server.context import ServerRequestContext
    from mcp.server.mcpserver import Context

    from datagouv_mcp.gateway import Gateway

log = structlog.get_logger("datagouv_mcp.server")

MAX_COMPLETIONS = 100  # the protocol's cap on completion values


class GatewayServer(MCPServer[Any]):
    """MCPServer whose tool calls answer unknown tools and bad arguments in plain words."""

    def __init__(self, gateway: Gateway, tools: list[Tool], **kwargs: Any) -> None:
        super().__init__(tools=tools, **kwargs)
        self.gateway = gateway
        self._gateway_tools = {tool.name: tool for tool in tools}

    async def call_tool(
        self, name: str, arguments: dict[str, Any], context: Context[Any, Any] | None = None
    ) -> Any:
        tool = self._gateway_tools.get(name)
        if tool is None:
            return error_result(
                ToolError(
                    f"Unknown tool '{name}'.",
                    hint=f"Available tools: {', '.join(sorted(self._gateway_tools)) or 'none'}.",
                    code="unknown_tool",
                )
            )
        problem = check_arguments(tool, arguments)
        if problem is not None:
            self.gateway.emit(
                Event(
                    "tool.called",
                    plugin=self.gateway.tools[name].plugin,
                    tool=name,
                    outcome="error",
                    error_code=problem.code,
                    duration_ms=0.0,
                )
            )
            return error_result(problem)
        return await super().call_tool(name, arguments, context)


def _resource_reader(spec: ResourceSpec) -> Callable[..., Awaitable[str | bytes]]:
    @functools.wraps(spec.handler)
    async def read(**params: str) -> str | bytes:
        try:
            return await spec.handler(**params)
        except NotFoundError as exc:
            raise ResourceNotFoundError(exc.text()) from exc
        except ToolError as exc:
            raise ResourceError(exc.text()) from exc

    return read


def _prompt_renderer(spec: PromptSpec) -> Callable[..., Awaitable[str]]:
    @functools.wraps(spec.handler)
    async def render(**arguments: Any) -> str:
        try:
            return await spec.handler(**arguments)
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


def _install_set_level(server: MCPServer[Any], gateway: Gateway) -> None:
    """logging/setLevel: the SDK 2.3 has no public hook for it, hence the one private call."""

    async def set_level(
        ctx: ServerRequestContext[Any], params: SetLevelRequestParams
    ) -> EmptyResult:
        gateway.client_log_level = params.level
        log.info("client.set_log_level", level=params.level)
        return EmptyResult()

    server._lowlevel_server.add_request_handler(
        "logging/setLevel", SetLevelRequestParams, set_level
    )


def build_server(gateway: Gateway) -> GatewayServer:
    @asynccontextmanager
    async def lifespan(_: MCPServer[Any]) -> AsyncIterator[Gateway]:
        async with gateway.running():
            yield gateway

    server = GatewayServer(
        gateway,
        tools=[sdk_tool(gateway, contribution) for contribution in gateway.tools.values()],
        name="datagouv-mcp",
        title="data.gouv.fr",
        version=gateway.version,
        instructions=gateway.instructions,
        website_url="https://www.data.gouv.fr",
        lifespan=lifespan,
        log_level=gateway.settings.log_level,
    )
    for contribution in gateway.resources:
        spec: ResourceSpec = contribution.spec
        server.resource(
            spec.uri,
            name=spec.name,
            title=spec.title,
            description=spec.description,
            mime_type=spec.mime_type,
        )(_resource_reader(spec))
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
    _install_set_level(server, gateway)
    return server
