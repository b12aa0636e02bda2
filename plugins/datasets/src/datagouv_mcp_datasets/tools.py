"""The four tools: names, arguments and descriptions. The work is in handlers.py.

The functions' signatures are the tools' input schemas: names as the official server's, with
the filters it lacked added as optional arguments.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from datagouv_mcp import Gateway, ToolResult, ToolSpec
from datagouv_mcp_datasets import arguments as args
from datagouv_mcp_datasets.handlers import DatasetsTools
from datagouv_mcp_datasets.models import (
    Dataset,
    DatasetResources,
    SearchDatasetsResult,
    SearchOrganizationsResult,
)

DatasetId = Annotated[
    str, Field(description="A dataset's ID (24 hexadecimal characters) or slug, from search.")
]

SEARCH_DATASETS = """Search for datasets on data.gouv.fr by keywords.

This is typically the first step in exploring data.gouv.fr. Use short, specific queries: \
every word must match (AND logic), so generic words like "données" or "fichier" can empty a \
search; when a query finds nothing, it is retried once without such words, and the answer \
says so. Narrow with the optional filters: organization (id or slug, from \
search_organizations), tag, format (e.g. csv; several comma-separated), license, geozone \
(e.g. fr:departement:13), granularity (e.g. fr:commune), badge, producer_type, format_family, \
temporal_coverage (YYYY-MM-DD-YYYY-MM-DD).

Use `sort` to order results: created, last_update, reuses, followers, views, optionally \
prefixed with '-' for descending (e.g. -last_update). Use `last_update_range` to keep recently \
updated datasets: last_30_days, last_12_months, last_3_years.

Typical workflow: search_datasets → list_dataset_resources → query_resource_data."""

SEARCH_ORGANIZATIONS = """Find publishing organizations on data.gouv.fr (who publishes \
datasets and reuses).

Pass a short `query` with distinctive words (acronym, ministry name, city, "INSEE"...); leave \
it empty to browse. `sort`: reuses, datasets, followers, views, created, or the same with a \
leading '-' for descending (e.g. -datasets). `badge`: public-service, certified, association, \
company, local-authority. `producer_type`: public-service, association, company, \
local-authority, not-specified.

Each hit gives name, acronym, id, slug, badges, metrics and page URL. Pass an id to \
search_datasets(organization=...) to list its datasets."""

GET_DATASET_INFO = """Get detailed metadata about a specific dataset.

Returns title, description, organization, tags, licence, update frequency, spatial and \
temporal coverage, creation/update dates, resource count and formats, quality score and \
usage metrics. The structured content carries the whole description."""

LIST_DATASET_RESOURCES = """List the resources (files) of a dataset with their metadata.

Returns each resource's ID, title, format, size, MIME type, type, URL, permanent latest URL, \
last modification, schema, and whether the Tabular API can query it. Large datasets are \
paginated (page, page_size); filter with resource_type (e.g. main) or query (words of the \
title). Next step: query_resource_data for resources marked 'Tabular API: yes', or download \
the file from its URL for the others."""


def build(gateway: Gateway) -> list[ToolSpec]:
    tools = DatasetsTools(gateway)
    default_resources_page = tools.settings.resources_page_size

    async def search_datasets(
        query: Annotated[str, Field(description="Keywords, e.g. 'transport ferroviaire'.")],
        page: args.Page = 1,
        page_size: args.PageSize = 20,
        sort: args.DatasetSort = None,
        last_update_range: args.LastUpdateRange = None,
        organization: Annotated[
            args.OptionalText, Field(description="An organization's ID or slug.")
        ] = None,
        tag: Annotated[args.OptionalText, Field(description="Tags, comma-separated (all).")] = None,
        format: Annotated[
            args.OptionalText, Field(description="Resource formats, comma-separated (any).")
        ] = None,
        license: Annotated[args.OptionalText, Field(description="A licence id, e.g. lov2.")] = None,
        geozone: Annotated[
            args.OptionalText, Field(description="A zone id, e.g. country:fr, fr:region:93.")
        ] = None,
        granularity: Annotated[
            args.OptionalText, Field(description="Spatial granularity, e.g. fr:commune.")
        ] = None,
        badge: args.DatasetBadge = None,
        producer_type: args.DatasetProducerType = None,
        format_family: args.FormatFamily = None,
        temporal_coverage: Annotated[
            args.OptionalText, Field(description="YYYY-MM-DD-YYYY-MM-DD the coverage contains.")
        ] = None,
    ) -> ToolResult:
        given = {
            "sort": sort,
            "last_update_range": last_update_range,
            "organization": organization,
            "tag": tag,
            "format": format,
            "license": license,
            "geozone": geozone,
            "granularity": granularity,
            "badge": badge,
            "producer_type": producer_type,
            "format_family": format_family,
            "temporal_coverage": temporal_coverage,
        }
        return await tools.search_datasets(query, page, page_size, given)

    async def search_organizations(
        query: Annotated[args.OptionalText, Field(description="Keywords; empty to browse.")] = "",
        page: args.Page = 1,
        page_size: args.PageSize = 20,
        sort: args.OrganizationSort = None,
        badge: args.OrganizationBadge = None,
        producer_type: args.OrganizationProducerType = None,
    ) -> ToolResult:
        given = {"sort": sort, "badge": badge, "producer_type": producer_type}
        return await tools.search_organizations(query or "", page, page_size, given)

    async def get_dataset_info(dataset_id: DatasetId) -> ToolResult:
        return await tools.dataset_info(dataset_id)

    async def list_dataset_resources(
        dataset_id: DatasetId,
        page: args.Page = 1,
        page_size: args.PageSize = default_resources_page,
        resource_type: args.ResourceType = None,
        query: Annotated[
            args.OptionalText, Field(description="Words the resource titles contain.")
        ] = None,
    ) -> ToolResult:
        return await tools.resources(dataset_id, page, page_size, resource_type, query)

    return [
        ToolSpec(
            "search_datasets",
            "Search datasets",
            SEARCH_DATASETS,
            search_datasets,
            SearchDatasetsResult,
        ),
        ToolSpec(
            "search_organizations",
            "Search organizations",
            SEARCH_ORGANIZATIONS,
            search_organizations,
            SearchOrganizationsResult,
        ),
        ToolSpec(
            "get_dataset_info", "Get dataset info", GET_DATASET_INFO, get_dataset_info, Dataset
        ),
        ToolSpec(
            "list_dataset_resources",
            "List dataset resources",
            LIST_DATASET_RESOURCES,
            list_dataset_resources,
            DatasetResources,
        ),
    ]
