"""udata's dataservice records and search pages to the typed records of models.py. Pure;
raises DataservicesParseError only. Fields are read with the core's tolerant readers."""

from __future__ import annotations

from typing import Any

from datagouv_mcp import readers
from datagouv_mcp.errors import ParseError
from datagouv_mcp.links import SiteLinks
from datagouv_mcp_dataservices.models import (
    Dataservice,
    DataserviceSearchPage,
    DatasetRef,
    OrganizationRef,
    Pagination,
)


class DataservicesParseError(ParseError):
    """A udata answer about dataservices that this plugin cannot read."""


def _organization(raw: Any, links: SiteLinks) -> OrganizationRef | None:
    if not isinstance(raw, dict):
        return None
    id_, slug = readers.identifier(raw.get("id")), readers.identifier(raw.get("slug"))
    key = slug or id_
    return OrganizationRef(
        id=id_,
        name=readers.text(raw.get("name")) or "",
        acronym=readers.filled(raw.get("acronym")),
        slug=slug,
        url=links.organization(key) if key else None,
    )


def parse_dataservice(raw: Any, links: SiteLinks) -> Dataservice:
    if not isinstance(raw, dict):
        raise DataservicesParseError("a dataservice record is not a JSON object")
    id_ = readers.identifier(raw.get("id"))
    if id_ is None:
        raise DataservicesParseError("a dataservice record has no id")
    availability = readers.number(raw.get("availability"))
    return Dataservice(
        id=id_,
        title=readers.text(raw.get("title")) or "",
        slug=readers.identifier(raw.get("slug")),
        acronym=readers.filled(raw.get("acronym")),
        url=links.dataservice(id_),
        description=readers.text(raw.get("description")),
        organization=_organization(raw.get("organization"), links),
        base_api_url=readers.filled(raw.get("base_api_url")),
        machine_documentation_url=readers.filled(raw.get("machine_documentation_url")),
        technical_documentation_url=readers.filled(raw.get("technical_documentation_url")),
        business_documentation_url=readers.filled(raw.get("business_documentation_url")),
        access_type=readers.filled(raw.get("access_type"))
        or ("restricted" if raw.get("is_restricted") is True else None),
        authorization_request_url=readers.filled(raw.get("authorization_request_url")),
        license=readers.vocabulary(raw.get("license")),
        tags=readers.strings(raw.get("tags")),
        rate_limiting=readers.filled(raw.get("rate_limiting")),
        rate_limiting_url=readers.filled(raw.get("rate_limiting_url")),
        availability=availability
        if availability is not None and 0 <= availability <= 100
        else None,
        availability_url=readers.filled(raw.get("availability_url")),
        format=readers.filled(raw.get("format")),
        created_at=readers.timestamp(raw.get("created_at")),
        metadata_modified_at=readers.timestamp(raw.get("metadata_modified_at")),
        archived_at=readers.timestamp(raw.get("archived_at")),
        datasets_count=readers.count(readers.obj(raw.get("datasets")).get("total")),
        badges=readers.badges(raw.get("badges")),
    )


def _pagination(raw: dict[str, Any], page: int, page_size: int, count: int) -> Pagination:
    page = readers.count(raw.get("page")) or page
    page_size = readers.count(raw.get("page_size")) or page_size
    total = readers.count(raw.get("total"))
    if total is None:
        total = (page - 1) * page_size + count
    if "next_page" in raw:
        has_more = readers.filled(raw.get("next_page")) is not None
    else:
        has_more = page * page_size < total
    return Pagination(page=page, page_size=page_size, total=total, has_more=has_more)


def parse_search(raw: Any, links: SiteLinks, page: int, page_size: int) -> DataserviceSearchPage:
    if not isinstance(raw, dict) or not isinstance(raw.get("data"), list):
        raise DataservicesParseError("the dataservice search answer has no `data` list")
    found = []
    for item in raw["data"]:
        try:
            found.append(parse_dataservice(item, links))
        except DataservicesParseError:
            continue  # a broken item is skipped, not fatal to the page
    return DataserviceSearchPage(
        dataservices=found, pagination=_pagination(raw, page, page_size, len(raw["data"]))
    )


def parse_datasets(raw: Any, links: SiteLinks) -> tuple[list[DatasetRef], int | None]:
    """`/api/1/datasets/?dataservice=`: (ids and titles, the total)."""
    record = readers.obj(raw)
    refs = []
    data = record.get("data")
    for item in data if isinstance(data, list) else []:
        id_ = readers.identifier(readers.obj(item).get("id"))
        if id_ is not None:
            slug = readers.identifier(readers.obj(item).get("slug"))
            title = readers.text(readers.obj(item).get("title")) or ""
            refs.append(DatasetRef(id=id_, title=title, url=links.dataset(slug or id_)))
    return refs, readers.count(record.get("total"))


def parse_organization_id(raw: Any) -> str:
    id_ = readers.identifier(readers.obj(raw).get("id"))
    if id_ is None:
        raise DataservicesParseError("the organization record has no id")
    return id_
