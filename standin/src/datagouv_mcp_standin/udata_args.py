"""udata's argument validation (flask-restx reqparse) and its pagination envelope."""

from __future__ import annotations

from collections.abc import Sequence
from math import ceil
from typing import Any
from urllib.parse import quote, urlencode

from starlette.datastructures import QueryParams

from datagouv_mcp_standin.records import API

NOT_FOUND = (
    "The requested URL was not found on the server. If you entered the URL manually please "
    "check your spelling and try again."
)
SEARCH_WINDOW = 10_000


class ArgumentError(Exception):
    """A 400 (or other) answer with a udata JSON body."""

    def __init__(self, body: dict[str, Any], status: int = 400) -> None:
        super().__init__(str(body))
        self.body = body
        self.status = status


def invalid(name: str, reason: str, help_text: str | None = None) -> ArgumentError:
    message = f"{help_text} {reason}" if help_text else reason
    return ArgumentError({"errors": {name: message}, "message": "Input payload validation failed"})


def first(args: QueryParams, name: str) -> str | None:
    """The first value of a non-repeatable argument (udata ignores the others)."""
    values = args.getlist(name)
    return values[0] if values else None


def positive(args: QueryParams, name: str, default: int, help_text: str) -> int:
    raw = first(args, name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise invalid(name, f"{raw} is not a valid integer", help_text) from None
    if value < 1:
        reason = f"Invalid {name}: {value}. {name} must be a positive integer"
        raise invalid(name, reason, help_text)
    return value


def choice(
    args: QueryParams, name: str, choices: Sequence[str], help_text: str | None = None
) -> str | None:
    raw = first(args, name)
    if raw is None:
        return None
    if raw not in choices:
        raise invalid(name, f"The value '{raw}' is not a valid choice for '{name}'.", help_text)
    return raw


def boolean(args: QueryParams, name: str) -> str | None:
    raw = first(args, name)
    if raw is None:
        return None
    lowered = raw.lower()
    if lowered in ("true", "1", "on"):
        return "true"
    if lowered in ("false", "0", "off"):
        return "false"
    raise invalid(name, f"Invalid literal for boolean(): {raw}")


def sort_choices(keys: Sequence[str]) -> list[str]:
    return [*keys, *(f"-{k}" for k in keys)]


def paging(args: QueryParams, default_size: int) -> tuple[int, int]:
    page = positive(args, "page", 1, "The page to display")
    page_size = positive(args, "page_size", default_size, "The page size")
    return page, page_size


def check_window(page: int, page_size: int) -> None:
    """The search endpoints' Elasticsearch window: page * page_size <= 10000."""
    if page * page_size > SEARCH_WINDOW:
        max_page = SEARCH_WINDOW // page_size
        raise ArgumentError(
            {
                "message": f"Result window is too large: page {page} with page_size "
                f"{page_size} exceeds the maximum of {SEARCH_WINDOW} results. Maximum page "
                f"for this page_size is {max_page}."
            }
        )


def page_url(path: str, args: QueryParams, page: int) -> str:
    """`path` on the production API with every argument repeated and `page` set."""
    pairs = [(k, v) for k, v in args.multi_items() if k != "page"]
    if "page" in args:
        position = [k for k, _ in args.multi_items()].index("page")
        pairs.insert(position, ("page", str(page)))
    else:
        pairs.append(("page", str(page)))
    return f"{API}{path}?{urlencode(pairs, quote_via=quote)}"


def envelope(
    data: list[Any], path: str, args: QueryParams, page: int, page_size: int, total: int
) -> dict[str, Any]:
    """`{data, page, page_size, total, next_page, previous_page}` with absolute links."""
    last_page = ceil(total / page_size) if total else 0
    return {
        "data": data,
        "next_page": page_url(path, args, page + 1) if page < last_page else None,
        "page": page,
        "page_size": page_size,
        "previous_page": page_url(path, args, page - 1) if page > 1 else None,
        "total": total,
    }
