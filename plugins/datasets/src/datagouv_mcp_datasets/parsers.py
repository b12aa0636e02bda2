"""Raw udata JSON to the typed records of models.py. Pure; raises DatasetsParseError only.

udata answers have changed shape over the years (2017 bodies lack `quality`, 2024 ones have
`contact_point`, v2 embeds resources as a link) and some recorded bodies hold the string
"[redacted]" where an object belongs. So every field is read defensively: a value of the
wrong type counts as absent, unknown keys are ignored, and only a record without an id (or
an answer that is not an envelope at all) is refused.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import ValidationError

from datagouv_mcp import readers
from datagouv_mcp.errors import ParseError
from datagouv_mcp.links import SiteLinks
from datagouv_mcp_datasets.models import (
    Dataset,
    DatasetMetrics,
    DatasetSearchPage,
    FacetBucket,
    FormatCount,
    Organization,
    OrganizationMetrics,
    OrganizationRef,
    OrganizationSearchPage,
    OwnerRef,
    Pagination,
    Quality,
    Resource,
    ResourcesPage,
    SchemaRef,
    SpatialCoverage,
    TemporalCoverage,
)

T = TypeVar("T")
FACET_BUCKETS = 10


class DatasetsParseError(ParseError):
    """A udata answer this plugin cannot read."""


def _build(model: Callable[..., T], what: str, **fields: Any) -> T:
    try:
        return model(**fields)
    except ValidationError as exc:  # a reader let a wrong type through: still our error
        problems = exc.error_count()
        raise DatasetsParseError(f"unreadable {what}: {problems} invalid field(s)") from exc


# -- building blocks -----------------------------------------------------------------------


def parse_organization_ref(raw: Any, links: SiteLinks) -> OrganizationRef | None:
    if not isinstance(raw, dict):
        return None
    id_, slug = readers.identifier(raw.get("id")), readers.identifier(raw.get("slug"))
    key = slug or id_
    return _build(
        OrganizationRef,
        "organization",
        id=id_,
        name=readers.text(raw.get("name")) or "",
        acronym=readers.filled(raw.get("acronym")),
        slug=slug,
        url=links.organization(key) if key else None,
        badges=readers.badges(raw.get("badges")),
    )


def parse_owner(raw: Any) -> OwnerRef | None:
    if not isinstance(raw, dict):
        return None
    names = (readers.text(raw.get("first_name")), readers.text(raw.get("last_name")))
    return _build(
        OwnerRef,
        "owner",
        id=readers.identifier(raw.get("id")),
        name=" ".join(part.strip() for part in names if part and part.strip()),
        slug=readers.identifier(raw.get("slug")),
    )


def parse_spatial(raw: Any) -> SpatialCoverage | None:
    if not isinstance(raw, dict):
        return None
    granularity, zones = readers.filled(raw.get("granularity")), readers.strings(raw.get("zones"))
    has_geometry = isinstance(raw.get("geom"), dict)
    if granularity is None and not zones and not has_geometry:
        return None
    return SpatialCoverage(granularity=granularity, zones=zones, has_geometry=has_geometry)


def parse_temporal(raw: Any) -> TemporalCoverage | None:
    start, end = (
        readers.filled(readers.obj(raw).get("start")),
        readers.filled(readers.obj(raw).get("end")),
    )
    return TemporalCoverage(start=start, end=end) if start or end else None


def parse_quality(raw: Any) -> Quality | None:
    if not isinstance(raw, dict):
        return None
    score = readers.number(raw.get("score"))
    signals = {k: v for k, v in raw.items() if k != "score" and isinstance(v, bool)}
    return Quality(score=score, signals=signals) if score is not None or signals else None


def parse_dataset_metrics(raw: Any) -> DatasetMetrics | None:
    if not isinstance(raw, dict):
        return None
    metrics = DatasetMetrics(
        views=readers.count(raw.get("views")),
        downloads=readers.count(raw.get("resources_downloads")),
        reuses=readers.count(raw.get("reuses")),
        followers=readers.count(raw.get("followers")),
        discussions=readers.count(raw.get("discussions")),
    )
    return metrics if metrics != DatasetMetrics() else None


def parse_organization_metrics(raw: Any) -> OrganizationMetrics | None:
    if not isinstance(raw, dict):
        return None
    fields = ("datasets", "dataservices", "reuses", "followers", "views", "members")
    metrics = OrganizationMetrics(**{name: readers.count(raw.get(name)) for name in fields})
    return metrics if metrics != OrganizationMetrics() else None


def parse_schema(raw: Any) -> SchemaRef | None:
    if not isinstance(raw, dict):
        return None
    schema = SchemaRef(
        name=readers.filled(raw.get("name")),
        version=readers.filled(raw.get("version")),
        url=readers.filled(raw.get("url")),
    )
    return schema if schema != SchemaRef() else None


def parse_facets(raw: Any, limit: int = FACET_BUCKETS) -> dict[str, list[FacetBucket]]:
    """The biggest buckets of each facet, without the `all` bucket (it equals the total)."""
    facets: dict[str, list[FacetBucket]] = {}
    for name, buckets in readers.obj(raw).items():
        kept = [
            FacetBucket(name=key, count=count)
            for bucket in (buckets if isinstance(buckets, list) else [])
            if (key := readers.filled(readers.obj(bucket).get("name"))) is not None
            and key != "all"
            and (count := readers.count(readers.obj(bucket).get("count"))) is not None
        ]
        if kept:
            facets[name] = kept[:limit]
    return facets


def parse_pagination(raw: Any, page: int, page_size: int, count: int) -> Pagination:
    """The envelope's page numbers; those asked for when it lacks them."""
    envelope = readers.obj(raw)
    page = readers.count(envelope.get("page")) or page
    page_size = readers.count(envelope.get("page_size")) or page_size
    total = readers.count(envelope.get("total"))
    if total is None:
        total = (page - 1) * page_size + count
    if "next_page" in envelope:
        has_more = readers.filled(envelope.get("next_page")) is not None
    else:
        has_more = page * page_size < total
    return Pagination(page=page, page_size=page_size, total=total, has_more=has_more)


def _data_list(raw: Any, what: str) -> list[Any]:
    if not isinstance(raw, dict):
        raise DatasetsParseError(f"the {what} answer is not a JSON object")
    data = raw.get("data")
    if not isinstance(data, list):
        raise DatasetsParseError(f"the {what} answer has no `data` list")
    return data


# -- records -------------------------------------------------------------------------------


def _required_id(raw: Any, what: str) -> tuple[dict[str, Any], str]:
    if not isinstance(raw, dict):
        raise DatasetsParseError(f"a {what} record is not a JSON object")
    id_ = readers.identifier(raw.get("id"))
    if id_ is None:
        raise DatasetsParseError(f"a {what} record has no id")
    return raw, id_


def in_tabular_api(extras: dict[str, Any]) -> bool:
    """Whether the Tabular API can query a resource, from its `extras`: set by the crawler
    only once the file is loaded into the Tabular API's database."""
    return readers.filled(extras.get("analysis:parsing:parsing_table")) is not None


def parse_resource(raw: Any, links: SiteLinks) -> Resource:
    record, id_ = _required_id(raw, "resource")
    extras = readers.obj(record.get("extras"))
    filesize = readers.count(record.get("filesize"))
    return _build(
        Resource,
        "resource",
        id=id_,
        title=readers.text(record.get("title")) or readers.text(record.get("name")) or "",
        description=readers.filled(record.get("description")),
        format=readers.filled(record.get("format")),
        filesize=filesize,
        mime=readers.filled(record.get("mime")),
        type=readers.filled(record.get("type")),
        filetype=readers.filled(record.get("filetype")),
        url=readers.filled(record.get("url")),
        latest_url=links.latest(id_),
        created_at=readers.filled(record.get("created_at")),
        last_modified=readers.filled(record.get("last_modified")),
        data_schema=parse_schema(record.get("schema")),
        tabular_api=in_tabular_api(extras),
        available=readers.boolean(extras.get("check:available")),
    )


def _formats(resources: list[Any]) -> list[FormatCount]:
    counts = Counter(
        fmt.strip().lower()
        for item in resources
        if (fmt := readers.filled(readers.obj(item).get("format"))) is not None
    )
    return [FormatCount(format=name, count=n) for name, n in counts.most_common()]


def _resource_counts(raw: Any) -> tuple[int | None, list[FormatCount] | None]:
    """v1 embeds the resources, v2 links to them with a total."""
    if isinstance(raw, list):
        return len(raw), _formats(raw)
    if isinstance(raw, dict):
        return readers.count(raw.get("total")), None
    return None, None


def _linked_count(raw: Any) -> int | None:
    if isinstance(raw, list):
        return len(raw)
    return readers.count(readers.obj(raw).get("total"))


def parse_dataset(raw: Any, links: SiteLinks) -> Dataset:
    record, id_ = _required_id(raw, "dataset")
    slug = readers.identifier(record.get("slug"))
    count, formats = _resource_counts(record.get("resources"))
    return _build(
        Dataset,
        "dataset",
        id=id_,
        title=readers.text(record.get("title")) or "",
        slug=slug,
        acronym=readers.filled(record.get("acronym")),
        url=links.dataset(slug or id_),
        description=readers.text(record.get("description")),
        description_short=readers.filled(record.get("description_short")),
        organization=parse_organization_ref(record.get("organization"), links),
        owner=parse_owner(record.get("owner")),
        tags=readers.strings(record.get("tags")),
        badges=readers.badges(record.get("badges")),
        license=readers.vocabulary(record.get("license")),
        frequency=readers.vocabulary(record.get("frequency")),
        frequency_date=readers.filled(record.get("frequency_date")),
        spatial=parse_spatial(record.get("spatial")),
        temporal_coverage=parse_temporal(record.get("temporal_coverage")),
        created_at=readers.filled(record.get("created_at")),
        last_modified=readers.filled(record.get("last_modified")),
        last_update=readers.filled(record.get("last_update")),
        archived=readers.filled(record.get("archived")),
        deleted=readers.filled(record.get("deleted")),
        private=record.get("private") is True,
        featured=readers.boolean(record.get("featured")),
        access_type=readers.filled(record.get("access_type")),
        resources_count=count,
        resource_formats=formats,
        community_resources_count=_linked_count(record.get("community_resources")),
        quality=parse_quality(record.get("quality")),
        metrics=parse_dataset_metrics(record.get("metrics")),
    )


def parse_organization(raw: Any, links: SiteLinks) -> Organization:
    record, id_ = _required_id(raw, "organization")
    slug = readers.identifier(record.get("slug"))
    return _build(
        Organization,
        "organization",
        id=id_,
        name=readers.text(record.get("name")) or "",
        acronym=readers.filled(record.get("acronym")),
        slug=slug,
        url=links.organization(slug or id_),
        website=readers.filled(record.get("url")),
        description=readers.text(record.get("description")),
        badges=readers.badges(record.get("badges")),
        business_number_id=readers.filled(record.get("business_number_id")),
        created_at=readers.filled(record.get("created_at")),
        last_modified=readers.filled(record.get("last_modified")),
        metrics=parse_organization_metrics(record.get("metrics")),
    )


# -- envelopes -----------------------------------------------------------------------------


def _each(items: list[Any], parse: Callable[[Any], T]) -> tuple[list[T], int]:
    """Parse every item; a broken item is skipped (and counted), not fatal to the page."""
    parsed, skipped = [], 0
    for item in items:
        try:
            parsed.append(parse(item))
        except DatasetsParseError:
            skipped += 1
    return parsed, skipped


def parse_dataset_search(
    raw: Any, links: SiteLinks, page: int, page_size: int
) -> DatasetSearchPage:
    items = _data_list(raw, "dataset search")
    datasets, skipped = _each(items, lambda item: parse_dataset(item, links))
    return DatasetSearchPage(
        datasets=datasets,
        pagination=parse_pagination(raw, page, page_size, len(items)),
        facets=parse_facets(readers.obj(raw).get("facets")),
        skipped=skipped,
    )


def parse_organization_search(
    raw: Any, links: SiteLinks, page: int, page_size: int
) -> OrganizationSearchPage:
    items = _data_list(raw, "organization search")
    organizations, skipped = _each(items, lambda item: parse_organization(item, links))
    return OrganizationSearchPage(
        organizations=organizations,
        pagination=parse_pagination(raw, page, page_size, len(items)),
        facets=parse_facets(readers.obj(raw).get("facets")),
        skipped=skipped,
    )


def parse_resources_page(raw: Any, links: SiteLinks, page: int, page_size: int) -> ResourcesPage:
    items = _data_list(raw, "resources")
    resources, skipped = _each(items, lambda item: parse_resource(item, links))
    return ResourcesPage(
        resources=resources,
        pagination=parse_pagination(raw, page, page_size, len(items)),
        skipped=skipped,
    )


def check_probe(raw: Any) -> str | None:
    """What is wrong with the readiness probe's answer (a one-item search page), or None."""
    try:
        _data_list(raw, "dataset search")
    except DatasetsParseError:
        return "data.gouv.fr dataset search answered in an unexpected format."
    return None
