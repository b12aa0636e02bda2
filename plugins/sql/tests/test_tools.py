"""query_resource_sql and describe_resource_table through a real MCP client against the
stand-in: results checked against the same rows read through query_resource_data, the
Parquet export and the CSV fallback, the cache, and the guarded fetch."""

from __future__ import annotations

import json
import shutil
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from datagouv_mcp.gateway import Gateway
from datagouv_mcp.mcpserver import build_server
from datagouv_mcp_standin.corpus import DEFAULT_CORPUS
from datagouv_mcp_standin.testing import CorpusIds, Standin, running_standin

from .conftest import call, sql_gateway

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("upstream")]
WITH_PARQUET = CorpusIds.TABLE_1K_RESOURCE_ID
CSV_ONLY = CorpusIds.TABLE_1K_NO_PARQUET_RESOURCE_ID


async def _all_rows(gateway: Gateway, resource_id: str) -> list[dict[str, Any]]:
    """Every row of a 1,000-row table, through query_resource_data (5 pages of 200)."""
    rows: list[dict[str, Any]] = []
    for page in range(1, 6):
        result = await call(
            gateway, "query_resource_data", resource_id=resource_id, page=page, page_size=200
        )
        rows += result.structured_content["rows"]
    assert len(rows) == 1000
    return rows


def _by_departement(rows: list[dict[str, Any]]) -> dict[str, tuple[int, float | None]]:
    """count(*) and sum(valeur) per departement, as SQL computes them (nulls skipped)."""
    counts: Counter[str] = Counter()
    sums: defaultdict[str, list[float]] = defaultdict(list)
    for row in rows:
        counts[row["departement"]] += 1
        if row["valeur"] is not None:
            sums[row["departement"]].append(row["valeur"])
    return {key: (counts[key], round(sum(sums[key]), 6) if sums[key] else None) for key in counts}


GROUPED = (
    "SELECT departement, count(*) AS n, round(sum(valeur), 6) AS total FROM data "
    "GROUP BY departement ORDER BY departement"
)


@pytest.mark.parametrize("resource_id", [WITH_PARQUET, CSV_ONLY])
async def test_aggregates_match_the_rows_of_query_resource_data(
    gateway: Gateway, resource_id: str
) -> None:
    expected = _by_departement(await _all_rows(gateway, resource_id))
    result = await call(gateway, "query_resource_sql", resource_id=resource_id, sql=GROUPED)
    data = result.structured_content
    got = {row["departement"]: (row["n"], row["total"]) for row in data["rows"]}
    assert got.keys() == expected.keys()
    for key, (count, total) in expected.items():
        assert got[key][0] == count
        assert got[key][1] == (None if total is None else pytest.approx(total))
    assert data["row_count"] == len(expected) and data["truncated"] is False
    assert [c["type"] for c in data["columns"]] == ["VARCHAR", "BIGINT", "DOUBLE"]
    assert data["source"]["kind"] == ("parquet" if resource_id == WITH_PARQUET else "csv")
    text = result.content[0].text
    assert text.splitlines()[3] == "departement|n|total"
    assert f"{len(expected)} rows, 3 columns" in text.splitlines()[0]


async def test_count_and_filters_match(gateway: Gateway) -> None:
    rows = await _all_rows(gateway, WITH_PARQUET)
    wanted = sum(1 for r in rows if r["annee"] >= 2020 and r["indicateur"] in ("no2", "o3"))
    result = await call(
        gateway, "query_resource_sql", resource_id=WITH_PARQUET,
        sql="SELECT count(*) AS n FROM data WHERE annee >= 2020 AND indicateur IN ('no2', 'o3')",
    )  # fmt: skip
    assert result.structured_content["rows"] == [{"n": wanted}]


async def test_rows_are_cut_at_max_rows_and_counted(gateway: Gateway) -> None:
    result = await call(
        gateway, "query_resource_sql", resource_id=WITH_PARQUET,
        sql="SELECT * FROM data ORDER BY nombre DESC", max_rows=7,
    )  # fmt: skip
    data = result.structured_content
    assert len(data["rows"]) == 7 and data["row_count"] == 1000 and data["truncated"] is True
    assert [r["nombre"] for r in data["rows"]] == sorted((r["nombre"] for r in data["rows"]),
                                                          reverse=True)  # fmt: skip
    assert "7 of 1,000 rows" in result.content[0].text
    assert "Cut at max_rows=7" in result.content[0].text


async def test_describe_gives_columns_types_examples_and_count(gateway: Gateway) -> None:
    result = await call(gateway, "describe_resource_table", resource_id=WITH_PARQUET)
    data = result.structured_content
    assert data["row_count"] == 1000
    assert [(c["name"], c["type"]) for c in data["columns"]] == [
        ("commune", "VARCHAR"), ("departement", "VARCHAR"), ("annee", "BIGINT"),
        ("indicateur", "VARCHAR"), ("valeur", "DOUBLE"), ("nombre", "BIGINT"),
    ]  # fmt: skip
    assert all(1 <= len(c["examples"]) <= 3 for c in data["columns"])
    assert "- annee BIGINT: " in result.content[0].text
    assert "Next: query_resource_sql(resource_id=" in result.content[0].text


async def test_a_gzipped_csv_is_read(gateway: Gateway) -> None:
    rid = CorpusIds.SAMPLE_RESOURCE_IDS["csv.gz"]
    result = await call(gateway, "query_resource_sql", resource_id=rid,
                        sql="SELECT count(*) AS n, min(date_maj) AS first FROM data")  # fmt: skip
    assert result.structured_content["rows"][0]["n"] == 50
    assert result.structured_content["columns"][1]["type"] == "DATE"


async def test_the_second_query_downloads_nothing(
    standin: Standin, upstream: Standin, tmp_path: Path
) -> None:
    gateway = sql_gateway(standin, tmp_path)
    async with Client(build_server(gateway), mode="legacy") as client:
        first = await client.call_tool(
            "query_resource_sql", {"resource_id": WITH_PARQUET, "sql": "SELECT 1 AS x"}
        )
        assert first.structured_content["source"]["cached"] is False
        assert upstream.requests("/parquet/") == 1
        before = upstream.stats()["total"]
        again = await client.call_tool("query_resource_sql",
                                       {"resource_id": WITH_PARQUET, "sql": GROUPED})  # fmt: skip
        assert again.structured_content["source"]["cached"] is True
        assert upstream.stats()["total"] == before  # the record too came from the cache
    # Another server on the same cache folder: the record again, never the table.
    async with Client(build_server(sql_gateway(standin, tmp_path)), mode="legacy") as client:
        third = await client.call_tool("describe_resource_table", {"resource_id": WITH_PARQUET})
        assert third.structured_content["source"]["cached"] is True
    assert upstream.requests("/parquet/") == 1


async def test_a_file_sql_cannot_read_says_what_to_use(gateway: Gateway) -> None:
    result = await call(
        gateway,
        "query_resource_sql",
        resource_id=CorpusIds.SAMPLE_RESOURCE_IDS["pdf"],
        sql="SELECT 1",
    )
    assert result.structured_content["code"] == "no_sql_source"
    assert "is a PDF file without a Parquet export" in result.content[0].text
    assert "download_and_parse_resource" in result.content[0].text


async def test_an_unknown_resource_and_a_bad_id(gateway: Gateway, upstream: Standin) -> None:
    missing = await call(
        gateway,
        "query_resource_sql",
        resource_id="00000000-0000-4000-8000-000000000000",
        sql="SELECT 1",
    )
    assert missing.content[0].text.startswith("Error: Resource with ID '00000000-")
    bad = await call(gateway, "describe_resource_table", resource_id="../../etc/passwd")
    assert bad.content[0].text.startswith("Error: Invalid resource ID")
    empty = await call(gateway, "query_resource_sql", resource_id=WITH_PARQUET, sql="")
    assert empty.structured_content["code"] == "invalid_argument"


@pytest.mark.parametrize(
    "resource_id", [CorpusIds.REFUSED_URL_RESOURCE_ID, CorpusIds.REDIRECT_TO_REFUSED_RESOURCE_ID]
)
async def test_a_file_at_a_refused_address_is_never_fetched(
    gateway: Gateway, resource_id: str
) -> None:
    result = await call(gateway, "query_resource_sql", resource_id=resource_id, sql="SELECT 1")
    assert result.structured_content["code"] == "blocked_url"
    assert "127.0.0.2: loopback addresses are not reachable" in result.content[0].text


async def test_a_download_reports_progress(gateway: Gateway) -> None:
    """The 10 MB generated CSV: downloaded with a notification per MiB, converted once."""
    seen: list[float] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        seen.append(progress)

    async with Client(build_server(gateway), mode="legacy") as client:
        result = await client.call_tool(
            "query_resource_sql",
            {
                "resource_id": CorpusIds.CSV_10MB_RESOURCE_ID,
                "sql": "SELECT count(*) AS n FROM data",
            },
            progress_callback=on_progress,
        )
    assert result.structured_content["source"]["kind"] == "csv"
    assert result.structured_content["rows"][0]["n"] > 200_000
    assert len(seen) >= 8 and seen == sorted(seen)


def _corpus_with_gentiles(root: Path, last_modified: str) -> Path:
    """The recorded gentilés record alone, its `last_modified` set."""
    name = "www_v2_resource_gentiles_csv_REDACTED_mcpts"
    source = DEFAULT_CORPUS / "04_resource_v2"
    folder = root / "04_resource_v2"
    folder.mkdir(parents=True)
    body = json.loads((source / f"{name}.json").read_text(encoding="utf-8"))
    body["resource"]["last_modified"] = last_modified
    (folder / f"{name}.json").write_text(json.dumps(body), encoding="utf-8")
    shutil.copy(source / f"{name}.meta.json", folder / f"{name}.meta.json")
    return root


async def test_a_new_last_modified_fetches_the_table_again(tmp_path: Path) -> None:
    """Three servers on one cache folder: the same date reads the kept table; a new date (the
    portal says the file changed) downloads it again."""
    cache = tmp_path / "cache"
    rid = CorpusIds.GENTILES_RESOURCE_ID
    seen = []
    for n, date in enumerate(["2026-09-01T00:00:00+00:00", "2026-09-01T00:00:00+00:00",
                              "2026-10-01T00:00:00+00:00"]):  # fmt: skip
        corpus = _corpus_with_gentiles(tmp_path / f"corpus-{n}", date)
        with running_standin(corpus=corpus) as standin:
            gateway = sql_gateway(standin, cache)
            result = await call(gateway, "query_resource_sql", resource_id=rid,
                                sql="SELECT count(*) AS n FROM data")  # fmt: skip
            seen.append((result.structured_content["source"]["cached"],
                         standin.requests("/parquet/")))  # fmt: skip
    assert seen == [(False, 1), (True, 0), (False, 1)]
    assert len(list((cache / "tables").glob(f"{rid}.*.parquet"))) == 1  # the old one deleted
