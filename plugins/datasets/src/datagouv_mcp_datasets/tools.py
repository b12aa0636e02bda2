"""The four datasets tools. Each is one ToolSpec whose handler's signature is its input schema
(the argument types of arguments.py, checked by the core before the handler runs), and whose
handler calls the client, parses, and formats.

Names and arguments are the official server's, with the filters it lacked as optional ones.
"""

from __future__ import annotations

import asyncio
from collections.abc import Container, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel

from datagouv_mcp import NotFoundError, PluginContext, ToolResult, ToolSpec
from datagouv_mcp.arguments import Page, PageSize, is_object_id, reachable, search_window
from datagouv_mcp.callcontext import offers
from datagouv_mcp.generic_words import without_generic_words
from datagouv_mcp.links import SiteLinks
from datagouv_mcp.text import bounded, truncate
from datagouv_mcp.upstream import UpstreamNotFound
from datagouv_mcp_datasets import formatters
from datagouv_mcp_datasets.arguments import (
    FIND_DATASET,
    FIND_ORGANIZATION,
    DatasetBadge,
    DatasetId,
    DatasetProducerType,
    DatasetQuery,
    DatasetSort,
    FormatFamily,
    Formats,
    Geozone,
    Granularities,
    LastUpdateRange,
    License,
    OrganizationBadge,
    OrganizationFilter,
    OrganizationProducerType,
    OrganizationQuery,
    OrganizationSort,
    ResourceQuery,
    ResourceType,
    Tags,
    TemporalCoverage,
)
from datagouv_mcp_datasets.client import DatasetsClient, Filter
from datagouv_mcp_datasets.models import (
    Dataset,
    DatasetResources,
    DatasetSearchPage,
    Paged,
    Pagination,
    SearchDatasetsResult,
    SearchOrganizationsResult,
)
from datagouv_mcp_datasets.parsers import (
    parse_dataset,
    parse_dataset_search,
    parse_organization,
    parse_organization_search,
    parse_resources_page,
)
from datagouv_mcp_datasets.settings import DatasetsSettings

M = TypeVar("M", bound=BaseModel)

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

Typical workflow: search_datasets → list_dataset_resources → {rows}."""


def search_datasets_description(offered: Container[str]) -> str:
    rows = "query_resource_data" if "query_resource_data" in offered else "the files' URLs"
    return SEARCH_DATASETS.format(rows=rows)


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
title). Next step: {next}"""


def list_dataset_resources_description(offered: Container[str]) -> str:
    if "query_resource_data" in offered:
        step = "query_resource_data for resources marked 'Tabular API: yes', or download the "
        return LIST_DATASET_RESOURCES.format(next=step + "file from its URL for the others.")
    return LIST_DATASET_RESOURCES.format(next="download a file from its URL.")


@dataclass(frozen=True)
class Catalogue:
    """What the datasets tools share: the udata client, the settings, the portal's links,
    and the lookups several tools make."""

    client: DatasetsClient
    settings: DatasetsSettings
    links: SiteLinks

    @classmethod
    def of(cls, context: PluginContext) -> Catalogue:
        return cls(
            DatasetsClient(context.upstream), context.settings(DatasetsSettings), context.links
        )

    async def record(self, dataset_id: str, summary: bool = False) -> Any:
        """A dataset's raw record (v1, or the lighter v2); a miss says how to find an id."""
        try:
            if summary:
                return await self.client.dataset_summary(dataset_id)
            return await self.client.dataset(dataset_id)
        except UpstreamNotFound as exc:
            gone = "deleted" in exc.message.lower()
            raise NotFoundError(
                f"Dataset with ID '{dataset_id}' "
                + ("has been deleted." if gone else "not found."),
                hint=FIND_DATASET,
            ) from None

    async def organization(self, checked: str) -> Any:
        """An organization's raw record (v1); a miss says how to find an id."""
        try:
            return await self.client.organization(checked)
        except UpstreamNotFound:
            raise NotFoundError(
                f"Organization with ID '{checked}' not found.", hint=FIND_ORGANIZATION
            ) from None

    async def organization_id(self, checked: str) -> str:
        """The ObjectId the search filters on; a slug is looked up first."""
        if is_object_id(checked):
            return checked
        return parse_organization(await self.organization(checked), self.links).id

    def text(self, text: str) -> str:
        return bounded(text, self.settings.max_text_chars)


def paged(pagination: Pagination, searched: bool = False) -> dict[str, Any]:
    """Page numbers for the structured content: next_page only when it can be asked for
    (a search cannot go past udata's window)."""
    following = pagination.page + 1
    can_follow = not searched or reachable(following, pagination.page_size)
    return Paged(
        page=pagination.page,
        page_size=pagination.page_size,
        total=pagination.total,
        has_more=pagination.has_more,
        next_page=following if pagination.has_more and can_follow else None,
    ).model_dump()


def cut_descriptions(items: list[M], limit: int) -> list[M]:
    """Records with their description cut to `limit` characters (None when nothing is left),
    so a page of twenty long descriptions stays a reasonable answer."""
    return [
        item.model_copy(update={"description": truncate(description, limit)[0] or None})
        if (description := getattr(item, "description", None))
        else item
        for item in items
    ]


def shown_filters(filters: Mapping[str, Filter]) -> dict[str, str]:
    """The filters applied, as the model reads them (several values comma-separated)."""
    return {
        name: value if isinstance(value, str) else ",".join(value)
        for name, value in filters.items()
        if value
    }


# -- the tools -------------------------------------------------------------------------------


def search_datasets(catalogue: Catalogue) -> ToolSpec:
    settings = catalogue.settings

    async def page_of(
        query: str, page: int, page_size: int, filters: Mapping[str, Filter]
    ) -> DatasetSearchPage:
        raw = await catalogue.client.search_datasets(query, page, page_size, filters)
        return parse_dataset_search(raw, catalogue.links, page, page_size)

    async def handler(
        query: DatasetQuery,
        page: Page = 1,
        page_size: PageSize = 20,
        sort: DatasetSort = None,
        last_update_range: LastUpdateRange = None,
        organization: OrganizationFilter = None,
        tag: Tags = None,
        format: Formats = None,
        license: License = None,
        geozone: Geozone = None,
        granularity: Granularities = None,
        badge: DatasetBadge = None,
        producer_type: DatasetProducerType = None,
        format_family: FormatFamily = None,
        temporal_coverage: TemporalCoverage = None,
    ) -> ToolResult:
        search_window(page, page_size)
        filters: dict[str, Filter] = {
            "sort": sort,
            "last_update_range": last_update_range,
            "badge": badge,
            "producer_type": producer_type,
            "format_family": format_family,
            "temporal_coverage": temporal_coverage,
            "tag": tag,
            "format": format,
            "granularity": granularity,
            "license": license,
            "geozone": geozone,
            "organization": await catalogue.organization_id(organization) if organization else None,
        }
        asked = " ".join(query.split())
        effective, dropped = asked, []
        found = await page_of(asked, page, page_size, filters)
        if found.pagination.total == 0 and settings.retry_without_generic_words:
            simpler = without_generic_words(asked)
            if simpler is not None:
                effective, dropped = simpler.query, simpler.dropped
                found = await page_of(effective, page, page_size, filters)
        result = SearchDatasetsResult(
            **paged(found.pagination, searched=True),
            query=query,
            effective_query=effective,
            dropped_words=dropped,
            filters=shown_filters(filters),
            datasets=cut_descriptions(found.datasets, settings.search_description_chars),
            facets=found.facets,
        )
        text = formatters.format_search_datasets(result, settings.search_tags_shown)
        return ToolResult(catalogue.text(text), result)

    return ToolSpec(
        "search_datasets",
        "Search datasets",
        search_datasets_description,
        handler,
        SearchDatasetsResult,
    )


def search_organizations(catalogue: Catalogue) -> ToolSpec:
    settings = catalogue.settings

    async def handler(
        query: OrganizationQuery = "",
        page: Page = 1,
        page_size: PageSize = 20,
        sort: OrganizationSort = None,
        badge: OrganizationBadge = None,
        producer_type: OrganizationProducerType = None,
    ) -> ToolResult:
        search_window(page, page_size)
        filters: dict[str, Filter] = {"sort": sort, "badge": badge, "producer_type": producer_type}
        asked = " ".join((query or "").split())
        raw = await catalogue.client.search_organizations(asked, page, page_size, filters)
        found = parse_organization_search(raw, catalogue.links, page, page_size)
        result = SearchOrganizationsResult(
            **paged(found.pagination, searched=True),
            query=query or "",
            filters=shown_filters(filters),
            organizations=cut_descriptions(found.organizations, settings.search_description_chars),
            facets=found.facets,
        )
        return ToolResult(catalogue.text(formatters.format_organizations(result)), result)

    return ToolSpec(
        "search_organizations",
        "Search organizations",
        SEARCH_ORGANIZATIONS,
        handler,
        SearchOrganizationsResult,
    )


def get_dataset_info(catalogue: Catalogue) -> ToolSpec:
    settings = catalogue.settings

    async def handler(dataset_id: DatasetId) -> ToolResult:
        dataset = parse_dataset(await catalogue.record(dataset_id), catalogue.links)
        text = formatters.format_dataset_info(
            dataset, settings.description_chars, settings.info_tags_shown
        )
        return ToolResult(catalogue.text(text), dataset)

    return ToolSpec("get_dataset_info", "Get dataset info", GET_DATASET_INFO, handler, Dataset)


def list_dataset_resources(catalogue: Catalogue) -> ToolSpec:
    settings = catalogue.settings

    async def handler(
        dataset_id: DatasetId,
        page: Page = 1,
        # The default is a setting (DATAGOUV_MCP_DATASETS_RESOURCES_PAGE_SIZE).
        page_size: PageSize = settings.resources_page_size,
        resource_type: ResourceType = None,
        query: ResourceQuery = None,
    ) -> ToolResult:
        # The title comes from the light v2 record; both requests run at once.
        outcomes = await asyncio.gather(
            catalogue.record(dataset_id, summary=True),
            catalogue.client.resources(dataset_id, page, page_size, resource_type, query),
            return_exceptions=True,
        )
        for outcome in outcomes:  # the dataset's miss first: it explains the other
            if isinstance(outcome, BaseException):
                raise outcome
        record, listing = outcomes
        dataset = parse_dataset(record, catalogue.links)
        found = parse_resources_page(listing, catalogue.links, page, page_size)
        result = DatasetResources(
            **paged(found.pagination),
            dataset_id=dataset.id,
            dataset_title=dataset.title,
            dataset_slug=dataset.slug,
            dataset_url=dataset.url,
            filters=shown_filters({"resource_type": resource_type, "query": query}),
            resources=cut_descriptions(found.resources, settings.resource_description_chars),
        )
        return ToolResult(catalogue.text(formatters.format_resources(result, offers)), result)

    return ToolSpec(
        "list_dataset_resources",
        "List dataset resources",
        list_dataset_resources_description,
        handler,
        DatasetResources,
    )


def build(context: PluginContext) -> list[ToolSpec]:
    catalogue = Catalogue.of(context)
    return [
        search_datasets(catalogue),
        search_organizations(catalogue),
        get_dataset_info(catalogue),
        list_dataset_resources(catalogue),
    ]
