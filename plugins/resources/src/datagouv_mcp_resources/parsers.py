"""Raw udata, Tabular and crawler JSON to the typed records of models.py. Pure; raises
ResourcesParseError only.

Every field is read through the core's tolerant readers: a value of the wrong type counts as
absent, unknown keys are ignored; only a record without an id, or an answer that is not of
its endpoint's shape at all, is refused.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from datagouv_mcp import readers
from datagouv_mcp.errors import ParseError
from datagouv_mcp.links import SiteLinks
from datagouv_mcp_resources.models import (
    Checksum,
    Column,
    DatasetRef,
    Profile,
    Resource,
    RowsPage,
    SchemaRef,
    TabularPolicy,
)

PARSING_TABLE = "analysis:parsing:parsing_table"


class ResourcesParseError(ParseError):
    """An answer of udata, the Tabular API or the crawler that this plugin cannot read."""


def canonical(resource_id: str) -> str | None:
    try:
        return str(uuid.UUID(resource_id.strip()))
    except ValueError:
        return None


def _schema(raw: Any) -> SchemaRef | None:
    record = readers.obj(raw)
    schema = SchemaRef(
        name=readers.filled(record.get("name")),
        version=readers.filled(record.get("version")),
        url=readers.filled(record.get("url")),
    )
    return schema if schema != SchemaRef() else None


def _checksum(raw: Any) -> Checksum | None:
    record = readers.obj(raw)
    value = readers.filled(record.get("value"))
    return Checksum(type=readers.filled(record.get("type")), value=value) if value else None


def parse_resource(raw: Any, links: SiteLinks, dataset_id: str | None = None) -> Resource:
    """A resource object (§1.5 of the upstream reference)."""
    if not isinstance(raw, dict):
        raise ResourcesParseError("a resource record is not a JSON object")
    id_ = readers.identifier(raw.get("id"))
    if id_ is None:
        raise ResourcesParseError("a resource record has no id")
    extras = readers.obj(raw.get("extras"))
    return Resource(
        id=id_,
        title=readers.text(raw.get("title")) or readers.text(raw.get("name")) or "",
        description=readers.filled(raw.get("description")),
        format=readers.filled(raw.get("format")),
        filesize=readers.count(raw.get("filesize")),
        mime=readers.filled(raw.get("mime")),
        type=readers.filled(raw.get("type")),
        filetype=readers.filled(raw.get("filetype")),
        url=readers.filled(raw.get("url")),
        latest_url=links.latest(id_),
        created_at=readers.filled(raw.get("created_at")),
        last_modified=readers.filled(raw.get("last_modified")),
        checksum=_checksum(raw.get("checksum")),
        data_schema=_schema(raw.get("schema")),
        dataset_id=dataset_id,
        parsing_table=readers.filled(extras.get(PARSING_TABLE)),
        parsing_error=readers.filled(extras.get("analysis:parsing:error")),
        parquet_url=readers.filled(extras.get("analysis:parsing:parquet_url")),
        available=readers.boolean(extras.get("check:available")),
    )


def parse_resource_record(raw: Any, links: SiteLinks) -> Resource:
    """`GET /api/2/datasets/resources/{rid}/`: `{"resource": {...}, "dataset_id": ...}`."""
    record = readers.obj(raw)
    if not isinstance(record.get("resource"), dict):
        raise ResourcesParseError("the resource answer has no `resource` object")
    return parse_resource(record["resource"], links, readers.filled(record.get("dataset_id")))


def parse_dataset_ref(raw: Any, links: SiteLinks) -> DatasetRef | None:
    """The few facts of the parent dataset a resource answer names (None when unreadable)."""
    record = readers.obj(raw)
    id_ = readers.identifier(record.get("id"))
    if id_ is None:
        return None
    slug = readers.identifier(record.get("slug"))
    return DatasetRef(
        id=id_,
        title=readers.text(record.get("title")) or "",
        slug=slug,
        url=links.dataset(slug or id_),
    )


def parse_profile(raw: Any) -> Profile:
    """`GET /api/resources/{rid}/profile/`: the columns with csv-detective's types and formats
    (in the table's column order), the row count, the indexes."""
    record = readers.obj(raw)
    profile = record.get("profile")
    if not isinstance(profile, dict):
        raise ResourcesParseError("the profile answer has no `profile` object")
    described = readers.obj(profile.get("columns"))
    header = [name.strip('"') for name in readers.strings(profile.get("header"))]
    names = header or [name for name in described if isinstance(name, str)]
    columns = []
    for name in names:
        facts = readers.obj(described.get(name))
        columns.append(
            Column(
                name=name,
                type=readers.filled(facts.get("python_type")),
                format=readers.filled(facts.get("format")),
            )
        )
    indexes = record.get("indexes")
    return Profile(
        columns=columns,
        rows=readers.count(profile.get("total_lines")),
        indexes=readers.strings(indexes) if isinstance(indexes, list) else None,
        encoding=readers.filled(profile.get("encoding")),
        separator=readers.filled(profile.get("separator")),
    )


def _indexed_columns(raw: Any) -> tuple[str, ...] | None:
    """A crawler exception's `table_indexes`: a JSON string (or object) of column -> index."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return None
    names = tuple(key for key in readers.obj(raw) if isinstance(key, str))
    return names or None


def parse_policy(exceptions: Any, aggregation: Any) -> TabularPolicy:
    """The crawler's resources-exceptions (an array) and the Tabular API's
    aggregation-exceptions (`{"allowed": bool | [rid], "exceptions": [rid]}`)."""
    listed: dict[str, tuple[str, ...] | None] = {}
    for item in exceptions if isinstance(exceptions, list) else []:
        rid = canonical(readers.filled(readers.obj(item).get("resource_id")) or "")
        if rid is not None:
            listed[rid] = _indexed_columns(readers.obj(item).get("table_indexes"))
    rules = readers.obj(aggregation)
    ids = {
        rid
        for key in ("allowed", "exceptions")
        for value in readers.strings(rules.get(key))
        if (rid := canonical(value)) is not None
    }
    return TabularPolicy(
        aggregation_for_all=rules.get("allowed") is True,
        aggregation_ids=frozenset(ids),
        exceptions=listed,
    )


def parse_rows(raw: Any) -> RowsPage:
    """`GET /api/resources/{rid}/data/`: the rows (objects), `meta.total` (absent for
    aggregates) and whether `links.next` is set."""
    record = readers.obj(raw)
    data = record.get("data")
    if not isinstance(data, list):
        raise ResourcesParseError("the Tabular API answer has no `data` list")
    rows = [row for row in data if isinstance(row, dict)]
    if len(rows) < len(data):
        raise ResourcesParseError("the Tabular API answer has rows that are not objects")
    links = readers.obj(record.get("links"))
    return RowsPage(
        rows=rows,
        total=readers.count(readers.obj(record.get("meta")).get("total")),
        has_next=readers.filled(links.get("next")) is not None,
    )
