"""The hooks a datagouv-mcp plugin may implement.

Registration hooks are synchronous and return plain specs; async work happens in tool
handlers, health probes and lifespans. Hooks receive the plugin's own `PluginContext`, never
the gateway. The long form of each hook is in docs/hooks.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from contextlib import AbstractAsyncContextManager

    import click
    from pydantic_settings import BaseSettings

    from datagouv_mcp.context import PluginContext
    from datagouv_mcp.errors import ToolError
    from datagouv_mcp.specs import Event, HealthCheck, PromptSpec, ResourceSpec, ToolSpec

PROJECT = "datagouv_mcp"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def register_settings() -> type[BaseSettings] | None:
    """Return the plugin's pydantic-settings class, read from DATAGOUV_MCP_<NAME>_* variables."""


@hookspec
def register_tools(context: PluginContext) -> list[ToolSpec] | None:
    """Return the tool specs this plugin adds to the server."""


@hookspec
def register_resources(context: PluginContext) -> list[ResourceSpec] | None:
    """Return the MCP resources and resource templates this plugin serves."""


@hookspec
def register_prompts(context: PluginContext) -> list[PromptSpec] | None:
    """Return the MCP prompts this plugin offers."""


@hookspec
def register_commands(context: PluginContext) -> list[click.Command] | None:
    """Return click commands this plugin adds to the `datagouv-mcp` command line."""


@hookspec
def server_instructions(context: PluginContext) -> str | None:
    """Return a paragraph for the server's instructions on chaining this plugin's tools."""


@hookspec
def register_health_checks(context: PluginContext) -> list[HealthCheck] | None:
    """Return the readiness probes that GET /health/ready runs for this plugin."""


@hookspec
def lifespan(context: PluginContext) -> AbstractAsyncContextManager[Any] | None:
    """Return an async context manager entered for the server's lifetime."""


@hookspec(firstresult=True)
def handle_tool_error(
    context: PluginContext, tool_name: str, error: BaseException
) -> str | ToolError | None:
    """Return model-readable text (or a ToolError) for an exception a tool raised, or None."""


@hookspec
def track_event(context: PluginContext, event: Event) -> None:
    """Receive a telemetry event: a tool call ended, a plugin was loaded."""
