"""Hook implementations of the datasets plugin: the work is in tools.py and mcp_resources.py."""

from __future__ import annotations

import click
from pydantic_settings import BaseSettings

from datagouv_mcp import HealthCheck, PluginContext, PromptSpec, ResourceSpec, ToolSpec, hookimpl
from datagouv_mcp_datasets import commands, mcp_resources, prompts, record_tools, tools
from datagouv_mcp_datasets.client import DatasetsClient
from datagouv_mcp_datasets.parsers import check_probe
from datagouv_mcp_datasets.settings import DatasetsSettings


@hookimpl
def register_settings() -> type[BaseSettings]:
    return DatasetsSettings


@hookimpl
def register_tools(context: PluginContext) -> list[ToolSpec]:
    return [*tools.build(context), *record_tools.build(context)]


@hookimpl
def register_prompts(context: PluginContext) -> list[PromptSpec]:
    return prompts.build(context)


@hookimpl
def register_resources(context: PluginContext) -> list[ResourceSpec]:
    return mcp_resources.build(context)


@hookimpl
def register_commands(context: PluginContext) -> list[click.Command]:
    return [commands.harvest_command(context)]


@hookimpl
def server_instructions(context: PluginContext) -> str:
    query = (
        "query a tabular resource with query_resource_data, or download the file from its URL"
        if "query_resource_data" in context.tools
        else "download a file from its URL"
    )
    return (
        "Datasets: start with search_datasets (short, specific keywords: every word must "
        "match; filter by organization, tag, format, geozone...), then list_dataset_resources "
        "with a dataset ID to see its files: resource IDs, formats, sizes, URLs, and whether "
        f"the Tabular API can query each. Then {query}. "
        "get_dataset_info gives a dataset's full description, licence, coverage and quality; "
        "search_organizations finds publishers, whose ID filters search_datasets. A dataset's "
        "raw record is also readable as the resource datagouv://datasets/{dataset_id}, and "
        "get_dataset_record gives its normalised record. What the catalogue holds (how many "
        "datasets, APIs and organizations, main themes and formats, how to search) is the "
        "resource datagouv://catalog: read it before concluding that data is unavailable."
    )


@hookimpl
def register_health_checks(context: PluginContext) -> list[HealthCheck]:
    client = DatasetsClient(context.upstream)

    async def dataset_search() -> str | None:
        return check_probe(await client.probe())

    return [HealthCheck("datasets-api", dataset_search)]
