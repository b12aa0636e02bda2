"""data.gouv.fr MCP gateway: the plugin API.

A plugin imports what it needs from here: the `hookimpl` marker, the `PluginContext` its hooks
receive, the specs it returns, and the errors its tools raise. This module imports only those
plain values, so importing it (or any of its modules) loads neither the HTTP layer nor the
transports. The shared helpers are modules of their own: `datagouv_mcp.arguments` (argument
rules), `datagouv_mcp.text` (catalogue text, bounded), `datagouv_mcp.readers` (tolerant JSON
readers), `datagouv_mcp.links` (links to the portal), `datagouv_mcp.generic_words` (the
no-results retry), `datagouv_mcp.upstream` (the HTTP layer and its errors).
"""

from datagouv_mcp.context import PluginContext
from datagouv_mcp.errors import (
    InvalidArgumentError,
    NotFoundError,
    ParseError,
    StartupError,
    ToolError,
    UnavailableError,
)
from datagouv_mcp.hookspecs import hookimpl
from datagouv_mcp.specs import (
    READ_ONLY,
    Event,
    HealthCheck,
    PromptSpec,
    ResourceSpec,
    ToolResult,
    ToolSpec,
)
from datagouv_mcp.version import __version__

__all__ = [
    "READ_ONLY",
    "Event",
    "HealthCheck",
    "InvalidArgumentError",
    "NotFoundError",
    "ParseError",
    "PluginContext",
    "PromptSpec",
    "ResourceSpec",
    "StartupError",
    "ToolError",
    "ToolResult",
    "ToolSpec",
    "UnavailableError",
    "__version__",
    "hookimpl",
]
