"""The gateway: what the plugins contributed, assembled once, and the server's lifetime."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

import structlog
from pluggy import HookImpl
from pydantic import ValidationError
from pydantic_settings import BaseSettings

from datagouv_mcp import text
from datagouv_mcp.errors import StartupError, ToolError
from datagouv_mcp.plugins import LoadedPlugins, load_plugins
from datagouv_mcp.settings import CoreSettings, env_prefix_for
from datagouv_mcp.specs import Event, HealthCheck, PromptSpec, ResourceSpec, ToolSpec
from datagouv_mcp.upstream import Upstreams
from datagouv_mcp.upstream.settings import UpstreamSettings
from datagouv_mcp.version import __version__

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer
    from starlette.applications import Starlette

log = structlog.get_logger("datagouv_mcp.gateway")

SettingsT = TypeVar("SettingsT", bound=BaseSettings)

PREAMBLE = (
    "This server gives read-only access to data.gouv.fr, the French national open-data "
    "portal: datasets, their files (resources), catalogued APIs (dataservices), publishers "
    "(organizations) and usage metrics. " + text.CONVENTION
)


@dataclass(frozen=True)
class Contribution:
    """A spec with the name of the plugin that contributed it."""

    plugin: str
    spec: Any


class Gateway:
    """Everything the plugins registered, the settings, and the shared services they use.

    Build it with `Gateway.build()`; registration hooks run once, here. Async services (plugin
    lifespans, upstream clients) live inside `running()`.
    """

    def __init__(
        self,
        settings: CoreSettings,
        plugins: LoadedPlugins,
        upstream_settings: UpstreamSettings | None = None,
    ) -> None:
        self.settings = settings
        self.plugins = plugins
        self.hook = plugins.manager.hook
        self.version = __version__
        self.upstream = Upstreams(upstream_settings or UpstreamSettings(), self.version)
        self._plugin_settings: dict[type[BaseSettings], BaseSettings] = {}
        self._lock: asyncio.Lock | None = None
        self._users = 0
        self._stack: AsyncExitStack | None = None
        self.client_log_level: str | None = None

        self._load_plugin_settings()
        self.tools: dict[str, Contribution] = self._collect_tools()
        self.resources: list[Contribution] = self._collect("register_resources", ResourceSpec)
        self.prompts: list[Contribution] = self._collect("register_prompts", PromptSpec)
        self.health_checks: list[Contribution] = self._collect(
            "register_health_checks", HealthCheck
        )
        self.instructions = "\n\n".join(
            [PREAMBLE, *(text.strip() for _, text in self._per_plugin("server_instructions"))]
        )
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
        """Load the plugins the toggles allow and assemble their contributions."""
        settings = settings or CoreSettings()
        return cls(settings, load_plugins(settings, extra=extra), upstream)

    # -- what plugins contributed -------------------------------------------------------

    def _call_impl(self, hook_name: str, impl: HookImpl, kwargs: dict[str, Any]) -> Any:
        """Call one implementation with the arguments it asks for; traced when the operator
        asked for it (DATAGOUV_MCP_TRACE_PLUGINS)."""
        if not self.settings.trace_plugins:
            return impl.function(**{name: kwargs[name] for name in impl.argnames})
        started = time.perf_counter()
        outcome = "raised"
        try:
            value = impl.function(**{name: kwargs[name] for name in impl.argnames})
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

    def _per_plugin(self, hook_name: str, **extra: Any) -> list[tuple[str, Any]]:
        # Call each implementation on its own, so every result keeps its plugin's name.
        kwargs = {"gateway": self, **extra}
        results = []
        for impl in getattr(self.hook, hook_name).get_hookimpls():
            value = self._call_impl(hook_name, impl, kwargs)
            if value is not None:
                results.append((impl.plugin_name, value))
        return results

    def _collect(self, hook_name: str, kind: type) -> list[Contribution]:
        contributions = []
        for plugin, specs in self._per_plugin(hook_name):
            for spec in specs:
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

    def _load_plugin_settings(self) -> None:
        for plugin, settings_class in self._per_plugin("register_settings"):
            prefix = env_prefix_for(plugin)
            try:
                instance = settings_class(_env_prefix=prefix)
            except ValidationError as exc:
                problems = "; ".join(
                    f"{prefix}{'_'.join(str(p) for p in err['loc']).upper()}: {err['msg']}"
                    for err in exc.errors()
                )
                raise StartupError(f"Invalid settings for plugin '{plugin}': {problems}.") from exc
            self._plugin_settings[settings_class] = instance

    def settings_for(self, settings_class: type[SettingsT]) -> SettingsT:
        """The instance of a plugin's settings class, read at start-up."""
        instance = self._plugin_settings.get(settings_class)
        if instance is None:
            instance = settings_class()
            self._plugin_settings[settings_class] = instance
        assert isinstance(instance, settings_class)
        return instance

    # -- events and errors -------------------------------------------------------------

    def emit(self, event: Event) -> None:
        """Send an event to every track_event implementation; a failing sink harms no one."""
        kwargs: dict[str, Any] = {"gateway": self, "event": event}
        for impl in self.hook.track_event.get_hookimpls():
            try:
                self._call_impl("track_event", impl, kwargs)
            except Exception:
                log.exception("telemetry.sink_failed", plugin=impl.plugin_name)

    def translate_error(self, tool_name: str, error: Exception) -> ToolError | None:
        """Ask the plugins to explain an exception to the model (handle_tool_error)."""
        answer = self.hook.handle_tool_error(gateway=self, tool_name=tool_name, error=error)
        if answer is None or isinstance(answer, ToolError):
            return answer
        return ToolError(str(answer), code="error")

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
                    for _, context in self._per_plugin("lifespan"):
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

    # -- what the transports serve -----------------------------------------------------

    def mcp_server(self) -> MCPServer[Any]:
        """A new MCP server over this gateway's tools, resources and prompts."""
        from datagouv_mcp.mcpserver import build_server

        return build_server(self)

    def http_app(self) -> Starlette:
        """A new ASGI app: /mcp, /health, /health/ready."""
        from datagouv_mcp.webapp import build_app

        return build_app(self)
