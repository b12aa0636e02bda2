"""Test helpers shipped with the plugin: recorded Metrics API bodies and Hypothesis strategies."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from datagouv_mcp_standin import corpus


def recorded(name: str) -> Any:
    """A recorded body of the corpus folder 08_metrics, by file name."""
    return corpus.recorded(f"08_metrics/{name}")


RECORDED = {
    "dataset": "www_metrics_datasets_population_mcpts.json",
    "resource": "www_metrics_resources_empty_a86ebc34_mcpts.json",
    "organization": "www_metrics_organizations_etalab_curated_mcpts.json",
    "dataservice": "www_metrics_dataservices_api-adresse_curated_mcpts.json",
}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children) | st.dictionaries(st.text(), children),
    max_leaves=20,
)

months = st.builds(
    lambda year, month: f"{year:04d}-{month:02d}",
    st.integers(2000, 2099),
    st.integers(1, 12),
)
counts = st.none() | st.integers(min_value=0, max_value=10**9)


def rows(columns: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """Well-formed rows of a Metrics API model, with extra unknown keys."""
    return st.fixed_dictionaries(
        {"metric_month": months, **dict.fromkeys(columns, counts)},
        optional={"__id": st.integers(), "unknown_key": json_values},
    )
