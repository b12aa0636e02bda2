"""The MCP server over a gateway: `build_server(gateway)`. Tool calls go through the core's one
call path (`datagouv_mcp.calls`); resources, prompts, completions and logging/setLevel are
served from the gateway's contributions."""

from __future__ import annotations

import functools
import json
import re
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import structlog
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError
from mcp.server.mcpserver.prompts import Prompt
from mcp.shared.exceptions import MCPDeprecationWarning, MCPError
from mcp_types import (
    INVALID_PARAMS,
    CallToolResult,
    Completion,
    CompletionArgument,
    CompletionContext,
    EmptyResult,
    PromptReference,
    ResourceTemplateReference,
    SetLevelRequestParams,
)
from mcp_types.version import MODERN_PROTOCOL_VERSIONS

from datagouv_mcp import groups, payloads
from datagouv_mcp.callcontext import ClientLog
from datagouv_mcp.calls import ToolCalls, error_result
from datagouv_mcp.clientlimits import ClientLimits, client_of
from datagouv_mcp.clientlog import ClientLogLevels, wanted
from datagouv_mcp.errors import InvalidArgumentError, NotFoundError, ToolError
from datagouv_mcp.specs import Completer, PromptSpec, ResourceSpec

if TYPE_CHECKING:
    from mcp.server.context import ServerRequestContext
    from mcp.server.lowlevel.helper_types import ReadResourceContents
    from mcp.server.mcpserver import Context
    from mcp_types import Prompt as MCPPrompt
    from mcp_types import Resource, ResourceTemplate, ServerCapabilities
    from mcp_types import Tool as MCPTool

    from datagouv_mcp.gateway import Gateway

log = structlog.get_logger("datagouv_mcp.server")

MAX_COMPLETIONS = 100  # the protocol's cap on completion values


class GatewayServer(MCPServer[Any]):
    """MCPServer whose tool calls all go through the core's call path, serving only the tool
    groups the request selected (`datagouv_mcp.groups`)."""

    def __init__(self, gateway: Gateway, calls: ToolCalls, **kwargs: Any) -> None:
        super().__init__(tools=list(calls.tools.values()), **kwargs)
        self.gateway = gateway
        self.calls = calls
        # The level each client asked for with logging/setLevel.
        self.log_levels = ClientLogLevels()
        self.plugin_of_tool = {name: c.plugin for name, c in gateway.tools.items()}
        self.plugin_of_prompt = {c.spec.name: c.plugin for c in gateway.prompts}
        self.plugin_of_resource = {c.spec.uri: c.plugin for c in gateway.resources}
        self._resource_patterns = [
            (_template_pattern(c.spec.uri), c.plugin) for c in gateway.resources
        ]

    def shown_tools(self) -> list[str]:
        return [name for name, plugin in self.plugin_of_tool.items() if groups.shows(plugin)]

    async def list_tools(self) -> list[MCPTool]:
        return [t for t in await super().list_tools() if groups.shows(self.plugin_of_tool[t.name])]

    async def call_tool(
        self, name: str, arguments: dict[str, Any], context: Context[Any, Any] | None = None
    ) -> Any:
        plugin = self.plugin_of_tool.get(name)
        if plugin is not None and not groups.shows(plugin):
            return _outside_groups(name, plugin, self.shown_tools())
        progress = context.report_progress if context is not None else None
        client = _client(context)
        return await self.calls.call(
            name, arguments, progress, client=client, client_log=self._client_log(context, client)
        )

    def _client_log(
        self, context: Context[Any, Any] | None, client: str | None
    ) -> ClientLog | None:
        """Where the call's log notifications go: at 2026-07-28 the SDK sends only the levels
        the request asked for; before, only those its client asked for with logging/setLevel."""
        if context is None or context.protocol_version is None:
            return None
        modern = context.protocol_version in MODERN_PROTOCOL_VERSIONS
        asked = None if modern else self.log_levels.get(client)
        if not modern and asked is None:
            return None

        async def send(level: str, message: str) -> None:
            if modern or wanted(asked, level):
                with warnings.catch_warnings():  # the SDK marks logging deprecated at 2026
                    warnings.simplefilter("ignore", MCPDeprecationWarning)
                    await context.log(level, message, logger_name="datagouv-mcp")  # type: ignore[arg-type]

        return send

    async def list_resources(self) -> list[Resource]:
        return [r for r in await super().list_resources() if self._shows_uri(str(r.uri))]

    async def list_resource_templates(self) -> list[ResourceTemplate]:
        return [
            t
            for t in await super().list_resource_templates()
            if groups.shows(self.plugin_of_resource.get(t.uri_template, ""))
        ]

    async def read_resource(
        self, uri: Any, context: Context[Any, Any] | None = None
    ) -> Iterable[ReadResourceContents] | Any:
        if not self._shows_uri(str(uri)):
            raise ResourceNotFoundError(f"Unknown resource {str(uri)[:200]} at this URL's groups.")
        return await super().read_resource(uri, context)

    def _shows_uri(self, uri: str) -> bool:
        for pattern, plugin in self._resource_patterns:
            if pattern.fullmatch(uri):
                return groups.shows(plugin)
        return groups.selected() is None

    async def list_prompts(self) -> list[MCPPrompt]:
        return [p for p in await super().list_prompts() if self._shows_prompt(p.name)]

    async def get_prompt(
        self, name: str, arguments: dict[str, Any] | None = None, context: Any = None
    ) -> Any:
        if not self._shows_prompt(name):
            raise MCPError(code=INVALID_PARAMS, message=f"Unknown prompt: {name[:100]}")
        return await super().get_prompt(name, arguments, context)

    def _shows_prompt(self, name: str) -> bool:
        plugin = self.plugin_of_prompt.get(name)
        return plugin is None or groups.shows(plugin)

    def capabilities(self, capabilities: ServerCapabilities) -> ServerCapabilities:
        """What this server does for the current request: no resources or prompts
        capability when it serves none, no subscriptions (it is stateless)."""
        update: dict[str, Any] = {}
        if not any(groups.shows(c.plugin) for c in self.gateway.prompts):
            update["prompts"] = None
        if not any(groups.shows(c.plugin) for c in self.gateway.resources):
            update["resources"] = None
        return capabilities.model_copy(update=update)


def _template_pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{[^}]*\}", template)
    return re.compile("[^/]+".join(re.escape(part) for part in parts))


def _outside_groups(name: str, plugin: str, shown: list[str]) -> CallToolResult:
    selection = groups.SEPARATOR.join(sorted(groups.selected() or ()))
    return error_result(
        ToolError(
            f"Unknown tool {name!r} at {groups.ROOT}/{selection}: it is in the tool group "
            f"{plugin!r}, which this URL does not serve.",
            hint=(
                f"Tools here: {', '.join(sorted(shown)) or 'none'}. For {name}, connect to "
                f"{groups.ROOT}/{selection}{groups.SEPARATOR}{plugin} or {groups.ROOT}."
            ),
            code="unknown_tool",
        )
    )


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
    """completion/complete: the completer the template or prompt declares for the argument,
    else one another contribution declares for an argument of the same name (a prompt's
    `dataset_id` is completed as the dataset template's is), among the groups served."""
    contributions = [*gateway.resources, *gateway.prompts]
    by_template = {c.spec.uri: (c.plugin, c.spec.completions) for c in gateway.resources}
    by_prompt = {c.spec.name: (c.plugin, c.spec.completions) for c in gateway.prompts}

    def shared(name: str) -> Completer | None:
        for c in contributions:
            if name in c.spec.completions and groups.shows(c.plugin):
                found: Completer = c.spec.completions[name]
                return found
        return None

    async def complete(
        ref: PromptReference | ResourceTemplateReference,
        argument: CompletionArgument,
        context: CompletionContext | None,
    ) -> Completion | None:
        plugin, table = (
            by_prompt.get(ref.name, ("", {}))
            if isinstance(ref, PromptReference)
            else by_template.get(ref.uri, ("", {}))
        )
        if not plugin or not groups.shows(plugin):
            return None
        completer: Completer | None = table.get(argument.name) or shared(argument.name)
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


def _install_private_hooks(server: GatewayServer) -> None:
    """What the SDK 2.3 has no public hook for, in one place: logging/setLevel, and the
    capabilities answered to each request (`GatewayServer.capabilities`)."""

    async def set_level(
        ctx: ServerRequestContext[Any], params: SetLevelRequestParams
    ) -> EmptyResult:
        request = getattr(ctx, "request", None)
        server.log_levels.set(client_of(getattr(request, "scope", None)), params.level)
        log.info("client.set_log_level", level=params.level)
        return EmptyResult()

    lowlevel = server._lowlevel_server
    lowlevel.add_request_handler("logging/setLevel", SetLevelRequestParams, set_level)
    derive = lowlevel.get_capabilities

    @functools.wraps(derive)
    def get_capabilities(*args: Any, **kwargs: Any) -> ServerCapabilities:
        return server.capabilities(derive(*args, **kwargs))

    lowlevel.get_capabilities = get_capabilities  # type: ignore[method-assign]


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
        # Stateless: no subscriptions/listen stream, so no list-changed or resource updates.
        subscriptions=False,
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
    _install_private_hooks(server)
    return server
