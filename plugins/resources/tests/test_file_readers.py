"""The streamed readers: whatever the dialect, encoding and chunk boundaries, a file reads back
as written; windows skip and keep what they say; JSON shapes find their rows; formats are
told from their first bytes. Hypothesis throughout."""

from __future__ import annotations

import asyncio
import csv
import gzip
import io
import json
import zipfile
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from datagouv_mcp_resources.downloads import (
    Budget,
    Unsupported,
    declared_format,
    read_file,
    sniffed_format,
)
from datagouv_mcp_resources.file_readers import FileError, Window, detect_encoding, read_csv
from datagouv_mcp_resources.json_readers import geometry_summary, read_json, read_jsonl
from datagouv_mcp_resources.testing import cells, chunked, column_names, csv_bytes

relaxed = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=150)
ALL = Window(0, 10_000)
sizes = st.lists(st.integers(1, 300), min_size=1, max_size=5)


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


tables = st.integers(1, 6).flatmap(
    lambda width: st.tuples(
        st.lists(column_names, min_size=width, max_size=width, unique=True),
        st.lists(st.lists(cells, min_size=width, max_size=width), max_size=15),
    )
)


@relaxed
@given(
    tables,
    st.sampled_from([",", ";", "\t", "|"]),
    st.sampled_from(["utf-8", "cp1252", "utf-8-sig"]),
    st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]),
    sizes,
)
def test_a_csv_reads_back_as_written_whatever_its_dialect_and_chunks(
    table: tuple[list[str], list[list[str]]],
    delimiter: str,
    encoding: str,
    quoting: int,
    chunk_sizes: list[int],
) -> None:
    header, rows = table
    encodable = all(
        value.encode(encoding, "strict") is not None for row in [header, *rows] for value in row
    )
    # The reader skips blank lines, as a person reading the file would.
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if len(header) == 1:  # one column: any "delimiter" is data, nothing to detect
        delimiter = ","
        rows = [row for row in rows if not any(c in row[0] for c in ',;\t|"')]
    data = csv_bytes(header, rows, delimiter, encoding, quoting)
    if not encodable:
        return
    found = run(read_csv(chunked(data, chunk_sizes), ALL, 10_000))
    if found.details["delimiter"] != delimiter and len(header) > 1:
        return  # the sniffer may take another delimiter of an ambiguous sample
    assert [[row[name] for name in header] for row in found.rows] == rows
    assert found.more is False


@relaxed
@given(st.integers(0, 40), st.integers(1, 15), st.integers(0, 40), sizes)
def test_a_window_skips_and_keeps_what_it_says(
    count: int, limit: int, offset: int, chunk_sizes: list[int]
) -> None:
    data = csv_bytes(["n"], [[str(i)] for i in range(count)], ",", "utf-8", csv.QUOTE_MINIMAL)
    found = run(read_csv(chunked(data, chunk_sizes), Window(offset, limit), 100))
    expected = [str(i) for i in range(count)][offset : offset + limit]
    assert [row["n"] for row in found.rows] == expected
    assert found.more is (offset + limit < count)


def test_latin_1_and_a_semicolon_are_detected() -> None:
    data = "nom;ville\nÉlise;Nîmes\nJérôme;Besançon\n".encode("latin-1")
    found = run(read_csv(chunked(data, [7]), ALL, 100))
    assert found.details == {"encoding": found.details["encoding"], "delimiter": ";"}
    assert found.rows == [
        {"nom": "Élise", "ville": "Nîmes"},
        {"nom": "Jérôme", "ville": "Besançon"},
    ]


def test_detect_encoding_prefers_utf_8_and_reads_a_bom() -> None:
    assert detect_encoding("é".encode()) == "utf-8"
    assert detect_encoding(b"\xef\xbb\xbfa,b") == "utf-8-sig"
    assert detect_encoding("Élève à l'école".encode("cp1252")) != "utf-8"


def test_a_quote_that_never_closes_is_refused_not_held_forever() -> None:
    data = b'a,b\n"' + b"x" * 2_100_000

    with pytest.raises(FileError, match=r"never closes|over"):
        run(read_csv(chunked(data, [65536]), ALL, 100))


int64 = st.integers(-(2**62), 2**62)  # the C parser's range (beyond: an error, said)
json_rows = st.lists(
    st.dictionaries(column_names, int64 | st.text(max_size=5) | st.none(), max_size=4),
    max_size=12,
)


@relaxed
@given(json_rows, st.sampled_from(["array", "data", "features"]), sizes)
def test_json_rows_are_found_whatever_the_envelope(
    rows: list[dict[str, Any]], shape: str, chunk_sizes: list[int]
) -> None:
    if shape == "array":
        document: Any = rows
    elif shape == "data":
        document = {"meta": {"list": [1, 2]}, "count": len(rows), "data": rows}
    else:
        features = [{"type": "Feature", "properties": r, "geometry": None} for r in rows]
        document = {"type": "FeatureCollection", "bbox": [1, 2], "features": features}
    data = json.dumps(document).encode()
    found = run(read_json(chunked(data, chunk_sizes), ALL, 100, geo=shape == "features"))
    got = [{k: v for k, v in row.items() if k != "geometry"} for row in found.rows]
    if rows or shape == "array":
        assert got == rows


@relaxed
@given(json_rows, sizes)
def test_json_lines_read_back(rows: list[dict[str, Any]], chunk_sizes: list[int]) -> None:
    data = "\n".join(json.dumps(row) for row in rows).encode()
    found = run(read_jsonl(chunked(data, chunk_sizes), ALL, 100))
    assert found.rows == rows


def test_json_that_breaks_after_some_rows_says_so() -> None:
    found = run(read_json(chunked(b'[{"a": 1}, {"a": 2}, {"a": ', [5]), ALL, 100))
    assert found.rows == [{"a": 1}, {"a": 2}]
    assert "not readable after row 2" in found.details["error"]
    with pytest.raises(FileError, match="not valid JSON"):
        run(read_json(chunked(b"{nope", [5]), ALL, 100))


def test_geometries_are_summarised() -> None:
    assert (
        geometry_summary({"type": "Point", "coordinates": [2.35, 48.85]}) == "Point (2.35, 48.85)"
    )
    polygon = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}
    assert geometry_summary(polygon) == "Polygon, 1 rings, 4 points"
    assert geometry_summary("nope") is None


@pytest.mark.parametrize(
    ("head", "declared", "kind"),
    [
        (b"\x1f\x8b\x08", "csv.gz", "gzip"),
        (b"PK\x03\x04....[Content_Types].xml", None, "xlsx"),
        (b"PK\x03\x04....", "zip", "zip"),
        (b"PK\x03\x04....", "xlsx", "xlsx"),
        (b"\xd0\xcf\x11\xe0", None, "xls"),
        (b"%PDF-1.4", "csv", "pdf"),
        (b"<!DOCTYPE html><html>", "csv", "html"),
        (b'{"type": "FeatureCollection"', None, "geojson"),
        (b'{"a": 1}\n{"a": 2}\n', None, "jsonl"),
        (b"[1, 2]", None, "json"),
        (b"a;b\n1;2\n", None, "csv"),
    ],
)
def test_formats_are_told_from_their_first_bytes(
    head: bytes, declared: str | None, kind: str
) -> None:
    assert sniffed_format(head, declared) == kind


def test_the_declared_format_comes_from_the_catalogue_then_the_url() -> None:
    assert declared_format("CSV", "https://x/y") == "csv"
    assert declared_format(None, "https://x/y/data.csv.gz?download=1") == "csv.gz"
    assert declared_format("", "https://x/y/file.xlsx") == "xlsx"
    assert declared_format(None, "https://x/y/") is None


def _read(data: bytes, fmt: str | None, window: Window = ALL, **options: Any) -> Any:
    budget = Budget.of(options.pop("max_bytes", 10**9), 30)
    defaults = {
        "value_chars": 100,
        "spreadsheet_max_bytes": 10**7,
        "archive_max_bytes": 10**7,
        "sheet": None,
        "member": None,
    }
    return run(
        read_file(
            chunked(data, [4096]),
            len(data),
            fmt,
            "https://x/f",
            window,
            budget,
            {**defaults, **options},
        )
    )


def test_a_zip_member_is_chosen_and_listed() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("notice.pdf", b"%PDF")
        archive.writestr("a.csv", "x\n1\n")
        archive.writestr("b.csv", "y\n2\n")
    first = _read(out.getvalue(), "zip")
    chosen = _read(out.getvalue(), "zip", member="b.csv")
    assert first.format == "zip/csv" and first.rows.rows == [{"x": "1"}]
    assert first.rows.details["members"] == ["notice.pdf", "a.csv", "b.csv"]
    assert chosen.rows.rows == [{"y": "2"}]
    with pytest.raises(FileError, match=r"no member named 'c\.csv'"):
        _read(out.getvalue(), "zip", member="c.csv")


def test_gzip_is_decompressed_on_the_fly_and_the_cap_counts_what_it_inflates_to() -> None:
    data = gzip.compress(b"n\n" + b"".join(b"%d\n" % i for i in range(200_000)))
    capped = _read(data, "csv.gz", Window(150_000, 5), max_bytes=100_000)
    assert capped.format == "csv.gz" and capped.stopped_by == "byte_cap"
    assert capped.rows.rows == []
    whole = _read(data, "csv.gz", Window(150_000, 2))
    assert [row["n"] for row in whole.rows.rows] == ["150000", "150001"]


def test_a_spreadsheet_over_its_cap_is_refused() -> None:
    with pytest.raises(FileError, match="read whole"):
        _read(b"PK\x03\x04" + b"x" * 5000, "xlsx", spreadsheet_max_bytes=1000)


def test_unsupported_files_say_what_they_are() -> None:
    with pytest.raises(Unsupported, match="a PDF document"):
        _read(b"%PDF-1.7 ...", "pdf")
