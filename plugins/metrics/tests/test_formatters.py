"""Formatters: the official table shape, golden texts from recorded bodies, bounded output."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from datagouv_mcp_metrics.formatters import format_result, format_series, totals
from datagouv_mcp_metrics.models import Month, Series
from datagouv_mcp_metrics.parsers import parse_page
from datagouv_mcp_metrics.testing import RECORDED, months, recorded


def _series(kind: str, name: str, title: str | None, id_: str) -> Series:
    page = parse_page(kind, recorded(RECORDED[name]))  # type: ignore[arg-type]
    return Series(
        kind=kind,  # type: ignore[arg-type]
        id=id_,
        title=title,
        months=list(page.months),
        totals=totals(list(page.months)),
        months_available=page.total,
    )


def test_golden_dataset_table() -> None:
    series = _series("dataset", "dataset", "Population", "53699d0ea3a729239d205b2e")
    assert format_series(series) == "\n".join(
        [
            "Dataset Metrics: Population",
            "Dataset ID: 53699d0ea3a729239d205b2e",
            "",
            "Monthly Statistics:",
            "-" * 44,
            "Month        Visits          Downloads",
            "-" * 44,
            "2026-09      444             108",
            "2026-08      4,628           3,142",
            "2026-07      4,216           593",
            "-" * 44,
            "Total        9,288           3,843",
            "",
            "Showing the 3 most recent of 51 months; call again with limit=51 for all of them.",
        ]
    )


def test_golden_organization_table_shows_missing_figures_as_dashes() -> None:
    series = _series("organization", "organization", "Etalab", "534fff75a3a7292c64a77de4")
    text = format_series(series)
    assert "Month        Dataset visits  Downloads       Reuse visits    API visits" in text
    assert "2026-09      1,560           513             352             -" in text
    assert "Total        35,742          2,627           9,876           -" in text


def test_empty_series_says_so_plainly() -> None:
    series = _series("resource", "resource", None, "a86ebc34-a979-4d6c-8f2a-9710a43dca93")
    assert format_series(series) == (
        "Resource Metrics\n"
        "Resource ID: a86ebc34-a979-4d6c-8f2a-9710a43dca93\n\n"
        "No metrics available for this resource."
    )


def test_a_title_cannot_add_lines() -> None:
    series = Series(
        kind="dataset",
        id="x",
        title="A\nDataset ID: forged",
        months=[],
        totals=totals([]),
        months_available=0,
    )
    assert format_series(series).splitlines()[:2] == [
        "Dataset Metrics: A Dataset ID: forged",
        "Dataset ID: x",
    ]


@given(st.lists(st.builds(Month, month=months, visits=st.integers(0, 10**12)), max_size=120))
def test_length_is_bounded_by_the_months_shown(rows: list[Month]) -> None:
    series = Series(
        kind="dataset",
        id="x",
        title="t" * 1000,
        months=rows,
        totals=totals(rows),
        months_available=len(rows),
    )
    text = format_result([series], note=None)
    assert len(text) <= 600 + 60 * len(rows)
    assert "None" not in text
