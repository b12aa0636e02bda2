"""Whatever plugins run, nothing the server says names a tool it does not offer: the server
instructions, every tool's description and argument descriptions, read by a real MCP client
for each plugin alone and for all of them together."""

from __future__ import annotations

import json
import re

import pytest
from mcp import Client

from datagouv_mcp.mcpserver import build_server
from datagouv_mcp.testing.gateways import gateway_for
from datagouv_mcp_standin.testing import Standin

pytestmark = [pytest.mark.anyio]

PLUGINS = ["datasets", "resources", "dataservices", "metrics"]


async def _said(standin: Standin, plugins: list[str]) -> tuple[set[str], str]:
    gateway = gateway_for(standin.env(), plugins=plugins)
    async with Client(build_server(gateway), mode="legacy") as client:
        tools = (await client.list_tools()).tools
        text = [client.instructions or ""]
        for tool in tools:
            schemas = [tool.input_schema, tool.output_schema or {}]
            text += [tool.description or "", json.dumps(schemas, ensure_ascii=False)]
    return {tool.name for tool in tools}, "\n".join(text)


async def test_all_plugins_offer_the_official_tool_set(standin: Standin) -> None:
    offered, _ = await _said(standin, PLUGINS)
    assert offered >= {
        "search_datasets", "search_organizations", "get_dataset_info", "list_dataset_resources",
        "get_resource_info", "query_resource_data", "download_and_parse_resource",
        "search_dataservices", "get_dataservice_info", "get_dataservice_openapi_spec",
        "get_metrics",
    }  # fmt: skip


@pytest.mark.parametrize("plugin", PLUGINS)
async def test_one_plugin_alone_names_only_its_own_tools(standin: Standin, plugin: str) -> None:
    everything, _ = await _said(standin, PLUGINS)
    offered, text = await _said(standin, [plugin])
    named = {name for name in everything if re.search(rf"\b{name}\b", text)}
    assert named <= offered, f"{plugin} alone names {sorted(named - offered)}"


async def test_a_description_names_another_plugins_tool_when_it_is_offered(
    standin: Standin,
) -> None:
    gateway = gateway_for(standin.env(), plugins=["datasets", "resources"])
    async with Client(build_server(gateway), mode="legacy") as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    assert "→ query_resource_data." in (tools["search_datasets"].description or "")
    assert "Next step: query_resource_data" in (tools["list_dataset_resources"].description or "")
