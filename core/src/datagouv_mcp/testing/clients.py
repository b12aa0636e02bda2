"""Calling tools the way a strict MCP client does, and starting documented client
configurations, for tests."""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Mapping
from typing import Any

from mcp import Client, StdioServerParameters
from mcp_types import CallToolResult

from datagouv_mcp.gateway import Gateway
from datagouv_mcp.mcpserver import build_server
from datagouv_mcp.testing.servers import clean_env


def schemas_in(schema: Any) -> list[dict[str, Any]]:
    """Every (sub)schema of a JSON Schema, itself first: what a check of a published schema
    walks (`"anyOf" in s for s in schemas_in(tool.input_schema)`)."""
    if isinstance(schema, dict):
        return [schema, *(s for value in schema.values() for s in schemas_in(value))]
    if isinstance(schema, list):
        return [s for value in schema for s in schemas_in(value)]
    return []


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


CONFIG_BLOCK = re.compile(r"<!-- client-config: ([\w-]+) -->\n```(json|toml)\n(.*?)```", re.DOTALL)


def documented_servers(markdown: str, name: str = "datagouv") -> dict[str, dict[str, Any]]:
    """The server entry named `name` of every client configuration in a Markdown text, by
    client: JSON or TOML blocks marked `<!-- client-config: CLIENT -->` (`mcpServers`,
    `servers` or `mcp_servers` at the top, as each client writes it)."""
    entries = {}
    for client, language, body in CONFIG_BLOCK.findall(markdown):
        parsed = json.loads(body) if language == "json" else tomllib.loads(body)
        servers = parsed.get("mcpServers") or parsed.get("servers") or parsed.get("mcp_servers")
        entries[client] = (servers or {})[name]
    return entries


async def stdio_tools(entry: Mapping[str, Any], path: str) -> list[str]:
    """Start a configuration's server entry (`command`, `args`, `env`) as a desktop client
    does, with `path` as its PATH and the upstream on a closed loopback port; the names of the
    tools it lists."""
    env = clean_env({**entry.get("env", {}), "PATH": path})
    params = StdioServerParameters(command=entry["command"], args=entry.get("args", []), env=env)
    async with Client(params, mode="legacy") as client:
        return [tool.name for tool in (await client.list_tools()).tools]
