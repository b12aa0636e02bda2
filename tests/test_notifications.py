"""Progress and log notifications reach SDK clients over SSE (and over stdio); plain JSON
answers carry none. Capabilities say only what the server does."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from mcp import Client, StdioServerParameters

from datagouv_mcp.gateway import Gateway
from datagouv_mcp.testing.servers import SAMPLE_PLUGIN, clean_env, sample_only, serve_asgi
from datagouv_mcp.webapp import build_app

LOG_LEVEL = "io.modelcontextprotocol/logLevel"


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with serve_asgi(build_app(Gateway.build(sample_only()))) as url:
        yield url


class Received:
    def __init__(self) -> None:
        self.progress: list[tuple[float, float | None, str | None]] = []
        self.logs: list[tuple[str, Any]] = []

    async def on_progress(self, progress: float, total: float | None, message: str | None) -> None:
        self.progress.append((progress, total, message))

    async def on_log(self, params: Any) -> None:
        self.logs.append((params.level, params.data))


STEPS = [(1.0, 2.0, "step 1 of 2"), (2.0, 2.0, "step 2 of 2")]


@pytest.mark.anyio
@pytest.mark.filterwarnings("ignore::mcp.shared.exceptions.MCPDeprecationWarning")
async def test_progress_and_logs_reach_an_sse_client_after_set_level(base_url: str) -> None:
    received = Received()
    async with Client(f"{base_url}/mcp", mode="legacy", logging_callback=received.on_log) as c:
        await c.set_logging_level("info")
        result = await c.call_tool("walk", {"steps": 2}, progress_callback=received.on_progress)
    assert result.is_error is False
    assert received.progress == STEPS
    # info and above: the debug lines are not sent.
    assert received.logs == [("info", "walked 2 steps")]


@pytest.mark.anyio
async def test_no_log_notification_before_set_level() -> None:
    # A server of its own: the level a client sets is kept for its address.
    received = Received()
    with serve_asgi(build_app(Gateway.build(sample_only()))) as base_url:
        async with Client(f"{base_url}/mcp", mode="legacy", logging_callback=received.on_log) as c:
            await c.call_tool("walk", {"steps": 2}, progress_callback=received.on_progress)
    assert received.progress == STEPS
    assert received.logs == []


@pytest.mark.anyio
async def test_a_2026_client_gets_the_log_level_its_request_asks_for(base_url: str) -> None:
    received = Received()
    async with Client(f"{base_url}/mcp", mode="auto", logging_callback=received.on_log) as c:
        assert c.protocol_version == "2026-07-28"
        await c.call_tool(
            "walk",
            {"steps": 2},
            progress_callback=received.on_progress,
            meta={LOG_LEVEL: "debug"},  # type: ignore[typeddict-unknown-key]
        )
    assert received.progress == STEPS
    assert received.logs == [
        ("debug", "walked step 1"),
        ("debug", "walked step 2"),
        ("info", "walked 2 steps"),
    ]


@pytest.mark.anyio
@pytest.mark.filterwarnings("ignore::mcp.shared.exceptions.MCPDeprecationWarning")
async def test_progress_and_logs_reach_a_stdio_client() -> None:
    received = Received()
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "datagouv_mcp.cli", "serve", "--transport", "stdio"],
        env=clean_env(
            {"DATAGOUV_MCP_PLUGIN_MODULES": SAMPLE_PLUGIN, "DATAGOUV_MCP_PLUGINS": "sample_plugin"}
        ),
    )
    async with Client(params, mode="legacy", logging_callback=received.on_log) as client:
        await client.set_logging_level("debug")
        await client.call_tool("walk", {"steps": 2}, progress_callback=received.on_progress)
    assert received.progress == STEPS
    assert [level for level, _ in received.logs] == ["debug", "debug", "info"]


def test_a_plain_json_answer_carries_no_notification(base_url: str) -> None:
    response = httpx.post(
        f"{base_url}/mcp",
        json={
            "jsonrpc": "2.0",
            "id": 7,
            "method": "tools/call",
            "params": {"name": "walk", "arguments": {"steps": 2}, "_meta": {"progressToken": 1}},
        },
        headers={"Accept": "application/json"},
    )
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["id"] == 7 and body["result"]["content"][0]["text"] == "Walked 2 steps."


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_capabilities_promise_no_subscription_nor_list_changes(
    base_url: str, mode: str
) -> None:
    async with Client(f"{base_url}/mcp", mode=mode) as client:  # type: ignore[arg-type]
        capabilities = client.server_capabilities.model_dump(exclude_none=True, by_alias=True)
    assert capabilities["resources"] == {"subscribe": False, "listChanged": False}
    assert capabilities["tools"] == {"listChanged": False}
    assert capabilities["prompts"] == {"listChanged": False}  # the sample plugin has one
    assert {"logging", "completions"} <= capabilities.keys()


@pytest.mark.anyio
async def test_no_prompts_capability_without_a_prompt() -> None:
    # The metrics plugin alone registers no prompt and no resource.
    gateway = Gateway.build(sample_only().model_copy(update={"plugins": ("metrics",)}))
    assert gateway.prompts == [] and gateway.resources == []
    async with Client(build_server_for(gateway), mode="legacy") as client:
        capabilities = client.server_capabilities.model_dump(exclude_none=True)
    assert "prompts" not in capabilities and "resources" not in capabilities
    assert "tools" in capabilities


def build_server_for(gateway: Gateway) -> Any:
    from datagouv_mcp.mcpserver import build_server

    return build_server(gateway)
