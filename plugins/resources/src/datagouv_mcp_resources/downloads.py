"""Reading a resource's file for download_and_parse_resource: what format it is, within which
caps, and where the rows come from (the stream itself, its gzip, a ZIP member, a whole
spreadsheet). Memory stays flat for the streamed formats; the formats that need the whole
file (spreadsheets, ZIP) are bounded by size first.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
import zipfile
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import IO, Any
from urllib.parse import urlsplit

from datagouv_mcp.callcontext import log_to_client, report_progress
from datagouv_mcp_resources.file_readers import (
    FileError,
    Rows,
    Window,
    read_csv,
    read_spreadsheet,
)
from datagouv_mcp_resources.json_readers import read_json, read_jsonl

CHUNK = 64 * 1024
PROGRESS_EVERY = 1 << 20
STREAMED = ("csv", "json", "geojson", "jsonl")
SPREADSHEETS = ("xlsx", "xls", "ods")
DECLARED = {
    "csv": "csv", "tsv": "csv", "txt": "csv", "csv.gz": "csv.gz", "json": "json",
    "geojson": "geojson", "jsonl": "jsonl", "ndjson": "jsonl", "xlsx": "xlsx", "xls": "xls",
    "ods": "ods", "zip": "zip",
}  # fmt: skip
UNSUPPORTED = {
    "pdf": "a PDF document", "html": "a web page", "xml": "an XML document",
    "shp": "a shapefile", "parquet": "a Parquet file", "doc": "a Word document",
    "docx": "a Word document", "odt": "a text document", "kml": "a KML file",
    "kmz": "a KMZ file", "gpkg": "a GeoPackage", "7z": "a 7z archive", "rar": "a RAR archive",
}  # fmt: skip


class Unsupported(FileError):
    """A file this tool does not read as rows (the message says what it is)."""


@dataclass
class Budget:
    """The bytes and seconds one read may spend; `stopped_by` says which ran out first."""

    max_bytes: int
    deadline: float
    used: int = 0
    stopped_by: str | None = None

    @classmethod
    def of(cls, max_bytes: int, seconds: float) -> Budget:
        return cls(max_bytes, time.monotonic() + seconds)

    async def limit(self, chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
        async for chunk in chunks:
            if time.monotonic() > self.deadline:
                self.stopped_by = "time_cap"
                return
            self.used += len(chunk)
            yield chunk
            if self.used >= self.max_bytes:
                self.stopped_by = "byte_cap"
                return


@dataclass
class Download:
    format: str
    rows: Rows
    stopped_by: str | None  # a cap, when one stopped the read
    bytes_read: int


class Source:
    """The file's raw bytes as they arrive, counted, with progress sent on the way."""

    def __init__(self, chunks: AsyncIterator[bytes], size: int | None) -> None:
        self._chunks = chunks
        self.size = size
        self.read = 0
        self._reported = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        size = f"{self.size:,} bytes" if self.size is not None else "size unknown"
        await log_to_client("info", f"Reading the file ({size}).")
        async for chunk in self._chunks:
            self.read += len(chunk)
            if self.read - self._reported >= PROGRESS_EVERY:
                self._reported = self.read
                await report_progress(self.read, self.size, f"Read {self.read:,} bytes")
            yield chunk


async def _prepend(head: bytes, rest: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    if head:
        yield head
    async for chunk in rest:
        yield chunk


async def _peek(
    chunks: AsyncIterator[bytes], size: int = 4096
) -> tuple[bytes, AsyncIterator[bytes]]:
    head = b""
    while len(head) < size:
        try:
            head += await anext(chunks)
        except StopAsyncIteration:
            break
    return head, _prepend(head, chunks)


async def gunzip(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        async for chunk in chunks:
            data = chunk
            while data:
                # Bounded output per step: a small chunk may inflate to a lot.
                out = inflate.decompress(data, CHUNK * 16)
                data = inflate.unconsumed_tail
                if out:
                    yield out
            if inflate.eof:
                return
        tail = inflate.flush()
        if tail:
            yield tail
    except zlib.error as exc:
        raise FileError(f"not valid gzip data ({exc})") from None


def declared_format(resource_format: str | None, url: str) -> str | None:
    """The format the catalogue gives, else the URL's extension, normalised."""
    name = PurePosixPath(urlsplit(url).path).name.lower()
    for candidate in ((resource_format or "").strip().lower().lstrip("."), name):
        if candidate.endswith(".csv.gz") or candidate == "csv.gz":
            return "csv.gz"
        suffix = candidate.rsplit(".", 1)[-1]
        if suffix in DECLARED or suffix in UNSUPPORTED:
            return DECLARED.get(suffix, suffix)
    return None


def sniffed_format(head: bytes, declared: str | None) -> str:
    """What the first bytes say the file is, the declared format breaking ties."""
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        if declared in ("xlsx", "ods") or b"[Content_Types].xml" in head:
            return declared if declared in ("xlsx", "ods") else "xlsx"
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    if head.startswith(b"%PDF"):
        return "pdf"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:512].lower()
    if text.startswith((b"<!doctype html", b"<html")):
        return "html"
    if text.startswith(b"<"):
        return "xml"
    if declared in STREAMED:
        return declared
    if text.startswith((b"[", b"{")):
        if b'"featurecollection"' in head.lower():
            return "geojson"
        first, _, second = text.partition(b"\n")
        if first.rstrip().endswith(b"}") and second.lstrip().startswith(b"{"):
            return "jsonl"
        return "json"
    return declared if declared in UNSUPPORTED else "csv"


async def _whole(chunks: AsyncIterator[bytes], cap: int, what: str) -> bytes:
    parts, size = [], 0
    async for chunk in chunks:
        size += len(chunk)
        if size > cap:
            raise FileError(
                f"{what} over {cap:,} bytes: it must be read whole, and that is too big"
            )
        parts.append(chunk)
    return b"".join(parts)


async def _member_chunks(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> AsyncIterator[bytes]:
    with archive.open(info) as member:
        while chunk := member.read(CHUNK):
            yield chunk
            await asyncio.sleep(0)


def _choose_member(
    archive: zipfile.ZipFile, wanted: str | None
) -> tuple[zipfile.ZipInfo, list[str]]:
    infos = [
        info
        for info in archive.infolist()
        if not info.is_dir() and not info.filename.startswith(("__MACOSX/", "."))
    ]
    names = [info.filename for info in infos]
    if wanted is not None:
        for info in infos:
            if info.filename == wanted or PurePosixPath(info.filename).name == wanted:
                return info, names
        raise FileError(f"no member named {wanted!r}; the archive holds: {', '.join(names[:50])}")
    for info in infos:
        if declared_format(None, info.filename) in (*STREAMED, "csv.gz", *SPREADSHEETS):
            return info, names
    raise Unsupported(
        f"a ZIP archive holding no CSV, JSON or spreadsheet ({', '.join(names[:20])})"
    )


async def _rows_of(
    kind: str,
    chunks: AsyncIterator[bytes],
    window: Window,
    budget: Budget,
    options: dict[str, Any],
) -> Rows:
    """The rows of data of one format: streamed within the budget, or (a spreadsheet) read
    whole within its own size cap."""
    value_chars = options["value_chars"]
    if kind == "csv":
        return await read_csv(budget.limit(chunks), window, value_chars)
    if kind in ("json", "geojson"):
        return await read_json(budget.limit(chunks), window, value_chars, geo=kind == "geojson")
    if kind == "jsonl":
        return await read_jsonl(budget.limit(chunks), window, value_chars)
    content = await _whole(chunks, options["spreadsheet_max_bytes"], "a spreadsheet")
    return await asyncio.to_thread(read_spreadsheet, content, window, value_chars, options["sheet"])


async def read_file(
    raw: AsyncIterator[bytes],
    size: int | None,
    resource_format: str | None,
    url: str,
    window: Window,
    budget: Budget,
    options: dict[str, Any],
) -> Download:
    """The rows of a file in `window`, read from `raw` within `budget`.

    `options`: value_chars, spreadsheet_max_bytes, archive_max_bytes, sheet, member."""
    source = Source(raw, size)
    head, chunks = await _peek(source.__aiter__())
    declared = declared_format(resource_format, url)
    kind = sniffed_format(head, declared)
    details: dict[str, Any] = {}
    if kind == "gzip":
        inner, chunks = await _peek(gunzip(chunks))
        inner_declared = "csv" if declared in (None, "csv.gz", "zip") else declared
        kind = f"{sniffed_format(inner, inner_declared)}.gz"
        if kind.removesuffix(".gz") not in STREAMED:
            raise Unsupported(f"a gzip-compressed {kind.removesuffix('.gz')} file")
        rows = await _rows_of(kind.removesuffix(".gz"), chunks, window, budget, options)
    elif kind == "zip":
        with tempfile.TemporaryFile() as spool:
            await _spool(chunks, spool, options["archive_max_bytes"])
            try:
                archive = zipfile.ZipFile(spool)
            except zipfile.BadZipFile:
                raise FileError("not a readable ZIP archive") from None
            with archive:
                info, members = _choose_member(archive, options["member"])
                member_kind = declared_format(None, info.filename) or "csv"
                data = _member_chunks(archive, info)
                if member_kind == "csv.gz":
                    data, member_kind = gunzip(data), "csv"
                rows = await _rows_of(member_kind, data, window, budget, options)
        details = {"member": info.filename, "members": members[:50], "format": member_kind}
        kind = f"zip/{member_kind}"
    elif kind in STREAMED or kind in SPREADSHEETS:
        rows = await _rows_of(kind, chunks, window, budget, options)
    else:
        raise Unsupported(UNSUPPORTED.get(kind, f"a {kind} file"))
    rows.details = {**rows.details, **{k: v for k, v in details.items() if k != "format"}}
    return Download(kind, rows, None if rows.more else budget.stopped_by, source.read)


async def _spool(chunks: AsyncIterator[bytes], spool: IO[bytes], cap: int) -> None:
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > cap:
            raise FileError(f"a ZIP archive over {cap:,} bytes: it must be read whole, too big")
        spool.write(chunk)
    spool.seek(0)
