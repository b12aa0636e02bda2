"""The gateway: what the plugins contributed, assembled once, and the server's lifetime.

No MCP and no HTTP here: `datagouv_mcp.mcpserver.build_server(gateway)` and
`datagouv_mcp.webapp.build_app(gateway)` build the transports over a gateway.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import click
import structlog
from pluggy import HookImpl
from pydantic_settings import BaseSettings

from datagouv_mcp import text
from datagouv_mcp.context import PluginContext, ToolNames
from datagouv_mcp.errors import StartupError, ToolError
from datagouv_mcp.links import SiteLinks
from datagouv_mcp.plugins import LoadedPlugins, load_plugins
from datagouv_mcp.settings import CoreSettings, env_prefix_for, load_settings
from datagouv_mcp.specs import Event, HealthCheck, PromptSpec, ResourceSpec, ToolSpec
from datagouv_mcp.upstream import Upstreams
from datagouv_mcp.upstream.settings import UpstreamSettings
from datagouv_mcp.version import __version__

log = structlog.get_logger("datagouv_mcp.gateway")

SettingsT = TypeVar("SettingsT", bound=BaseSettings)
SpecT = TypeVar("SpecT")

PREAMBLE = (
    "This server gives read-only access to data.gouv.fr, the French national open-data "
    "portal: datasets, their files (resources), catalogued APIs (dataservices), publishers "
    "(organizations) and usage metrics. " + text.CONVENTION
)
# Hooks run once at start-up: a plugin failing in one stops the server, naming it.
REGISTRATION_HOOKS = frozenset(
    {
        "register_settings",
        "register_tools",
        "register_resources",
        "register_prompts",
        "register_commands",
        "server_instructions",
        "register_health_checks",
    }
)


@dataclass(frozen=True)
class Contribution:
    """A spec with the name of the plugin that contributed it."""

    plugin: str
    spec: Any


class Gateway:
    """Everything the plugins registered, and the shared services they use.

    Build it with `Gateway.build()`: the core's settings are read first, then the plugins are
    loaded and their registration hooks run, once, each with the plugin's own
    `PluginContext`. Async services (the upstream layer, plugin lifespans) live inside
    `running()`.
    """

    def __init__(
        self,
        settings: CoreSettings,
        plugins: LoadedPlugins,
        upstream_settings: UpstreamSettings,
    ) -> None:
        self.settings = settings
        self.plugins = plugins
        self.version = __version__
        self.upstream = Upstreams(upstream_settings, self.version, workers=settings.workers)
        urls = self.upstream.urls
        self.links = SiteLinks(site=urls.site, api=urls.api)
        self._hook = plugins.manager.hook
        self._lock: asyncio.Lock | None = None
        self._users = 0
        self._stack: AsyncExitStack | None = None
        self.contexts: dict[str, PluginContext] = {}

        own = dict(self._per_plugin("register_settings", self._plugin_settings))
        offered = ToolNames()
        self.contexts = {
            info.name: PluginContext(
                info.name, self.version, self.upstream, self.links, own.get(info.name), offered
            )
            for info in plugins.installed.values()
            if info.enabled
        }
        self.tools: dict[str, Contribution] = self._collect_tools()
        offered._offer(self.tools)
        self.resources = self._collect("register_resources", ResourceSpec)
        self.prompts = self._collect("register_prompts", PromptSpec)
        self.health_checks = self._collect("register_health_checks", HealthCheck)
        self.commands = self._collect("register_commands", click.Command)
        paragraphs = [str(text).strip() for _, text in self._per_plugin("server_instructions")]
        self.instructions = "\n\n".join([PREAMBLE, *paragraphs])
        for info in plugins.enabled:
            self.emit(Event("plugin.loaded", plugin=info.name, fields={"version": info.version}))

    @classmethod
    def build(
        cls,
        settings: CoreSettings | None = None,
        *,
        upstream: UpstreamSettings | None = None,
        extra: Sequence[tuple[str, object]] = (),
    ) -> Gateway:
        """Read the core's settings (unless given), then load the plugins the toggles allow
        and assemble their contributions. Bad settings raise StartupError, naming them."""
        # Every setting that sets policy is read before any plugin is imported.
        settings = settings or load_settings(CoreSettings)
        upstream = upstream or load_settings(UpstreamSettings)
        return cls(settings, load_plugins(settings, extra=extra), upstream)

    # -- calling the plugins: the one place hooks are called, and traced -----------------

    def _call(self, hook_name: str, impl: HookImpl, **kwargs: Any) -> Any:
        """Call one implementation with the arguments it asks for (its plugin's context
        among them); one `plugin.hook` log line when DATAGOUV_MCP_TRACE_PLUGINS is on."""
        available = {"context": self.contexts.get(impl.plugin_name), **kwargs}
        arguments = {name: available[name] for name in impl.argnames}
        if not self.settings.trace_plugins:
            return impl.function(**arguments)
        started = time.perf_counter()
        outcome = "raised"
        try:
            value = impl.function(**arguments)
            outcome = "ok"
            return value
        finally:
            log.info(
                "plugin.hook",
                hook=hook_name,
                plugins=[impl.plugin_name],
                outcome=outcome,
                duration_ms=round((time.perf_counter() - started) * 1000, 3),
            )

    def _impls(self, hook_name: str) -> list[HookImpl]:
        """The implementations of a hook, in load order (pluggy calls them in reverse)."""
        impls: list[HookImpl] = getattr(self._hook, hook_name).get_hookimpls()
        return impls

    def _per_plugin(
        self, hook_name: str, check: Callable[[str, Any], Any] | None = None
    ) -> list[tuple[str, Any]]:
        """Each plugin's answer to a registration hook, with its name; a plugin that fails
        stops start-up, naming itself and the switch to turn it off."""
        results = []
        for impl in self._impls(hook_name):
            plugin = impl.plugin_name
            try:
                value = self._call(hook_name, impl)
                if value is not None and check is not None:
                    value = check(plugin, value)
            except StartupError:
                raise
            except Exception as exc:
                detail = text.clip(" ".join(f"{type(exc).__name__}: {exc}".split()), 300)
                raise StartupError(
                    f"Plugin '{plugin}' failed in {hook_name}: {detail}. "
                    f"Fix or update it, or switch it off with "
                    f"DATAGOUV_MCP_DISABLED_PLUGINS={plugin}."
                ) from exc
            if value is not None:
                results.append((plugin, value))
        return results

    def _collect(self, hook_name: str, kind: type[SpecT]) -> list[Contribution]:
        contributions = []
        for plugin, specs in self._per_plugin(hook_name):
            for spec in specs if isinstance(specs, Iterable) else [specs]:
                if not isinstance(spec, kind):
                    raise StartupError(
                        f"Plugin '{plugin}' returned {type(spec).__name__} from {hook_name}; "
                        f"expected {kind.__name__}. Switch it off with "
                        f"DATAGOUV_MCP_DISABLED_PLUGINS={plugin}."
                    )
                contributions.append(Contribution(plugin, spec))
        return contributions

    def _collect_tools(self) -> dict[str, Contribution]:
        excluded = set(self.settings.exclude_tools)
        tools: dict[str, Contribution] = {}
        for contribution in self._collect("register_tools", ToolSpec):
            name = contribution.spec.name
            if name in tools and name not in excluded:
                first = self.plugins.installed[tools[name].plugin]
                second = self.plugins.installed[contribution.plugin]
                raise StartupError(
                    f"Tool '{name}' is registered by two plugins: {first.describe()} and "
                    f"{second.describe()}. Switch one off with DATAGOUV_MCP_DISABLED_PLUGINS, "
                    f"or drop the tool with DATAGOUV_MCP_EXCLUDE_TOOLS={name}."
                )
            tools[name] = contribution
        unknown = sorted(excluded - tools.keys())
        if unknown:
            raise StartupError(
                f"Unknown tool {', '.join(repr(n) for n in unknown)} in "
                "DATAGOUV_MCP_EXCLUDE_TOOLS. "
                f"Available tools: {', '.join(sorted(tools)) or 'none'}."
            )
        return {name: c for name, c in tools.items() if name not in excluded}

    def _plugin_settings(self, plugin: str, settings_class: Any) -> BaseSettings:
        if not (isinstance(settings_class, type) and issubclass(settings_class, BaseSettings)):
            raise StartupError(
                f"Plugin '{plugin}' returned {settings_class!r} from register_settings; "
                f"expected a pydantic-settings class. Switch it off with "
                f"DATAGOUV_MCP_DISABLED_PLUGINS={plugin}."
            )
        try:
            return load_settings(settings_class, prefix=env_prefix_for(plugin))
        except StartupError as exc:
            if self.plugins.installed[plugin].essential:  # the server's own (Matomo's)
                raise
            raise StartupError(f"Plugin '{plugin}': {exc}") from None

    def settings_for(self, settings_class: type[SettingsT]) -> SettingsT:
        """The instance of a plugin's settings class, read at start-up (for tests and tools)."""
        for context in self.contexts.values():
            if isinstance(context.own_settings, settings_class):
                return context.own_settings
        raise LookupError(f"no enabled plugin registered {settings_class.__name__}")

    # -- events and errors -------------------------------------------------------------

    def emit(self, event: Event) -> None:
        """Send an event to every track_event implementation; a failing sink harms no one."""
        for impl in self._impls("track_event"):
            try:
                self._call("track_event", impl, event=event)
            except Exception:
                log.exception("telemetry.sink_failed", plugin=impl.plugin_name)

    def translate_error(self, tool_name: str, error: Exception) -> ToolError | None:
        """Ask the plugins to explain an exception to the model (handle_tool_error): the
        first answer wins, in pluggy's order (the last loaded plugin first)."""
        for impl in reversed(self._impls("handle_tool_error")):
            answer = self._call("handle_tool_error", impl, tool_name=tool_name, error=error)
            if isinstance(answer, ToolError):
                return answer
            if answer is not None:
                return ToolError(str(answer), code="error")
        return None

    # -- lifetime ----------------------------------------------------------------------

    @asynccontextmanager
    async def running(self) -> AsyncIterator[Gateway]:
        """Enter the plugins' lifespans; nested entries share one start-up and one shutdown."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if self._users == 0:
                stack = AsyncExitStack()
                try:
                    await stack.enter_async_context(self.upstream.running())
                    for impl in self._impls("lifespan"):
                        context = self._call("lifespan", impl)
                        if context is not None:
                            await stack.enter_async_context(context)
                except BaseException:
                    await stack.aclose()
                    raise
                self._stack = stack
            self._users += 1
        try:
            yield self
        finally:
            async with self._lock:
                self._users -= 1
                if self._users == 0 and self._stack is not None:
                    stack, self._stack = self._stack, None
                    await stack.aclose()
