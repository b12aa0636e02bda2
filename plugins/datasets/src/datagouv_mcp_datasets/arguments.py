"""Tool arguments: their published schemas, allowed values, and checks with readable errors.

Optional strings keep the official server's names and accept null (clients configured for it
send null), but publish a plain `{"type": "string"}` schema, since some clients reject the
`anyOf` that `str | None` would give. Choice arguments list their values in the schema and in
the error text; the handler checks them, so a bad value gets our message, not pydantic's.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import Field

from datagouv_mcp import InvalidArgumentError
from datagouv_mcp.params import NULLABLE_STRING, nullable_enum

SEARCH_WINDOW = 10_000  # udata's Elasticsearch window: page * page_size may not exceed it

DATASET_SORTS = ["created", "last_update", "reuses", "followers", "views"]
ORGANIZATION_SORTS = ["reuses", "datasets", "followers", "views", "created"]
LAST_UPDATE_RANGES = ["last_30_days", "last_12_months", "last_3_years"]
DATASET_BADGES = ["pivotal-data", "spd", "inspire", "hvd", "sl", "sr"]
ORGANIZATION_BADGES = ["public-service", "certified", "association", "company", "local-authority"]
DATASET_PRODUCER_TYPES = [
    "public-service", "association", "company", "local-authority", "user", "not-specified",
]  # fmt: skip
ORGANIZATION_PRODUCER_TYPES = [t for t in DATASET_PRODUCER_TYPES if t != "user"]
FORMAT_FAMILIES = ["tabular", "machine_readable", "geographical", "documents", "other"]
RESOURCE_TYPES = ["main", "documentation", "update", "api", "code", "other"]


def both_directions(fields: list[str]) -> list[str]:
    return [form for name in fields for form in (name, f"-{name}")]


# -- argument types (the schema is what clients see) ---------------------------------------

Page = Annotated[int, Field(ge=1, description="Page number, starting at 1.")]
PageSize = Annotated[int, Field(ge=1, le=100, description="Results per page, 1 to 100.")]
OptionalText = Annotated[str | None, NULLABLE_STRING]
DatasetSort = Annotated[
    str | None,
    nullable_enum(both_directions(DATASET_SORTS)),
    Field(description="Order: a field, prefixed with '-' for descending. Default: relevance."),
]
LastUpdateRange = Annotated[
    str | None,
    nullable_enum(LAST_UPDATE_RANGES),
    Field(description="Only datasets updated within this range."),
]
DatasetBadge = Annotated[
    str | None,
    nullable_enum(DATASET_BADGES),
    Field(description="Only datasets with this badge (hvd: high-value dataset)."),
]
DatasetProducerType = Annotated[
    str | None,
    nullable_enum(DATASET_PRODUCER_TYPES),
    Field(description="Only datasets whose publisher is of this kind."),
]
FormatFamily = Annotated[
    str | None,
    nullable_enum(FORMAT_FAMILIES),
    Field(description="Only datasets with a resource in this family of formats."),
]
OrganizationSort = Annotated[
    str | None,
    nullable_enum(both_directions(ORGANIZATION_SORTS)),
    Field(description="Order: a field, prefixed with '-' for descending. Default: relevance."),
]
OrganizationBadge = Annotated[
    str | None,
    nullable_enum(ORGANIZATION_BADGES),
    Field(description="Only organizations with this badge."),
]
OrganizationProducerType = Annotated[
    str | None,
    nullable_enum(ORGANIZATION_PRODUCER_TYPES),
    Field(description="Only organizations of this kind."),
]
ResourceType = Annotated[
    str | None,
    nullable_enum(RESOURCE_TYPES),
    Field(description="Only resources of this type (main: the data files)."),
]


# -- checks ----------------------------------------------------------------------------------


def choice(value: str | None, allowed: list[str], argument: str, tool: str) -> str | None:
    """One of `allowed` (case-insensitive), None when not given, else InvalidArgumentError."""
    cleaned = (value or "").strip()
    if not cleaned:
        return None
    if cleaned.lower() in allowed:
        return cleaned.lower()
    shown = cleaned if len(cleaned) <= 60 else cleaned[:57] + "..."
    raise InvalidArgumentError(
        f"Invalid {argument} {shown!r} for {tool}. Allowed values: {', '.join(allowed)}.",
        hint=f"Call {tool} again with one of these values, or without {argument}.",
    )


def sort_choice(value: str | None, fields: list[str], tool: str) -> str | None:
    cleaned = (value or "").strip()
    if not cleaned:
        return None
    bare = cleaned.removeprefix("-").lower()
    if bare in fields:
        return f"-{bare}" if cleaned.startswith("-") else bare
    shown = cleaned if len(cleaned) <= 60 else cleaned[:57] + "..."
    raise InvalidArgumentError(
        f"Invalid sort {shown!r} for {tool}. Allowed values: {', '.join(fields)}, each "
        f"optionally prefixed with '-' for descending order (e.g. -{fields[0]}).",
        hint=f"Call {tool} again with one of these values, or without sort for relevance.",
    )


_TERM = {
    "tag": re.compile(r"[\w.+&'-]{1,100}"),
    "format": re.compile(r"[a-z0-9][a-z0-9.+_-]{0,39}"),
    "granularity": re.compile(r"[a-z][a-z0-9:_-]{0,59}"),
    "license": re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,59}"),
    "geozone": re.compile(r"[a-z][a-z0-9:_.@-]{0,99}"),
}
_EXAMPLES = {
    "tag": "transport,gtfs",
    "format": "csv,parquet",
    "granularity": "fr:commune",
    "license": "lov2",
    "geozone": "fr:departement:13",
}


def terms(value: str | None, argument: str, tool: str, many: bool = True) -> list[str]:
    """A filter's values: comma-separated when the upstream accepts several, each checked."""
    cleaned = (value or "").strip()
    if not cleaned:
        return []
    parts = [part.strip() for part in cleaned.split(",")] if many else [cleaned]
    values = [part.lower() if argument == "format" else part for part in parts if part]
    pattern = _TERM[argument]
    bad = [part for part in values if not pattern.fullmatch(part)]
    if bad or len(values) > 10:
        what = f"value {bad[0][:60]!r}" if bad else "more than 10 values"
        several = " (several: comma-separated)" if many else ""
        raise InvalidArgumentError(
            f"Invalid {argument} filter for {tool}: {what}.",
            hint=f"Expected something like {_EXAMPLES[argument]!r}{several}.",
        )
    return values


_TEMPORAL = re.compile(r"\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}")


def temporal_range(value: str | None, tool: str) -> str | None:
    cleaned = (value or "").strip()
    if not cleaned:
        return None
    if not _TEMPORAL.fullmatch(cleaned) or cleaned[:10] > cleaned[11:]:
        raise InvalidArgumentError(
            f"Invalid temporal_coverage {cleaned[:60]!r} for {tool}: expected "
            "YYYY-MM-DD-YYYY-MM-DD, start before end (e.g. 2020-01-01-2020-12-31).",
            hint="Datasets whose coverage contains this whole range are returned.",
        )
    return cleaned


def within_window(page: int, page_size: int, tool: str) -> None:
    """udata refuses pages past its search window; say so before asking it."""
    if page * page_size > SEARCH_WINDOW:
        raise InvalidArgumentError(
            f"page {page} with page_size {page_size} reaches past result {SEARCH_WINDOW}, the "
            f"furthest data.gouv.fr's search goes (with this page_size, page <= "
            f"{SEARCH_WINDOW // page_size}).",
            hint=f"Narrow the query or add filters instead of paging further with {tool}.",
        )
