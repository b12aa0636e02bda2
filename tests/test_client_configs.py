"""Every client configuration in docs/clients.md parses, and the stdio ones start the server
through the MCP SDK's stdio client, exactly as written (the command found on PATH, the
documented `env` given)."""

from __future__ import annotations

import json
import os
import re
import sys
import tomllib
from pathlib import Path
from typing import Any

import anyio
from mcp import Client, StdioServerParameters

from datagouv_mcp.testing.servers import clean_env

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "clients.md"
BLOCK = re.compile(r"<!-- client-config: ([\w-]+) -->\n```(json|toml)\n(.*?)```", re.DOTALL)
STDIO_CLIENTS = ["claude-desktop", "claude-code", "cursor", "vscode", "codex", "windsurf"]


def documented() -> dict[str, dict[str, Any]]:
    """Each marked block's server entry, by client."""
    configs = {}
    for client, language, body in BLOCK.findall(DOC.read_text()):
        parsed = json.loads(body) if language == "json" else tomllib.loads(body)
        servers = parsed.get("mcpServers") or parsed.get("servers") or parsed.get("mcp_servers")
        assert list(servers) == ["datagouv"], client
        configs[client] = servers["datagouv"]
    return configs


def test_every_client_has_a_stdio_configuration_with_env() -> None:
    configs = documented()
    assert set(STDIO_CLIENTS) <= configs.keys()
    for client in STDIO_CLIENTS:
        entry = configs[client]
        assert entry["command"] == "datagouv-mcp", client
        assert entry["args"] == ["serve", "--transport", "stdio"], client
        assert entry["env"] == {"DATAGOUV_MCP_LOG_LEVEL": "WARNING"}, client
        assert entry.get("type", "stdio") == "stdio", client


async def launch(entry: dict[str, Any], path: str) -> list[str]:
    """Start the documented entry as a client would, with `path` as its PATH; the tools."""
    env = clean_env({**entry.get("env", {}), "PATH": path})
    params = StdioServerParameters(command=entry["command"], args=entry["args"], env=env)
    async with Client(params, mode="legacy") as client:
        return [tool.name for tool in (await client.list_tools()).tools]


def test_the_documented_stdio_configuration_starts_the_server() -> None:
    # Every client's entry is the same (checked above): one launch covers them all. The
    # command as this environment installed it: its scripts folder first on PATH.
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    tools = anyio.run(launch, documented()["claude-desktop"], path)
    assert {"search_datasets", "get_metrics", "query_resource_data"} <= set(tools)
