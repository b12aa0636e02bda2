"""Parsers: any JSON parses or raises ResourcesParseError; ids survive; unknown keys are
ignored. The recorded resource, profile, rows, crawler and aggregation bodies are examples."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from datagouv_mcp_resources import testing
from datagouv_mcp_resources.parsers import (
    ResourcesParseError,
    parse_policy,
    parse_profile,
    parse_resource_record,
    parse_rows,
)
from datagouv_mcp_resources.testing import PROD_LINKS, json_values, resource_ids

relaxed = settings(deadline=None)


@relaxed
@given(json_values)
@testing.examples(testing.resource_bodies())
def test_a_resource_answer_parses_or_raises_the_plugin_error(body: Any) -> None:
    try:
        resource = parse_resource_record(body, PROD_LINKS)
    except ResourcesParseError:
        return
    assert resource.id and resource.latest_url


def test_the_recorded_resources_keep_their_facts() -> None:
    bodies = testing.resource_bodies()
    gares = parse_resource_record(
        bodies["04_resource_v2/www_v2_resource_gares_csv_parquet_REDACTED_mcpts.json"], PROD_LINKS
    )
    assert gares.id == "84719f62-cdd4-4d7c-b292-2aafa56c6043"
    assert gares.dataset_id == "6a1577f6e669fa1712ef2aed"
    assert gares.parsing_table == "5e8a5090540069cddbe48db5d057882c"
    assert gares.parquet_url is not None and gares.parquet_url.endswith(".parquet")
    assert gares.checksum is not None and gares.checksum.type == "sha1"
    assert gares.filesize == 532274 and gares.format == "csv"
    assert gares.latest_url == f"https://www.data.gouv.fr/api/1/datasets/r/{gares.id}"


KEYS = ["title", "format", "filesize", "extras", "checksum", "schema", "url", "zz_unknown"]
records = st.builds(
    lambda rid, extra: {"resource": {"id": rid, **extra}},
    resource_ids,
    st.dictionaries(st.sampled_from(KEYS), json_values, max_size=5),
)


@relaxed
@given(records)
def test_ids_survive_whatever_else_the_record_holds(body: dict[str, Any]) -> None:
    assert parse_resource_record(body, PROD_LINKS).id == body["resource"]["id"]


@relaxed
@given(json_values)
@testing.examples(testing.profile_bodies())
def test_a_profile_parses_or_raises_the_plugin_error(body: Any) -> None:
    try:
        profile = parse_profile(body)
    except ResourcesParseError:
        return
    assert all(column.name for column in profile.columns)


def test_the_recorded_profile_gives_types_formats_and_rows() -> None:
    profile = parse_profile(next(iter(testing.profile_bodies().values())))
    assert [c.name for c in profile.columns] == ["code_insee", "commune", "departement", "gentile"]
    assert profile.columns[0].format == "code_commune" and profile.columns[0].type == "string"
    assert profile.rows == 34946 and profile.separator == ","


@relaxed
@given(json_values, json_values)
def test_the_policy_of_any_json_is_a_policy(exceptions: Any, aggregation: Any) -> None:
    policy = parse_policy(exceptions, aggregation)
    assert isinstance(policy.aggregation_ids, frozenset)


def test_the_recorded_policy_lists_exceptions_and_aggregations() -> None:
    policy = parse_policy(testing.crawler_exceptions_body(), testing.aggregation_exceptions_body())
    assert "52200d61-5e80-4a4e-999f-6e1c184fa122" in policy.exceptions
    assert policy.aggregation_allowed("b8703c69-a18f-46ab-9e7f-3a8368dcb891")
    assert not policy.aggregation_allowed("84719f62-cdd4-4d7c-b292-2aafa56c6043")
    assert not policy.aggregation_for_all


def test_table_indexes_are_read_from_their_json_string() -> None:
    rid = "52200d61-5e80-4a4e-999f-6e1c184fa122"
    policy = parse_policy([{"resource_id": rid, "table_indexes": '{"siren": "index"}'}], {})
    assert policy.exceptions[rid] == ("siren",)
    assert parse_policy([{"resource_id": rid, "table_indexes": "{}"}], {}).exceptions[rid] is None


@relaxed
@given(json_values)
@testing.examples(testing.rows_bodies())
def test_a_rows_page_parses_or_raises_the_plugin_error(body: Any) -> None:
    try:
        page = parse_rows(body)
    except ResourcesParseError:
        return
    assert all(isinstance(row, dict) for row in page.rows)


def test_the_recorded_rows_keep_their_total_and_next_link() -> None:
    page = parse_rows(
        testing.rows_bodies()["07_tabular/www_tabular_data_a86ebc34_page1_mcpts.json"]
    )
    assert page.rows[0]["__id"] == 1 and page.total == 34946 and page.has_next
