"""Hook implementations of the metrics plugin: the work is in tools.py."""

from __future__ import annotations

from pydantic_settings import BaseSettings

from datagouv_mcp import Gateway, HealthCheck, ToolSpec, hookimpl
from datagouv_mcp_metrics import tools
from datagouv_mcp_metrics.client import MetricsClient
from datagouv_mcp_metrics.settings import MetricsSettings


@hookimpl
def register_settings() -> type[BaseSettings]:
    return MetricsSettings


@hookimpl
def register_tools(gateway: Gateway) -> list[ToolSpec]:
    return tools.build(gateway)


@hookimpl
def server_instructions() -> str:
    return (
        "Metrics: get_metrics gives monthly visits and downloads of a dataset, resource, "
        "organization or dataservice, most recent month first; pass ids found with the "
        "search and listing tools (several at once if needed)."
    )


@hookimpl
def register_health_checks(gateway: Gateway) -> list[HealthCheck]:
    client = MetricsClient(gateway.upstream)

    async def metrics_api() -> None:
        await client.probe()

    return [HealthCheck("metrics-api", metrics_api)]
