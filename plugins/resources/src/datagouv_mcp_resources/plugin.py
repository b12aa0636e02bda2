"""Hook implementations of the resources plugin: the work is in tools.py and mcp_resources.py."""

from __future__ import annotations

from pydantic_settings import BaseSettings

from datagouv_mcp import HealthCheck, PluginContext, ResourceSpec, ToolSpec, hookimpl
from datagouv_mcp_resources import mcp_resources, tools
from datagouv_mcp_resources.client import ResourcesClient
from datagouv_mcp_resources.settings import ResourcesSettings


@hookimpl
def register_settings() -> type[BaseSettings]:
    return ResourcesSettings


@hookimpl
def register_tools(context: PluginContext) -> list[ToolSpec]:
    return tools.build(context)


@hookimpl
def register_resources(context: PluginContext) -> list[ResourceSpec]:
    return mcp_resources.build(context)


@hookimpl
def server_instructions() -> str:
    return (
        "Resources: get_resource_info(resource_id) says what a file is and whether the "
        "Tabular API can query it, with its columns, their types and detected formats "
        "(commune codes, SIRET, dates...). For a tabular resource, query_resource_data reads "
        "rows with filters, sort, columns, and group_by/aggregates where allowed; for the "
        "others, download_and_parse_resource reads the first rows of the file itself (CSV, "
        "JSON, Excel, ZIP...). A resource's record is also readable as "
        "datagouv://resources/{resource_id}."
    )


@hookimpl
def register_health_checks(context: PluginContext) -> list[HealthCheck]:
    client = ResourcesClient(context.upstream)

    async def tabular_api() -> None:
        await client.probe()

    return [HealthCheck("tabular-api", tabular_api)]
