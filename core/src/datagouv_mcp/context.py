"""What a plugin's hooks receive: a narrow plugin context, never the gateway.

A plugin adds capability, never policy: through its context it reads the server's version,
uses the shared upstream layer, reads its own settings and builds links to the portal. It
cannot reach the core's settings, the plugin manager, the transports or another plugin's
settings, and what it can read is frozen (the upstream settings included).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from datagouv_mcp.links import SiteLinks

if TYPE_CHECKING:
    from pydantic_settings import BaseSettings

    from datagouv_mcp.upstream import Upstreams

SettingsT = TypeVar("SettingsT", bound="BaseSettings")


class ToolNames:
    """The names of the tools the running server offers, known once every plugin registered
    its own: a hint names a tool only when `name in context.tools` (tools of a plugin that is
    switched off, or excluded, are not offered). Read it at call time, not at registration."""

    def __init__(self) -> None:
        self._names: frozenset[str] = frozenset()

    def __contains__(self, name: object) -> bool:
        return name in self._names

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._names))

    def __len__(self) -> int:
        return len(self._names)

    def _offer(self, names: Iterable[str]) -> None:  # the gateway's, once
        self._names = frozenset(names)


@dataclass(frozen=True, eq=False)
class PluginContext:
    """One plugin's view of the server, passed to its hooks as `context`: the same object to
    every hook of one plugin in one server (compared and hashed by identity, so a plugin may
    key what it builds in register_tools by it, for its lifespan to close).

    - `name`: the plugin's name (its entry point), e.g. "metrics";
    - `version`: the server's version;
    - `upstream`: the shared HTTP layer (`api`, `tabular`, `metrics`, `crawler`, `fetch`,
      `urls`, read-only `settings`); its clients work inside the server's lifetime, i.e. in
      tool handlers, probes and lifespans, not in registration hooks;
    - `links`: links to the configured portal's pages (`links.dataset(slug)`, ...);
    - `tools`: the tools the server offers (`"search_dataservices" in context.tools`), for
      hints that name another plugin's tool; known once every plugin registered;
    - `settings(YourSettings)`: the plugin's own settings, read at start-up.
    """

    name: str
    version: str
    upstream: Upstreams
    links: SiteLinks
    own_settings: BaseSettings | None = field(default=None, repr=False)
    tools: ToolNames = field(default_factory=ToolNames, repr=False)

    def settings(self, settings_class: type[SettingsT]) -> SettingsT:
        """This plugin's settings: the instance of the class its register_settings returned."""
        if not isinstance(self.own_settings, settings_class):
            raise TypeError(
                f"plugin '{self.name}' has no settings of class {settings_class.__name__}: "
                "return that class from its register_settings hook"
            )
        return self.own_settings
