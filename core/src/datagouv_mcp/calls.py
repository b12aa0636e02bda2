"""The one path of a tool call: unknown tool, argument check (once), run, error translation,
stale marking, and one `tool.called` event. Every transport's tool calls go through
`ToolCalls.call`.
"""

from __future__ import annotations

import inspect
import time
import uuid
from collections.abc import Container, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import structlog
from mcp.server.mcpserver.tools import Tool
from mcp_types import CallToolResult, TextContent
from pydantic import ValidationError

from datagouv_mcp import callcontext, meters, payloads
from datagouv_mcp.clientlimits import ClientLimits, rate_limited
from datagouv_mcp.errors import InvalidArgumentError, ParseError, ToolError
from datagouv_mcp.specs import Event, ToolResult, ToolSpec
from datagouv_mcp.text import clip, shown

if TYPE_CHECKING:
    from datagouv_mcp.gateway import Contribution, Gateway

log = structlog.get_logger("datagouv_mcp.tools")


def error_result(error: ToolError, **extra: Any) -> CallToolResult:
    """`isError: true` with the model-readable text and the structured error."""
    return CallToolResult(
        content=[TextContent(type="text", text=error.text())],
        structured_content={**error.structured(), **extra},
        is_error=True,
    )


def incident_error(incident_id: str) -> ToolError:
    return ToolError(
        f"The tool failed unexpectedly (incident {incident_id}).",
        hint=(
            "This is a fault in the server, not in your request. Retry later; if it "
            f"persists, report incident {incident_id} to the server's operator."
        ),
        code="internal_error",
        retryable=True,
    )


def describe_invalid_arguments(tool: str, error: ValidationError) -> InvalidArgumentError:
    """Pydantic's errors, one line per argument, without its URLs and internal model names."""
    problems = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "arguments"
        if item["type"] == "missing":
            problems.append(f"'{where}' is required.")
        else:
            problems.append(f"'{where}': {item['msg']} (got {shown(item.get('input'))}).")
    return InvalidArgumentError(
        f"Invalid arguments for {tool}: " + " ".join(problems),
        hint="Correct the arguments as described and call the tool again.",
    )


def sdk_tool(spec: ToolSpec, offered: Container[str]) -> Tool:
    """The SDK's view of a tool, for `tools/list` and for argument validation: the handler's
    parameters as input schema, the output model as output schema. The SDK never calls it:
    `ToolCalls.call` does."""

    def never_called(**arguments: Any) -> NoReturn:
        raise AssertionError("tool calls go through ToolCalls.call")

    signature = inspect.signature(spec.handler, eval_str=True)
    never_called.__signature__ = signature.replace(  # type: ignore[attr-defined]
        return_annotation=Annotated[CallToolResult, spec.output_model]
    )
    never_called.__name__ = spec.name
    tool = Tool.from_function(
        never_called,
        name=spec.name,
        title=spec.title,
        description=spec.described(offered),
        annotations=spec.annotations,
        structured_output=True,
    )
    tool.parameters = plain_schema(tool.parameters)
    return tool


def plain_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """A schema as clients that reject `anyOf` accept, saying nothing it does not mean: an
    optional argument's `anyOf: [X, null]` becomes X, a union of plain types a list of types,
    and `default: null` goes (leaving an argument out is how a client says null; null is
    still accepted). Applied to properties, array items and `$defs`, recursively."""
    plain = dict(schema)
    variants = plain.get("anyOf")
    if variants is not None:
        kept = [variant for variant in variants if variant.get("type") != "null"]
        simple = all(set(v) <= {"type", "items"} and isinstance(v.get("type"), str) for v in kept)
        if len(kept) == 1:
            del plain["anyOf"]
            plain = {**kept[0], **plain}
        elif kept and simple and sum("items" in v for v in kept) <= 1:
            del plain["anyOf"]
            plain["type"] = [v["type"] for v in kept]
            for variant in kept:
                if "items" in variant:
                    plain["items"] = variant["items"]
    if "default" in plain and plain["default"] is None:
        del plain["default"]
    for key in ("properties", "$defs"):
        if isinstance(plain.get(key), Mapping):
            plain[key] = {name: plain_schema(sub) for name, sub in plain[key].items()}
    if isinstance(plain.get("items"), Mapping):
        plain["items"] = plain_schema(plain["items"])
    return plain


@dataclass(frozen=True)
class Outcome:
    result: CallToolResult
    outcome: str  # "ok", "error" or "crash"
    code: str | None = None
    incident_id: str | None = None
    error: BaseException | None = None
    # False when a parser refused an upstream answer, or the tool crashed (perhaps on one):
    # the call's fresh answers are then not cached.
    answers_read: bool = True

    @classmethod
    def failed(cls, error: ToolError) -> Outcome:
        return cls(error_result(error), "error", error.code)


# The bounds of an argument whose tool declares none (`_bounded`).
STRING_MAX = 2_000
LIST_MAX = 100
DEPTH_MAX = 4


class ToolCalls:
    """The gateway's tools, callable by name."""

    def __init__(self, gateway: Gateway, client_limits: ClientLimits | None = None) -> None:
        self.gateway = gateway
        self.client_limits = client_limits
        self.offered = frozenset(gateway.tools)
        self.tools = {name: sdk_tool(c.spec, self.offered) for name, c in gateway.tools.items()}

    async def call(
        self,
        name: str,
        arguments: Mapping[str, Any] | None,
        progress: callcontext.Progress | None = None,
        client: str | None = None,
        client_log: callcontext.ClientLog | None = None,
    ) -> CallToolResult:
        """Call a tool: every outcome is a CallToolResult, and one event for a known tool.
        `progress` sends the client's progress notifications (when it asked for them),
        `client_log` its log notifications; `client` is the HTTP client's address, for the
        per-client rate limit."""
        if client is not None and self.client_limits is not None:
            wait = await self.client_limits.call_wait(client)
            if wait is not None:
                error = rate_limited(self.client_limits.calls, wait)
                return error_result(error, retry_after=wait)
        contribution = self.gateway.tools.get(name)
        if contribution is None:
            return error_result(
                ToolError(
                    f"Unknown tool {shown(name)}.",
                    hint=f"Available tools: {', '.join(sorted(self.tools)) or 'none'}.",
                    code="unknown_tool",
                )
            )
        started = time.perf_counter()
        budget = self.gateway.upstream.settings.call_budget_seconds
        given = dict(arguments or {})
        meters.CALLS_IN_FLIGHT.inc()
        try:
            with callcontext.tool_call(name, budget, progress, self.offered, client_log) as context:
                try:
                    outcome = await self._run(contribution, self.tools[name], given)
                    if outcome.answers_read:
                        await context.commit()
                finally:
                    await context.discard()  # what was not committed: fill locks released
        finally:
            meters.CALLS_IN_FLIGHT.dec()
        result = outcome.result
        if context.stale_since is not None and not result.is_error:
            result = _mark_stale(result, context.stale_since)
        self.gateway.emit(
            Event(
                "tool.called",
                plugin=contribution.plugin,
                tool=name,
                outcome=outcome.outcome,
                duration_ms=round((time.perf_counter() - started) * 1000, 3),
                incident_id=outcome.incident_id,
                error_code=outcome.code,
                arguments=given,
                fields={
                    "upstream_calls": context.upstream_calls,
                    "cache_hits": context.cache_hits,
                    "stale": context.stale_since is not None,
                },
                error=outcome.error,
                client=client,
            )
        )
        return result

    async def _run(
        self, contribution: Contribution, tool: Tool, arguments: dict[str, Any]
    ) -> Outcome:
        spec: ToolSpec = contribution.spec
        try:
            validated = _checked(tool, arguments)
            returned = await spec.handler(**validated)
            if not isinstance(returned, ToolResult) or not isinstance(
                returned.data, spec.output_model
            ):
                raise TypeError(
                    f"tool {spec.name} returned {type(returned).__name__}, expected ToolResult "
                    f"with {spec.output_model.__name__} data"
                )
        except ToolError as exc:
            return Outcome.failed(exc)
        except ParseError as exc:
            return replace(Outcome.failed(exc.as_tool_error()), answers_read=False)
        except Exception as exc:
            translated = self._translate(spec.name, exc)
            if translated is not None:
                return Outcome.failed(translated)
            incident_id = uuid.uuid4().hex[:12]
            log.error("tool.crashed", tool=spec.name, incident_id=incident_id, exc_info=exc)
            return Outcome(
                error_result(incident_error(incident_id), incident_id=incident_id),
                "crash",
                "internal_error",
                incident_id,
                exc,
                answers_read=False,
            )
        return Outcome(_bounded_result(returned, self.gateway.settings.answer_max_bytes), "ok")

    def _translate(self, tool: str, error: Exception) -> ToolError | None:
        try:
            return self.gateway.translate_error(tool, error)
        except Exception:
            log.exception("tool.error_hook_failed", tool=tool)
            return None


def _bounded(tool: str, name: str, value: Any, schema: Mapping[str, Any], depth: int = 0) -> None:
    """What no argument may be, whatever its tool declares: a boolean where a number is
    expected (JSON's true is not 1), a string or a list past its declared bound or, when it
    declares none, past STRING_MAX or LIST_MAX, or nested past DEPTH_MAX."""
    kinds = {
        kind
        for part in (schema, *schema.get("anyOf", []))
        for kind in (part.get("type") if isinstance(part.get("type"), list) else [part.get("type")])
    }

    def refuse(what: str) -> InvalidArgumentError:
        return InvalidArgumentError(
            f"Invalid arguments for {tool}: '{name}': {what}.",
            hint="Correct the arguments as described and call the tool again.",
        )

    if isinstance(value, bool):
        if kinds & {"integer", "number"} and "boolean" not in kinds:
            raise refuse(f"expected a number, got {str(value).lower()}")
    elif isinstance(value, str):
        most = schema.get("maxLength") or STRING_MAX
        if len(value) > most:
            raise refuse(f"at most {most:,} characters, got {len(value):,}")
    elif isinstance(value, list | dict):
        if depth >= DEPTH_MAX:
            raise refuse(f"nested more than {DEPTH_MAX} levels deep")
        if isinstance(value, list):
            most = schema.get("maxItems") or LIST_MAX
            if len(value) > most:
                raise refuse(f"at most {most:,} items, got {len(value):,}")
            items = schema.get("items") or {}
            for item in value:
                _bounded(tool, name, item, items, depth + 1)
        else:
            if len(value) > LIST_MAX:
                raise refuse(f"at most {LIST_MAX:,} keys, got {len(value):,}")
            for key, item in value.items():
                _bounded(tool, name, key, {}, depth + 1)
                _bounded(tool, name, item, {}, depth + 1)


def _checked(tool: Tool, arguments: dict[str, Any]) -> dict[str, Any]:
    """The arguments as the handler takes them, checked once against its signature: unknown
    names, the bounds every argument has (`_bounded`), then types and bounds, then the rules
    in the annotations (which raise our own InvalidArgumentError)."""
    known = tool.parameters.get("properties", {})
    unknown = sorted(set(arguments) - set(known))
    if unknown:
        raise InvalidArgumentError(
            f"Unknown argument(s) for {tool.name}: "
            f"{', '.join(clip(name, 60) for name in unknown[:10])}.",
            hint=f"This tool accepts: {', '.join(known) or 'no arguments'}.",
        )
    for name, value in arguments.items():
        _bounded(tool.name, name, value, known[name])
    try:
        return tool.fn_metadata.validate_arguments(arguments)
    except ValidationError as exc:
        raise describe_invalid_arguments(tool.name, exc) from None


def _bounded_result(returned: ToolResult, max_bytes: int) -> CallToolResult:
    """The tool's answer within `max_bytes` (`DATAGOUV_MCP_ANSWER_MAX_BYTES`; the tools bound
    their own answers well below, this is the last line of defence): its text cut at a line,
    its structured content cut by `payloads.bound`; a cut is said in the text and `_meta`."""
    structured = returned.data.model_dump(mode="json", by_alias=True)
    text = payloads.bounded_text(returned.text, max_bytes)
    structured, cuts = payloads.bound(structured, max_bytes)
    meta = None
    if cuts:
        text += (
            f"\n\nNote: the structured content was cut to {max_bytes // 1000} KB "
            f"({', '.join(cuts)}); ask for less (a smaller page, narrower filters) for the rest."
        )
        meta = {"datagouv/truncated": cuts}
    return CallToolResult(
        content=[TextContent(type="text", text=text)], structured_content=structured, _meta=meta
    )


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
