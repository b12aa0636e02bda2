"""The SQL worker: a process of its own that runs DuckDB, one job at a time, over JSON lines
(a job on stdin, its answer on stdout). The server never imports DuckDB.

Why a process: the SQL is written by a model that reads untrusted catalogue text, so it is
treated as code. A process has its own address-space limit (RLIMIT_AS), its own temporary
directory and no secret of the server's in its environment; when a query outlives its time
the server can kill it whatever DuckDB is doing, and a crash takes down this worker only.

Every job opens a fresh in-memory DuckDB whose configuration is locked before any SQL of the
client runs: no extension installed or loaded, no file but the job's own (`allowed_paths`
with `enable_external_access` off), a memory limit, a thread limit, a temporary-directory
limit. The client's SQL must parse, with DuckDB's own parser, as exactly one SELECT; a timer
interrupts it at the time limit.

Run as `python -I -m datagouv_mcp_sql.sandbox '<limits as JSON>'`. Imports nothing of the
gateway.
"""

from __future__ import annotations

import base64
import datetime
import decimal
import json
import math
import os
import resource
import sys
import threading
import time
import uuid
from typing import IO, Any

import duckdb

REPLY_MAX_BYTES = 8_000_000  # rows past this size are left out, and the answer says so


class Refused(Exception):
    """A statement this worker will not run (kind, message)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def connect(limits: dict[str, Any], paths: list[str]) -> duckdb.DuckDBPyConnection:
    """A fresh in-memory database that can read (and write) `paths` and nothing else."""
    connection = duckdb.connect(
        ":memory:",
        config={
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
            "allow_community_extensions": False,
            "allow_unsigned_extensions": False,
            "memory_limit": f"{limits['memory_mb']}MB",
            "threads": int(limits["threads"]),
            "temp_directory": limits["temp_dir"],
            "max_temp_directory_size": f"{limits['temp_max_mb']}MB",
            "extension_directory": os.path.join(limits["temp_dir"], "no-extensions"),
        },
    )
    connection.execute("SET enable_progress_bar = false")
    connection.execute(f"SET allowed_paths = [{', '.join(_literal(p) for p in paths)}]")
    connection.execute("SET enable_external_access = false")
    connection.execute("SET lock_configuration = true")
    return connection


def check(sql: str) -> None:
    """Exactly one SELECT (or WITH ... SELECT), by DuckDB's own parser."""
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as exc:
        raise Refused("syntax", _message(exc)) from None
    if len(statements) != 1:
        raise Refused("statements", f"one statement only, and this text holds {len(statements)}")
    kind = statements[0].type
    if kind != duckdb.StatementType.SELECT:
        name = str(kind).rsplit(".", 1)[-1]
        raise Refused("refused", f"a {name} statement; only a read-only SELECT is run")


def _message(exc: BaseException) -> str:
    """DuckDB's message, without its query excerpt and caret lines."""
    text = str(exc).strip()
    kept = []
    for line in text.splitlines():
        if line.startswith(("LINE ", "Possible Solution", "Possible solutions")):
            break
        if line.strip():
            kept.append(line.strip())
    return " ".join(kept)[:1000] or "the query failed"


def _kind(exc: duckdb.Error) -> str:
    text = str(exc)
    if isinstance(exc, duckdb.InterruptException):
        return "timeout"
    if isinstance(exc, duckdb.OutOfMemoryException) or "max_temp_directory_size" in text:
        return "memory"
    if isinstance(exc, duckdb.PermissionException):
        return "forbidden"
    if isinstance(exc, duckdb.ParserException | duckdb.SyntaxException):
        return "syntax"
    if isinstance(exc, duckdb.BinderException | duckdb.CatalogException):
        return "binder"
    if isinstance(exc, duckdb.ConversionException | duckdb.TypeMismatchException):
        return "type"
    return "sql"


def value(item: Any, chars: int) -> Any:
    """A DuckDB value as JSON: numbers stay numbers, dates ISO text, strings cut at `chars`."""
    if item is None or isinstance(item, bool | int):
        return item
    if isinstance(item, float):
        return item if math.isfinite(item) else str(item)
    if isinstance(item, decimal.Decimal):
        return int(item) if item == item.to_integral_value() else float(item)
    if isinstance(item, str):
        return item if len(item) <= chars else item[: chars - 1] + "…"
    if isinstance(item, datetime.date | datetime.time):
        return item.isoformat()
    if isinstance(item, datetime.timedelta | uuid.UUID):
        return str(item)
    if isinstance(item, bytes | bytearray | memoryview):
        return "base64:" + base64.b64encode(bytes(item)[:chars]).decode()
    if isinstance(item, dict):
        return {str(k): value(v, chars) for k, v in list(item.items())[:100]}
    if isinstance(item, list | tuple):
        return [value(v, chars) for v in item[:100]]
    return str(item)[:chars]


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        count = seen.get(name, 0)
        seen[name] = count + 1
        out.append(name if count == 0 else f"{name}_{count + 1}")
    return out


def _columns(connection: duckdb.DuckDBPyConnection) -> list[dict[str, str]]:
    try:
        described = connection.execute("DESCRIBE data").fetchall()
    except duckdb.Error:
        return []
    return [{"name": str(row[0]), "type": str(row[1])} for row in described]


def _data(connection: duckdb.DuckDBPyConnection, path: str) -> None:
    view = f"CREATE VIEW data AS SELECT * FROM read_parquet({_literal(path)})"  # noqa: S608 - quoted
    connection.execute(view)


def query(job: dict[str, Any], limits: dict[str, Any]) -> dict[str, Any]:
    sql = job["sql"]
    connection = connect(limits, [job["file"]])
    timer = threading.Timer(float(job["timeout"]), connection.interrupt)
    started = time.perf_counter()
    try:
        _data(connection, job["file"])
        try:
            check(sql)
        except Refused as exc:  # a syntax error is answered with the table's columns
            columns = _columns(connection) if exc.kind == "syntax" else []
            return {"ok": False, "error": exc.kind, "message": str(exc), "columns": columns}
        timer.start()
        try:
            connection.execute(sql)
            description = connection.description or []
            names = _unique([str(d[0]) for d in description])
            types = [str(d[1]) for d in description]
            max_rows, chars = int(job["max_rows"]), int(job["value_chars"])
            fetched = connection.fetchmany(max_rows + 1)
            rows, size, cut_by_size = [], 0, False
            for raw in fetched[:max_rows]:
                row = [value(item, chars) for item in raw]
                size += len(json.dumps(row, ensure_ascii=False, default=str))
                if size > REPLY_MAX_BYTES:
                    cut_by_size = True
                    break
                rows.append(row)
        except duckdb.Error as exc:
            kind = _kind(exc)
            columns = _columns(connection) if kind in ("binder", "type") else []
            return {"ok": False, "error": kind, "message": _message(exc), "columns": columns}
        total: int | None = len(fetched)
        if len(fetched) > max_rows:
            total = _count(connection, sql)
    finally:
        timer.cancel()
        connection.close()
    return {
        "ok": True,
        "columns": [{"name": n, "type": t} for n, t in zip(names, types, strict=True)],
        "rows": rows,
        "row_count": total,
        "more": len(fetched) > len(rows),
        "cut_by_size": cut_by_size,
        "elapsed_ms": round((time.perf_counter() - started) * 1000, 1),
    }


def _count(connection: duckdb.DuckDBPyConnection, sql: str) -> int | None:
    """How many rows the query gives in all (its result was cut), or None when counting them
    fails or outlives the time left."""
    counted = f"SELECT count(*) FROM (\n{sql.strip().rstrip(';')}\n) AS counted"  # noqa: S608
    try:
        check(counted)
        found = connection.execute(counted).fetchone()
    except (Refused, duckdb.Error):
        return None
    return int(found[0]) if found else None


def describe(job: dict[str, Any], limits: dict[str, Any]) -> dict[str, Any]:
    connection = connect(limits, [job["file"]])
    timer = threading.Timer(float(job["timeout"]), connection.interrupt)
    try:
        _data(connection, job["file"])
        timer.start()
        columns = _columns(connection)
        count = connection.execute("SELECT count(*) FROM data").fetchone()
        examples: list[list[Any]] = [[] for _ in columns]
        if columns:
            picks = ", ".join(
                f"list_slice(list_distinct(list({_identifier(c['name'])})), 1, "
                f"{int(job['examples'])})"
                for c in columns
            )
            found = connection.execute(
                f"SELECT {picks} FROM (SELECT * FROM data LIMIT 1000)"  # noqa: S608 - quoted
            ).fetchone()
            chars = int(job["value_chars"])
            picked = found or ()
            examples = [[value(v, chars) for v in (picked[i] or [])] for i in range(len(columns))]
    except duckdb.Error as exc:
        return {"ok": False, "error": _kind(exc), "message": _message(exc), "columns": []}
    finally:
        timer.cancel()
        connection.close()
    return {
        "ok": True,
        "columns": [dict(c, examples=e) for c, e in zip(columns, examples, strict=True)],
        "row_count": int(count[0]) if count else 0,
    }


def convert(job: dict[str, Any], limits: dict[str, Any]) -> dict[str, Any]:
    """A CSV (or gzipped CSV) file to Parquet, DuckDB's sniffer deciding the dialect and
    types; latin-1 when the file is not UTF-8; decimal commas read when `;` separates."""
    source, target = job["source"], job["target"]
    connection = connect(limits, [source, target])
    timer = threading.Timer(float(job["timeout"]), connection.interrupt)
    timer.start()
    try:
        last: duckdb.Error | None = None
        for options in _csv_attempts(connection, source):
            try:
                copy = (
                    f"COPY (SELECT * FROM read_csv({_literal(source)}{options})) "  # noqa: S608 - quoted
                    f"TO {_literal(target)} (FORMAT parquet, COMPRESSION zstd)"
                )
                connection.execute(copy)
                return {"ok": True, "options": options.lstrip(", ")}
            except duckdb.InterruptException as exc:
                return {"ok": False, "error": "timeout", "message": _message(exc)}
            except duckdb.Error as exc:
                last = exc
        assert last is not None
        return {"ok": False, "error": "unreadable", "message": _message(last)}
    finally:
        timer.cancel()
        connection.close()


def _csv_attempts(connection: duckdb.DuckDBPyConnection, source: str) -> list[str]:
    delimiter = None
    try:
        sniff = f"SELECT Delimiter FROM sniff_csv({_literal(source)})"  # noqa: S608 - quoted
        sniffed = connection.execute(sniff)
        found = sniffed.fetchone()
        delimiter = found[0] if found else None
    except duckdb.Error:
        pass
    attempts = []
    for encoding in ("", ", encoding = 'latin-1'"):
        if delimiter == ";":
            attempts.append(f"{encoding}, decimal_separator = ','")
        attempts.append(encoding)
    attempts.append(", encoding = 'latin-1', all_varchar = true, ignore_errors = true")
    return attempts


JOBS = {"query": query, "describe": describe, "convert": convert}


def _limit_memory(limits: dict[str, Any]) -> None:
    cap = int(limits["address_space_mb"]) * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    # Core dumps of a process holding catalogue data: none.
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def serve(limits: dict[str, Any], jobs: IO[str], answers: IO[str]) -> None:
    for line in jobs:
        try:
            job = json.loads(line)
            run = JOBS[job["op"]]
            answer = run(job, limits)
        except Refused as exc:
            answer = {"ok": False, "error": exc.kind, "message": str(exc), "columns": []}
        except MemoryError:
            answer = {"ok": False, "error": "memory", "message": "out of memory", "columns": []}
        except Exception as exc:  # a bug here must not kill the worker silently
            answer = {"ok": False, "error": "worker", "message": _message(exc), "columns": []}
        answers.write(json.dumps(answer, ensure_ascii=False, default=str) + "\n")
        answers.flush()


def main() -> None:
    limits = json.loads(sys.argv[1])
    _limit_memory(limits)
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    sys.stdout = sys.stderr  # nothing else may write to the answers' channel
    answers.write(json.dumps({"ok": True, "ready": True, "duckdb": duckdb.__version__}) + "\n")
    answers.flush()
    serve(limits, sys.stdin, answers)


if __name__ == "__main__":
    main()
