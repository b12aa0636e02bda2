"""Tool groups by URL over real HTTP: /mcp/{groups} serves only those groups' tools,
resources and prompts, within what the operator enabled; /mcp serves everything."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError

from datagouv_mcp.gateway import Gateway
from datagouv_mcp.testing.servers import sample_only, serve_asgi
from datagouv_mcp.webapp import build_app

SAMPLE_TOOLS = {"echo", "explode", "refuse", "translated", "walk"}
METRICS_TOOLS = {"get_metrics"}


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    # sample_plugin (tools, a resource template, a prompt) and metrics (tools only) enabled;
    # every other installed plugin switched off by the allowlist.
    with serve_asgi(build_app(Gateway.build(sample_only("metrics")))) as url:
        yield url


async def _listing(url: str, mode: str) -> tuple[set[str], set[str], set[str], set[str]]:
    async with Client(url, mode=mode) as client:  # type: ignore[arg-type]
        capabilities = client.server_capabilities.model_dump(exclude_none=True)
        tools = {tool.name for tool in (await client.list_tools()).tools}
        templates = (
            {t.uri_template for t in (await client.list_resource_templates()).resource_templates}
            if "resources" in capabilities
            else set()
        )
        prompts = (
            {p.name for p in (await client.list_prompts()).prompts}
            if "prompts" in capabilities
            else set()
        )
    return set(capabilities), tools, templates, prompts


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_one_group_serves_only_its_tools_and_no_prompt_capability(
    base_url: str, mode: str
) -> None:
    capabilities, tools, templates, prompts = await _listing(f"{base_url}/mcp/metrics", mode)
    assert tools == METRICS_TOOLS
    assert templates == set() and prompts == set()
    assert "prompts" not in capabilities and "resources" not in capabilities


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_groups_joined_by_plus_serve_their_union(base_url: str, mode: str) -> None:
    url = f"{base_url}/mcp/metrics+sample_plugin"
    capabilities, tools, templates, prompts = await _listing(url, mode)
    assert {"prompts", "resources"} <= capabilities
    assert tools == METRICS_TOOLS | SAMPLE_TOOLS
    assert templates == {"sample://items/{item_id}"} and prompts == {"about_item"}


@pytest.mark.anyio
async def test_plain_mcp_serves_everything_enabled(base_url: str) -> None:
    _, tools, _, _ = await _listing(f"{base_url}/mcp", "legacy")
    assert tools == METRICS_TOOLS | SAMPLE_TOOLS


@pytest.mark.anyio
async def test_a_tool_outside_the_groups_is_refused_naming_the_url_to_use(base_url: str) -> None:
    async with Client(f"{base_url}/mcp/metrics", mode="legacy") as client:
        result = await client.call_tool("echo", {"text": "hi"})
    assert result.is_error
    text = result.content[0].text  # type: ignore[union-attr]
    assert "Unknown tool 'echo' at /mcp/metrics" in text and "'sample_plugin'" in text
    assert "/mcp/metrics+sample_plugin" in text and "Tools here: get_metrics." in text


@pytest.mark.anyio
async def test_resources_and_prompts_outside_the_groups_are_not_served(base_url: str) -> None:
    async with Client(f"{base_url}/mcp/metrics", mode="legacy") as client:
        with pytest.raises(MCPError):
            await client.read_resource("sample://items/alpha")
        with pytest.raises(MCPError):
            await client.get_prompt("about_item", {"item_id": "alpha"})
    async with Client(f"{base_url}/mcp/sample_plugin", mode="legacy") as client:
        read = await client.read_resource("sample://items/alpha")
    assert "The first item." in read.contents[0].text  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("path", "said"),
    [
        ("/mcp/datsets", "Unknown tool group 'datsets'."),
        ("/mcp/metrics+nope", "Unknown tool group 'nope'."),
        ("/mcp/sql", "The tool group 'sql' is switched off on this server."),
        ("/mcp/metrics+", "has an empty group name"),
    ],
)
def test_an_unknown_group_is_a_clear_error_naming_the_available_ones(
    base_url: str, path: str, said: str
) -> None:
    response = httpx.post(
        f"{base_url}{path}",
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
        headers={"Accept": "application/json, text/event-stream"},
    )
    assert response.status_code == 404
    message = response.json()["error"]["message"]
    assert said in message
    assert "This server's groups: metrics, sample_plugin." in message
    assert "/mcp/metrics+sample_plugin" in message and "use /mcp for everything" in message


def test_groups_pass_the_same_guard_as_mcp(base_url: str) -> None:
    response = httpx.post(
        f"{base_url}/mcp/metrics",
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
        headers={"Host": "evil.example"},
    )
    assert response.status_code == 421
