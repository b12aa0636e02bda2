"""A plugin that exercises every hook, for tests. Load it with
`DATAGOUV_MCP_PLUGIN_MODULES=datagouv_mcp.testing.sample_plugin` (its name is `sample_plugin`).

Its settings come from DATAGOUV_MCP_SAMPLE_PLUGIN_*; `..._UNHEALTHY=true` fails its probe.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Annotated

import click
from pydantic import AfterValidator, BaseModel, Field
from pydantic_settings import BaseSettings

from datagouv_mcp import (
    HealthCheck,
    NotFoundError,
    PromptSpec,
    ResourceSpec,
    ToolError,
    ToolResult,
    ToolSpec,
    hookimpl,
)
from datagouv_mcp.callcontext import log_to_client, report_progress

if TYPE_CHECKING:
    from datagouv_mcp import Event, PluginContext

ITEMS = {"alpha": "The first item.", "alpine": "A mountain item.", "beta": "The second item."}


class SampleSettings(BaseSettings):
    greeting: str = "Hello"
    unhealthy: bool = False
    probe_delay_seconds: float = 0.0


class Echo(BaseModel):
    text: str
    times: int
    greeting: str


class Nothing(BaseModel):
    pass


class LifespanState:
    entered = 0
    exited = 0
    events: list[str] = []  # noqa: RUF012 - shared on purpose, read by tests
    # How many times the `times` argument of echo was validated: once per call.
    validations = 0


def _counted(value: int) -> int:
    LifespanState.validations += 1
    return value


def _echo_tool(context: PluginContext) -> ToolSpec:
    settings = context.settings(SampleSettings)

    async def echo(
        text: Annotated[str, Field(description="What to repeat.", min_length=1)],
        times: Annotated[
            int, Field(description="How many times.", ge=1, le=5), AfterValidator(_counted)
        ] = 1,
    ) -> ToolResult:
        return ToolResult(
            text=f"{settings.greeting}: " + " ".join([text] * times),
            data=Echo(text=text, times=times, greeting=settings.greeting),
        )

    return ToolSpec("echo", "Echo", "Repeat a text.", echo, Echo)


async def _explode(
    detail: Annotated[str, Field(description="Carried into the crash's frame.")] = "",
) -> ToolResult:
    note = f"while handling {detail}"  # a local variable holding the caller's text
    raise RuntimeError(f"secret internal detail: password=hunter2 ({len(note)})")


async def _refuse(reason: Annotated[str, Field(description="Why.")] = "no reason") -> ToolResult:
    raise ToolError(f"Refused: {reason}.", hint="Call echo instead.", code="refused")


class Walked(BaseModel):
    steps: int


async def _walk(
    steps: Annotated[int, Field(description="How many steps.", ge=1, le=10)] = 3,
) -> ToolResult:
    for step in range(1, steps + 1):
        await report_progress(step, steps, f"step {step} of {steps}")
        await log_to_client("debug", f"walked step {step}")
    await log_to_client("info", f"walked {steps} steps")
    return ToolResult(text=f"Walked {steps} steps.", data=Walked(steps=steps))


async def _translated() -> ToolResult:
    raise LookupError("translated by handle_tool_error")


@hookimpl
def register_settings() -> type[BaseSettings]:
    return SampleSettings


@hookimpl
def register_tools(context: PluginContext) -> list[ToolSpec]:
    return [
        _echo_tool(context),
        ToolSpec("explode", "Explode", "Always crashes.", _explode, Nothing),
        ToolSpec("refuse", "Refuse", "Always refuses.", _refuse, Nothing),
        ToolSpec("translated", "Translated", "Raises LookupError.", _translated, Nothing),
        ToolSpec("walk", "Walk", "Walks, reporting progress and logging.", _walk, Walked),
    ]


async def _complete_item(partial: str, chosen: Mapping[str, str]) -> Sequence[str]:
    return sorted(name for name in ITEMS if name.startswith(partial))


async def _read_item(item_id: str) -> str:
    if item_id not in ITEMS:
        raise NotFoundError(f"Item '{item_id}' not found.")
    return json.dumps({"id": item_id, "text": ITEMS[item_id]})


async def _about_item(item_id: Annotated[str, Field(description="An item name.")]) -> str:
    return f"Tell me about {item_id}: {ITEMS.get(item_id, 'unknown')}"


@hookimpl
def register_resources() -> list[ResourceSpec]:
    return [
        ResourceSpec(
            "sample://items/{item_id}",
            "sample_item",
            _read_item,
            title="Sample item",
            completions={"item_id": _complete_item},
        )
    ]


@hookimpl
def register_prompts() -> list[PromptSpec]:
    return [
        PromptSpec(
            "about_item",
            "About an item",
            "Ask about one item.",
            _about_item,
            completions={"item_id": _complete_item},
        )
    ]


@hookimpl
def register_commands(context: PluginContext) -> list[click.Command]:
    settings = context.settings(SampleSettings)

    @click.command("sample-greet")
    @click.argument("name")
    def greet(name: str) -> None:
        """Greet NAME with the configured greeting."""
        click.echo(f"{settings.greeting}, {name} (from {context.name} {context.version})")

    return [greet]


@hookimpl
def server_instructions() -> str:
    return "Sample: call echo to repeat a text."


@hookimpl
def register_health_checks(context: PluginContext) -> list[HealthCheck]:
    settings = context.settings(SampleSettings)

    async def probe() -> str | None:
        await asyncio.sleep(settings.probe_delay_seconds)
        return "sample is configured unhealthy" if settings.unhealthy else None

    return [HealthCheck("sample", probe)]


@hookimpl
def lifespan() -> object:
    @asynccontextmanager
    async def running() -> AsyncIterator[None]:
        LifespanState.entered += 1
        try:
            yield
        finally:
            LifespanState.exited += 1

    return running()


@hookimpl
def handle_tool_error(tool_name: str, error: BaseException) -> str | None:
    if isinstance(error, LookupError):
        return f"Error: {tool_name} hit a lookup problem; try another item."
    return None


@hookimpl
def track_event(event: Event) -> None:
    LifespanState.events.append(f"{event.name}:{event.tool or event.plugin}:{event.outcome}")
