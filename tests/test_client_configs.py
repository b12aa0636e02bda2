"""Every client configuration in docs/clients.md parses, and the stdio ones start the server
through the MCP SDK's stdio client, exactly as written (the command found on PATH, the
documented `env` given)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import anyio

from datagouv_mcp.testing.clients import documented_servers, stdio_tools

DOC = Path(__file__).resolve().parents[1] / "docs" / "clients.md"
STDIO_CLIENTS = ["claude-desktop", "claude-code", "cursor", "vscode", "codex", "windsurf"]


def test_every_client_has_a_stdio_configuration_with_env() -> None:
    configs = documented_servers(DOC.read_text())
    assert set(STDIO_CLIENTS) <= configs.keys()
    for client in STDIO_CLIENTS:
        entry = configs[client]
        assert entry["command"] == "datagouv-mcp", client
        assert entry["args"] == ["serve", "--transport", "stdio"], client
        assert entry["env"] == {"DATAGOUV_MCP_LOG_LEVEL": "WARNING"}, client
        assert entry.get("type", "stdio") == "stdio", client


def test_the_documented_stdio_configuration_starts_the_server() -> None:
    # Every client's entry is the same (checked above): one launch covers them all. The
    # command as this environment installed it: its scripts folder first on PATH.
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    entry = documented_servers(DOC.read_text())["claude-desktop"]
    tools = anyio.run(stdio_tools, entry, path)
    assert {"search_datasets", "get_metrics", "query_resource_data"} <= set(tools)
