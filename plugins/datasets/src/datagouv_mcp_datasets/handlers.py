"""The work behind each tool: check the arguments, call the client, parse, format.

tools.py declares the tools (names, arguments, descriptions) and hands each call to a method
of DatasetsTools here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel

from datagouv_mcp import Gateway, NotFoundError, ToolResult, UnavailableError
from datagouv_mcp.text import truncate
from datagouv_mcp.upstream import UpstreamNotFound
from datagouv_mcp_datasets import arguments as args
from datagouv_mcp_datasets import formatters, ids
from datagouv_mcp_datasets.client import DatasetsClient
from datagouv_mcp_datasets.models import (
    DatasetResources,
    DatasetSearchPage,
    Paged,
    Pagination,
    SearchDatasetsResult,
    SearchOrganizationsResult,
)
from datagouv_mcp_datasets.parsers import (
    DatasetsParseError,
    Links,
    parse_dataset,
    parse_dataset_search,
    parse_organization,
    parse_organization_search,
    parse_resources_page,
)
from datagouv_mcp_datasets.query import without_generic_words
from datagouv_mcp_datasets.settings import DatasetsSettings

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)


def paged(pagination: Pagination, reachable: Callable[[int], bool] = lambda _: True) -> Paged:
    """Page numbers for the structured content: next_page only when it can be asked for."""
    following = pagination.page + 1
    return Paged(
        page=pagination.page,
        page_size=pagination.page_size,
        total=pagination.total,
        has_more=pagination.has_more,
        next_page=following if pagination.has_more and reachable(following) else None,
    )


def cut_descriptions(items: list[M], limit: int) -> list[M]:
    """Records with their description cut to `limit` characters (None when nothing is left),
    so a page of twenty long descriptions stays a reasonable answer."""
    return [
        item.model_copy(update={"description": truncate(description, limit)[0] or None})
        if (description := getattr(item, "description", None))
        else item
        for item in items
    ]


def parsed(parse: Callable[..., T], *arguments: Any) -> T:
    """A parser's result; an unreadable answer becomes an error the model can act on."""
    try:
        return parse(*arguments)
    except DatasetsParseError as exc:
        raise UnavailableError(
            f"data.gouv.fr sent an answer this server could not read ({exc}).",
            hint="Retry later; if it persists, report it to the server's operator.",
            code="bad_upstream_answer",
            retryable=False,
        ) from exc


class DatasetsTools:
    def __init__(self, gateway: Gateway) -> None:
        self.settings = gateway.settings_for(DatasetsSettings)
        self.client = DatasetsClient(gateway.upstream)
        urls = gateway.upstream.urls
        self.links = Links(site=urls.site, api=urls.api)

    # -- lookups ---------------------------------------------------------------------------

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
                hint=ids.FIND_DATASET,
            ) from None

    async def organization_id(self, given: str) -> str:
        """The ObjectId the search filters on; a slug is looked up first."""
        checked = ids.organization_id(given)
        if ids.is_object_id(checked):
            return checked
        try:
            raw = await self.client.organization(checked)
        except UpstreamNotFound:
            raise NotFoundError(
                f"Organization with ID '{checked}' not found.", hint=ids.FIND_ORGANIZATION
            ) from None
        return parsed(parse_organization, raw, self.links).id

    # -- search_datasets -------------------------------------------------------------------

    async def dataset_filters(self, tool: str, given: dict[str, str | None]) -> dict[str, str]:
        """The filters as shown to the model (values comma-separated where several apply)."""
        shown = {
            "sort": args.sort_choice(given["sort"], args.DATASET_SORTS, tool),
            "last_update_range": args.choice(
                given["last_update_range"], args.LAST_UPDATE_RANGES, "last_update_range", tool
            ),
            "badge": args.choice(given["badge"], args.DATASET_BADGES, "badge", tool),
            "producer_type": args.choice(
                given["producer_type"], args.DATASET_PRODUCER_TYPES, "producer_type", tool
            ),
            "format_family": args.choice(
                given["format_family"], args.FORMAT_FAMILIES, "format_family", tool
            ),
            "temporal_coverage": args.temporal_range(given["temporal_coverage"], tool),
        }
        for name in ("tag", "format", "granularity"):
            shown[name] = ",".join(args.terms(given[name], name, tool)) or None
        for name in ("license", "geozone"):
            shown[name] = ",".join(args.terms(given[name], name, tool, many=False)) or None
        if given["organization"] and given["organization"].strip():
            shown["organization"] = await self.organization_id(given["organization"])
        return {name: value for name, value in shown.items() if value}

    async def search_page(
        self, query: str, page: int, page_size: int, filters: dict[str, str]
    ) -> DatasetSearchPage:
        params: list[tuple[str, str | int]] = [("q", query)] if query else []
        params += [("page", page), ("page_size", page_size)]
        for name, value in filters.items():
            # tag, format and granularity repeat; every other filter takes one value.
            values = value.split(",") if name in ("tag", "format", "granularity") else [value]
            params += [(name, item) for item in values]
        raw = await self.client.search_datasets(params)
        return parsed(parse_dataset_search, raw, self.links, page, page_size)

    async def search_datasets(
        self, query: str, page: int, page_size: int, given: dict[str, str | None]
    ) -> ToolResult:
        tool = "search_datasets"
        args.within_window(page, page_size, tool)
        filters = await self.dataset_filters(tool, given)
        asked = " ".join(query.split())
        effective, dropped = asked, []
        found = await self.search_page(asked, page, page_size, filters)
        if found.pagination.total == 0 and self.settings.retry_without_generic_words:
            simpler = without_generic_words(asked)
            if simpler is not None:
                effective, dropped = simpler.query, simpler.dropped
                found = await self.search_page(effective, page, page_size, filters)
        datasets = cut_descriptions(found.datasets, self.settings.search_description_chars)
        result = SearchDatasetsResult(
            **paged(found.pagination, lambda p: p * page_size <= args.SEARCH_WINDOW).model_dump(),
            query=query,
            effective_query=effective,
            dropped_words=dropped,
            filters=filters,
            datasets=datasets,
            facets=found.facets,
        )
        text = formatters.format_search_datasets(result, self.settings.search_tags_shown)
        return ToolResult(formatters.bounded(text, self.settings.max_text_chars), result)

    # -- get_dataset_info ------------------------------------------------------------------

    async def dataset_info(self, dataset_id: str) -> ToolResult:
        checked = ids.dataset_id(dataset_id)
        dataset = parsed(parse_dataset, await self.record(checked), self.links)
        text = formatters.format_dataset_info(
            dataset, self.settings.description_chars, self.settings.info_tags_shown
        )
        return ToolResult(formatters.bounded(text, self.settings.max_text_chars), dataset)

    # -- list_dataset_resources ------------------------------------------------------------

    async def resources(
        self,
        dataset_id: str,
        page: int,
        page_size: int,
        resource_type: str | None,
        query: str | None,
    ) -> ToolResult:
        tool = "list_dataset_resources"
        checked = ids.dataset_id(dataset_id)
        filters = {
            "type": args.choice(resource_type, args.RESOURCE_TYPES, "resource_type", tool),
            "q": " ".join((query or "").split())[:200] or None,
        }
        wanted = {name: value for name, value in filters.items() if value}
        params: list[tuple[str, str | int]] = [("page", page), ("page_size", page_size)]
        params += list(wanted.items())
        # The title comes from the light v2 record; both requests run at once.
        outcomes = await asyncio.gather(
            self.record(checked, summary=True),
            self.client.resources(checked, params),
            return_exceptions=True,
        )
        for outcome in outcomes:  # the dataset's miss first: it explains the other
            if isinstance(outcome, BaseException):
                raise outcome
        record, listing = outcomes
        dataset = parsed(parse_dataset, record, self.links)
        found = parsed(parse_resources_page, listing, self.links, page, page_size)
        resources = cut_descriptions(found.resources, self.settings.resource_description_chars)
        result = DatasetResources(
            **paged(found.pagination).model_dump(),
            dataset_id=dataset.id,
            dataset_title=dataset.title,
            dataset_slug=dataset.slug,
            dataset_url=dataset.url,
            filters={("resource_type" if k == "type" else "query"): v for k, v in wanted.items()},
            resources=resources,
        )
        text = formatters.format_resources(result)
        return ToolResult(formatters.bounded(text, self.settings.max_text_chars), result)

    # -- search_organizations --------------------------------------------------------------

    async def search_organizations(
        self, query: str, page: int, page_size: int, given: dict[str, str | None]
    ) -> ToolResult:
        tool = "search_organizations"
        args.within_window(page, page_size, tool)
        filters = {
            "sort": args.sort_choice(given["sort"], args.ORGANIZATION_SORTS, tool),
            "badge": args.choice(given["badge"], args.ORGANIZATION_BADGES, "badge", tool),
            "producer_type": args.choice(
                given["producer_type"], args.ORGANIZATION_PRODUCER_TYPES, "producer_type", tool
            ),
        }
        wanted = {name: value for name, value in filters.items() if value}
        asked = " ".join(query.split())
        params: list[tuple[str, str | int]] = [("q", asked)] if asked else []
        params += [("page", page), ("page_size", page_size), *wanted.items()]
        raw = await self.client.search_organizations(params)
        found = parsed(parse_organization_search, raw, self.links, page, page_size)
        limit = self.settings.search_description_chars
        organizations = cut_descriptions(found.organizations, limit)
        result = SearchOrganizationsResult(
            **paged(found.pagination, lambda p: p * page_size <= args.SEARCH_WINDOW).model_dump(),
            query=query,
            filters=wanted,
            organizations=organizations,
            facets=found.facets,
        )
        text = formatters.format_organizations(result)
        return ToolResult(formatters.bounded(text, self.settings.max_text_chars), result)
