"""Reading the rows of a file as its bytes arrive: memory stays flat whatever the file's size.

Each reader takes the file's data as an async iterator of byte chunks (already decompressed,
and already charged against the call's byte and time caps) and a `Window` (rows to skip, rows
to keep), and stops as soon as it has the window and knows whether a row follows. Here: the
shared pieces, CSV (encoding and delimiter detected) and spreadsheets (read whole: bounded by
size before they get here); JSON, GeoJSON and JSON Lines are in json_readers.py.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from charset_normalizer import from_bytes

SAMPLE_BYTES = 64 * 1024
MAX_RECORD_CHARS = 1_000_000  # one CSV record or line longer than this: not a data file
MAX_COLUMNS = 500
DELIMITERS = ",;\t|"
LATIN_PUNCTUATION = "’‘“”«»€°–—…·²³µ§ ¤¦¨©ª®¯±´¶¸¹º¼½¾×÷"


class FileError(ValueError):
    """The file cannot be read as the format it was taken for; the message says why."""


@dataclass(frozen=True)
class Window:
    offset: int
    limit: int


@dataclass
class Rows:
    columns: list[str]
    rows: list[dict[str, Any]] = field(default_factory=list)
    # True: a row follows the window; False: the file ended. (A cap that stopped the read
    # is known to the caller, which then says the file may go on.)
    more: bool = False
    details: dict[str, Any] = field(default_factory=dict)


class Collector:
    """Rows past the offset, up to the limit; `full` once one more row was seen."""

    def __init__(self, window: Window, value_chars: int) -> None:
        self.window = window
        self.value_chars = value_chars
        self.seen = 0
        self.rows: list[dict[str, Any]] = []
        self.columns: dict[str, None] = {}
        self.full = False

    def add(self, row: dict[str, Any]) -> None:
        self.seen += 1
        if self.seen <= self.window.offset:
            return
        if len(self.rows) >= self.window.limit:
            self.full = True
            return
        kept = {str(key): clip_value(value, self.value_chars) for key, value in row.items()}
        for key in kept:
            if len(self.columns) < MAX_COLUMNS:
                self.columns.setdefault(key, None)
        self.rows.append(kept)

    def result(self, **details: Any) -> Rows:
        return Rows(list(self.columns), self.rows, self.full, details)


def clip_value(value: Any, limit: int) -> Any:
    """A JSON-ready value, strings cut to `limit` characters (nested values included)."""
    if isinstance(value, str):
        return value if len(value) <= limit else value[: limit - 1] + "…"
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, dict):
        return {str(k): clip_value(v, limit) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clip_value(v, limit) for v in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return clip_value(str(value), limit)


async def next_chunk(chunks: AsyncIterator[bytes]) -> bytes | None:
    try:
        return await anext(chunks)
    except StopAsyncIteration:
        return None


# -- CSV ---------------------------------------------------------------------------------


def _latin_text(sample: bytes) -> bool:
    """Whether the bytes read as French text in cp1252: their non-ASCII characters letters
    (é, è, ç, Œ...) or the usual punctuation, nearly all of them."""
    try:
        text = sample.decode("cp1252")
    except UnicodeDecodeError:
        return False
    odd = sum(1 for c in text if ord(c) > 127 and not (c.isalpha() or c in LATIN_PUNCTUATION))
    return odd <= len(text) // 1000


def detect_encoding(sample: bytes) -> str:
    """UTF-8 (with or without BOM) when it decodes; cp1252 (French files that are not UTF-8
    are, or latin-1, which it nearly extends) when it reads as French text; else what
    charset-normalizer finds. A few accented letters are too few for charset-normalizer
    alone: it may say big5 or cp1006 for `Élève`."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    if _latin_text(sample):
        return "cp1252"
    best = from_bytes(sample[:SAMPLE_BYTES]).best()
    return best.encoding if best is not None else "cp1252"


def detect_delimiter(text: str) -> str:
    lines = [line for line in text.splitlines()[:30] if line.strip()]
    if not lines:
        return ","
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=DELIMITERS).delimiter
    except csv.Error:
        header = lines[0]
        return max(DELIMITERS, key=header.count) if any(d in header for d in DELIMITERS) else ","


class Records:
    """Complete CSV records from text pieces: a line whose quotes are unbalanced continues
    on the next one (a quoted field holding a line break)."""

    def __init__(self, quote: str = '"', cr_only: bool = False) -> None:
        self.quote = quote
        self.cr_only = cr_only
        self.partial = ""
        self.open = False
        self.pending: list[str] = []
        self.pending_size = 0

    def feed(self, text: str) -> list[str]:
        if self.cr_only:
            text = text.replace("\r", "\n")
        lines = (self.partial + text).split("\n")
        self.partial = lines.pop()
        if len(self.partial) > MAX_RECORD_CHARS:
            raise FileError(f"a line of over {MAX_RECORD_CHARS:,} characters: not a CSV file")
        records = []
        for line in lines:
            if line.count(self.quote) % 2:
                self.open = not self.open
            self.pending.append(line)
            self.pending_size += len(line)
            if not self.open:
                records.append("\n".join(self.pending))
                self.pending.clear()
                self.pending_size = 0
            elif self.pending_size > MAX_RECORD_CHARS:
                raise FileError("a quoted field never closes: the file is not well-formed CSV")
        return records

    def finish(self) -> list[str]:
        rest = "\n".join([*self.pending, self.partial]) if self.pending else self.partial
        return [rest] if rest.strip() else []


def _header(cells: list[str]) -> list[str]:
    names: list[str] = []
    for index, cell in enumerate(cells[:MAX_COLUMNS], start=1):
        name = cell.strip() or f"column_{index}"
        while name in names:
            name = f"{name}_{index}"
        names.append(name)
    return names


async def read_csv(chunks: AsyncIterator[bytes], window: Window, value_chars: int) -> Rows:
    head = b""
    while len(head) < SAMPLE_BYTES and (chunk := await next_chunk(chunks)) is not None:
        head += chunk
    encoding = detect_encoding(head)
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    text = decoder.decode(head)
    delimiter = detect_delimiter(text)
    records = Records(cr_only="\n" not in text and "\r" in text)
    collector = Collector(window, value_chars)
    header: list[str] | None = None

    def take(pieces: list[str]) -> None:
        nonlocal header
        if not pieces:
            return
        # Complete records, read as a file would be: a line break in an unquoted field (a
        # wrongly guessed delimiter) ends a row instead of raising.
        block = io.StringIO("\n".join(pieces) + "\n", newline="")
        for cells in csv.reader(block, delimiter=delimiter):
            if not cells or not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header = _header(cells)
                continue
            row: dict[str, Any] = dict.fromkeys(header)
            for index, cell in enumerate(cells):
                name = header[index] if index < len(header) else f"column_{index + 1}"
                row[name] = cell
            collector.add(row)
            if collector.full:
                return

    take(records.feed(text))
    while not collector.full and (chunk := await next_chunk(chunks)) is not None:
        take(records.feed(decoder.decode(chunk)))
    if not collector.full:
        take([*records.feed(decoder.decode(b"", final=True)), *records.finish()])
    rows = collector.result(encoding=encoding, delimiter=delimiter)
    rows.columns = header or rows.columns
    return rows


# -- spreadsheets (read whole: their size is bounded before they get here) ---------------


def read_spreadsheet(
    content: bytes, window: Window, value_chars: int, sheet: str | None = None
) -> Rows:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
    except Exception:  # calamine raises its own error types
        raise FileError("not a readable spreadsheet (XLSX, XLS or ODS)") from None
    names = list(workbook.sheet_names)
    if not names:
        raise FileError("the spreadsheet has no sheet")
    chosen = names[0] if sheet is None else sheet
    if chosen not in names:
        raise FileError(f"no sheet named {sheet!r}; the sheets are: {', '.join(names)}")
    collector = Collector(window, value_chars)
    header: list[str] | None = None
    for cells in workbook.get_sheet_by_name(chosen).iter_rows():
        values = ["" if cell is None else cell for cell in cells]
        if not any(str(value).strip() for value in values):
            continue
        if header is None:
            header = _header([str(value) for value in values])
            continue
        row: dict[str, Any] = dict.fromkeys(header)
        for index, value in enumerate(values):
            name = header[index] if index < len(header) else f"column_{index + 1}"
            # Spreadsheets store every number as a float: 12707.0 reads as 12707.
            if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
                value = int(value)
            row[name] = None if value == "" else value
        collector.add(row)
        if collector.full:
            break
    rows = collector.result(sheet=chosen, sheets=names)
    rows.columns = header or rows.columns
    return rows
