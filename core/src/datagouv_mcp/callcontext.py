"""What one tool call carries through the layers: its tool, its deadline, what its upstream
calls did, the fresh answers waiting to be cached, and where its progress goes. Argument rules
read the tool's name from here for their messages; a long tool reports progress with
`report_progress` and tells the client what it does with `log_to_client`."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

Progress = Callable[[float, float | None, str | None], Awaitable[None]]
"""Send a progress notification: (progress, total, message)."""

ClientLog = Callable[[str, str], Awaitable[None]]
"""Send a log notification to the client: (level, message); it drops the levels the client
did not ask for."""

Write = Callable[[], Awaitable[None]]
"""A cache write held until the call commits it."""

log = logging.getLogger("datagouv_mcp.calls")


@dataclass
class CallContext:
    """Per tool call: the time budget shared by its upstream requests, and what they did."""

    tool: str
    deadline: float
    upstream_calls: int = 0
    cache_hits: int = 0
    stale_since: float | None = None
    progress: Progress | None = None
    client_log: ClientLog | None = None
    # The tools the server offers, for hints that name one (None: not known, all named).
    offered: frozenset[str] | None = None
    # Fresh upstream answers of this call, by cache key: (the decoded answer, its cache write,
    # what to do instead when it is dropped). Written by `commit` once the call's parsers have
    # read them; dropped by `discard` if one refused an answer, so a malformed answer never
    # replaces the last good one (and other replicas waiting for it are told at once).
    held: dict[str, tuple[Any, Write, Write | None]] = field(default_factory=dict)

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def hold(self, key: str, answer: Any, write: Write, dropped: Write | None = None) -> None:
        """Hold a fresh answer's cache write until `commit` (or `dropped`, run by `discard`
        instead: a fill lock released); lookups of the same key in this call get `answer`
        meanwhile (`holding`)."""
        self.held[key] = (answer, write, dropped)

    def holding(self, key: str) -> Any | None:
        """The answer held under `key` in this call, if any."""
        held = self.held.get(key)
        return None if held is None else held[0]

    async def commit(self) -> None:
        """Write the held answers to the cache: the call's parsers read them all."""
        held, self.held = self.held, {}
        for _, write, _ in held.values():
            await write()

    async def discard(self) -> None:
        """Drop the answers still held (the call did not commit them), running what each
        said to run instead."""
        held, self.held = self.held, {}
        for _, _, dropped in held.values():
            if dropped is not None:
                await dropped()


_current: ContextVar[CallContext | None] = ContextVar("datagouv_mcp_call", default=None)


def current() -> CallContext | None:
    return _current.get()


def offers(tool: str) -> bool:
    """Whether the running server offers `tool`, for a hint about to name it (True outside a
    call, where nothing is known): a tool of a plugin switched off, or excluded, is never
    named."""
    context = _current.get()
    return context is None or context.offered is None or tool in context.offered


def current_tool(default: str = "this tool") -> str:
    """The name of the tool being called, for messages; `default` outside a call."""
    context = _current.get()
    return context.tool if context is not None else default


async def report_progress(
    progress: float, total: float | None = None, message: str | None = None
) -> None:
    """Tell the client how far the current call has got, if it asked to know (a progress
    token in its request); a no-op otherwise. Never fails the call."""
    context = _current.get()
    if context is None or context.progress is None:
        return
    try:
        await context.progress(progress, total, message)
    except Exception:  # a client gone away must not break the tool
        log.debug("progress notification failed", exc_info=True)


async def log_to_client(level: str, message: str) -> None:
    """Tell the client what the current call is doing, as an MCP log notification at `level`
    (`debug`, `info`, `notice`, `warning`...), if it asked for that level (logging/setLevel,
    or the request's log level); a no-op otherwise. Never fails the call. Never put secrets
    or catalogue text the model should not trust in `message`."""
    context = _current.get()
    if context is None or context.client_log is None:
        return
    try:
        await context.client_log(level, message)
    except Exception:  # a client gone away must not break the tool
        log.debug("log notification failed", exc_info=True)


@contextmanager
def tool_call(
    tool: str,
    budget_seconds: float,
    progress: Progress | None = None,
    offered: frozenset[str] | None = None,
    client_log: ClientLog | None = None,
) -> Iterator[CallContext]:
    """Open the context of one tool call: every upstream request inside shares this budget."""
    deadline = time.monotonic() + budget_seconds
    context = CallContext(
        tool=tool, deadline=deadline, progress=progress, offered=offered, client_log=client_log
    )
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)
