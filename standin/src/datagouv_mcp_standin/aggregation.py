"""Aggregation queries (`col__groupby`, `col__count|avg|min|max|sum`), as PostgREST runs them."""

from __future__ import annotations

from functools import cmp_to_key
from typing import Any

from datagouv_mcp_standin.tabular_engine import Plan, RowSource, Schema, matching
from datagouv_mcp_standin.tabular_query import Query


class _Accumulator:
    __slots__ = ("count", "maximum", "minimum", "total")

    def __init__(self) -> None:
        self.count = 0
        self.total: Any = 0
        self.minimum: Any = None
        self.maximum: Any = None

    def add(self, value: Any) -> None:
        if value is None:
            return
        self.count += 1
        if isinstance(value, int | float) and not isinstance(value, bool):
            self.total += value
        if self.minimum is None or value < self.minimum:
            self.minimum = value
        if self.maximum is None or value > self.maximum:
            self.maximum = value

    def result(self, operator: str) -> Any:
        if operator == "count":
            return self.count
        if operator == "sum":
            return self.total if self.count else None
        if operator == "avg":
            return self.total / self.count if self.count else None
        return self.minimum if operator == "min" else self.maximum


def aggregate(source: RowSource, query: Query, plan: Plan, schema: Schema) -> list[dict[str, Any]]:
    """Every group's output row, filters applied first, ordered as asked (else by group)."""
    group_positions = [schema.position(c) for c in query.groupby]
    targets = [(schema.position(c), c, op) for c, op in query.aggregates]
    groups: dict[tuple[Any, ...], list[_Accumulator]] = {}
    for row in matching(source, plan):
        key = tuple(row[p] for p in group_positions)
        accumulators = groups.get(key)
        if accumulators is None:
            accumulators = groups[key] = [_Accumulator() for _ in targets]
        for accumulator, (position, _, _) in zip(accumulators, targets, strict=True):
            accumulator.add(row[position])
    if not groups and not query.groupby:
        groups[()] = [_Accumulator() for _ in targets]
    rows = []
    for key, accumulators in groups.items():
        out = dict(zip(query.groupby, key, strict=True))
        for accumulator, (_, column, operator) in zip(accumulators, targets, strict=True):
            out[f"{column}__{operator}"] = accumulator.result(operator)
        rows.append(out)
    order = query.order or [(c, "asc") for c in query.groupby]
    return sorted(rows, key=cmp_to_key(_comparator(order)))


def _comparator(order: list[tuple[str, str]]) -> Any:
    def compare(a: dict[str, Any], b: dict[str, Any]) -> int:
        for name, direction in order:
            x, y = a.get(name), b.get(name)
            if x == y:
                continue
            descending = direction.lower() == "desc"
            if x is None or y is None:  # NULLS LAST ascending, first descending
                result = 1 if x is None else -1
                return -result if descending else result
            result = -1 if x < y else 1
            return -result if descending else result
        return 0

    return compare
