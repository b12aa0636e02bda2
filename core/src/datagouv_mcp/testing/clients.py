"""Calling tools the way a strict MCP client does, for tests."""

from __future__ import annotations

from typing import Any

from mcp import Client
from mcp_types import CallToolResult

from datagouv_mcp.gateway import Gateway
from datagouv_mcp.mcpserver import build_server


async def call_checked(gateway: Gateway, tool: str, arguments: dict[str, Any]) -> CallToolResult:
    """One tool call through a real MCP client, in a fresh session (so a fresh response
    cache), its structured content checked against the tool's declared output schema."""
    import jsonschema  # type: ignore[import-untyped]  # no stubs; the MCP SDK depends on it

    async with Client(build_server(gateway), mode="legacy") as client:
        tools = {listed.name: listed for listed in (await client.list_tools()).tools}
        result = await client.call_tool(tool, arguments)
    if not result.is_error:
        jsonschema.validate(result.structured_content, tools[tool].output_schema)
    return result


def text_of(result: CallToolResult) -> str:
    """The text block of a tool result."""
    return str(getattr(result.content[0], "text", ""))
