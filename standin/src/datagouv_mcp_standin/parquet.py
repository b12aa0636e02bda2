"""Parquet exports of the Tabular API's tables, as hydra publishes them
(`extras["analysis:parsing:parquet_url"]`, §4.3 of the upstream reference).

An export holds exactly the rows of the resource's table (the rows the Tabular API serves and
the resource's file holds), typed from its columns. It is written with DuckDB on the first
request, through a CSV of the rows, and kept on disk for the stand-in's life.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import threading
import weakref
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response

from datagouv_mcp_standin.catalog import Catalogue, canonical_uuid
from datagouv_mcp_standin.file_formats import csv_chunks
from datagouv_mcp_standin.records import PARQUET_URL
from datagouv_mcp_standin.tables import Table, TableRegistry

_DUCKDB_TYPES = {
    "string": "VARCHAR",
    "int": "BIGINT",
    "float": "DOUBLE",
    "bool": "BOOLEAN",
    "date": "DATE",
    "datetime": "TIMESTAMP",
    "json": "VARCHAR",
}


class ParquetExports:
    """The exports of one stand-in, by the name in their URL (a resource id, or the name a
    recorded `parquet_url` gives)."""

    def __init__(self, catalogue: Catalogue, tables: TableRegistry) -> None:
        self._catalogue = catalogue
        self._tables = tables
        self._folder = Path(tempfile.mkdtemp(prefix="datagouv-mcp-standin-parquet-"))
        self._finalizer = weakref.finalize(self, shutil.rmtree, self._folder, True)
        self._lock = threading.Lock()
        self._written: dict[str, Path] = {}
        self._names: dict[str, str] | None = None

    def _recorded_names(self) -> dict[str, str]:
        if self._names is None:
            names = {}
            for rid, (resource, _) in self._catalogue.resources.items():
                url = str((resource.get("extras") or {}).get(PARQUET_URL) or "")
                if url:
                    names[url.rsplit("/", 1)[-1].removesuffix(".parquet")] = rid
            self._names = names
        return self._names

    def resource_id(self, name: str) -> str | None:
        stem = name.removesuffix(".parquet")
        return self._recorded_names().get(stem) or canonical_uuid(stem)

    def path(self, name: str) -> Path | None:
        """The export's file, written on first use; None when no table backs the name."""
        rid = self.resource_id(name)
        table = self._tables.get(rid) if rid else None
        if rid is None or table is None:
            return None
        with self._lock:
            if rid not in self._written:
                self._written[rid] = _write(table, self._folder / f"{rid}.parquet")
            return self._written[rid]


def _write(table: Table, target: Path) -> Path:
    import duckdb  # only when an export is asked for: a second or more for a large table

    rows_csv = target.with_suffix(".csv")
    with rows_csv.open("wb") as out:
        for chunk in csv_chunks(table.names, (row[1:] for row in table.rows())):
            out.write(chunk)
    types = {c.name: _DUCKDB_TYPES.get(c.python_type, "VARCHAR") for c in table.columns}
    with duckdb.connect() as connection:
        try:
            relation = connection.read_csv(str(rows_csv), header=True, dtype=types, na_values=[""])
            relation.write_parquet(str(target))
        except duckdb.Error:  # a recorded row that does not fit its column's type
            relation = connection.read_csv(str(rows_csv), header=True, all_varchar=True)
            relation.write_parquet(str(target))
    rows_csv.unlink()
    return target


async def parquet_export(request: Request) -> Response:
    """`/parquet/{name}`: a table's Parquet export."""
    exports: ParquetExports = request.app.state.parquet
    # Written in a worker thread: a large table takes seconds, and the loop serves the rest.
    path = await asyncio.to_thread(exports.path, request.path_params["name"])
    if path is None:
        return Response("Not Found", 404, media_type="text/plain")
    return FileResponse(path, media_type="application/vnd.apache.parquet")
