"""Parquet exports (hydra's `analysis:parsing:parquet_url`): served at /parquet/, typed from the
table's columns, holding exactly the rows the Tabular API serves and the resource's file."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import duckdb
import httpx

from datagouv_mcp_standin.testing import CorpusIds as ids

PARQUET_URL = "analysis:parsing:parquet_url"


def _export(client: httpx.Client, rid: str, folder: Path) -> Path:
    record = client.get(f"/api/2/datasets/resources/{rid}/").json()["resource"]
    url = record["extras"][PARQUET_URL]
    assert url.startswith(str(client.base_url).rstrip("/") + "/parquet/")  # on the stand-in
    answer = client.get(url)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/vnd.apache.parquet"
    target = folder / f"{rid}.parquet"
    target.write_bytes(answer.content)
    return target


def test_an_export_holds_the_table_rows_typed(client: httpx.Client, tmp_path: Path) -> None:
    rid = ids.TABLE_1K_RESOURCE_ID
    export = _export(client, rid, tmp_path)
    with duckdb.connect() as db:
        described = db.execute(f"DESCRIBE SELECT * FROM read_parquet('{export}')").fetchall()
        rows = db.execute(f"SELECT * FROM read_parquet('{export}')").fetchall()
    assert [(name, kind) for name, kind, *_ in described] == [
        ("commune", "VARCHAR"), ("departement", "VARCHAR"), ("annee", "BIGINT"),
        ("indicateur", "VARCHAR"), ("valeur", "DOUBLE"), ("nombre", "BIGINT"),
    ]  # fmt: skip
    assert len(rows) == 1000
    tabular = client.get(f"/tabular/api/resources/{rid}/data/", params={"page_size": 50}).json()
    assert tabular["meta"]["total"] == 1000
    first = [tuple(row[k] for k in row if k != "__id") for row in tabular["data"]]
    assert rows[:50] == first
    record = client.get(f"/api/2/datasets/resources/{rid}/").json()["resource"]
    file_rows = list(csv.reader(io.StringIO(client.get(record["url"]).text)))[1:]
    assert [str(value) for value in rows[999]] == file_rows[999]


def test_recorded_export_names(client: httpx.Client, tmp_path: Path) -> None:
    """The radars record names its export by a hash, at one host; gentilés by its resource id,
    at the other: both are served, each with its own table's rows."""
    for rid in (ids.RADARS_RESOURCE_ID, ids.GENTILES_RESOURCE_ID):
        export = _export(client, rid, tmp_path)
        with duckdb.connect() as db:
            count = db.execute(f"SELECT count(*) FROM read_parquet('{export}')").fetchone()
        total = client.get(f"/tabular/api/resources/{rid}/data/", params={"page_size": 1})
        assert count == (total.json()["meta"]["total"],)
    radars = client.get(f"/api/2/datasets/resources/{ids.RADARS_RESOURCE_ID}/").json()
    assert ids.RADARS_RESOURCE_ID not in radars["resource"]["extras"][PARQUET_URL]


def test_a_table_without_export_and_unknown_names(client: httpx.Client) -> None:
    record = client.get(f"/api/2/datasets/resources/{ids.TABLE_1K_NO_PARQUET_RESOURCE_ID}/").json()[
        "resource"
    ]
    assert PARQUET_URL not in record["extras"]
    assert "analysis:parsing:parsing_table" in record["extras"]
    assert client.get("/parquet/nothing-here.parquet").status_code == 404
    assert client.get(f"/parquet/{ids.SAMPLE_RESOURCE_IDS['pdf']}.parquet").status_code == 404
