"""Tool groups: each plugin that contributes tools, resources or prompts is a group, named
after it. `/mcp/{groups}` (names joined by `+`) serves only those groups; `/mcp` serves all.

The web app parses the path (`ToolGroups.parse`) and runs the request inside `selecting`;
the MCP server asks `shows(plugin)` for every tool, resource and prompt it lists or serves.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datagouv_mcp.gateway import Gateway

SEPARATOR = "+"
ROOT = "/mcp"

_selected: ContextVar[frozenset[str] | None] = ContextVar("datagouv_mcp_groups", default=None)


class UnknownGroupError(ValueError):
    """A path naming a group this server does not serve; its text says which it does."""


class ToolGroups:
    """The groups a gateway serves: its enabled plugins that contribute anything."""

    def __init__(self, gateway: Gateway) -> None:
        contributions = [*gateway.tools.values(), *gateway.resources, *gateway.prompts]
        self.available = sorted({c.plugin for c in contributions})
        self.switched_off = sorted(
            info.name for info in gateway.plugins.installed.values() if not info.enabled
        )

    def parse(self, joined: str) -> frozenset[str]:
        """The groups named in `a+b` (the path after /mcp/); UnknownGroupError otherwise."""
        names = joined.split(SEPARATOR)
        unknown = [name for name in names if name not in self.available]
        if not unknown:
            return frozenset(names)
        first = unknown[0]
        if not first:
            problem = f"The path {ROOT}/{_printable(joined)} has an empty group name."
        elif first in self.switched_off:
            problem = f"The tool group {first!r} is switched off on this server."
        else:
            problem = f"Unknown tool group {_printable(first)!r}."
        example = SEPARATOR.join(self.available[:2])
        return self._refuse(
            f"{problem} This server's groups: {', '.join(self.available) or 'none'}. Join "
            f"them with {SEPARATOR} (e.g. {ROOT}/{example}), or use {ROOT} for everything."
        )

    @staticmethod
    def _refuse(message: str) -> frozenset[str]:
        raise UnknownGroupError(message)


def _printable(name: str) -> str:
    return re.sub(r"[^\w.-]", "?", name[:60])


@contextmanager
def selecting(groups: frozenset[str] | None) -> Iterator[None]:
    """Serve only `groups` (None: all) to the code run inside, tasks it starts included."""
    token = _selected.set(groups)
    try:
        yield
    finally:
        _selected.reset(token)


def selected() -> frozenset[str] | None:
    """The groups the current request asked for; None: all."""
    return _selected.get()


def shows(plugin: str) -> bool:
    """Whether the current request is served what `plugin` contributes."""
    groups = _selected.get()
    return groups is None or plugin in groups
