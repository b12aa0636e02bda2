"""Test helpers shipped with the plugin, for its tests and for third-party authors: tables
written to Parquet with DuckDB, and Hypothesis strategies of small tables and simple queries
over them. Requires the `testing` extra (Hypothesis and datagouv-mcp-standin)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import strategies as st

COLUMNS = ("g", "n", "x")  # a group (text), an integer, a float (or null)


def write_parquet(rows: list[tuple[Any, ...]], target: Path) -> Path:
    """`rows` of (g VARCHAR, n BIGINT, x DOUBLE) as a Parquet file at `target`."""
    import duckdb

    with duckdb.connect() as db:
        db.execute("CREATE TABLE t (g VARCHAR, n BIGINT, x DOUBLE)")
        if rows:
            db.executemany("INSERT INTO t VALUES (?, ?, ?)", rows)
        db.execute(f"COPY t TO '{target}' (FORMAT parquet)")
    return target


groups = st.sampled_from(["a", "b", "c", "d'e", "é"])
rows = st.lists(
    st.tuples(
        groups,
        st.integers(min_value=-1000, max_value=1000),
        st.one_of(st.none(), st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)),
    ),
    max_size=60,
)
# (SQL over `data`, the same computed in Python from the rows)
thresholds = st.integers(min_value=-1000, max_value=1000)


def resource_bodies() -> dict[str, Any]:
    """The recorded `/api/2/datasets/resources/{rid}/` answers (gares, gentilés, radars,
    tiers-lieux: each with a Parquet export)."""
    from datagouv_mcp_standin.corpus import recorded_bodies

    return recorded_bodies("04_resource_v2")


json_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20))
resource_records = st.fixed_dictionaries(
    {"resource": st.fixed_dictionaries(
        {"id": st.one_of(st.uuids().map(str), json_scalars)},
        optional={
            "title": json_scalars, "format": json_scalars, "url": json_scalars,
            "filesize": json_scalars, "last_modified": json_scalars,
            "extras": st.one_of(json_scalars, st.dictionaries(
                st.sampled_from(["analysis:parsing:parquet_url",
                                 "analysis:parsing:parsing_table", "x"]), json_scalars)),
        },
    )},
    optional={"dataset_id": json_scalars},
)  # fmt: skip
