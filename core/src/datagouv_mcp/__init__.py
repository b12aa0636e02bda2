"""data.gouv.fr MCP gateway: the core and the plugin API.

A plugin imports what it needs from here: the `hookimpl` marker, the specs it returns, and
the errors its tools raise.
"""

from datagouv_mcp.errors import (
    InvalidArgumentError,
    NotFoundError,
    StartupError,
    ToolError,
    UnavailableError,
)
from datagouv_mcp.gateway import Gateway
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
    "Gateway",
    "HealthCheck",
    "InvalidArgumentError",
    "NotFoundError",
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
