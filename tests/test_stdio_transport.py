"""stdio: the CLI as a subprocess, driven by the SDK's client."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters

from datagouv_mcp.testing.servers import SAMPLE_PLUGIN, clean_env, cli_command
from datagouv_mcp_standin.testing import CorpusIds, Standin


def _params(**env: str) -> StdioServerParameters:
    command = cli_command("serve", "--transport", "stdio")
    return StdioServerParameters(command=command[0], args=command[1:], env=clean_env(env))


@pytest.mark.anyio
async def test_stdio_client_lists_and_calls_plugin_tools() -> None:
    async with Client(_params(DATAGOUV_MCP_PLUGIN_MODULES=SAMPLE_PLUGIN), mode="legacy") as client:
        names = [tool.name for tool in (await client.list_tools()).tools]
        result = await client.call_tool("echo", {"text": "stdio"})
        crash = await client.call_tool("explode", {})
    assert "echo" in names
    assert result.structured_content == {"text": "stdio", "times": 1, "greeting": "Hello"}
    assert crash.is_error is True and "incident" in crash.content[0].text  # type: ignore[union-attr]


@pytest.mark.anyio
async def test_stdio_serves_the_first_party_plugins_without_test_helpers() -> None:
    async with Client(_params(), mode="legacy") as client:
        tools = (await client.list_tools()).tools
        instructions = client.instructions or ""
    assert "data.gouv.fr" in instructions
    assert all(tool.annotations and tool.annotations.read_only_hint for tool in tools)


@pytest.mark.anyio
async def test_stdio_runs_sql_in_its_workers_without_touching_the_protocol(
    standin: Standin, tmp_path: Path
) -> None:
    """The SQL workers have pipes of their own: nothing of theirs reaches the server's
    stdout, and the server's stdio session carries the answer and the errors."""
    env = {**standin.env(), "DATAGOUV_MCP_PLUGINS": "sql",
           "DATAGOUV_MCP_SQL_CACHE_DIR": str(tmp_path)}  # fmt: skip
    rid = CorpusIds.TABLE_1K_RESOURCE_ID
    async with Client(_params(**env), mode="legacy") as client:
        counted = await client.call_tool(
            "query_resource_sql", {"resource_id": rid, "sql": "SELECT count(*) AS n FROM data"}
        )
        refused = await client.call_tool(
            "query_resource_sql",
            {"resource_id": rid, "sql": "SELECT * FROM read_text('/etc/passwd')"},
        )
    assert counted.structured_content["rows"] == [{"n": 1000}]
    assert refused.structured_content["code"] == "sql_refused"
