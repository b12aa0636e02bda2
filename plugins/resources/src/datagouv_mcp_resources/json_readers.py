"""Reading JSON, GeoJSON and JSON Lines files as their bytes arrive (ijson's push parser):
the rows are the objects of the document's first array of objects, built one at a time, so
memory stays flat whatever the file's size."""

from __future__ import annotations

import codecs
import json
from collections.abc import AsyncIterator
from typing import Any

import ijson  # type: ignore[import-untyped]

from datagouv_mcp_resources.file_readers import (
    MAX_RECORD_CHARS,
    Collector,
    FileError,
    Rows,
    Window,
    next_chunk,
)


def geometry_summary(geometry: Any) -> str | None:
    """A GeoJSON geometry in a few words: `Point (2.35, 48.85)`, `Polygon, 3 rings, 456 points`."""
    if not isinstance(geometry, dict):
        return None
    kind = str(geometry.get("type") or "geometry")
    coordinates = geometry.get("coordinates")
    if kind == "Point" and isinstance(coordinates, list) and len(coordinates) >= 2:
        return f"Point ({', '.join(str(c) for c in coordinates[:3])})"

    def points(value: Any) -> int:
        if isinstance(value, list) and value and all(isinstance(v, int | float) for v in value):
            return 1
        return sum(points(v) for v in value) if isinstance(value, list) else 0

    if kind == "GeometryCollection":
        parts = geometry.get("geometries")
        return f"GeometryCollection, {len(parts) if isinstance(parts, list) else 0} geometries"
    count = points(coordinates)
    parts = len(coordinates) if isinstance(coordinates, list) else 0
    unit = {"Polygon": "rings", "MultiPolygon": "polygons", "MultiLineString": "lines"}
    if kind in unit:
        return f"{kind}, {parts} {unit[kind]}, {count} points"
    return f"{kind}, {count} points"


def _row_of(item: Any, geo: bool) -> dict[str, Any]:
    if geo and isinstance(item, dict) and isinstance(item.get("properties"), dict | None):
        row: dict[str, Any] = {}
        if "id" in item:
            row["id"] = item["id"]
        row.update(item.get("properties") or {})
        row["geometry"] = geometry_summary(item.get("geometry"))
        return row
    return item if isinstance(item, dict) else {"value": item}


class ArrayItems:
    """ijson events to the items of the document's first array of objects: the document
    itself when it is an array, else the first top-level key whose value is an array of
    objects (a GeoJSON's `features`, an API dump's `data`...); other arrays are skipped."""

    def __init__(self) -> None:
        self.candidate: str | None = None  # a top-level key's array, first item not seen yet
        self.skipping: str | None = None  # an array that is not of objects
        self.chosen: str | None = None
        self.builder: ijson.ObjectBuilder | None = None
        self.depth = 0
        self.items: list[Any] = []
        self.ended = False
        self.scalars: dict[str, Any] = {}

    def event(self, prefix: str, event: str, value: Any) -> None:
        if self.chosen is None:
            self._search(prefix, event, value)
            if self.chosen is None:
                return
        if self.ended:
            return
        if self.builder is None:
            if prefix == self.chosen and event == "end_array":
                self.ended = True
                return
            if prefix != ("item" if self.chosen == "" else f"{self.chosen}.item"):
                return
            if event not in ("start_map", "start_array"):
                self.items.append(value)
                return
            self.builder = ijson.ObjectBuilder()
        self.builder.event(event, value)
        if event in ("start_map", "start_array"):
            self.depth += 1
        elif event in ("end_map", "end_array"):
            self.depth -= 1
            if self.depth == 0:
                self.items.append(self.builder.value)
                self.builder = None

    def _search(self, prefix: str, event: str, value: Any) -> None:
        if self.skipping is not None:
            if prefix == self.skipping and event == "end_array":
                self.skipping = None
            return
        if self.candidate is not None:
            if prefix == f"{self.candidate}.item" and event == "start_map":
                self.chosen = self.candidate
            else:  # an empty array, or one of scalars or arrays: not the rows
                self.skipping = None if event == "end_array" else self.candidate
            self.candidate = None
            return
        if event == "start_array" and prefix == "":
            self.chosen = ""  # the document is an array: its items are the rows
        elif event == "start_array" and "." not in prefix:
            self.candidate = prefix
        elif prefix and "." not in prefix and event in ("string", "number", "boolean", "null"):
            self.scalars[prefix] = value


async def read_json(
    chunks: AsyncIterator[bytes], window: Window, value_chars: int, geo: bool = False
) -> Rows:
    events = ijson.sendable_list()
    parser = ijson.parse_coro(events, use_float=True)
    found = ArrayItems()
    collector = Collector(window, value_chars)

    def drain() -> None:
        for prefix, event, value in events:
            found.event(prefix, event, value)
        events.clear()
        for item in found.items:
            collector.add(_row_of(item, geo))
        found.items.clear()

    try:
        while not collector.full and not found.ended:
            chunk = await next_chunk(chunks)
            if chunk is None:
                parser.close()
                drain()
                break
            parser.send(chunk)
            drain()
    except ijson.JSONError as exc:
        if not collector.rows:
            raise FileError(f"not valid JSON ({' '.join(str(exc).split())[:200]})") from None
        broken: str | None = (
            f"the JSON is not readable after row {collector.seen}: {str(exc)[:120]}"
        )
    else:
        broken = None
    if found.chosen is None and not collector.rows and found.scalars:
        collector.add(found.scalars)
    details: dict[str, Any] = {}
    if found.chosen is not None:
        details["array"] = found.chosen or "(the document)"
    if broken:
        details["error"] = " ".join(broken.split())
    return collector.result(**details)


async def read_jsonl(chunks: AsyncIterator[bytes], window: Window, value_chars: int) -> Rows:
    collector = Collector(window, value_chars)
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    partial, bad = "", 0

    def take(lines: list[str]) -> None:
        nonlocal bad
        for line in lines:
            if not line.strip() or collector.full:
                continue
            try:
                collector.add(_row_of(json.loads(line), geo=False))
            except ValueError:
                bad += 1

    while not collector.full and (chunk := await next_chunk(chunks)) is not None:
        lines = (partial + decoder.decode(chunk)).split("\n")
        partial = lines.pop()
        if len(partial) > MAX_RECORD_CHARS:
            raise FileError(f"a line of over {MAX_RECORD_CHARS:,} characters: not JSON Lines")
        take(lines)
    if not collector.full:
        take([partial + decoder.decode(b"", final=True)])
    return collector.result(**({"invalid_lines": bad} if bad else {}))
