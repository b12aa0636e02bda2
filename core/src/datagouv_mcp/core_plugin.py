"""The core's own hook implementations, registered first under the name "core" (which cannot
be switched off): its telemetry sinks, the log line, Sentry, the Prometheus counts and
Matomo, are `track_event` implementations like any plugin's. Matomo's settings and its
sending task come through `register_settings` and `lifespan`, as a plugin's would; its
readiness check of the shared Redis is a `register_health_checks` like any plugin's."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from datagouv_mcp import meters, telemetry
from datagouv_mcp.hookspecs import hookimpl
from datagouv_mcp.matomo import MatomoSettings, MatomoSink
from datagouv_mcp.specs import HealthCheck

if TYPE_CHECKING:
    from datagouv_mcp.context import PluginContext
    from datagouv_mcp.specs import Event

# The Matomo sink of each running server, by the core's context in that server.
_matomo: WeakKeyDictionary[PluginContext, MatomoSink] = WeakKeyDictionary()


@hookimpl
def register_settings() -> type[MatomoSettings]:
    return MatomoSettings


@hookimpl
def lifespan(context: PluginContext) -> AbstractAsyncContextManager[None] | None:
    settings = context.settings(MatomoSettings)
    return _sending_to_matomo(context, settings) if settings.enabled else None


@asynccontextmanager
async def _sending_to_matomo(
    context: PluginContext, settings: MatomoSettings
) -> AsyncIterator[None]:
    sink = MatomoSink(settings, f"datagouv-mcp/{context.version}")
    async with sink.running():
        _matomo[context] = sink
        try:
            yield
        finally:
            _matomo.pop(context, None)


@hookimpl
def register_health_checks(context: PluginContext) -> list[HealthCheck]:
    """`redis`, with a shared Redis: not required (without it, each replica answers from its
    own cache and budget), so a Redis outage reads `degraded`, never takes replicas out."""
    redis = context.upstream.redis
    return [] if redis is None else [HealthCheck("redis", redis.probe, required=False)]


@hookimpl
def track_event(context: PluginContext, event: Event) -> None:
    telemetry.log_event(event)
    telemetry.report_incident(event)
    if event.name == "tool.called" and event.tool is not None:
        seconds = (event.duration_ms or 0.0) / 1000
        meters.count_tool_call(event.tool, event.outcome or "ok", seconds, event.error_code)
        sink = _matomo.get(context)
        if sink is not None:
            sink.track(event)
