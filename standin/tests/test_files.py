"""Resource files: every format parses; tabular resources' files hold their table's rows."""

from __future__ import annotations

import csv
import gzip
import io
import json
import zipfile

import httpx
import openpyxl  # type: ignore[import-untyped]
import pytest

from datagouv_mcp_standin.testing import CorpusIds as ids


def rows_of_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_files_index(client: httpx.Client) -> None:
    listing = client.get("/files/").json()["files"]
    assert "/files/sample.xlsx" in listing


def test_sample_csv_and_csv_gz(client: httpx.Client) -> None:
    plain = rows_of_csv(client.get("/files/sample.csv").text)
    assert len(plain) == 50 and "commune" in plain[0]
    packed = client.get("/files/sample.csv.gz")
    assert packed.headers["content-type"] == "application/gzip"
    assert rows_of_csv(gzip.decompress(packed.content).decode()) == plain


def test_sample_json_and_jsonl(client: httpx.Client) -> None:
    records = client.get("/files/sample.json").json()
    assert isinstance(records, list) and len(records) == 50
    lines = client.get("/files/sample.jsonl").text.splitlines()
    assert [json.loads(line) for line in lines] == records


def test_sample_xlsx(client: httpx.Client) -> None:
    workbook = openpyxl.load_workbook(io.BytesIO(client.get("/files/sample.xlsx").content))
    rows = list(workbook.active.iter_rows(values_only=True))
    assert len(rows) == 51 and rows[0][1] == "commune"


def test_sample_zip_holds_a_csv(client: httpx.Client) -> None:
    archive = zipfile.ZipFile(io.BytesIO(client.get("/files/sample.zip").content))
    (name,) = archive.namelist()
    assert name.endswith(".csv")
    assert len(rows_of_csv(archive.read(name).decode())) == 50


@pytest.mark.parametrize(("name", "magic"), [("pdf", b"%PDF-"), ("xml", b"<?xml"), ("txt", b"")])
def test_other_samples(client: httpx.Client, name: str, magic: bytes) -> None:
    response = client.get(f"/files/sample.{name}")
    assert response.status_code == 200 and response.content.startswith(magic)


def test_tabular_csv_file_holds_the_table_rows(client: httpx.Client) -> None:
    resource = client.get(f"/api/2/datasets/resources/{ids.GARES_RESOURCE_ID}/").json()
    file_rows = rows_of_csv(client.get(resource["resource"]["url"]).text)
    table = client.get(f"/tabular/api/resources/{ids.GARES_RESOURCE_ID}/data/csv/").text
    table_rows = [{k: v for k, v in row.items() if k != "__id"} for row in rows_of_csv(table)]
    assert file_rows == table_rows


def test_tabular_xlsx_file_holds_the_table_rows(client: httpx.Client) -> None:
    resource = client.get(f"/api/2/datasets/resources/{ids.TIERS_LIEUX_RESOURCE_ID}/").json()
    content = client.get(resource["resource"]["url"]).content
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    header, *rows = list(sheet.iter_rows(values_only=True))
    table = client.get(f"/tabular/api/resources/{ids.TIERS_LIEUX_RESOURCE_ID}/data/json/").json()
    assert list(header) == [k for k in table[0] if k != "__id"]
    assert [list(r) for r in rows] == [[v for k, v in t.items() if k != "__id"] for t in table]


def test_recorded_static_urls_serve_their_format(client: httpx.Client) -> None:
    dataset = client.get("/api/1/datasets/demandes-de-valeurs-foncieres/").json()
    pdf = next(r for r in dataset["resources"] if r["format"] == "pdf")
    assert client.get(pdf["url"]).content.startswith(b"%PDF-")
    missing = client.get("/static/resources/nothing-here/file.csv")
    assert missing.status_code == 404


def test_generated_csv_streams_a_million_rows(client: httpx.Client) -> None:
    size = 0
    lines = 0
    last = b""
    with client.stream("GET", "/files/generated.csv?rows=1000000&cols=6") as response:
        assert response.status_code == 200
        assert "content-length" not in response.headers  # streamed, not built in memory
        for chunk in response.iter_bytes():
            size += len(chunk)
            lines += chunk.count(b"\n")
            last = (last + chunk)[-200:]
    assert lines == 1_000_001  # header + one million rows
    assert size > 30_000_000
    assert last.splitlines()[-1].split(b",")[0] == b"1000000"


def test_generated_csv_is_deterministic_and_shaped(client: httpx.Client) -> None:
    first = client.get("/files/generated.csv?rows=5&cols=3&seed=4").text
    assert first == client.get("/files/generated.csv?rows=5&cols=3&seed=4").text
    rows = rows_of_csv(first)
    assert len(rows) == 5 and list(rows[0]) == ["id", "code", "libelle"]
    assert client.get("/files/generated.csv?rows=x").status_code == 400


def test_redirect_helper(client: httpx.Client) -> None:
    response = client.get("/files/redirect?to=/files/sample.csv&status=307")
    assert response.status_code == 307 and response.headers["location"] == "/files/sample.csv"
    assert client.get("/files/redirect?to=/files/sample.csv", follow_redirects=True).text
    assert client.get("/files/redirect").status_code == 400
