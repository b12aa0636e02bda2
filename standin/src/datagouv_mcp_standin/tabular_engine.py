"""Running a parsed query over rows, with PostgREST's semantics and error bodies.

Rows are tuples `(__id, *values)` streamed in `__id` order. Unsorted pages stream (memory
bounded by the page), sorted pages keep only the top `offset + page_size` rows, so a query
over a large table or a 100 000-dataset metrics view never holds every row at once.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cmp_to_key
from itertools import islice
from typing import Any

from datagouv_mcp_standin.table_families import Column, Values
from datagouv_mcp_standin.tabular_query import Condition, Group, Query, QueryError

EXPORT_LIMIT = 50_000
_PG_TYPES = {
    "string": "text",
    "int": "integer",
    "float": "double precision",
    "bool": "boolean",
    "date": "date",
    "datetime": "timestamp without time zone",
    "json": "json",
}
_TEXTUAL = frozenset({"string", "date", "datetime"})
_NUMERIC = frozenset({"int", "float"})
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_LIST_ITEM = re.compile(r'"([^"]*)"|([^,]+)')

RowSource = Callable[[], Iterable[Values]]
Predicate = Callable[[Values], bool]


def database_error(status: int, code: str, message: str, hint: str | None = None) -> QueryError:
    detail = {"code": code, "details": None, "hint": hint, "message": message}
    return QueryError(status, "Database error", detail)


@dataclass(frozen=True)
class Schema:
    relation: str  # the table name PostgREST would quote in its errors
    columns: tuple[Column, ...]

    def position(self, name: str) -> int:
        if name == "__id":
            return 0
        for index, column in enumerate(self.columns, start=1):
            if column.name == name:
                return index
        raise database_error(400, "42703", f"column {self.relation}.{name} does not exist")

    def type_of(self, name: str) -> str:
        position = self.position(name)
        return "int" if position == 0 else self.columns[position - 1].python_type


def _coerce(value: str, kind: str) -> Any:
    def invalid(code: str = "22P02") -> QueryError:
        return database_error(
            400, code, f'invalid input syntax for type {_PG_TYPES[kind]}: "{value}"'
        )

    try:
        if kind == "int":
            return int(value)
        if kind == "float":
            return float(value)
    except ValueError:
        raise invalid() from None
    if kind == "bool":
        lowered = value.strip().lower()
        if lowered in ("true", "t", "yes", "y", "on", "1"):
            return True
        if lowered in ("false", "f", "no", "n", "off", "0"):
            return False
        raise invalid()
    if kind == "date" and not _DATE.match(value):
        raise invalid("22007")
    return value


def _compile_condition(condition: Condition, schema: Schema) -> Predicate:
    i = schema.position(condition.column)
    kind = schema.type_of(condition.column)
    op = condition.operator
    if op == "isnull":
        return lambda row: row[i] is None
    if op == "isnotnull":
        return lambda row: row[i] is not None
    raw = condition.value or ""
    if op in ("contains", "notcontains"):
        if kind not in _TEXTUAL:
            raise database_error(
                404,
                "42883",
                f"operator does not exist: {_PG_TYPES[kind]} ~~* unknown",
                "No operator matches the given name and argument types. "
                "You might need to add explicit type casts.",
            )
        needle = raw.replace("*", "").casefold()
        if op == "contains":
            return lambda row: row[i] is not None and needle in str(row[i]).casefold()
        return lambda row: row[i] is not None and needle not in str(row[i]).casefold()
    if op in ("in", "notin"):
        items = {_coerce(a if a or not b else b, kind) for a, b in _LIST_ITEM.findall(raw)}
        if op == "in":
            return lambda row: row[i] is not None and row[i] in items
        return lambda row: row[i] is not None and row[i] not in items
    value = _coerce(raw, kind)
    if op == "exact":
        return lambda row: row[i] is not None and row[i] == value
    if op == "differs":
        return lambda row: row[i] != value
    if op == "less":
        return lambda row: row[i] is not None and row[i] <= value
    if op == "greater":
        return lambda row: row[i] is not None and row[i] >= value
    if op == "strictly_less":
        return lambda row: row[i] is not None and row[i] < value
    return lambda row: row[i] is not None and row[i] > value


def _compile(item: Condition | Group, schema: Schema) -> Predicate:
    if isinstance(item, Condition):
        return _compile_condition(item, schema)
    parts = [_compile(sub, schema) for sub in item.items]
    if item.kind == "or":
        return lambda row: any(p(row) for p in parts)
    return lambda row: all(p(row) for p in parts)


def _order_comparator(
    order: list[tuple[int, bool]],
) -> Callable[[Values, Values], int]:
    """PostgreSQL ordering: NULLS LAST ascending, NULLS FIRST descending; ties by __id."""

    def compare(a: Values, b: Values) -> int:
        for i, descending in order:
            x, y = a[i], b[i]
            if x == y:
                continue
            if x is None or y is None:
                result = 1 if x is None else -1
                return -result if descending else result
            result = -1 if x < y else 1
            return -result if descending else result
        return int(a[0] > b[0]) - int(a[0] < b[0])

    return compare


@dataclass
class Plan:
    predicate: Predicate | None
    order: list[tuple[int, bool]]
    output: list[tuple[str, int]]  # (name, position) of each output field


def compile_plan(query: Query, schema: Schema) -> Plan:
    """Validate columns, types and sort directions; raise QueryError like PostgREST."""
    predicates = [_compile(item, schema) for item in query.where]
    order = []
    for column, direction in query.order:
        position = schema.position(column) if not query.aggregated else -1
        if direction.lower() not in ("asc", "desc"):
            raise database_error(
                400,
                "PGRST100",
                f'"failed to parse order ({column}.{direction})" (line 1, column '
                f"{len(column) + 2})",
            )
        order.append((position, direction.lower() == "desc"))
    if query.columns is not None:
        output = [(name, schema.position(name)) for name in query.columns]
    else:
        output = [("__id", 0)] + [(c.name, n) for n, c in enumerate(schema.columns, start=1)]
    predicate = None
    if predicates:
        predicate = (
            predicates[0] if len(predicates) == 1 else (lambda row: all(p(row) for p in predicates))
        )
    for column, operator in query.aggregates:
        kind = schema.type_of(column)
        if operator in ("avg", "sum") and kind not in _NUMERIC:
            raise database_error(
                404,
                "42883",
                f"function {operator}({_PG_TYPES[kind]}) does not exist",
                "No function matches the given name and argument types. "
                "You might need to add explicit type casts.",
            )
    for column in query.groupby:
        schema.position(column)
    return Plan(predicate, order, output)


def matching(source: RowSource, plan: Plan) -> Iterator[Values]:
    rows = iter(source())
    return rows if plan.predicate is None else filter(plan.predicate, rows)


def project(row: Values, plan: Plan) -> dict[str, Any]:
    return {name: row[position] for name, position in plan.output}


def run_page(source: RowSource, query: Query, plan: Plan) -> tuple[list[dict[str, Any]], int]:
    """One page of rows and the total number of matches."""
    limit = query.page_size or None  # page_size=0 means no limit (an api-tabular quirk)
    start = query.offset
    total = 0

    def counted(rows: Iterator[Values]) -> Iterator[Values]:
        nonlocal total
        for row in rows:
            total += 1
            yield row

    rows = counted(matching(source, plan))
    if len(plan.order) == 1 and limit is not None:
        # One sort column (the common case): a plain key, much cheaper than a comparator.
        # The null flag comes first, so a None value is never compared with a real one.
        i, descending = plan.order[0]
        if descending:
            picked = heapq.nlargest(
                start + limit, rows, key=lambda r: (r[i] is None, _or_zero(r[i]), -r[0])
            )[start:]
        else:
            picked = heapq.nsmallest(
                start + limit, rows, key=lambda r: (r[i] is None, _or_zero(r[i]), r[0])
            )[start:]
    elif plan.order:
        key = cmp_to_key(_order_comparator(plan.order))
        if limit is None:
            picked = sorted(rows, key=key)[start:]
        else:
            picked = heapq.nsmallest(start + limit, rows, key=key)[start:]
    else:
        stop = None if limit is None else start + limit
        picked = list(islice(rows, start, stop))
        for _ in rows:  # count the rest
            pass
    return [project(row, plan) for row in picked], total


def _or_zero(value: Any) -> Any:
    return 0 if value is None else value


def run_all(source: RowSource, plan: Plan) -> tuple[int, Callable[[], Iterator[dict[str, Any]]]]:
    """The number of matches, and a generator factory yielding them in order (exports)."""
    total = sum(1 for _ in matching(source, plan))

    def generate() -> Iterator[dict[str, Any]]:
        rows: Iterable[Values] = matching(source, plan)
        if plan.order:
            rows = sorted(rows, key=cmp_to_key(_order_comparator(plan.order)))
        for row in rows:
            yield project(row, plan)

    return total, generate
