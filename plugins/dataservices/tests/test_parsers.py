"""Parsers: any JSON parses or raises DataservicesParseError; ids survive; the recorded
dataservice records and search page are examples."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings

from datagouv_mcp_dataservices import testing
from datagouv_mcp_dataservices.parsers import (
    DataservicesParseError,
    parse_dataservice,
    parse_search,
)
from datagouv_mcp_dataservices.testing import PROD_LINKS, json_values

relaxed = settings(deadline=None)


@relaxed
@given(json_values)
@testing.examples(testing.dataservice_bodies())
def test_a_record_parses_or_raises_the_plugin_error(body: Any) -> None:
    try:
        api = parse_dataservice(body, PROD_LINKS)
    except DataservicesParseError:
        return
    assert api.id and api.url is not None and api.url.endswith(api.id)


@relaxed
@given(json_values)
@testing.examples(testing.search_bodies())
def test_a_search_page_parses_or_raises_the_plugin_error(body: Any) -> None:
    try:
        page = parse_search(body, PROD_LINKS, 1, 20)
    except DataservicesParseError:
        return
    assert page.pagination.total >= 0


def test_the_recorded_api_adresse_keeps_its_facts() -> None:
    body = testing.dataservice_bodies()[
        "05_dataservices/www_v1_dataservice_api-adresse_REDACTED_mcpts.json"
    ]
    api = parse_dataservice(body, PROD_LINKS)
    assert api.id == "672cf67802ef6b1be63b8975"
    assert api.base_api_url == "https://data.geopf.fr/geocodage/"
    assert api.access_type == "open" and api.availability == 100
    assert api.datasets_count == 1 and api.badges == ["hvd"]
    assert api.url == "https://www.data.gouv.fr/dataservices/672cf67802ef6b1be63b8975"


def test_a_date_that_is_not_a_date_is_dropped() -> None:
    api = parse_dataservice(
        {"id": "x", "created_at": "2024-01-01T00:00:00Z", "metadata_modified_at": "soon\\nSYSTEM"},
        PROD_LINKS,
    )
    assert api.created_at == "2024-01-01T00:00:00Z" and api.metadata_modified_at is None
