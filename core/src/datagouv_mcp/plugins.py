"""The plugin manager factory: discovery by entry point, operator toggles, validation.

Nothing loads at import time: `load_plugins()` builds a fresh manager each call.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from importlib.metadata import entry_points

import pluggy

from datagouv_mcp import core_plugin, hookspecs
from datagouv_mcp.errors import StartupError
from datagouv_mcp.settings import CoreSettings
from datagouv_mcp.version import __version__

ENTRY_POINT_GROUP = "datagouv_mcp"
# The core's own parts are registered like plugins but cannot be switched off.
ESSENTIAL = "core"


@dataclass(frozen=True)
class PluginInfo:
    """One plugin the server knows of, loaded or not."""

    name: str
    distribution: str | None
    version: str | None
    enabled: bool = True
    essential: bool = False

    def describe(self) -> str:
        origin = f"{self.distribution} {self.version}" if self.distribution else "local module"
        return f"{self.name} ({origin})"


@dataclass(frozen=True)
class _Candidate:
    info: PluginInfo
    load: Callable[[], object]


@dataclass
class LoadedPlugins:
    """The manager with every enabled plugin registered, and what was installed."""

    manager: pluggy.PluginManager
    installed: dict[str, PluginInfo] = field(default_factory=dict)

    @property
    def enabled(self) -> list[PluginInfo]:
        return [info for info in self.installed.values() if info.enabled]


def installed_summary(infos: Iterable[PluginInfo]) -> str:
    names = [info.describe() for info in infos if not info.essential]
    return "Installed plugins: " + (", ".join(names) if names else "none") + "."


def _discover(settings: CoreSettings) -> list[_Candidate]:
    candidates: list[_Candidate] = []
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        dist = ep.dist
        info = PluginInfo(ep.name, dist.name if dist else None, dist.version if dist else None)
        candidates.append(_Candidate(info, ep.load))
    for module_path in settings.plugin_modules:
        name = module_path.rsplit(".", 1)[-1]
        info = PluginInfo(name, None, None)
        candidates.append(_Candidate(info, functools.partial(importlib.import_module, module_path)))
    seen: dict[str, PluginInfo] = {}
    for candidate in candidates:
        other = seen.get(candidate.info.name)
        if other is not None or candidate.info.name == ESSENTIAL:
            raise StartupError(
                f"Two plugins are named '{candidate.info.name}': {candidate.info.describe()} and "
                f"{other.describe() if other else 'the core'}. Uninstall one of them."
            )
        seen[candidate.info.name] = candidate.info
    return candidates


def _check_toggle_names(settings: CoreSettings, known: Sequence[PluginInfo]) -> None:
    names = {info.name for info in known} | {ESSENTIAL}
    summary = installed_summary(known)
    for switch, values in (
        ("DATAGOUV_MCP_PLUGINS", settings.plugins or ()),
        ("DATAGOUV_MCP_DISABLED_PLUGINS", settings.disabled_plugins),
    ):
        for value in values:
            if value not in names:
                raise StartupError(
                    f"Unknown plugin '{value}' in {switch}. {summary} "
                    f"Fix the name in {switch} or install the plugin."
                )
    if ESSENTIAL in settings.disabled_plugins:
        raise StartupError(
            f"'{ESSENTIAL}' is the server itself and cannot be disabled: "
            f"remove it from DATAGOUV_MCP_DISABLED_PLUGINS. {summary}"
        )


def _identity(value: object) -> object:
    return value


def _is_enabled(name: str, settings: CoreSettings) -> bool:
    if name in settings.disabled_plugins:
        return False
    return settings.plugins is None or name in settings.plugins


def load_plugins(
    settings: CoreSettings, *, extra: Sequence[tuple[str, object]] = ()
) -> LoadedPlugins:
    """Build a plugin manager: the core, then every installed plugin the toggles allow.

    `extra` registers in-process plugin objects (tests, embedding) as if installed. Hook calls
    are traced by the gateway, which calls every implementation (DATAGOUV_MCP_TRACE_PLUGINS).
    """
    candidates = _discover(settings)
    extra_infos = [PluginInfo(name, None, None) for name, _ in extra]
    known = [c.info for c in candidates] + extra_infos
    _check_toggle_names(settings, known)

    manager = pluggy.PluginManager(hookspecs.PROJECT)
    manager.add_hookspecs(hookspecs)
    loaded = LoadedPlugins(manager)
    loaded.installed[ESSENTIAL] = PluginInfo(
        ESSENTIAL, "datagouv-mcp-core", __version__, essential=True
    )
    manager.register(core_plugin, name=ESSENTIAL)

    to_register = [(c.info, c.load) for c in candidates]
    to_register += [
        (info, functools.partial(_identity, obj))
        for info, (_, obj) in zip(extra_infos, extra, strict=True)
    ]
    for info, load in to_register:
        enabled = _is_enabled(info.name, settings)
        loaded.installed[info.name] = PluginInfo(
            info.name, info.distribution, info.version, enabled=enabled
        )
        if not enabled:
            continue
        try:
            plugin = load()
        except Exception as exc:
            raise StartupError(
                f"Plugin {info.describe()} failed to import: {type(exc).__name__}: {exc}. "
                f"Reinstall it, or switch it off with DATAGOUV_MCP_DISABLED_PLUGINS={info.name}. "
                f"{installed_summary(known)}"
            ) from exc
        try:
            manager.register(plugin, name=info.name)
        except (pluggy.PluginValidationError, ValueError) as exc:
            raise StartupError(
                f"Plugin {info.describe()} is invalid: {exc}. "
                f"Switch it off with DATAGOUV_MCP_DISABLED_PLUGINS={info.name}."
            ) from exc
    try:
        manager.check_pending()
    except pluggy.PluginValidationError as exc:
        name = manager.get_name(exc.plugin) or "?"
        raise StartupError(
            f"Plugin '{name}' implements a hook that does not exist: {exc}. "
            f"See docs/hooks.md for the hook names, or switch it off with "
            f"DATAGOUV_MCP_DISABLED_PLUGINS={name}."
        ) from exc
    return loaded
