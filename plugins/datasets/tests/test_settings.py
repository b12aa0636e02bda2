"""Settings: read from DATAGOUV_MCP_DATASETS_*, and every one documented."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp import Client

from datagouv_mcp.mcpserver import build_server
from datagouv_mcp.testing.gateways import gateway_for
from datagouv_mcp_datasets.settings import DatasetsSettings

DOC = Path(__file__).parents[3] / "docs" / "tools" / "datasets.md"


def test_every_setting_is_documented() -> None:
    page = DOC.read_text(encoding="utf-8")
    for field in DatasetsSettings.model_fields:
        assert f"DATAGOUV_MCP_DATASETS_{field.upper()}" in page, field


@pytest.mark.anyio
async def test_settings_come_from_the_plugins_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATAGOUV_MCP_DATASETS_RESOURCES_PAGE_SIZE", "7")
    gateway = gateway_for({"DATAGOUV_MCP_API_URL": "http://127.0.0.1:9/api/"}, ["datasets"])
    async with Client(build_server(gateway), mode="legacy") as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    schema = tools["list_dataset_resources"].input_schema
    assert schema["properties"]["page_size"]["default"] == 7
    assert gateway.settings_for(DatasetsSettings).resources_page_size == 7
