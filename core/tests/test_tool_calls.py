"""The tool-call policy: argument errors in plain words, tool errors, crashes with incident ids."""

from __future__ import annotations

import pytest
from mcp import Client
from pydantic import BaseModel

from datagouv_mcp import ParseError, ToolResult, ToolSpec, hookimpl
from datagouv_mcp.gateway import Gateway
from datagouv_mcp.mcpserver import build_server
from datagouv_mcp.testing.sample_plugin import LifespanState
from datagouv_mcp.testing.servers import sample_only


@pytest.fixture(scope="module")
def gateway() -> Gateway:
    return Gateway.build(sample_only())


async def _call(gateway: Gateway, name: str, arguments: dict[str, object]):  # type: ignore[no-untyped-def]
    async with Client(build_server(gateway), mode="legacy") as client:
        return await client.call_tool(name, arguments)


@pytest.mark.anyio
async def test_out_of_range_argument_is_explained(gateway: Gateway) -> None:
    result = await _call(gateway, "echo", {"text": "a", "times": 9})
    text = result.content[0].text
    assert result.is_error is True
    assert text.startswith("Error: Invalid arguments for echo: 'times': ")
    assert "less than or equal to 5 (got 9)" in text
    assert "pydantic" not in text and "echoArguments" not in text
    assert result.structured_content["code"] == "invalid_argument"


@pytest.mark.anyio
async def test_missing_argument_is_named(gateway: Gateway) -> None:
    result = await _call(gateway, "echo", {})
    assert result.content[0].text.startswith(
        "Error: Invalid arguments for echo: 'text' is required."
    )


@pytest.mark.anyio
async def test_unknown_argument_lists_the_accepted_ones(gateway: Gateway) -> None:
    result = await _call(gateway, "echo", {"text": "a", "repeat": 2})
    assert result.content[0].text == (
        "Error: Unknown argument(s) for echo: repeat.\nThis tool accepts: text, times."
    )


@pytest.mark.anyio
async def test_unknown_tool_lists_the_available_ones(gateway: Gateway) -> None:
    result = await _call(gateway, "ecco", {})
    assert result.is_error is True
    assert result.content[0].text.startswith("Error: Unknown tool 'ecco'.\nAvailable tools: echo,")


@pytest.mark.anyio
async def test_tool_error_text_and_structured_error(gateway: Gateway) -> None:
    result = await _call(gateway, "refuse", {"reason": "closed"})
    assert result.is_error is True
    assert result.content[0].text == "Error: Refused: closed.\nCall echo instead."
    assert result.structured_content == {
        "code": "refused",
        "message": "Refused: closed.",
        "hint": "Call echo instead.",
        "retryable": False,
    }


@pytest.mark.anyio
async def test_unexpected_exception_yields_incident_id_and_no_exception_text(
    gateway: Gateway,
) -> None:
    result = await _call(gateway, "explode", {})
    text = result.content[0].text
    incident = result.structured_content["incident_id"]
    assert result.is_error is True
    assert len(incident) == 12
    assert f"incident {incident}" in text
    assert text.startswith("Error: ")
    for leaked in ("hunter2", "secret", "RuntimeError", "Traceback"):
        assert leaked not in text
        assert leaked not in str(result.structured_content)
    assert result.structured_content["retryable"] is True


@pytest.mark.anyio
async def test_arguments_are_checked_once_per_call(gateway: Gateway) -> None:
    before = LifespanState.validations
    result = await _call(gateway, "echo", {"text": "a", "times": 2})
    assert result.is_error is False
    assert LifespanState.validations - before == 1


@pytest.mark.anyio
async def test_one_event_per_call_whatever_the_outcome(gateway: Gateway) -> None:
    LifespanState.events.clear()
    await _call(gateway, "echo", {"text": "a", "times": 9})  # refused by its bounds
    await _call(gateway, "echo", {"text": "a", "nope": 1})  # an unknown argument
    await _call(gateway, "echo", {"text": "a"})
    await _call(gateway, "ecco", {})  # unknown tool: no plugin to count it against
    assert LifespanState.events == [
        "tool.called:echo:error",
        "tool.called:echo:error",
        "tool.called:echo:ok",
    ]


@pytest.mark.anyio
async def test_an_unreadable_upstream_answer_is_a_bad_upstream_answer() -> None:
    class Unreadable(ParseError):
        source = "The Example API"

    class Model(BaseModel):
        pass

    async def handler() -> ToolResult:
        raise Unreadable("no data array")

    class Parsing:
        @hookimpl
        def register_tools(self) -> list[ToolSpec]:
            return [ToolSpec("parse", "Parse", "Reads an upstream answer.", handler, Model)]

    gateway = Gateway.build(sample_only("parsing"), extra=[("parsing", Parsing())])
    result = await _call(gateway, "parse", {})
    assert result.is_error is True
    assert result.content[0].text.startswith(
        "Error: The Example API sent an answer this server could not read (no data array)."
    )
    assert result.structured_content["code"] == "bad_upstream_answer"
    assert result.structured_content["retryable"] is False
