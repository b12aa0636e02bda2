"""The tools as clients see them (names, arguments, schemas) and the arguments refused before
any upstream call. The upstream here is a closed loopback port: a call that slipped through
would fail as "unavailable", not with the argument error these tests expect."""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client

from datagouv_mcp.gateway import Gateway
from datagouv_mcp.mcpserver import build_server
from datagouv_mcp.testing.clients import schemas_in
from datagouv_mcp.testing.gateways import gateway_for

CLOSED = {
    "DATAGOUV_MCP_API_URL": "http://127.0.0.1:9/api/",
    "DATAGOUV_MCP_SITE_URL": "http://127.0.0.1:9/",
}
OFFICIAL_ARGUMENTS = {
    "search_datasets": ["query", "page", "page_size", "sort", "last_update_range"],
    "search_organizations": ["query", "page", "page_size", "sort", "badge"],
    "get_dataset_info": ["dataset_id"],
    "list_dataset_resources": ["dataset_id"],
    # Ours, beyond the official set: held to the same rules.
    "get_dataset_record": ["dataset_id"],
    "harvest_datasets": ["query", "max_datasets", "organization"],
}

REQUIRED = {
    "search_datasets": ["query"],
    "search_organizations": [],
    "get_dataset_info": ["dataset_id"],
    "list_dataset_resources": ["dataset_id"],
    "get_dataset_record": ["dataset_id"],
    "harvest_datasets": ["query"],
}


@pytest.fixture(scope="module")
def gateway() -> Gateway:
    return gateway_for(CLOSED, plugins=["datasets"], upstream={"max_attempts": 1})


async def call(gateway: Gateway, tool: str, arguments: dict[str, Any]) -> Any:
    async with Client(build_server(gateway), mode="legacy") as client:
        return await client.call_tool(tool, arguments)


@pytest.mark.anyio
async def test_tools_keep_the_official_names_and_arguments(gateway: Gateway) -> None:
    async with Client(build_server(gateway), mode="legacy") as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    assert sorted(tools) == sorted(OFFICIAL_ARGUMENTS)
    for name, official in OFFICIAL_ARGUMENTS.items():
        tool = tools[name]
        properties = tool.input_schema["properties"]
        assert list(properties)[: len(official)] == official
        assert tool.input_schema.get("required", []) == REQUIRED[name]
        # Plain schemas: some clients reject anyOf, which `str | None` would publish.
        assert not any("anyOf" in s for s in schemas_in(tool.input_schema))
        assert all("description" in p for p in properties.values())
        assert tool.output_schema is not None and tool.output_schema["type"] == "object"
        assert tool.annotations is not None and tool.annotations.read_only_hint is True
        assert tool.title


@pytest.mark.anyio
async def test_search_organizations_drops_the_arguments_upstream_ignores(gateway: Gateway) -> None:
    async with Client(build_server(gateway), mode="legacy") as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    properties = tools["search_organizations"].input_schema["properties"]
    assert "name" not in properties and "business_number_id" not in properties
    assert properties["sort"]["enum"] == [
        "reuses", "-reuses", "datasets", "-datasets", "followers", "-followers",
        "views", "-views", "created", "-created",
    ]  # fmt: skip


@pytest.mark.anyio
async def test_enum_arguments_list_their_values_in_the_schema(gateway: Gateway) -> None:
    async with Client(build_server(gateway), mode="legacy") as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    properties = tools["search_datasets"].input_schema["properties"]
    assert properties["last_update_range"]["enum"] == [
        "last_30_days",
        "last_12_months",
        "last_3_years",
    ]
    assert "-last_update" in properties["sort"]["enum"]
    assert properties["page_size"]["maximum"] == 100 and properties["page"]["minimum"] == 1


REFUSED = [
    (
        "search_datasets",
        {"query": "x", "sort": "name"},
        "Error: Invalid sort 'name' for search_datasets. Allowed values: created, last_update, "
        "reuses, followers, views, each optionally prefixed with '-'",
    ),
    (
        "search_datasets",
        {"query": "x", "last_update_range": "last_week"},
        "Error: Invalid last_update_range 'last_week' for search_datasets. Allowed values: "
        "last_30_days, last_12_months, last_3_years.",
    ),
    (
        "search_datasets",
        {"query": "x", "badge": "gold"},
        "Error: Invalid badge 'gold' for search_datasets. Allowed values: pivotal-data, spd,",
    ),
    (
        "search_datasets",
        {"query": "x", "page": 101, "page_size": 100},
        "Error: page 101 with page_size 100 reaches past result 10000",
    ),
    ("search_datasets", {"query": "x", "page": 0}, "Error: Invalid arguments for search_datasets"),
    (
        "search_datasets",
        {"query": "x", "page_size": 101},
        "Error: Invalid arguments for search_datasets: 'page_size'",
    ),
    (
        "search_datasets",
        {"query": "x", "temporal_coverage": "2020"},
        "Error: Invalid temporal_coverage '2020' for search_datasets",
    ),
    ("search_datasets", {"query": "x", "format": "c s v"}, "Error: Invalid format filter"),
    (
        "search_datasets",
        {"query": "x", "organization": "../1/me"},
        "Error: Invalid organization ID '../1/me'",
    ),
    (
        "search_organizations",
        {"sort": "last_modified"},
        "Error: Invalid sort 'last_modified' for search_organizations. Allowed values: reuses, "
        "datasets, followers, views, created",
    ),
    (
        "search_organizations",
        {"producer_type": "user"},
        "Error: Invalid producer_type 'user' for search_organizations.",
    ),
    ("get_dataset_info", {"dataset_id": "../../1/users/me"}, "Error: Invalid dataset ID"),
    (
        "get_dataset_info",
        {"dataset_id": "Population data"},
        "Error: Invalid dataset ID 'Population data'",
    ),
    ("list_dataset_resources", {"dataset_id": "a/b"}, "Error: Invalid dataset ID 'a/b'"),
    (
        "list_dataset_resources",
        {"dataset_id": "population", "resource_type": "data"},
        "Error: Invalid resource_type 'data' for list_dataset_resources. Allowed values: main,",
    ),
    (
        "search_organizations",
        {"name": "Etalab"},
        "Error: Unknown argument(s) for search_organizations: name.",
    ),
]


@pytest.mark.anyio
@pytest.mark.parametrize(("tool", "arguments", "start"), REFUSED)
async def test_bad_arguments_are_refused_before_any_upstream_call(
    gateway: Gateway, tool: str, arguments: dict[str, Any], start: str
) -> None:
    result = await call(gateway, tool, arguments)
    text = result.content[0].text
    assert result.is_error is True
    assert text.startswith(start), text
    assert "\n" in text  # a hint says what to do next
    assert result.structured_content["code"] == "invalid_argument"
    assert result.structured_content["retryable"] is False
