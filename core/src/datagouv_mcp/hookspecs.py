"""The hooks a datagouv-mcp plugin may implement.

Registration hooks are synchronous and return plain specs; async work happens in tool
handlers, health probes and lifespans. The long form of each hook is in docs/hooks.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from contextlib import AbstractAsyncContextManager

    from pydantic_settings import BaseSettings

    from datagouv_mcp.errors import ToolError
    from datagouv_mcp.gateway import Gateway
    from datagouv_mcp.specs import Event, HealthCheck, PromptSpec, ResourceSpec, ToolSpec

PROJECT = "datagouv_mcp"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def register_settings() -> type[BaseSettings] | None:
    """Return the plugin's pydantic-settings class, read from DATAGOUV_MCP_<NAME>_* variables."""


@hookspec
def register_tools(gateway: Gateway) -> list[ToolSpec] | None:
    """Return the tool specs this plugin adds to the server."""


@hookspec
def register_resources(gateway: Gateway) -> list[ResourceSpec] | None:
    """Return the MCP resources and resource templates this plugin serves."""


@hookspec
def register_prompts(gateway: Gateway) -> list[PromptSpec] | None:
    """Return the MCP prompts this plugin offers."""


@hookspec
def server_instructions(gateway: Gateway) -> str | None:
    """Return a paragraph for the server's instructions on chaining this plugin's tools."""


@hookspec
def register_health_checks(gateway: Gateway) -> list[HealthCheck] | None:
    """Return the readiness probes that GET /health/ready runs for this plugin."""


@hookspec
def lifespan(gateway: Gateway) -> AbstractAsyncContextManager[Any] | None:
    """Return an async context manager entered for the server's lifetime."""


@hookspec(firstresult=True)
def handle_tool_error(
    gateway: Gateway, tool_name: str, error: BaseException
) -> str | ToolError | None:
    """Return model-readable text (or a ToolError) for an exception a tool raised, or None."""


@hookspec
def track_event(gateway: Gateway, event: Event) -> None:
    """Receive a telemetry event: a tool call ended, a plugin was loaded."""
