"""The three dataservices tools. Each is one ToolSpec whose handler's signature is its input
schema (the argument types of arguments.py, checked by the core before it runs); each handler
calls the client, parses, and formats.

No `from __future__ import annotations` here: the openapi tool's page_size default and bound
come from the settings, so the handlers' annotations are evaluated where they are defined.
"""

import asyncio
import hashlib
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated

from pydantic import Field

from datagouv_mcp import NotFoundError, PluginContext, ToolError, ToolResult, ToolSpec
from datagouv_mcp.arguments import Page, PageSize, is_object_id, reachable, search_window
from datagouv_mcp.callcontext import offers
from datagouv_mcp.generic_words import without_generic_words
from datagouv_mcp.links import SiteLinks
from datagouv_mcp.text import bounded, truncate
from datagouv_mcp.upstream import Document, UpstreamError, UpstreamNotFound
from datagouv_mcp_dataservices.arguments import (
    AccessType,
    DataserviceId,
    LastUpdateRange,
    Method,
    OrganizationFilter,
    PathFilter,
    ProducerType,
    Query,
    Sort,
    TagFilter,
    Tags,
    find_dataservice,
    find_organization,
)
from datagouv_mcp_dataservices.client import DataservicesClient, Filter
from datagouv_mcp_dataservices.formatters import format_info, format_search, format_spec
from datagouv_mcp_dataservices.models import (
    ApiSpec,
    Dataservice,
    DataserviceInfo,
    DatasetRef,
    OpenApiSummary,
    Operation,
    SearchDataservicesResult,
)
from datagouv_mcp_dataservices.openapi import OpenApiError, parse_spec
from datagouv_mcp_dataservices.parsers import (
    parse_dataservice,
    parse_datasets,
    parse_organization_id,
    parse_search,
)
from datagouv_mcp_dataservices.settings import DataservicesSettings

SEARCH = """Search for third-party APIs (dataservices) on data.gouv.fr by keywords.

Third-party APIs (or dataservices) are APIs registered in the data.gouv.fr catalog that \
provide programmatic access to data (unlike datasets which are static files). Use short, \
specific queries (the API uses AND logic, so generic words like "données" or "fichier" may \
return zero results; such a search is retried once without them, and the answer says so). \
Narrow with organization (id or slug), tag, access_type, producer_type, last_update_range; \
order with sort.

Typical workflow: search_dataservices → get_dataservice_info → get_dataservice_openapi_spec → \
call the API using base_api_url per spec."""

INFO = """Get detailed metadata about a specific third-party API (dataservice).

Returns title, description, organization, base_api_url, machine_documentation_url \
(OpenAPI/Swagger spec), technical documentation, licence, access (open, or restricted with \
where to request access), rate limits and availability when published, related datasets, \
and dates.

To use a third-party API: (1) get its info here, (2) fetch the OpenAPI spec via \
get_dataservice_openapi_spec, (3) call base_api_url per spec."""

SPEC = """Fetch and summarize the OpenAPI/Swagger spec for a third-party API (dataservice).

Retrieves machine_documentation_url from the dataservice's record, fetches it (public \
addresses only), and summarises it: title, version, servers, authentication, then each \
operation with its method, path, summary, parameters, request body fields and main \
response. OpenAPI 3.0 and 3.1, Swagger 2, in JSON or YAML. Long descriptions are paged: \
narrow with path_filter, tag or method, page through with page."""


class ParsedSpecs:
    """The last few API descriptions summarised, by URL and content: paging through a
    description, or filtering it, summarises the document once. Summarising runs in a worker
    thread, so a large description never holds up the other calls."""

    def __init__(self, size: int = 8) -> None:
        self._size = size
        self._kept: OrderedDict[tuple[str, bytes], ApiSpec] = OrderedDict()

    async def summary(self, document: Document) -> ApiSpec:
        key = (document.url, hashlib.blake2b(document.body, digest_size=16).digest())
        spec = self._kept.get(key)
        if spec is None:
            spec = await asyncio.to_thread(parse_spec, document.body, document.content_type)
            self._kept[key] = spec
            while len(self._kept) > self._size:
                self._kept.popitem(last=False)
        self._kept.move_to_end(key)
        return spec


@dataclass(frozen=True)
class Catalogue:
    """What the dataservices tools share: the client, the settings, the portal's links, and
    the lookups several tools make."""

    client: DataservicesClient
    settings: DataservicesSettings
    links: SiteLinks
    specs: ParsedSpecs = field(default_factory=ParsedSpecs)

    @classmethod
    def of(cls, context: PluginContext) -> "Catalogue":
        settings = context.settings(DataservicesSettings)
        return cls(DataservicesClient(context.upstream), settings, context.links)

    async def record(self, dataservice_id: str) -> Dataservice:
        """A dataservice's record; a miss says how to find an id (the official text)."""
        try:
            raw = await self.client.dataservice(dataservice_id)
        except UpstreamNotFound as exc:
            gone = "deleted" in exc.message.lower()
            raise NotFoundError(
                f"Third-party API {'has been deleted' if gone else 'not found'} "
                f"(dataservice_id='{dataservice_id}').",
                hint=find_dataservice(),
            ) from None
        return parse_dataservice(raw, self.links)

    async def datasets(self, dataservice_id: str) -> tuple[list[DatasetRef], int | None]:
        """Its related datasets (ids and titles), a nicety: none when they cannot be had."""
        if not self.settings.related_datasets:
            return [], None
        try:
            raw = await self.client.datasets(dataservice_id, self.settings.related_datasets)
        except UpstreamError:
            return [], None
        return parse_datasets(raw, self.links)

    async def organization_id(self, checked: str) -> str:
        if is_object_id(checked):
            return checked
        try:
            return parse_organization_id(await self.client.organization(checked))
        except UpstreamNotFound:
            raise NotFoundError(
                f"Organization with ID '{checked}' not found.", hint=find_organization()
            ) from None

    def text(self, text: str) -> str:
        return bounded(text, self.settings.max_text_chars)


def _shown(filters: Mapping[str, Filter]) -> dict[str, str]:
    return {
        name: value if isinstance(value, str) else ",".join(value)
        for name, value in filters.items()
        if value
    }


def _short(api: Dataservice, limit: int) -> Dataservice:
    """The record with its description cut near `limit` at a word, `…` saying it was cut."""
    if not api.description:
        return api
    kept, cut = truncate(api.description, limit)
    return api.model_copy(update={"description": (kept + "…" if cut else kept) or None})


def search_dataservices(catalogue: Catalogue) -> ToolSpec:
    settings = catalogue.settings

    async def handler(
        query: Query,
        page: Page = 1,
        page_size: PageSize = 20,
        organization: OrganizationFilter = None,
        tag: Tags = None,
        sort: Sort = None,
        access_type: AccessType = None,
        producer_type: ProducerType = None,
        last_update_range: LastUpdateRange = None,
    ) -> ToolResult:
        search_window(page, page_size)
        filters: dict[str, Filter] = {
            "organization": await catalogue.organization_id(organization) if organization else None,
            "tag": tag,
            "sort": sort,
            "access_type": access_type,
            "producer_type": producer_type,
            "last_update_range": last_update_range,
        }
        asked = " ".join(query.split())
        effective, dropped = asked, []
        raw = await catalogue.client.search(asked, page, page_size, filters)
        found = parse_search(raw, catalogue.links, page, page_size)
        if found.pagination.total == 0 and settings.retry_without_generic_words:
            simpler = without_generic_words(asked)
            if simpler is not None:
                effective, dropped = simpler.query, simpler.dropped
                raw = await catalogue.client.search(effective, page, page_size, filters)
                found = parse_search(raw, catalogue.links, page, page_size)
        pagination = found.pagination
        following = pagination.page + 1
        limit = settings.search_description_chars
        result = SearchDataservicesResult(
            page=pagination.page,
            page_size=pagination.page_size,
            total=pagination.total,
            has_more=pagination.has_more,
            next_page=following
            if pagination.has_more and reachable(following, pagination.page_size)
            else None,
            query=query,
            effective_query=effective,
            dropped_words=dropped,
            filters=_shown(filters),
            dataservices=[_short(api, limit) for api in found.dataservices],
        )
        return ToolResult(catalogue.text(format_search(result, offers)), result)

    return ToolSpec(
        "search_dataservices", "Search third-party APIs", SEARCH, handler, SearchDataservicesResult
    )


def get_dataservice_info(catalogue: Catalogue) -> ToolSpec:
    settings = catalogue.settings

    async def handler(dataservice_id: DataserviceId) -> ToolResult:
        if is_object_id(dataservice_id):
            # The related datasets are asked for with the record: one round trip.
            api, (datasets, total) = await asyncio.gather(
                catalogue.record(dataservice_id), catalogue.datasets(dataservice_id)
            )
        else:  # a slug: the datasets filter takes the id the record gives
            api = await catalogue.record(dataservice_id)
            datasets, total = await catalogue.datasets(api.id)
        info = DataserviceInfo(dataservice=api, datasets=datasets, datasets_total=total)
        text = format_info(info, settings.description_chars, offers)
        return ToolResult(catalogue.text(text), info)

    return ToolSpec(
        "get_dataservice_info", "Get third-party API info", INFO, handler, DataserviceInfo
    )


def _matching(
    operations: list[Operation], path_filter: str | None, tag: str | None, method: str | None
) -> list[Operation]:
    needle = (path_filter or "").lower()
    tag_name = (tag or "").lower()
    return [
        op
        for op in operations
        if (not needle or needle in op.path.lower())
        and (not tag_name or tag_name in (t.lower() for t in op.tags))
        and (not method or op.method == method.upper())
    ]


def get_dataservice_openapi_spec(catalogue: Catalogue) -> ToolSpec:
    settings = catalogue.settings

    async def handler(
        dataservice_id: DataserviceId,
        path_filter: PathFilter = None,
        tag: TagFilter = None,
        method: Method = None,
        page: Page = 1,
        page_size: Annotated[
            int, Field(ge=1, le=200, description="Operations per page, 1 to 200.")
        ] = settings.operations_page_size,
    ) -> ToolResult:
        api = await catalogue.record(dataservice_id)
        url = api.machine_documentation_url
        if not url:
            base = f" Base API URL is: {api.base_api_url}" if api.base_api_url else ""
            raise ToolError(
                f"Third-party API '{api.title}' has no machine_documentation_url "
                f"(dataservice catalog entry).{base}",
                hint="Its technical documentation, if any, is in get_dataservice_info."
                if offers("get_dataservice_info")
                else None,
                code="no_api_description",
            )
        document = await catalogue.client.document(url, settings.spec_max_bytes)
        try:
            spec = await catalogue.specs.summary(document)
        except OpenApiError as exc:
            elsewhere = api.technical_documentation_url or api.business_documentation_url
            raise ToolError(
                f"The machine documentation URL of '{api.title}' ({url}) holds {exc}.",
                hint=f"Its human documentation may help: {elsewhere}"
                if elsewhere
                else "The publisher's description is not usable; nothing to retry.",
                code="not_an_api_description",
            ) from None
        matching = _matching(spec.operations, path_filter, tag, method)
        start = (page - 1) * page_size
        shown = matching[start : start + page_size]
        filters = {
            name: value
            for name, value in (("path_filter", path_filter), ("tag", tag), ("method", method))
            if value
        }
        summary = OpenApiSummary(
            dataservice_id=api.id,
            dataservice_title=api.title,
            documentation_url=url,
            fetched_url=document.url,
            spec=spec.model_copy(update={"operations": shown}),
            operations_total=len(spec.operations),
            operations_matching=len(matching),
            page=page,
            page_size=page_size,
            next_page=page + 1 if start + page_size < len(matching) else None,
            filters=filters,
            stale=document.stale,
        )
        return ToolResult(catalogue.text(format_spec(summary, api.base_api_url)), summary)

    return ToolSpec(
        "get_dataservice_openapi_spec",
        "Get third-party API OpenAPI spec",
        SPEC,
        handler,
        OpenApiSummary,
    )


def build(context: PluginContext) -> list[ToolSpec]:
    catalogue = Catalogue.of(context)
    return [
        search_dataservices(catalogue),
        get_dataservice_info(catalogue),
        get_dataservice_openapi_spec(catalogue),
    ]
