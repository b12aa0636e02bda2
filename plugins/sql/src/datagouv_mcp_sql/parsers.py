"""The resource record (udata v2) to the facts the SQL tools need. Pure; tolerant readers;
`SqlParseError` (the core answers `bad_upstream_answer`) when the record is unusable."""

from __future__ import annotations

from typing import Any

from datagouv_mcp import readers
from datagouv_mcp.errors import ParseError
from datagouv_mcp_sql.models import SqlResource

PARQUET_URL = "analysis:parsing:parquet_url"
PARSING_TABLE = "analysis:parsing:parsing_table"


class SqlParseError(ParseError):
    source = "The data.gouv.fr API"


def parse_resource_record(raw: Any) -> SqlResource:
    """`GET /api/2/datasets/resources/{rid}/`: `{"resource": {...}, "dataset_id": ...}`."""
    record = readers.obj(raw)
    resource = record.get("resource")
    if not isinstance(resource, dict):
        raise SqlParseError("the resource answer has no `resource` object")
    id_ = readers.identifier(resource.get("id"))
    if id_ is None:
        raise SqlParseError("a resource record has no id")
    extras = readers.obj(resource.get("extras"))
    return SqlResource(
        id=id_,
        title=readers.text(resource.get("title")) or "",
        format=(readers.filled(resource.get("format")) or "").lower() or None,
        url=readers.filled(resource.get("url")),
        filesize=readers.count(resource.get("filesize")),
        last_modified=readers.filled(resource.get("last_modified")),
        parquet_url=readers.filled(extras.get(PARQUET_URL)),
        parsing_table=readers.filled(extras.get(PARSING_TABLE)),
        dataset_id=readers.filled(record.get("dataset_id")),
    )
