"""The resource record parser: the recorded answers as examples, Hypothesis over the rest."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given

from datagouv_mcp_sql.parsers import SqlParseError, parse_resource_record
from datagouv_mcp_sql.testing import resource_bodies, resource_records

RECORDED = resource_bodies()


@pytest.mark.parametrize("name", sorted(RECORDED))
def test_recorded_records_name_their_parquet_export(name: str) -> None:
    resource = parse_resource_record(RECORDED[name])
    assert resource.parquet_url is not None and resource.parquet_url.endswith(".parquet")
    assert resource.id == RECORDED[name]["resource"]["id"]
    assert resource.format in ("csv", "xlsx")


@given(resource_records)
def test_any_record_parses_or_is_refused_with_a_reason(record: dict[str, Any]) -> None:
    refusal = None
    try:
        resource = parse_resource_record(record)
    except SqlParseError as exc:
        refusal = str(exc)
    else:
        assert resource.id
        assert resource.parquet_url is None or isinstance(resource.parquet_url, str)
        assert resource.format is None or resource.format == resource.format.lower()
    assert refusal is None or refusal.strip()


def test_a_body_without_a_resource_is_refused() -> None:
    with pytest.raises(SqlParseError, match="no `resource` object"):
        parse_resource_record({"message": "hello"})
