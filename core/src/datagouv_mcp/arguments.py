"""Shared rules for tool arguments: published schemas and checks, used in annotations.

A tool's arguments are checked once, when the core validates a call against the handler's
signature (before the handler runs). A plugin's `arguments.py` composes its argument types
from these pieces:

    DatasetSort = Annotated[
        str | None, nullable_enum(SORTS_BOTH_WAYS), sort_field(SORTS), Field(description=...)
    ]

- schema pieces: `NULLABLE_STRING`, `NULLABLE_INTEGER`, `nullable_enum(values)`: an optional
  argument accepts null (clients configured for the official server send it) but publishes
  a plain type, since some clients reject the `anyOf` that `str | None` gives;
- rules (pydantic validators): `id_or_slug`, `resource_id`, `one_of`, `sort_field`, `term`,
  `words`, `comma_terms` (on `tuple[str, ...] | None` with `NULLABLE_STRING`). They raise
  `InvalidArgumentError` with our wording, naming the argument and the tool (read from the
  call context), and a hint; the core sends that to the model as is;
- `Page`, `PageSize` and `search_window(page, page_size)`, udata's search window.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Sequence
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field, ValidationInfo, WithJsonSchema

from datagouv_mcp.callcontext import current_tool, offers
from datagouv_mcp.errors import InvalidArgumentError
from datagouv_mcp.text import shown

NULLABLE_STRING = WithJsonSchema({"type": "string"})
NULLABLE_INTEGER = WithJsonSchema({"type": "integer"})

OBJECT_ID = re.compile(r"[0-9a-fA-F]{24}")
# udata slugs are slugified titles: lower-case ASCII letters, digits and dashes.
SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,348}[a-z0-9])?")
SLUG_MAX = 350

# udata's Elasticsearch window: page * page_size may not exceed it.
SEARCH_WINDOW = 10_000
# udata's vocabularies, shared by its searches (datasets, dataservices).
LAST_UPDATE_RANGES = ["last_30_days", "last_12_months", "last_3_years"]
PRODUCER_TYPES = [
    "public-service", "association", "company", "local-authority", "user", "not-specified",
]  # fmt: skip

PAGE_MAX = 100_000  # no listing of the portal goes further
QUERY_MAX = 500  # characters of a search query: longer ones are not searches
Page = Annotated[int, Field(ge=1, le=PAGE_MAX, description="Page number, starting at 1.")]
PageSize = Annotated[int, Field(ge=1, le=100, description="Results per page, 1 to 100.")]


def nullable_enum(values: Sequence[str]) -> WithJsonSchema:
    """A plain string schema listing the allowed values; null still accepted."""
    return WithJsonSchema({"type": "string", "enum": list(values)})


def both_directions(fields: Sequence[str]) -> list[str]:
    """`name` and `-name` for each sortable field, as the schema lists them."""
    return [form for name in fields for form in (name, f"-{name}")]


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# -- ids -----------------------------------------------------------------------------------


def is_object_id(value: str) -> bool:
    return OBJECT_ID.fullmatch(value) is not None


Hint = str | Callable[[], str]
"""A hint, or a function giving it when the error is raised (to name only offered tools)."""


def _hint(hint: Hint) -> str:
    return hint() if callable(hint) else hint


def naming(tool: str, hint: str, otherwise: str) -> Callable[[], str]:
    """A hint that names `tool` while the running server offers it, else `otherwise` (a
    tool of a plugin switched off, or excluded, is never named)."""
    return lambda: hint if offers(tool) else otherwise


def object_id_or_slug(value: str, noun: str, hint: Hint) -> str:
    """A dataset, organization or dataservice id: a 24-hex ObjectId or a slug, canonical.

    Refused before any upstream call, a malformed value (a title, a URL, `../x`) gets a clear
    message instead of a confusing 404, and can never reach another route of the API.
    """
    cleaned = value.strip()
    if is_object_id(cleaned) or SLUG.fullmatch(cleaned.lower()):
        # udata slugifies what it is given before looking a slug up: so do we.
        return cleaned.lower()
    if "/" in cleaned:
        reason = "it contains '/': pass the last part of a page URL, not the URL"
    elif not cleaned:
        reason = "it is empty"
    else:
        reason = (
            "expected a 24-character hexadecimal id (e.g. 5c4ae55a634f4117716d5656) or a slug "
            f"(letters, digits and dashes, at most {SLUG_MAX} characters)"
        )
    raise InvalidArgumentError(f"Invalid {noun} ID {shown(cleaned)}: {reason}.", hint=_hint(hint))


def canonical_uuid(value: str, hint: Hint = "") -> str:
    """A resource id: a UUID (any case, hyphens optional), in canonical form."""
    try:
        return str(uuid.UUID(value.strip()))
    except ValueError:
        raise InvalidArgumentError(
            f"Invalid resource ID {shown(value)}: expected a UUID such as "
            "3f9b1f2e-6c1d-4c8e-9d2a-1b2c3d4e5f60.",
            hint=_hint(hint) or None,
        ) from None


def id_or_slug(noun: str, hint: Hint, *, optional: bool = False) -> AfterValidator:
    """Rule: an ObjectId or slug (see `object_id_or_slug`). When `optional`, blank or null
    reads as not given (None); otherwise blank is refused."""

    def check(value: str | None) -> str | None:
        if value is None or (optional and _blank(value)):
            return None
        return object_id_or_slug(value, noun, hint)

    return AfterValidator(check)


def resource_id(hint: Hint = "", *, optional: bool = False) -> AfterValidator:
    """Rule: a resource UUID, canonical. When `optional`, blank or null reads as not given."""

    def check(value: str | None) -> str | None:
        if value is None or (optional and _blank(value)):
            return None
        return canonical_uuid(value, hint)

    return AfterValidator(check)


# -- choices -------------------------------------------------------------------------------


def one_of(allowed: Sequence[str]) -> AfterValidator:
    """Rule: one of `allowed` (case-insensitive), lower-cased; blank or null is not given."""

    def check(value: str | None, info: ValidationInfo) -> str | None:
        if value is None or not value.strip():
            return None
        cleaned = value.strip()
        if cleaned.lower() in allowed:
            return cleaned.lower()
        argument, tool = info.field_name or "argument", current_tool()
        raise InvalidArgumentError(
            f"Invalid {argument} {shown(cleaned, 60)} for {tool}. "
            f"Allowed values: {', '.join(allowed)}.",
            hint=f"Call {tool} again with one of these values, or without {argument}.",
        )

    return AfterValidator(check)


def sort_field(fields: Sequence[str]) -> AfterValidator:
    """Rule: a sortable field, optionally prefixed with '-' for descending order."""

    def check(value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        cleaned = value.strip()
        bare = cleaned.removeprefix("-").lower()
        if bare in fields:
            return f"-{bare}" if cleaned.startswith("-") else bare
        tool = current_tool()
        raise InvalidArgumentError(
            f"Invalid sort {shown(cleaned, 60)} for {tool}. Allowed values: {', '.join(fields)}, "
            f"each optionally prefixed with '-' for descending order (e.g. -{fields[0]}).",
            hint=f"Call {tool} again with one of these values, or without sort for relevance.",
        )

    return AfterValidator(check)


# -- filter terms --------------------------------------------------------------------------


def comma_terms(
    pattern: str,
    example: str,
    *,
    most: int = 10,
    normalise: Callable[[str], str] = str,
) -> BeforeValidator:
    """Rule of a filter written as comma-separated values, each matching `pattern`, at most
    `most`. Use it on `tuple[str, ...] | None` with `NULLABLE_STRING`: clients write a
    string, as for the official server; the handler receives the terms as a tuple (None when
    not given). A JSON array is accepted too."""
    compiled = re.compile(pattern)

    def split(value: object, info: ValidationInfo) -> object:
        if _blank(value):
            return None
        if not isinstance(value, str):
            return value  # the tuple type refuses it, in pydantic's words
        parts = [part.strip() for part in value.split(",")]
        terms = tuple(normalise(part) for part in parts if part)
        bad = [term for term in terms if not compiled.fullmatch(term)]
        if bad or len(terms) > most:
            argument, tool = info.field_name or "filter", current_tool()
            what = f"value {shown(bad[0], 60)}" if bad else f"more than {most} values"
            raise InvalidArgumentError(
                f"Invalid {argument} filter for {tool}: {what}.",
                hint=f"Expected something like {example!r} (several: comma-separated).",
            )
        return terms

    return BeforeValidator(split)


def term(pattern: str, example: str) -> AfterValidator:
    """Rule of a filter taking one value matching `pattern`; blank or null is not given."""
    compiled = re.compile(pattern)

    def check(value: str | None, info: ValidationInfo) -> str | None:
        if value is None or not value.strip():
            return None
        cleaned = value.strip()
        if compiled.fullmatch(cleaned):
            return cleaned
        argument, tool = info.field_name or "filter", current_tool()
        raise InvalidArgumentError(
            f"Invalid {argument} filter for {tool}: value {shown(cleaned, 60)}.",
            hint=f"Expected something like {example!r}.",
        )

    return AfterValidator(check)


def words(most: int) -> AfterValidator:
    """Rule of free text: whitespace collapsed, at most `most` characters; blank is None."""

    def check(value: str | None) -> str | None:
        collapsed = " ".join((value or "").split())[:most]
        return collapsed or None

    return AfterValidator(check)


# -- paging --------------------------------------------------------------------------------


def search_window(page: int, page_size: int) -> None:
    """udata refuses pages past its search window; say so before asking it."""
    if page * page_size > SEARCH_WINDOW:
        raise InvalidArgumentError(
            f"page {page} with page_size {page_size} reaches past result {SEARCH_WINDOW}, the "
            f"furthest data.gouv.fr's search goes (with this page_size, page <= "
            f"{SEARCH_WINDOW // page_size}).",
            hint=f"Narrow the query or add filters instead of paging further with "
            f"{current_tool()}.",
        )


def reachable(page: int, page_size: int) -> bool:
    """Whether a search page is within udata's window."""
    return page * page_size <= SEARCH_WINDOW
