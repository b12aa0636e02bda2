"""Plain values plugins hand to the gateway: tool, resource and prompt specs, probes, events."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Container, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mcp_types import ToolAnnotations

if TYPE_CHECKING:
    from pydantic import BaseModel

# Every data.gouv.fr tool reads a public catalogue that changes under it.
READ_ONLY = ToolAnnotations(
    read_only_hint=True,
    destructive_hint=False,
    idempotent_hint=True,
    open_world_hint=True,
)

Completer = Callable[[str, Mapping[str, str]], Awaitable[Sequence[str]]]
"""Suggest values for one argument: (partial value, arguments already chosen) -> values."""


@dataclass(frozen=True)
class ToolResult:
    """What a tool handler returns: text for the model, and the same facts as typed data."""

    text: str
    data: BaseModel


@dataclass(frozen=True)
class ToolSpec:
    """One tool. The handler's parameters (with `Annotated[..., Field(...)]`) are its input
    schema, and their annotations its argument checks: the core validates a call once against
    them before the handler runs.

    The handler is an async function returning `ToolResult` whose `data` is an instance of
    `output_model`; it raises `datagouv_mcp.errors.ToolError` for failures meant for the model
    (and lets a parser's `ParseError` through).

    `description` is the text, or a function of the names of the tools the server offers,
    called once every plugin has registered its tools: a description that names another
    plugin's tool ("then query_resource_data") names it only when it is offered.
    """

    name: str
    title: str
    description: str | Callable[[Container[str]], str]
    handler: Callable[..., Awaitable[ToolResult]]
    output_model: type[BaseModel]
    annotations: ToolAnnotations = field(default_factory=lambda: READ_ONLY)

    def described(self, offered: Container[str]) -> str:
        """The description, given the tools the server offers."""
        text = self.description
        return text if isinstance(text, str) else text(offered)


@dataclass(frozen=True)
class ResourceSpec:
    """A static resource (`uri` without variables) or a template (`datagouv://x/{id}`).

    The handler receives the template variables as keyword arguments and returns the body.
    `completions` maps a template variable to a completer for `completion/complete`.
    """

    uri: str
    name: str
    handler: Callable[..., Awaitable[str | bytes]]
    title: str | None = None
    description: str = ""
    mime_type: str = "application/json"
    completions: Mapping[str, Completer] = field(default_factory=dict)


@dataclass(frozen=True)
class PromptSpec:
    """A prompt. The handler's parameters are the prompt's arguments; it returns the prompt text."""

    name: str
    title: str
    description: str
    handler: Callable[..., Awaitable[str]]
    completions: Mapping[str, Completer] = field(default_factory=dict)


@dataclass(frozen=True)
class HealthCheck:
    """A readiness probe: async; raises, or returns an error text, when not ready.

    `required=False`: a failure degrades the server without making it unready (it still
    answers every call, with less: the shared Redis away, say); the report says `degraded`
    and stays HTTP 200, so a load balancer keeps the replica."""

    name: str
    probe: Callable[[], Awaitable[str | None]]
    required: bool = True


@dataclass(frozen=True)
class Event:
    """A telemetry event. `name` is one of "tool.called", "plugin.loaded".

    `error` is the exception of a crash (outcome "crash"), for error reporting; never show its
    text to the model. `client` is the HTTP client's address (None over stdio and in
    process): personal data, for a sink whose operator asked for it, never logged."""

    name: str
    plugin: str | None = None
    tool: str | None = None
    outcome: str | None = None
    duration_ms: float | None = None
    incident_id: str | None = None
    error_code: str | None = None
    arguments: Mapping[str, Any] | None = None
    fields: Mapping[str, Any] = field(default_factory=dict)
    error: BaseException | None = field(default=None, repr=False)
    client: str | None = field(default=None, repr=False)
