"""Hook implementations of the metrics plugin: the work is in tools.py."""

from __future__ import annotations

from pydantic_settings import BaseSettings

from datagouv_mcp import HealthCheck, PluginContext, ToolSpec, hookimpl
from datagouv_mcp_metrics import tools
from datagouv_mcp_metrics.client import MetricsClient
from datagouv_mcp_metrics.settings import MetricsSettings


@hookimpl
def register_settings() -> type[BaseSettings]:
    return MetricsSettings


@hookimpl
def register_tools(context: PluginContext) -> list[ToolSpec]:
    return tools.build(context)


@hookimpl
def server_instructions() -> str:
    return (
        "Metrics: get_metrics gives monthly visits and downloads of a dataset, resource, "
        "organization or dataservice, most recent month first; pass ids found with the "
        "search and listing tools (several at once if needed)."
    )


@hookimpl
def register_health_checks(context: PluginContext) -> list[HealthCheck]:
    return [HealthCheck("metrics-api", MetricsClient(context.upstream).probe)]
