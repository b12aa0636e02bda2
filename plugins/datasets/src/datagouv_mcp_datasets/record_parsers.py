"""Raw udata JSON to the normalised record, and the record to a flat CSV row. Pure; raises
DatasetsParseError only.

A record is built from a dataset body (v1, resources inline; or a v2 search hit when the v1
record could not be fetched, then partial), the dataservices that list the dataset, and a
search page of its organization's datasets (the related ones). Each enrichment is optional:
when one failed, its error goes into `metadata.upstream_errors` and the record is partial.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from datagouv_mcp import readers
from datagouv_mcp.fields import link
from datagouv_mcp.links import SiteLinks
from datagouv_mcp_datasets.parsers import (
    DatasetsParseError,
    _build,
    _required_id,
    in_tabular_api,
    parse_dataset_search,
    parse_schema,
    parse_temporal,
)
from datagouv_mcp_datasets.record_models import (
    DatasetRecord,
    GeographicScope,
    Period,
    Producer,
    QualitySignals,
    RecordMetadata,
    RecordOrganization,
    RecordResource,
    RelatedDataset,
)

RELATED_MAX = 5
API_FORMATS = frozenset({"api", "wms", "wfs", "ogc:wms", "ogc:wfs", "esri rest"})
QUALITY_FLAGS = (
    "all_resources_available",
    "has_open_format",
    "has_resources",
    "license",
    "spatial",
    "temporal_coverage",
    "update_frequency",
    "update_fulfilled_in_time",
    "dataset_description_quality",
    "resources_documentation",
)


@dataclass(frozen=True)
class Enrichment:
    """What else a record is built from; None where it was not fetched."""

    dataservices: Any = None  # an /api/1/dataservices/?dataset= page
    related: Any = None  # a search page of the organization's datasets
    errors: Sequence[str] = field(default_factory=tuple)


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))


def parse_record_resource(raw: Any, links: SiteLinks) -> RecordResource:
    record, id_ = _required_id(raw, "resource")
    return _build(
        RecordResource,
        "resource",
        id=id_,
        title=readers.text(record.get("title")) or "",
        description=readers.filled(record.get("description")),
        format=readers.filled(record.get("format")),
        type=readers.filled(record.get("type")),
        filesize=readers.count(record.get("filesize")),
        mime=readers.filled(record.get("mime")),
        url=readers.filled(record.get("url")),
        latest=links.latest(id_),
        created_at=readers.filled(record.get("created_at")),
        last_modified=readers.filled(record.get("last_modified")),
        schema=parse_schema(record.get("schema")),
        tabular_api_available=in_tabular_api(readers.obj(record.get("extras"))),
    )


def _organization(raw: Any, links: SiteLinks) -> RecordOrganization | None:
    if not isinstance(raw, dict):
        return None
    id_, slug = readers.identifier(raw.get("id")), readers.identifier(raw.get("slug"))
    key = slug or id_
    return RecordOrganization(
        name=readers.text(raw.get("name")) or "",
        acronym=readers.filled(raw.get("acronym")),
        id=id_,
        slug=slug,
        badges=readers.badges(raw.get("badges")),
        page=links.organization(key) if key else None,
    )


def _producer(organization: RecordOrganization | None, owner: Any) -> Producer | None:
    if organization is not None:
        return Producer(
            kind="organization",
            name=organization.name,
            id=organization.id,
            slug=organization.slug,
            page=organization.page,
        )
    if not isinstance(owner, dict):
        return None
    names = (readers.text(owner.get("first_name")), readers.text(owner.get("last_name")))
    return Producer(
        kind="user",
        name=" ".join(part.strip() for part in names if part and part.strip()),
        id=readers.identifier(owner.get("id")),
        slug=readers.identifier(owner.get("slug")),
        page=link(owner.get("page")),
    )


def _scope(raw: Any) -> GeographicScope | None:
    if not isinstance(raw, dict):
        return None
    geom = raw.get("geom") if isinstance(raw.get("geom"), dict) else None
    scope = GeographicScope(
        granularity=readers.filled(raw.get("granularity")),
        zones=readers.strings(raw.get("zones")),
        geom=geom,
    )
    return None if scope == GeographicScope() else scope


def _categories(record: dict[str, Any]) -> list[str]:
    """Topics or themes: strings, or objects with a name (or slug)."""
    for key in ("topics", "themes", "categories"):
        items = record.get(key)
        if isinstance(items, list):
            names = [
                item
                if isinstance(item, str)
                else readers.filled(readers.obj(item).get("name"))
                or readers.filled(readers.obj(item).get("slug"))
                or ""
                for item in items
            ]
            return _unique([name.strip() for name in names])
    return []


def _quality(quality: Any, metrics: Any) -> QualitySignals:
    quality, metrics = readers.obj(quality), readers.obj(metrics)
    return QualitySignals(
        score=readers.number(quality.get("score")),
        **{flag: readers.boolean(quality.get(flag)) for flag in QUALITY_FLAGS},
        views=readers.count(metrics.get("views")),
        downloads=readers.count(metrics.get("resources_downloads")),
        reuses=readers.count(metrics.get("reuses")),
        followers=readers.count(metrics.get("followers")),
    )


def _dataservice_urls(raw: Any) -> list[str]:
    items = readers.obj(raw).get("data")
    return [
        url
        for item in (items if isinstance(items, list) else [])
        if (url := link(readers.obj(item).get("base_api_url")))
    ]


def _related(raw: Any, links: SiteLinks, own_id: str) -> list[RelatedDataset]:
    if raw is None:
        return []
    found = parse_dataset_search(raw, links, 1, RELATED_MAX + 1)
    return [
        RelatedDataset(id=d.id, title=d.title, slug=d.slug, url=d.url)
        for d in found.datasets
        if d.id != own_id
    ][:RELATED_MAX]


def parse_record(
    raw: Any,
    links: SiteLinks,
    enrichment: Enrichment,
    *,
    extraction_date: str,
    raw_source_url: str,
) -> DatasetRecord:
    """The record of a dataset body; partial when the body is not a v1 record (its resources
    not inline) or an enrichment failed."""
    record, id_ = _required_id(raw, "dataset")
    inline = record.get("resources")
    resources: list[RecordResource] = []
    for item in inline if isinstance(inline, list) else []:
        try:
            resources.append(parse_record_resource(item, links))
        except DatasetsParseError:
            continue
    errors = list(enrichment.errors)
    if not isinstance(inline, list):
        errors.insert(0, "the dataset's files could not be listed: its full record was not read")
    formats = Counter(r.format.strip().lower() for r in resources if r.format)
    is_api = [r for r in resources if (r.format or "").strip().lower() in API_FORMATS]
    organization = _organization(record.get("organization"), links)
    slug = readers.identifier(record.get("slug"))
    last_modified = readers.timestamp(record.get("last_modified"))
    last_update = readers.timestamp(record.get("last_update"))
    return _build(
        DatasetRecord,
        "dataset record",
        title=readers.text(record.get("title")) or "",
        description=readers.text(record.get("description")),
        url=links.dataset(slug or id_),
        organization=organization,
        producer=_producer(organization, record.get("owner")),
        tags=readers.strings(record.get("tags")),
        categories=_categories(record),
        license=readers.vocabulary(record.get("license")),
        created_at=readers.filled(record.get("created_at")),
        updated_at=last_update or last_modified,
        frequency=readers.vocabulary(record.get("frequency")),
        geographic_scope=_scope(record.get("spatial")),
        temporal_coverage=_period(record.get("temporal_coverage")),
        resources=resources,
        file_urls=_unique([r.url or "" for r in resources if r not in is_api and r.type != "api"]),
        api_endpoints=_unique(
            [r.latest or "" for r in resources]
            + [r.url or "" for r in is_api]
            + _dataservice_urls(enrichment.dataservices)
        ),
        formats=[name for name, _ in formats.most_common()],
        metadata=RecordMetadata(
            id=id_,
            slug=slug,
            uri=link(record.get("uri")),
            extras=readers.obj(record.get("extras")),
            harvest=record.get("harvest") if isinstance(record.get("harvest"), dict) else None,
            private=record.get("private") is True,
            archived=readers.filled(record.get("archived")),
            last_modified=last_modified,
            last_update=last_update,
            upstream_errors=errors,
        ),
        related_datasets=_related(enrichment.related, links, id_),
        quality_signals=_quality(record.get("quality"), record.get("metrics")),
        extraction_date=extraction_date,
        raw_source_url=raw_source_url,
        extraction_partial=bool(errors),
    )


def _period(raw: Any) -> Period | None:
    coverage = parse_temporal(raw)
    return None if coverage is None else Period(start=coverage.start, end=coverage.end)


# -- the flat CSV row ---------------------------------------------------------------------

SEPARATOR = ";"
FLAT_COLUMNS = (
    "metadata.id",
    "metadata.slug",
    "title",
    "description",
    "url",
    "organization.name",
    "organization.acronym",
    "organization.id",
    "organization.slug",
    "organization.badges",
    "organization.page",
    "producer.kind",
    "producer.name",
    "producer.id",
    "tags",
    "categories",
    "license",
    "created_at",
    "updated_at",
    "frequency",
    "geographic_scope.granularity",
    "geographic_scope.zones",
    "temporal_coverage.start",
    "temporal_coverage.end",
    "file_urls",
    "api_endpoints",
    "formats",
    "metadata.uri",
    "metadata.private",
    "metadata.archived",
    "metadata.last_modified",
    "metadata.last_update",
    *(f"quality_signals.{name}" for name in QualitySignals.model_fields),
    "extraction_date",
    "raw_source_url",
    "extraction_partial",
)
CSV_COLUMNS = (*FLAT_COLUMNS, "metadata_json")
# What the flat columns leave out, kept whole in metadata_json.
REST = ("resources", "related_datasets", "metadata.extras", "metadata.harvest",
        "metadata.upstream_errors", "geographic_scope.geom")  # fmt: skip


def join_items(items: Sequence[str]) -> str:
    """A list as one cell: items joined with `;`, a `;` or `\\` inside an item escaped."""
    return SEPARATOR.join(i.replace("\\", "\\\\").replace(SEPARATOR, "\\;") for i in items)


def split_items(cell: str) -> list[str]:
    """The list a `join_items` cell holds."""
    if not cell:
        return []
    items: list[str] = []
    current, escaped = "", False
    for char in cell:
        if escaped:
            current, escaped = current + char, False
        elif char == "\\":
            escaped = True
        elif char == SEPARATOR:
            items, current = [*items, current], ""
        else:
            current += char
    return [*items, current]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return join_items([str(item) for item in value])
    return str(value)


def _at(data: dict[str, Any], dotted: str) -> Any:
    value: Any = data
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def flatten(record: DatasetRecord) -> dict[str, str]:
    """The record as one CSV row: nested objects as dotted columns, lists joined with `;`,
    the rest (resources, related datasets, extras, harvest, errors, geometry) as JSON in
    `metadata_json`."""
    data = record.model_dump(mode="json", by_alias=True)
    row = {column: _cell(_at(data, column)) for column in FLAT_COLUMNS}
    rest = {dotted: _at(data, dotted) for dotted in REST}
    row["metadata_json"] = json.dumps(rest, ensure_ascii=False, separators=(",", ":"))
    return row
