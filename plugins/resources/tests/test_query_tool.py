"""query_resource_data through a real MCP client against the stand-in: every operator with the
Tabular API's semantics, several filters, columns, sort, pages over 50 rows, aggregation
allowed and refused, and every Tabular error body explained."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from datagouv_mcp.gateway import Gateway
from datagouv_mcp_standin.testing import CorpusIds, Standin

from .conftest import call

GARES = CorpusIds.GARES_RESOURCE_ID  # code_uic, nom_gare, departement, segment_drg (strings),
# total_voyageurs_2023/2024 (int, with nulls), accessible (bool)
GENTILES = CorpusIds.GENTILES_RESOURCE_ID
AGGREGATION = CorpusIds.AGGREGATION_RESOURCE_ID
pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("upstream")]


def direct(standin: Standin, rid: str, query: str) -> list[dict[str, Any]]:
    """The Tabular API's own answer, as ground truth."""
    answer = httpx.get(f"{standin.url}/tabular/api/resources/{rid}/data/?{query}", timeout=10)
    rows: list[dict[str, Any]] = answer.json()["data"]
    return rows


OPERATORS = [
    ("exact", "departement", "75", "departement__exact=75"),
    ("differs", "total_voyageurs_2024", 22652, "total_voyageurs_2024__differs=22652"),
    ("contains", "nom_gare", "vexin", "nom_gare__contains=vexin"),
    ("notcontains", "nom_gare", "Bresse", "nom_gare__notcontains=Bresse"),
    ("in", "departement", ["75", "69"], "departement__in=75,69"),
    ("notin", "segment_drg", ["a", "b"], "segment_drg__notin=a,b"),
    ("less", "total_voyageurs_2024", 24542, "total_voyageurs_2024__less=24542"),
    ("greater", "total_voyageurs_2024", 1136612, "total_voyageurs_2024__greater=1136612"),
    ("strictly_less", "total_voyageurs_2024", 20000, "total_voyageurs_2024__strictly_less=20000"),
    (
        "strictly_greater",
        "total_voyageurs_2024",
        10**6,
        "total_voyageurs_2024__strictly_greater=1000000",
    ),
    ("isnull", "total_voyageurs_2024", None, "total_voyageurs_2024__isnull"),
    ("isnotnull", "total_voyageurs_2024", None, "total_voyageurs_2024__isnotnull"),
]


@pytest.mark.parametrize(("operator", "column", "value", "query"), OPERATORS)
async def test_every_operator_has_the_tabular_apis_semantics(
    gateway: Gateway, upstream: Standin, operator: str, column: str, value: Any, query: str
) -> None:
    condition: dict[str, Any] = {"column": column, "operator": operator}
    if value is not None:
        condition["value"] = value
    result = await call(
        gateway, "query_resource_data", resource_id=GARES, filters=[condition], page_size=50
    )
    assert result.is_error is False, result.content[0].text
    expected = direct(upstream, GARES, f"{query}&page_size=50")
    assert result.structured_content["rows"] == expected
    assert expected, "the case must select rows"


async def test_the_official_simple_filter_still_works(gateway: Gateway, upstream: Standin) -> None:
    result = await call(
        gateway,
        "query_resource_data",
        resource_id=GARES,
        filter_column="departement",
        filter_value="75",
        sort_column="total_voyageurs_2024",
        sort_direction="desc",
    )
    expected = direct(upstream, GARES, "departement__exact=75&total_voyageurs_2024__sort=desc")
    assert result.structured_content["rows"] == expected
    assert "Filters: departement exact 75" in result.content[0].text
    assert "Sort: total_voyageurs_2024 desc" in result.content[0].text


async def test_several_filters_columns_and_a_sort_in_one_round_trip(
    gateway: Gateway, upstream: Standin
) -> None:
    result = await call(
        gateway,
        "query_resource_data",
        resource_id=GARES,
        filters=[
            {"column": "accessible", "operator": "exact", "value": True},
            {"column": "total_voyageurs_2024", "operator": "greater", "value": 30000},
        ],
        columns=["nom_gare", "total_voyageurs_2024"],
        sort_column="total_voyageurs_2024",
        page_size=10,
    )
    rows = result.structured_content["rows"]
    assert rows and all(set(row) == {"nom_gare", "total_voyageurs_2024"} for row in rows)
    assert all(row["total_voyageurs_2024"] >= 30000 for row in rows)
    values = [row["total_voyageurs_2024"] for row in rows]
    assert values == sorted(values)
    assert isinstance(values[0], int)  # rows keep the Tabular API's types
    assert upstream.stats()["total"] == 1  # no metadata fetch before (or after) the rows
    assert result.content[0].text.splitlines()[3] == "nom_gare|total_voyageurs_2024"


async def test_a_page_over_50_rows_is_fetched_as_upstream_pages_at_once(
    gateway: Gateway, upstream: Standin
) -> None:
    result = await call(gateway, "query_resource_data", resource_id=GENTILES, page=3, page_size=120)
    ids = [row["__id"] for row in result.structured_content["rows"]]
    assert ids == list(range(241, 361))
    assert upstream.requests("/data/") == 4  # rows 241-360: upstream pages 5 to 8 of 50
    assert result.structured_content["next_page"] == 4
    assert result.content[0].text.startswith("Rows 241-360 of 34,946 (page 3):")


async def test_the_text_is_a_compact_table(gateway: Gateway) -> None:
    result = await call(gateway, "query_resource_data", resource_id=GENTILES)
    lines = result.content[0].text.splitlines()
    assert lines[0] == "Rows 1-20 of 34,946 (page 1):"
    assert lines[1] == "code_insee|commune|departement|gentile"
    assert lines[2] == "01001|L'Abergement-Clémenciat|01|"
    assert lines[-1] == "Next: page=2, same arguments."
    assert len(lines) == 23


async def test_aggregation_where_the_tabular_api_allows_it(gateway: Gateway) -> None:
    result = await call(
        gateway,
        "query_resource_data",
        resource_id=AGGREGATION,
        group_by=["annee"],
        aggregates=[
            {"column": "valeur", "function": "avg"},
            {"column": "valeur", "function": "count"},
        ],
        page_size=5,
    )
    rows = result.structured_content["rows"]
    assert result.is_error is False
    assert set(rows[0]) == {"annee", "valeur__avg", "valeur__count"}
    assert result.structured_content["total"] is None  # the Tabular API gives none for aggregates
    assert result.content[0].text.startswith("Groups 1-5 (page 1):")


async def test_a_refused_aggregation_says_it_is_not_allowed(gateway: Gateway) -> None:
    result = await call(
        gateway, "query_resource_data", resource_id=GARES, group_by=["departement"],
        aggregates=[{"column": "total_voyageurs_2024", "function": "sum"}],
    )  # fmt: skip
    assert result.is_error is True
    assert result.structured_content["code"] == "aggregation_not_allowed"
    assert f"not allowed for resource {GARES}" in result.content[0].text


async def test_an_unknown_column_names_the_valid_ones(gateway: Gateway) -> None:
    result = await call(
        gateway, "query_resource_data", resource_id=GARES, filter_column="nom", filter_value="x"
    )
    text = result.content[0].text
    assert text.startswith(f"Error: Resource {GARES} has no column 'nom'.")
    assert "nom_gare (string)" in text and "total_voyageurs_2024 (int)" in text
    assert result.structured_content["code"] == "unknown_column"


async def test_a_value_of_the_wrong_type_names_the_columns_type(gateway: Gateway) -> None:
    result = await call(
        gateway, "query_resource_data", resource_id=GARES,
        filter_column="total_voyageurs_2024", filter_value="beaucoup",
    )  # fmt: skip
    text = result.content[0].text
    assert "the filter on 'total_voyageurs_2024'" in text
    assert "Column 'total_voyageurs_2024' holds int values" in text
    assert result.structured_content["code"] == "type_mismatch"


async def test_contains_on_a_number_says_it_needs_text(gateway: Gateway) -> None:
    result = await call(
        gateway, "query_resource_data", resource_id=GARES,
        filters=[{"column": "total_voyageurs_2024", "operator": "contains", "value": "12"}],
    )  # fmt: skip
    assert "contains and notcontains work on text columns only" in result.content[0].text.lower()


async def test_a_resource_outside_the_tabular_api_points_to_the_download_tool(
    gateway: Gateway,
) -> None:
    rid = CorpusIds.POPULATION_HTML_RESOURCE_ID
    result = await call(gateway, "query_resource_data", resource_id=rid)
    assert result.is_error is True  # never "no rows"
    assert result.structured_content["code"] == "not_in_tabular_api"
    assert f"download_and_parse_resource(resource_id='{rid}')" in result.content[0].text


async def test_a_deleted_resource_says_so_from_the_plain_text_410(gateway: Gateway) -> None:
    rid = CorpusIds.DELETED_TABULAR_RESOURCE_ID
    result = await call(gateway, "query_resource_data", resource_id=rid)
    text = result.content[0].text
    assert text.startswith(f"Error: Resource {rid} has been deleted: Resource {rid} has been")
    assert "permanently deleted on 2026-08-01" in text
    assert result.structured_content["code"] == "not_found"


async def test_a_page_past_the_end_says_where_the_end_is(gateway: Gateway) -> None:
    result = await call(gateway, "query_resource_data", resource_id=GARES, page=999)
    assert "This page is past the last one: ask for page <= 41." in result.content[0].text


async def test_no_match_is_an_answer_not_an_error(gateway: Gateway) -> None:
    result = await call(
        gateway, "query_resource_data", resource_id=GARES, filter_column="departement",
        filter_value="no such departement",
    )  # fmt: skip
    assert result.is_error is False
    assert "No row matches these filters." in result.content[0].text


@pytest.mark.parametrize(
    ("arguments", "start"),
    [
        ({"filter_value": "75"}, "Error: filter_value was given without filter_column."),
        ({"filter_column": "departement"}, "Error: filter_column 'departement' was given without"),
        (
            {"filter_operator": "like"},
            "Error: Invalid filter_operator 'like' for query_resource_data",
        ),
        ({"sort_direction": "up"}, "Error: Invalid sort_direction 'up'"),
        (
            {"filters": [{"column": "x", "operator": "in"}]},
            "Error: The in filter on 'x' needs a value",
        ),
        (
            {"filters": [{"column": "x", "operator": "isnull", "value": 3}]},
            "Error: The isnull filter on 'x' takes no value",
        ),
        (
            {"filters": [{"column": "x", "operator": "exact", "value": [1, 2]}]},
            "Error: The exact filter on 'x' takes one value",
        ),
        ({"page_size": 201}, "Error: Invalid arguments for query_resource_data: 'page_size'"),
        ({"columns": ["a,b"]}, "Error: The column name 'a,b' holds a comma"),
    ],
)
async def test_bad_arguments_are_refused_before_any_upstream_call(
    gateway: Gateway, upstream: Standin, arguments: dict[str, Any], start: str
) -> None:
    result = await call(gateway, "query_resource_data", resource_id=GARES, **arguments)
    assert result.is_error is True
    assert result.content[0].text.startswith(start), result.content[0].text
    assert upstream.stats()["total"] == 0
