"""Running a tool: argument checks with readable messages, the error policy, one event per call."""

from __future__ import annotations

import inspect
import time
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import structlog
from mcp.server.mcpserver.tools import Tool
from mcp_types import CallToolResult, TextContent
from pydantic import ValidationError

from datagouv_mcp import callcontext, telemetry
from datagouv_mcp.errors import InvalidArgumentError, ToolError
from datagouv_mcp.specs import Event, ToolResult, ToolSpec

if TYPE_CHECKING:
    from datagouv_mcp.gateway import Contribution, Gateway

log = structlog.get_logger("datagouv_mcp.tools")

_MAX_ECHOED_INPUT = 80


def error_result(error: ToolError, **extra: Any) -> CallToolResult:
    """`isError: true` with the model-readable text and the structured error."""
    return CallToolResult(
        content=[TextContent(type="text", text=error.text())],
        structured_content={**error.structured(), **extra},
        is_error=True,
    )


def incident_result(incident_id: str) -> CallToolResult:
    return error_result(
        ToolError(
            f"The tool failed unexpectedly (incident {incident_id}).",
            hint=(
                "This is a fault in the server, not in your request. Retry later; if it "
                f"persists, report incident {incident_id} to the server's operator."
            ),
            code="internal_error",
            retryable=True,
        ),
        incident_id=incident_id,
    )


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _MAX_ECHOED_INPUT else text[: _MAX_ECHOED_INPUT - 3] + "..."


def describe_invalid_arguments(tool: str, error: ValidationError) -> InvalidArgumentError:
    """Pydantic's errors, one line per argument, without its URLs and internal model names."""
    problems = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "arguments"
        if item["type"] == "missing":
            problems.append(f"'{where}' is required.")
        else:
            problems.append(f"'{where}': {item['msg']} (got {_shown(item.get('input'))}).")
    return InvalidArgumentError(
        f"Invalid arguments for {tool}: " + " ".join(problems),
        hint="Correct the arguments as described and call the tool again.",
    )


def check_arguments(tool: Tool, arguments: Mapping[str, Any]) -> InvalidArgumentError | None:
    """What is wrong with these arguments for this tool, or None when they are valid."""
    known = tool.parameters.get("properties", {})
    unknown = sorted(set(arguments) - set(known))
    if unknown:
        return InvalidArgumentError(
            f"Unknown argument(s) for {tool.name}: {', '.join(unknown)}.",
            hint=f"This tool accepts: {', '.join(known) or 'no arguments'}.",
        )
    try:
        tool.fn_metadata.validate_arguments(dict(arguments))
    except ValidationError as exc:
        return describe_invalid_arguments(tool.name, exc)
    return None


async def run_tool(
    gateway: Gateway, contribution: Contribution, arguments: dict[str, Any]
) -> CallToolResult:
    """Call the handler; every outcome becomes a CallToolResult and one telemetry event."""
    spec: ToolSpec = contribution.spec
    started = time.perf_counter()
    with callcontext.tool_call(gateway.upstream.settings.call_budget_seconds) as context:
        call_result, outcome, code, incident_id = await _execute(gateway, spec, arguments)
    if context.stale_since is not None and not call_result.is_error:
        call_result = _mark_stale(call_result, context.stale_since)
    gateway.emit(
        Event(
            "tool.called",
            plugin=contribution.plugin,
            tool=spec.name,
            outcome=outcome,
            duration_ms=round((time.perf_counter() - started) * 1000, 3),
            incident_id=incident_id,
            error_code=code,
            arguments=arguments,
            fields={
                "upstream_calls": context.upstream_calls,
                "cache_hits": context.cache_hits,
                "stale": context.stale_since is not None,
            },
        )
    )
    return call_result


def _mark_stale(result: CallToolResult, since: float) -> CallToolResult:
    """Say, in the text and in `_meta`, that the answer is the last good one, not a fresh one."""
    when = datetime.fromtimestamp(since, UTC).isoformat(timespec="seconds")
    note = (
        f"\n\nNote: data.gouv.fr did not answer just now; this is the last good answer, "
        f"obtained at {when}. It may be out of date."
    )
    content = list(result.content)
    if content and isinstance(content[0], TextContent):
        content[0] = TextContent(type="text", text=content[0].text + note)
    meta = {**(result.meta or {}), "datagouv/stale": True, "datagouv/fetched_at": when}
    return result.model_copy(update={"content": content, "meta": meta})


async def _execute(
    gateway: Gateway, spec: ToolSpec, arguments: dict[str, Any]
) -> tuple[CallToolResult, str, str | None, str | None]:
    incident_id = None
    try:
        result = await spec.handler(**arguments)
        if not isinstance(result, ToolResult) or not isinstance(result.data, spec.output_model):
            raise TypeError(
                f"tool {spec.name} returned {type(result).__name__}, expected ToolResult "
                f"with {spec.output_model.__name__} data"
            )
        outcome, code = "ok", None
        call_result = CallToolResult(
            content=[TextContent(type="text", text=result.text)],
            structured_content=result.data.model_dump(mode="json", by_alias=True),
        )
    except ToolError as exc:
        outcome, code = "error", exc.code
        call_result = error_result(exc)
    except Exception as exc:
        translated = _translate(gateway, spec.name, exc)
        if translated is not None:
            outcome, code = "error", translated.code
            call_result = error_result(translated)
        else:
            incident_id = uuid.uuid4().hex[:12]
            outcome, code = "crash", "internal_error"
            log.error("tool.crashed", tool=spec.name, incident_id=incident_id, exc_info=exc)
            telemetry.report_incident(exc, incident_id, spec.name)
            call_result = incident_result(incident_id)
    return call_result, outcome, code, incident_id


def _translate(gateway: Gateway, tool: str, error: Exception) -> ToolError | None:
    try:
        return gateway.translate_error(tool, error)
    except Exception:
        log.exception("tool.error_hook_failed", tool=tool)
        return None


def sdk_tool(gateway: Gateway, contribution: Contribution) -> Tool:
    """The SDK tool for a spec: the handler's parameters as input schema, the output model as
    output schema, and `run_tool` in between."""
    spec: ToolSpec = contribution.spec

    async def call(**arguments: Any) -> CallToolResult:
        return await run_tool(gateway, contribution, arguments)

    signature = inspect.signature(spec.handler, eval_str=True)
    call.__signature__ = signature.replace(  # type: ignore[attr-defined]
        return_annotation=Annotated[CallToolResult, spec.output_model]
    )
    call.__name__ = spec.name
    return Tool.from_function(
        call,
        name=spec.name,
        title=spec.title,
        description=spec.description,
        annotations=spec.annotations,
        structured_output=True,
    )
