"""What one tool call carries through the layers: its tool, its deadline, and what its
upstream calls did. Argument rules read the tool's name from here for their messages."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass
class CallContext:
    """Per tool call: the time budget shared by its upstream requests, and what they did."""

    tool: str
    deadline: float
    upstream_calls: int = 0
    cache_hits: int = 0
    stale_since: float | None = None

    def remaining(self) -> float:
        return self.deadline - time.monotonic()


_current: ContextVar[CallContext | None] = ContextVar("datagouv_mcp_call", default=None)


def current() -> CallContext | None:
    return _current.get()


def current_tool(default: str = "this tool") -> str:
    """The name of the tool being called, for messages; `default` outside a call."""
    context = _current.get()
    return context.tool if context is not None else default


@contextmanager
def tool_call(tool: str, budget_seconds: float) -> Iterator[CallContext]:
    """Open the context of one tool call: every upstream request inside shares this budget."""
    context = CallContext(tool=tool, deadline=time.monotonic() + budget_seconds)
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)
