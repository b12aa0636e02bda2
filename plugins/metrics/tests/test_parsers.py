"""Parsers: any JSON either parses or raises MetricsParseError; recorded bodies as examples."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from datagouv_mcp_metrics.parsers import (
    COLUMNS,
    MetricsParseError,
    parse_page,
    parse_title,
)
from datagouv_mcp_metrics.testing import RECORDED, json_values, recorded, rows

KINDS = list(COLUMNS)


@given(st.sampled_from(KINDS), json_values)
@example("dataset", recorded(RECORDED["dataset"]))
@example("resource", recorded(RECORDED["resource"]))
@example("organization", recorded(RECORDED["organization"]))
@example("dataservice", recorded(RECORDED["dataservice"]))
@example("dataset", {"data": [{"metric_month": "2026-13"}]})
@example("dataset", {"data": [{"metric_month": "2026-01", "monthly_visit": True}]})
def test_any_json_parses_or_raises_the_plugins_error(kind: Any, payload: object) -> None:
    try:
        page = parse_page(kind, payload)
    except MetricsParseError:
        return
    assert page.total >= len(page.months)


@given(
    st.sampled_from(KINDS).flatmap(
        lambda k: st.tuples(st.just(k), st.lists(rows(list(COLUMNS[k].values()))))
    )
)
def test_well_formed_rows_survive_with_their_months_and_counts(
    case: tuple[Any, list[dict[str, Any]]],
) -> None:
    kind, data = case
    page = parse_page(kind, {"data": data, "meta": {"total": len(data)}, "extra": 1})
    assert [m.month for m in page.months] == [row["metric_month"] for row in data]
    for month, row in zip(page.months, data, strict=True):
        for field, column in COLUMNS[kind].items():
            assert getattr(month, field) == row[column]


def test_recorded_dataset_page() -> None:
    page = parse_page("dataset", recorded(RECORDED["dataset"]))
    assert page.total == 51
    assert [(m.month, m.visits, m.downloads) for m in page.months] == [
        ("2026-09", 444, 108),
        ("2026-08", 4628, 3142),
        ("2026-07", 4216, 593),
    ]


def test_recorded_organization_page_keeps_nulls() -> None:
    page = parse_page("organization", recorded(RECORDED["organization"]))
    assert page.months[0].dataservice_visits is None
    assert page.months[0].reuse_visits == 352


def test_recorded_empty_page() -> None:
    page = parse_page("resource", recorded(RECORDED["resource"]))
    assert page.months == ()
    assert page.total == 0


@pytest.mark.parametrize(
    ("record", "title"),
    [
        ({"title": "Population"}, "Population"),
        ({"name": "Etalab"}, "Etalab"),
        ({"resource": {"title": "gentilés.csv"}, "dataset_id": "x"}, "gentilés.csv"),
        ({"title": "  "}, None),
        ([], None),
    ],
)
def test_titles(record: object, title: str | None) -> None:
    assert parse_title(record) == title
