"""Parsing Tabular and Metrics API query strings, as api-tabular does.

The raw query string is split on `&` and each part on `=` before any decoding; the last `__`
of a name separates the operator. Errors carry the status, title and detail api-tabular
answers with, so the handlers only have to serialise them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote_plus

PAGE_SIZE_DEFAULT = 20
PAGE_SIZE_MAX = 50

FILTER_OPERATORS = frozenset(
    {
        "exact", "differs", "contains", "notcontains", "in", "notin", "less", "greater",
        "strictly_less", "strictly_greater", "isnull", "isnotnull",
    }
)  # fmt: skip
VALUELESS = frozenset({"isnull", "isnotnull"})
AGGREGATORS = frozenset({"groupby", "count", "avg", "min", "max", "sum"})


class QueryError(Exception):
    """An error api-tabular answers as JSON `{"errors": [{code, title, detail}]}`."""

    def __init__(self, status: int, title: str, detail: str | dict[str, Any]) -> None:
        super().__init__(title)
        self.status = status
        self.title = title
        self.detail = detail


class PlainError(Exception):
    """An error aiohttp answers as plain text (404 for an unknown rid, 500 on bad paging)."""

    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status = status
        self.text = text


def malformed(message: str) -> QueryError:
    return QueryError(400, "Invalid query string", f"Malformed query: {message}")


@dataclass(frozen=True)
class Condition:
    column: str
    operator: str
    value: str | None


@dataclass(frozen=True)
class Group:
    kind: str  # "and" | "or"
    items: tuple[Condition | Group, ...]


@dataclass
class Query:
    parts: list[str]
    page: int = 1
    page_size: int = PAGE_SIZE_DEFAULT
    where: list[Condition | Group] = field(default_factory=list)
    order: list[tuple[str, str]] = field(default_factory=list)
    columns: list[str] | None = None
    groupby: list[str] = field(default_factory=list)
    aggregates: list[tuple[str, str]] = field(default_factory=list)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size if self.page > 1 else 0

    @property
    def aggregated(self) -> bool:
        return bool(self.groupby or self.aggregates)

    @property
    def aggregator_names(self) -> list[str]:
        names = ["groupby"] if self.groupby else []
        return names + list(dict.fromkeys(op for _, op in self.aggregates))


def read_paging(raw_query: str, page_size_max: int = PAGE_SIZE_MAX) -> Query:
    """The query's paging, checked first as api-tabular does (step 1 of its evaluation)."""
    parts = [part for part in raw_query.split("&") if part]
    arguments = dict(parse_qsl(raw_query, keep_blank_values=True))
    try:
        page = int(arguments.get("page", "1"))
        page_size = int(arguments.get("page_size", str(PAGE_SIZE_DEFAULT)))
    except ValueError:
        # aiohttp turns the handler's uncaught ValueError into its default 500 page.
        raise PlainError(500, "500 Internal Server Error\n\nServer got itself in trouble") from None
    if page_size > page_size_max:
        raise QueryError(
            400, "Invalid query string", f"Page size exceeds allowed maximum: {page_size_max}"
        )
    return Query(parts=parts, page=page, page_size=page_size)


def parse_arguments(query: Query, indexes: set[str] | None = None) -> Query:
    """Fill `query` from its parts; raise QueryError as api-tabular would."""
    for part in query.parts:
        if part.startswith("or=("):
            query.where.append(_parse_group(part[len("or=") :], "or"))
            continue
        pieces = part.split("=")
        if len(pieces) == 2:
            _add_argument(query, pieces[0], pieces[1], part)
        elif len(pieces) == 1:
            name = unquote_plus(pieces[0])
            if "__" not in name:
                raise malformed(f"argument '{part}' could not be parsed")
            column, operator = _split_operator(name)
            if operator in VALUELESS:
                query.where.append(Condition(column, operator, None))
            elif operator in AGGREGATORS:
                if indexes is not None and column not in indexes:
                    raise QueryError(
                        403,
                        "Unauthorized parameters",
                        f"{column} is not among the allowed columns: {indexes}",
                    )
                if operator == "groupby":
                    query.groupby.append(column)
                else:
                    query.aggregates.append((column, operator))
            else:
                raise malformed(f"argument '{part}' could not be parsed")
        else:
            raise malformed(f"argument '{part}' could not be parsed")
    if query.columns is not None and query.aggregated:
        raise malformed("the argument `columns` cannot be set alongside aggregators")
    return query


def _split_operator(name: str) -> tuple[str, str]:
    column, _, operator = name.rpartition("__")
    return column, operator.lower()


def _add_argument(query: Query, raw_name: str, raw_value: str, part: str) -> None:
    name, value = unquote_plus(raw_name), unquote_plus(raw_value)
    if name in ("page", "page_size"):
        return
    if name == "columns":
        if '"' in value:
            raise malformed(f"argument '{part}' could not be parsed")
        query.columns = [c for c in value.split(",") if c]
        return
    if "__" not in name:
        raise malformed(f"argument '{part}' could not be parsed")
    column, operator = _split_operator(name)
    if operator == "sort":
        query.order.append((column, value))
    elif operator in FILTER_OPERATORS and operator not in VALUELESS:
        query.where.append(Condition(column, operator, value))
    else:
        raise malformed(f"argument '{part}' could not be parsed")


def _split_top_level(text: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in text:
        depth += char == "("
        depth -= char == ")"
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    return [*parts, current] if current else parts


_QUOTED_COLUMN = re.compile(r'^"([^"]*)"__([a-zA-Z_]+)\.(.*)$')


def _parse_group(text: str, kind: str) -> Group:
    """`(a__exact.1,b__isnull,and(...))` into a Group (quotes protect dots, as upstream)."""
    if not (text.startswith("(") and text.endswith(")")):
        raise malformed(f"argument '{kind}={text}' could not be parsed")
    items: list[Condition | Group] = []
    for raw_item in _split_top_level(unquote_plus(text[1:-1])):
        item = raw_item.strip()
        if item.startswith(("and(", "or(")):
            nested = item.split("(", 1)[0]
            items.append(_parse_group(item[len(nested) :], nested))
            continue
        if item.endswith(("__isnull", "__isnotnull")):
            column, operator = _split_operator(item.replace('"', ""))
            items.append(Condition(column, operator, None))
            continue
        match = _QUOTED_COLUMN.match(item)
        if match:
            column, operator, value = match.group(1), match.group(2).lower(), match.group(3)
        else:
            head, dot, value = item.partition(".")
            if not dot or "__" not in head:
                raise malformed(f"argument '{item}' could not be parsed")
            column, operator = _split_operator(head)
        value = value[1:-1] if len(value) > 1 and value[0] == value[-1] == '"' else value
        if operator in ("sort", "page", "page_size", "columns") or column in ("page", "columns"):
            raise malformed(f"Argument `{column}__{operator}` can't be set within an operator")
        if operator not in FILTER_OPERATORS:
            raise malformed(f"argument '{item}' could not be parsed")
        items.append(Condition(column, operator, value))
    return Group(kind, tuple(items))
