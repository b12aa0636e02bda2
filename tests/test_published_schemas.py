"""Input schemas as every client accepts them: no `anyOf` (some clients reject it), no
`default: null` on a typed argument (a contradiction); null is still accepted, and JSON's
true is still not a number."""

from __future__ import annotations

import pytest
from mcp import Client

from datagouv_mcp.mcpserver import build_server
from datagouv_mcp.testing.clients import schemas_in
from datagouv_mcp.testing.gateways import gateway_for
from datagouv_mcp_standin.testing import Standin


@pytest.mark.anyio
async def test_no_tool_publishes_any_of_or_a_null_default(upstream: Standin) -> None:
    gateway = gateway_for(upstream.env())
    async with Client(build_server(gateway), mode="legacy") as client:
        tools = (await client.list_tools()).tools
    assert len(tools) >= 13
    for tool in tools:
        for schema in schemas_in(tool.input_schema):
            assert "anyOf" not in schema and "oneOf" not in schema, (tool.name, schema)
            assert not ("default" in schema and schema["default"] is None), (tool.name, schema)
        for name, schema in tool.input_schema.get("properties", {}).items():
            assert "type" in schema or "$ref" in schema, (tool.name, name)


@pytest.mark.anyio
async def test_null_for_an_optional_argument_is_still_accepted(upstream: Standin) -> None:
    gateway = gateway_for(upstream.env(), plugins=["datasets"])
    async with Client(build_server(gateway), mode="legacy") as client:
        plain = await client.call_tool("search_datasets", {"query": "population"})
        nulls = await client.call_tool(
            "search_datasets", {"query": "population", "organization": None, "tag": None}
        )
        flag = await client.call_tool("search_datasets", {"query": "population", "page": True})
    assert nulls.is_error is False
    assert nulls.structured_content["total"] == plain.structured_content["total"] > 0  # type: ignore[index]
    assert flag.is_error is True
    assert "'page': expected a number, got true" in flag.content[0].text  # type: ignore[union-attr]
