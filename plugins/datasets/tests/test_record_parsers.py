"""The normalised record: built from every recorded v1 dataset body, valid against the JSON
Schema published in docs/, and its flat CSV row. Pure: no server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]  # no stubs; the MCP SDK depends on it
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from datagouv_mcp.links import SiteLinks
from datagouv_mcp_datasets import testing
from datagouv_mcp_datasets.parsers import DatasetsParseError
from datagouv_mcp_datasets.record_models import DatasetRecord, record_schema, record_schema_text
from datagouv_mcp_datasets.record_parsers import (
    CSV_COLUMNS,
    Enrichment,
    flatten,
    join_items,
    parse_record,
    split_items,
)
from datagouv_mcp_datasets.testing import json_values
from datagouv_mcp_standin.corpus import recorded, recorded_bodies

ROOT = Path(__file__).resolve().parents[3]
LINKS = SiteLinks(site="http://127.0.0.1:9/", api="http://127.0.0.1:9/api/")
V1 = {
    path: body
    for path, body in recorded_bodies("01_dataset_v1").items()
    if "community_resources" not in path
}
DATE = "2026-12-02T00:00:00Z"


def record_of(raw: Any, enrichment: Enrichment | None = None) -> DatasetRecord:
    return parse_record(
        raw, LINKS, enrichment or Enrichment(), extraction_date=DATE, raw_source_url="http://x/"
    )


def test_the_published_schema_is_the_models() -> None:
    published = (ROOT / "docs" / "dataset-record.schema.json").read_text()
    assert published == record_schema_text(), (
        "docs/dataset-record.schema.json is out of date: regenerate it with "
        "`uv run python -m datagouv_mcp_datasets.record_models > docs/dataset-record.schema.json`"
    )


@pytest.mark.parametrize("path", sorted(V1))
def test_record_of_every_v1_body_validates_against_the_schema(path: str) -> None:
    record = record_of(V1[path])
    jsonschema.validate(record.model_dump(mode="json", by_alias=True), record_schema())
    assert record.metadata.id == V1[path]["id"]
    assert not record.extraction_partial
    assert len(record.resources) == len(V1[path]["resources"])


def test_the_corpus_has_the_v1_bodies_it_should() -> None:
    assert len(V1) >= 14


def test_record_of_dvf_in_detail() -> None:
    raw = recorded("01_dataset_v1/03_demandes-de-valeurs-foncieres.json")
    services = {"data": [{"base_api_url": "https://api.example.org/dvf/"}, {"title": "no url"}]}
    related = {"data": [{"id": raw["id"], "title": "itself"}, {"id": "a" * 24, "title": "Other"}]}
    record = record_of(raw, Enrichment(dataservices=services, related=related))
    assert record.title == "Demandes de valeurs foncières"
    assert record.description == raw["description"]  # whole, markdown
    assert record.organization is not None and record.producer is not None
    assert record.producer.kind == "organization"
    assert record.producer.name == record.organization.name
    assert record.updated_at == raw["last_update"]
    assert record.temporal_coverage is not None
    assert record.temporal_coverage.start == "2019-01-01"
    assert record.formats[0] == "txt"
    assert "https://api.example.org/dvf/" in record.api_endpoints
    assert all(LINKS.latest(r.id) in record.api_endpoints for r in record.resources)
    assert [d.title for d in record.related_datasets] == ["Other"]  # never itself
    assert record.quality_signals.score == raw["quality"]["score"]
    assert record.categories == []


def test_a_search_hit_gives_a_partial_record_saying_why() -> None:
    pages = testing.dataset_search_bodies().values()
    hit = next(page["data"][0] for page in pages if page.get("data"))
    record = record_of(hit, Enrichment(errors=["dataset record: unavailable"]))
    assert record.extraction_partial is True
    assert record.resources == []
    assert record.metadata.upstream_errors[0].startswith("the dataset's files could not")
    assert "dataset record: unavailable" in record.metadata.upstream_errors


def test_categories_from_topics_and_a_user_as_producer() -> None:
    raw = {
        "id": "b" * 24,
        "topics": ["Mobilité", {"name": "Santé"}, {"slug": "eau"}, 3, "Mobilité"],
        "owner": {"id": "c" * 24, "first_name": "Ada", "last_name": "Lovelace"},
    }
    record = record_of(raw)
    assert record.categories == ["Mobilité", "Santé", "eau"]
    assert record.organization is None
    assert record.producer is not None and record.producer.kind == "user"
    assert record.producer.name == "Ada Lovelace"


@settings(deadline=None)
@given(json_values | testing.scrambled_datasets)
def test_any_json_is_a_record_or_our_error(payload: Any) -> None:
    try:
        record = record_of(payload, Enrichment(dataservices=payload, related=payload))
    except DatasetsParseError:
        return
    jsonschema.validate(record.model_dump(mode="json", by_alias=True), record_schema())


# -- the flat row ----------------------------------------------------------------------------


@given(st.lists(st.text(max_size=8), max_size=5))
def test_join_and_split_items_round_trip(items: list[str]) -> None:
    if items == [""]:  # one empty item and no item read the same: an empty cell
        return
    assert split_items(join_items(items)) == items


def test_flatten_has_every_column_and_the_rest_as_json() -> None:
    raw = recorded("01_dataset_v1/03_demandes-de-valeurs-foncieres.json")
    record = record_of(raw)
    row = flatten(record)
    assert tuple(row) == CSV_COLUMNS
    assert row["metadata.id"] == raw["id"]
    assert split_items(row["tags"]) == record.tags
    assert row["extraction_partial"] == "false"
    assert '"resources":[' in row["metadata_json"]
