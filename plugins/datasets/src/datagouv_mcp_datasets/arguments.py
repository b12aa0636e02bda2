"""The datasets tools' argument types: published schema and checks in one annotation each.

Built from the core's shared rules (`datagouv_mcp.arguments`). The core checks a call once
against them, before the handler runs: a handler receives canonical values (ids lower-cased,
filters as tuples of terms, choices lower-cased, blanks as None). Names are the official
server's; the filters it lacked are optional.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from pydantic import AfterValidator, Field

from datagouv_mcp.arguments import (
    LAST_UPDATE_RANGES,
    NULLABLE_STRING,
    PRODUCER_TYPES,
    QUERY_MAX,
    both_directions,
    comma_terms,
    id_or_slug,
    nullable_enum,
    one_of,
    sort_field,
    term,
    words,
)
from datagouv_mcp.callcontext import current_tool
from datagouv_mcp.errors import InvalidArgumentError
from datagouv_mcp.text import shown

FIND_DATASET = "Use search_datasets to find a valid dataset ID (the ID: line of each result)."
FIND_ORGANIZATION = (
    "Use search_organizations to find a valid organization ID (the ID: line of each result)."
)

DATASET_SORTS = ["created", "last_update", "reuses", "followers", "views"]
ORGANIZATION_SORTS = ["reuses", "datasets", "followers", "views", "created"]
DATASET_BADGES = ["pivotal-data", "spd", "inspire", "hvd", "sl", "sr"]
ORGANIZATION_BADGES = ["public-service", "certified", "association", "company", "local-authority"]
DATASET_PRODUCER_TYPES = PRODUCER_TYPES
ORGANIZATION_PRODUCER_TYPES = [t for t in DATASET_PRODUCER_TYPES if t != "user"]
FORMAT_FAMILIES = ["tabular", "machine_readable", "geographical", "documents", "other"]
RESOURCE_TYPES = ["main", "documentation", "update", "api", "code", "other"]

_TEMPORAL = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}-[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _calendar_days(text: str) -> bool:
    try:
        return date.fromisoformat(text[:10]) <= date.fromisoformat(text[11:])
    except ValueError:  # month 99, 30 February...
        return False


def _temporal_range(value: str | None) -> str | None:
    cleaned = (value or "").strip()
    if not cleaned:
        return None
    if not _TEMPORAL.fullmatch(cleaned) or not _calendar_days(cleaned):
        raise InvalidArgumentError(
            f"Invalid temporal_coverage {shown(cleaned, 60)} for {current_tool()}: expected "
            "YYYY-MM-DD-YYYY-MM-DD, start before end (e.g. 2020-01-01-2020-12-31).",
            hint="Datasets whose coverage contains this whole range are returned.",
        )
    return cleaned


# -- ids -------------------------------------------------------------------------------------

DatasetId = Annotated[
    str,
    id_or_slug("dataset", FIND_DATASET),
    Field(description="A dataset's ID (24 hexadecimal characters) or slug, from search."),
]
OrganizationFilter = Annotated[
    str | None,
    NULLABLE_STRING,
    id_or_slug("organization", FIND_ORGANIZATION, optional=True),
    Field(description="An organization's ID or slug."),
]

# -- search_datasets filters -----------------------------------------------------------------

DatasetQuery = Annotated[
    str, Field(max_length=QUERY_MAX, description="Keywords, e.g. 'transport ferroviaire'.")
]
Tags = Annotated[
    tuple[str, ...] | None,
    comma_terms(r"[\w.+&'-]{1,100}", "transport,gtfs"),
    NULLABLE_STRING,
    Field(description="Tags, comma-separated (all)."),
]
Formats = Annotated[
    tuple[str, ...] | None,
    comma_terms(r"[a-z0-9][a-z0-9.+_-]{0,39}", "csv,parquet", normalise=str.lower),
    NULLABLE_STRING,
    Field(description="Resource formats, comma-separated (any)."),
]
Granularities = Annotated[
    tuple[str, ...] | None,
    comma_terms(r"[a-z][a-z0-9:_-]{0,59}", "fr:commune"),
    NULLABLE_STRING,
    Field(description="Spatial granularity, e.g. fr:commune."),
]
License = Annotated[
    str | None,
    NULLABLE_STRING,
    term(r"[A-Za-z0-9][A-Za-z0-9._-]{0,59}", "lov2"),
    Field(description="A licence id, e.g. lov2."),
]
Geozone = Annotated[
    str | None,
    NULLABLE_STRING,
    term(r"[a-z][a-z0-9:_.@-]{0,99}", "fr:departement:13"),
    Field(description="A zone id, e.g. country:fr, fr:region:93."),
]
TemporalCoverage = Annotated[
    str | None,
    NULLABLE_STRING,
    AfterValidator(_temporal_range),
    Field(description="YYYY-MM-DD-YYYY-MM-DD the coverage contains."),
]
DatasetSort = Annotated[
    str | None,
    nullable_enum(both_directions(DATASET_SORTS)),
    sort_field(DATASET_SORTS),
    Field(description="Order: a field, prefixed with '-' for descending. Default: relevance."),
]
LastUpdateRange = Annotated[
    str | None,
    nullable_enum(LAST_UPDATE_RANGES),
    one_of(LAST_UPDATE_RANGES),
    Field(description="Only datasets updated within this range."),
]
DatasetBadge = Annotated[
    str | None,
    nullable_enum(DATASET_BADGES),
    one_of(DATASET_BADGES),
    Field(description="Only datasets with this badge (hvd: high-value dataset)."),
]
DatasetProducerType = Annotated[
    str | None,
    nullable_enum(DATASET_PRODUCER_TYPES),
    one_of(DATASET_PRODUCER_TYPES),
    Field(description="Only datasets whose publisher is of this kind."),
]
FormatFamily = Annotated[
    str | None,
    nullable_enum(FORMAT_FAMILIES),
    one_of(FORMAT_FAMILIES),
    Field(description="Only datasets with a resource in this family of formats."),
]

# -- search_organizations --------------------------------------------------------------------

OrganizationQuery = Annotated[
    str | None,
    NULLABLE_STRING,
    Field(max_length=QUERY_MAX, description="Keywords; empty to browse."),
]
OrganizationSort = Annotated[
    str | None,
    nullable_enum(both_directions(ORGANIZATION_SORTS)),
    sort_field(ORGANIZATION_SORTS),
    Field(description="Order: a field, prefixed with '-' for descending. Default: relevance."),
]
OrganizationBadge = Annotated[
    str | None,
    nullable_enum(ORGANIZATION_BADGES),
    one_of(ORGANIZATION_BADGES),
    Field(description="Only organizations with this badge."),
]
OrganizationProducerType = Annotated[
    str | None,
    nullable_enum(ORGANIZATION_PRODUCER_TYPES),
    one_of(ORGANIZATION_PRODUCER_TYPES),
    Field(description="Only organizations of this kind."),
]

# -- list_dataset_resources ------------------------------------------------------------------

ResourceType = Annotated[
    str | None,
    nullable_enum(RESOURCE_TYPES),
    one_of(RESOURCE_TYPES),
    Field(description="Only resources of this type (main: the data files)."),
]
ResourceQuery = Annotated[
    str | None,
    NULLABLE_STRING,
    words(200),
    Field(description="Words the resource titles contain."),
]


# The form each filter takes, for the advice of an empty result.
FILTER_FORMS = {
    "geozone": (
        "a zone id, not a place name: fr:commune:75056 (Paris), fr:departement:69, "
        "fr:region:84, country:fr"
    ),
    "granularity": "a granularity id such as fr:commune, fr:departement, fr:region, country",
    "organization": "an organization's id or slug, as search_organizations gives them",
    "tag": "tags as data.gouv.fr writes them (lower case, hyphens); a dataset must have all",
    "format": "file formats such as csv, json, shp; a dataset needs one of them",
    "license": "a licence id such as lov2, odc-odbl, fr-lo, cc-by",
    "temporal_coverage": "YYYY-MM-DD-YYYY-MM-DD, a range the dataset's coverage contains",
    "badge": "a badge the dataset holds (hvd: high-value dataset)",
    "query": "words of the resource titles",
}
