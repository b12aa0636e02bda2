"""Writing rows in every resource format: CSV (streamed), CSV.GZ, JSON, JSONL, XLSX, ZIP..."""

from __future__ import annotations

import csv
import io
import json
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, timedelta
from typing import Any

from openpyxl import Workbook  # type: ignore[import-untyped]

Row = Sequence[Any]
_CHUNK_ROWS = 1000


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def csv_chunks(header: Sequence[str], rows: Iterable[Row]) -> Iterator[bytes]:
    """CSV text in chunks of about a thousand rows: never the whole file in memory."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for n, row in enumerate(rows, start=1):
        writer.writerow([_cell(v) for v in row])
        if n % _CHUNK_ROWS == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def gzip_chunks(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Gzip-compress a stream of chunks as it goes."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, 31)  # 31: gzip container
    for chunk in chunks:
        out = compressor.compress(chunk)
        if out:
            yield out
    yield compressor.flush()


def json_bytes(header: Sequence[str], rows: Iterable[Row]) -> bytes:
    records = [dict(zip(header, row, strict=True)) for row in rows]
    return json.dumps(records, ensure_ascii=False, indent=1).encode()


def jsonl_bytes(header: Sequence[str], rows: Iterable[Row]) -> bytes:
    lines = (json.dumps(dict(zip(header, row, strict=True)), ensure_ascii=False) for row in rows)
    return ("\n".join(lines) + "\n").encode()


def xlsx_bytes(header: Sequence[str], rows: Iterable[Row], sheet: str = "Feuil1") -> bytes:
    """An XLSX workbook built in memory with openpyxl (write-only mode)."""
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet)
    worksheet.append(list(header))
    for row in rows:
        worksheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def zip_bytes(name: str, header: Sequence[str], rows: Iterable[Row]) -> bytes:
    """A ZIP archive holding one CSV file, `name`."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, b"".join(csv_chunks(header, rows)))
    return buffer.getvalue()


def geojson_bytes(header: Sequence[str], rows: Iterable[Row]) -> bytes:
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [2.0 + n % 50 / 10, 45.0 + n % 60 / 10]},
            "properties": dict(zip(header, row, strict=True)),
        }
        for n, row in enumerate(rows)
    ]
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


def xml_bytes(header: Sequence[str], rows: Iterable[Row]) -> bytes:
    from xml.sax.saxutils import escape

    lines = ['<?xml version="1.0" encoding="UTF-8"?>', "<rows>"]
    for row in rows:
        cells = "".join(
            f"<{h}>{escape(str(_cell(v)))}</{h}>" for h, v in zip(header, row, strict=True)
        )
        lines.append(f"  <row>{cells}</row>")
    lines.append("</rows>")
    return "\n".join(lines).encode()


def text_bytes(title: str, header: Sequence[str], rows: Iterable[Row]) -> bytes:
    lines = [title, "", "|".join(header)]
    lines += ["|".join(str(_cell(v)) for v in row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def pdf_bytes(title: str) -> bytes:
    """A minimal one-page PDF showing `title` (ASCII only)."""
    text = title.encode("ascii", "replace").decode().replace("(", "[").replace(")", "]")
    stream = f"BT /F1 14 Tf 50 780 Td ({text[:90]}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


# A 1x1 transparent PNG, for generated organization logos.
PNG_PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)

_WORDS = ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india")
_DATES = tuple((date(2015, 1, 1) + timedelta(days=d)).isoformat() for d in range(3650))


def generated_csv(rows: int, columns: int, seed: int) -> Iterator[bytes]:
    """A deterministic CSV of any size, produced chunk by chunk (constant memory)."""
    extra = [f"col_{n}" for n in range(6, columns + 1)]
    header = ["id", "code", "libelle", "valeur", "date", *extra][:columns]
    yield (",".join(header) + "\n").encode()
    for start in range(1, rows + 1, _CHUNK_ROWS):
        lines = []
        for k in range(start, min(rows, start + _CHUNK_ROWS - 1) + 1):
            mixed = (k * 2654435761 + seed * 40503) % 4294967296
            cells = [
                str(k),
                f"{mixed % 100000:05d}",
                _WORDS[(k + seed) % len(_WORDS)],
                f"{mixed % 1000000 / 100:.2f}",
                _DATES[(k + seed) % len(_DATES)],
            ]
            cells += [str((mixed >> (n % 16)) % 1000) for n in range(len(extra))]
            lines.append(",".join(cells[:columns]))
        yield ("\n".join(lines) + "\n").encode()
