"""Every hook, exercised through the sample plugin and a real MCP client in memory."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import asynccontextmanager

import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError
from mcp_types import PromptReference, ResourceTemplateReference
from pydantic import BaseModel

from datagouv_mcp import StartupError, ToolResult, ToolSpec, hookimpl
from datagouv_mcp.gateway import Gateway
from datagouv_mcp.mcpserver import build_server
from datagouv_mcp.settings import CoreSettings
from datagouv_mcp.testing import sample_plugin
from datagouv_mcp.testing.sample_plugin import LifespanState
from datagouv_mcp.testing.servers import SAMPLE_PLUGIN, run_cli, sample_only


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    LifespanState.events.clear()
    return Gateway.build(sample_only())


def test_hook_register_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATAGOUV_MCP_SAMPLE_PLUGIN_GREETING", "Bonjour")
    gateway = Gateway.build(sample_only())
    assert gateway.settings_for(sample_plugin.SampleSettings).greeting == "Bonjour"


def test_hook_register_settings_rejects_bad_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATAGOUV_MCP_SAMPLE_PLUGIN_UNHEALTHY", "perhaps")
    with pytest.raises(StartupError, match="DATAGOUV_MCP_SAMPLE_PLUGIN_UNHEALTHY"):
        Gateway.build(sample_only())


@pytest.mark.anyio
async def test_hook_register_tools(gateway: Gateway) -> None:
    async with Client(build_server(gateway), mode="legacy") as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        result = await client.call_tool("echo", {"text": "a", "times": 3})
    assert tools["echo"].description == "Repeat a text."
    assert tools["echo"].input_schema["properties"]["times"]["maximum"] == 5
    assert result.structured_content == {"text": "a", "times": 3, "greeting": "Hello"}


@pytest.mark.anyio
async def test_hook_register_resources(gateway: Gateway) -> None:
    async with Client(build_server(gateway), mode="legacy") as client:
        templates = (await client.list_resource_templates()).resource_templates
        read = await client.read_resource("sample://items/alpha")
        with pytest.raises(MCPError, match="Item 'nope' not found"):
            await client.read_resource("sample://items/nope")
        completion = await client.complete(
            ResourceTemplateReference(type="ref/resource", uri="sample://items/{item_id}"),
            {"name": "item_id", "value": "al"},
        )
    assert [t.uri_template for t in templates] == ["sample://items/{item_id}"]
    assert read.contents[0].text == '{"id": "alpha", "text": "The first item."}'  # type: ignore[union-attr]
    assert completion.completion.values == ["alpha", "alpine"]


@pytest.mark.anyio
async def test_hook_register_prompts(gateway: Gateway) -> None:
    async with Client(build_server(gateway), mode="legacy") as client:
        prompts = (await client.list_prompts()).prompts
        rendered = await client.get_prompt("about_item", {"item_id": "beta"})
        completion = await client.complete(
            PromptReference(type="ref/prompt", name="about_item"),
            {"name": "item_id", "value": "b"},
        )
        unknown = await client.complete(
            PromptReference(type="ref/prompt", name="no_such_prompt"),
            {"name": "x", "value": "y"},
        )
    assert [(p.name, p.title) for p in prompts] == [("about_item", "About an item")]
    assert rendered.messages[0].content.text == "Tell me about beta: The second item."  # type: ignore[union-attr]
    assert completion.completion.values == ["beta"]
    assert unknown.completion.values == []


def test_hook_register_commands() -> None:
    env = {
        "DATAGOUV_MCP_PLUGIN_MODULES": SAMPLE_PLUGIN,
        "DATAGOUV_MCP_SAMPLE_PLUGIN_GREETING": "Salut",
    }
    greeted = run_cli("sample-greet", "Ada", env=env)
    listed = run_cli("--help", env=env)
    unknown = run_cli("no-such-command", env=env)
    assert greeted.returncode == 0, greeted.stderr
    assert greeted.stdout.startswith("Salut, Ada (from sample_plugin ")
    assert "sample-greet" in listed.stdout and "serve" in listed.stdout
    assert unknown.returncode == 2 and "No such command 'no-such-command'" in unknown.stderr


def test_hook_register_commands_help_survives_bad_settings() -> None:
    listed = run_cli("--help", env={"DATAGOUV_MCP_PORT": "not a port"})
    assert listed.returncode == 0
    assert "serve" in listed.stdout and "DATAGOUV_MCP_PORT" in listed.stderr


@pytest.mark.anyio
async def test_hook_server_instructions(gateway: Gateway) -> None:
    async with Client(build_server(gateway), mode="legacy") as client:
        instructions = client.instructions or ""
    assert "data.gouv.fr" in instructions
    assert instructions.endswith("Sample: call echo to repeat a text.")


@pytest.mark.anyio
async def test_hook_register_health_checks(gateway: Gateway) -> None:
    from datagouv_mcp.health import Readiness

    report = await Readiness(gateway).report()
    assert report["status"] == "ready"
    assert report["checks"][0]["name"] == "sample"


@pytest.mark.anyio
async def test_hook_lifespan(gateway: Gateway) -> None:
    before = (LifespanState.entered, LifespanState.exited)
    async with gateway.running(), gateway.running():
        # Nested entries (two HTTP modes, stdio) share one start-up.
        assert LifespanState.entered == before[0] + 1
    assert (LifespanState.entered, LifespanState.exited) == (before[0] + 1, before[1] + 1)


@pytest.mark.anyio
async def test_hook_handle_tool_error(gateway: Gateway) -> None:
    async with Client(build_server(gateway), mode="legacy") as client:
        result = await client.call_tool("translated", {})
    assert result.is_error is True
    assert result.content[0].text == "Error: translated hit a lookup problem; try another item."  # type: ignore[union-attr]
    assert "incident" not in result.content[0].text  # type: ignore[union-attr]


@pytest.mark.anyio
async def test_hook_track_event(gateway: Gateway) -> None:
    async with Client(build_server(gateway), mode="legacy") as client:
        await client.call_tool("echo", {"text": "a"})
        await client.call_tool("refuse", {})
        await client.call_tool("explode", {})
    assert "plugin.loaded:sample_plugin:None" in LifespanState.events
    assert LifespanState.events[-3:] == [
        "tool.called:echo:ok",
        "tool.called:refuse:error",
        "tool.called:explode:crash",
    ]


def test_two_plugins_registering_one_tool_name_stop_start_up() -> None:
    class Model(BaseModel):
        pass

    async def handler() -> ToolResult:
        return ToolResult("", Model())

    class Clash:
        @hookimpl
        def register_tools(self) -> list[ToolSpec]:
            return [ToolSpec("echo", "Echo again", "Clashes.", handler, Model)]

    with pytest.raises(StartupError) as caught:
        Gateway.build(sample_only("clash"), extra=[("clash", Clash())])
    message = str(caught.value)
    assert "'echo' is registered by two plugins" in message
    assert "sample_plugin" in message and "clash" in message
    assert "DATAGOUV_MCP_EXCLUDE_TOOLS=echo" in message


def test_a_misspelled_hook_stops_start_up() -> None:
    class Typo:
        @hookimpl
        def register_tool(self) -> list[ToolSpec]:
            return []

    with pytest.raises(StartupError, match="Plugin 'typo' implements a hook that does not exist"):
        Gateway.build(CoreSettings(), extra=[("typo", Typo())])


def test_a_plugin_returning_the_wrong_spec_type_stops_start_up() -> None:
    class Wrong:
        @hookimpl
        def register_tools(self) -> list[object]:
            return ["not a spec"]

    with pytest.raises(StartupError, match="returned str from register_tools"):
        Gateway.build(CoreSettings(), extra=[("wrong", Wrong())])


@pytest.mark.anyio
async def test_a_failing_lifespan_unwinds_the_others() -> None:
    class Broken:
        @hookimpl
        def lifespan(self) -> object:
            @asynccontextmanager
            async def running():  # type: ignore[no-untyped-def]
                raise RuntimeError("cannot start")
                yield

            return running()

    gateway = Gateway.build(sample_only("broken"), extra=[("broken", Broken())])
    entered, exited = LifespanState.entered, LifespanState.exited
    with pytest.raises(RuntimeError, match="cannot start"):
        async with gateway.running():
            pass
    assert LifespanState.entered - entered == LifespanState.exited - exited == 1
