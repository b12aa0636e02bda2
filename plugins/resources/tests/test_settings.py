"""Settings: read from DATAGOUV_MCP_RESOURCES_*, and every one documented."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp import Client

from datagouv_mcp.mcpserver import build_server
from datagouv_mcp.testing.gateways import gateway_for
from datagouv_mcp_resources.settings import ResourcesSettings

DOC = Path(__file__).parents[3] / "docs" / "tools" / "resources.md"


def test_every_setting_is_documented() -> None:
    page = DOC.read_text(encoding="utf-8")
    for field in ResourcesSettings.model_fields:
        assert f"DATAGOUV_MCP_RESOURCES_{field.upper()}" in page, field


@pytest.mark.anyio
async def test_the_bounds_come_from_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATAGOUV_MCP_RESOURCES_QUERY_MAX_PAGE_SIZE", "80")
    monkeypatch.setenv("DATAGOUV_MCP_RESOURCES_DOWNLOAD_MAX_ROWS", "30")
    gateway = gateway_for({"DATAGOUV_MCP_API_URL": "http://127.0.0.1:9/api/"}, ["resources"])
    async with Client(build_server(gateway), mode="legacy") as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    assert tools["query_resource_data"].input_schema["properties"]["page_size"]["maximum"] == 80
    schema = tools["download_and_parse_resource"].input_schema
    assert schema["properties"]["max_rows"]["maximum"] == 30
    assert schema["required"] == ["resource_id"]
