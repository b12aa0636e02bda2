"""Hook implementations of the dataservices plugin: the work is in tools.py and
mcp_resources.py."""

from __future__ import annotations

from pydantic_settings import BaseSettings

from datagouv_mcp import HealthCheck, PluginContext, ResourceSpec, ToolSpec, hookimpl
from datagouv_mcp_dataservices import mcp_resources, tools
from datagouv_mcp_dataservices.client import DataservicesClient
from datagouv_mcp_dataservices.settings import DataservicesSettings


@hookimpl
def register_settings() -> type[BaseSettings]:
    return DataservicesSettings


@hookimpl
def register_tools(context: PluginContext) -> list[ToolSpec]:
    return tools.build(context)


@hookimpl
def register_resources(context: PluginContext) -> list[ResourceSpec]:
    return mcp_resources.build(context)


@hookimpl
def server_instructions() -> str:
    return (
        "Third-party APIs (dataservices): search_dataservices finds the APIs catalogued on "
        "data.gouv.fr (API Adresse, API Sirene...); get_dataservice_info gives one's base URL, "
        "access (open or restricted), rate limits and documentation; "
        "get_dataservice_openapi_spec summarises its OpenAPI description: servers, "
        "authentication, and each operation's parameters, body and response. Then call the "
        "API at its base URL."
    )


@hookimpl
def register_health_checks(context: PluginContext) -> list[HealthCheck]:
    client = DataservicesClient(context.upstream)

    async def dataservice_search() -> None:
        await client.probe()

    return [HealthCheck("dataservices-api", dataservice_search)]
