"""Tabular API tables: which resources have one, their columns and their (lazy) rows."""

from __future__ import annotations

import hashlib
import json
import random
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from datagouv_mcp_standin.catalog import Catalogue, canonical_uuid
from datagouv_mcp_standin.records import Json
from datagouv_mcp_standin.sample_files import TABLE_FAMILY, TABLES
from datagouv_mcp_standin.table_families import (
    FAMILIES,
    Column,
    Values,
    family_for,
    generate_rows,
)

# A crawler exception is a resource loaded despite its size: give it more rows than the
# 50 000-row export cap, so "Output is too long" can be exercised.
EXCEPTION_ROWS = 60_000
_GENERATED_CACHE = 64

PARSING_TABLE = "analysis:parsing:parsing_table"


def digest(text: str) -> int:
    return int(hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()[:12], 16)


@dataclass
class Table:
    rid: str
    dataset_id: str | None
    parsing_table: str
    created_at: str
    url: str
    family: str
    columns: tuple[Column, ...]
    row_count: int
    recorded_rows: dict[int, Json] = field(default_factory=dict)
    recorded_profile: Json | None = None
    recorded_meta: Json | None = None
    _rows: list[Values] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def rows(self) -> list[Values]:
        """Every row as `(__id, *values)`, generated on first use."""
        with self._lock:
            if self._rows is None:
                self._rows = self._build_rows()
            return self._rows

    def _build_rows(self) -> list[Values]:
        seed = digest(self.rid)
        family_columns = FAMILIES[self.family][0]
        if [c.name for c in family_columns] == self.names:
            rows = list(generate_rows(self.family, seed, self.row_count))
        else:
            rng = random.Random(seed)  # noqa: S311 - reproducible test data
            rows = [
                (n, *(_generic_value(rng, c, n) for c in self.columns))
                for n in range(1, self.row_count + 1)
            ]
        for row_id, recorded in self.recorded_rows.items():
            if 1 <= row_id <= len(rows):
                rows[row_id - 1] = (row_id, *(recorded.get(c.name) for c in self.columns))
        return rows


def _generic_value(rng: random.Random, column: Column, n: int) -> Any:
    kind = column.python_type
    if kind == "int":
        return rng.randrange(0, 10_000)
    if kind == "float":
        return round(rng.uniform(0, 1000), 3)
    if kind == "bool":
        return rng.random() < 0.5
    if kind in ("date", "datetime"):
        day = f"20{rng.randrange(10, 26)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"
        return day if kind == "date" else f"{day}T{rng.randrange(24):02d}:00:00"
    if kind == "json":
        return json.dumps({"n": n})
    return f"{column.name} {n}"


def _columns_of_profile(profile: Json) -> tuple[Column, ...] | None:
    body = profile.get("profile") if isinstance(profile.get("profile"), dict) else None
    if not body or not isinstance(body.get("columns"), dict):
        return None
    header = body.get("header") or list(body["columns"])
    columns = []
    for name in header:
        spec = body["columns"].get(name) or {}
        kind = str(spec.get("python_type") or "string")
        columns.append(Column(str(name), kind, str(spec.get("format") or kind)))
    return tuple(columns)


def _columns_of_rows(rows: dict[int, Json]) -> tuple[Column, ...]:
    """Columns inferred from recorded rows (first row's keys, types from the values)."""
    first = next(iter(rows.values()))
    columns = []
    for name, value in first.items():
        if name == "__id":
            continue
        kind = "string"
        if isinstance(value, bool):
            kind = "bool"
        elif isinstance(value, int):
            kind = "int"
        elif isinstance(value, float):
            kind = "float"
        elif isinstance(value, str) and len(value) == 10 and value[4] == value[7] == "-":
            kind = "date"
        columns.append(Column(name, kind, "booleen" if kind == "bool" else kind))
    return tuple(columns)


def _family_matching(columns: tuple[Column, ...] | None) -> str | None:
    if columns is None:
        return None
    names = [c.name for c in columns]
    for family, (family_columns, _) in FAMILIES.items():
        if [c.name for c in family_columns] == names:
            return family
    return None


class TableRegistry:
    """Resolves a resource id to its table, building tables on first request."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue
        self._tables: dict[str, Table] = {}
        self._generated: OrderedDict[str, Table] = OrderedDict()
        self._lock = threading.Lock()
        self.exceptions = self._crawler_exceptions()
        aggregation = catalogue.aggregation_exceptions
        self.aggregation_all = bool(
            isinstance(aggregation, dict) and aggregation.get("allowed") is True
        )
        self.aggregation_rids: set[str] = set()
        if isinstance(aggregation, dict):
            for key in ("allowed", "exceptions"):
                if isinstance(aggregation.get(key), list):
                    self.aggregation_rids.update(str(r) for r in aggregation[key])
        self.known = self._explicit_rids()

    def _crawler_exceptions(self) -> dict[str, set[str] | None]:
        out: dict[str, set[str] | None] = {}
        for item in self.catalogue.crawler_exceptions:
            rid = canonical_uuid(str(item.get("resource_id") or ""))
            if rid is None:
                continue
            raw = item.get("table_indexes")
            try:
                indexes = json.loads(raw) if isinstance(raw, str) else raw
            except ValueError:
                indexes = None
            out[rid] = set(indexes) if isinstance(indexes, dict) and indexes else None
        return out

    def _explicit_rids(self) -> set[str]:
        rids = {
            rid
            for rid, (resource, _) in self.catalogue.resources.items()
            if PARSING_TABLE in (resource.get("extras") or {})
        }
        rids.update(self.catalogue.tabular_seeds)
        rids.update(r for r in self.aggregation_rids if canonical_uuid(r) == r)
        return rids

    def aggregation_allowed(self, rid: str) -> bool:
        return self.aggregation_all or rid in self.aggregation_rids

    def indexes(self, rid: str) -> set[str] | None:
        return self.exceptions.get(rid)

    def get(self, rid: str) -> Table | None:
        with self._lock:
            table = self._tables.get(rid) or self._generated.get(rid)
            if table is not None:
                return table
            table = self._create(rid)
            if table is None:
                return None
            if rid in self.known:
                self._tables[rid] = table
            else:
                self._generated[rid] = table
                if len(self._generated) > _GENERATED_CACHE:
                    self._generated.popitem(last=False)
            return table

    def _create(self, rid: str) -> Table | None:
        found = self.catalogue.resource(rid)
        seed = self.catalogue.tabular_seeds.get(rid)
        resource, dataset_id = found if found else ({}, None)
        extras = resource.get("extras") or {}
        if PARSING_TABLE not in extras and rid not in self.known:
            return None
        meta = seed.meta if seed else None
        url = str(resource.get("url") or (meta or {}).get("url") or "")
        if not url:
            url = f"https://static.data.gouv.fr/resources/standin/{rid}.csv"
        columns = _columns_of_profile(seed.profile) if seed and seed.profile else None
        if columns is None and seed and seed.rows:
            columns = _columns_of_rows(seed.rows)
        family = _family_matching(columns) or family_for(f"{resource.get('title') or ''} {url}")
        count = 200 + digest(rid) % 2800
        if rid in TABLES:  # the sample tables of a known size
            family, count = TABLE_FAMILY, TABLES[rid][0]
        if rid in self.exceptions:
            count = EXCEPTION_ROWS
        if seed and seed.total:
            count = seed.total
        if seed and seed.rows:
            count = max(count, *seed.rows)
        if seed and seed.profile:
            dataset_id = dataset_id or seed.profile.get("dataset_id")
        return Table(
            rid=rid,
            dataset_id=dataset_id,
            parsing_table=str(
                extras.get(PARSING_TABLE)
                or hashlib.md5(rid.encode(), usedforsecurity=False).hexdigest()
            ),
            created_at=str(
                (meta or {}).get("created_at")
                or extras.get("analysis:parsing:finished_at")
                or resource.get("created_at")
                or "2026-09-01T00:00:00.000000+00:00"
            ),
            url=url,
            family=family,
            columns=columns or FAMILIES[family][0],
            row_count=count,
            recorded_rows=dict(seed.rows) if seed else {},
            recorded_profile=seed.profile if seed else None,
            recorded_meta=meta,
        )
