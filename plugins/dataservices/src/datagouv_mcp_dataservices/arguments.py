"""The dataservices tools' argument types: schema and checks in one annotation each, built
over the core's shared rules and checked by the core before a handler runs."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

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
    words,
)
from datagouv_mcp.callcontext import offers


def find_dataservice() -> str:
    if offers("search_dataservices"):
        return "Use search_dataservices to find a third-party API's ID (the ID: line of a result)."
    return "A dataservice's ID is the last part of its page URL on data.gouv.fr."


def find_organization() -> str:
    if offers("search_organizations"):
        return "Use search_organizations to find an organization's ID."
    return "An organization's ID is the last part of its page URL on data.gouv.fr."


SORTS = ["created", "views", "followers"]
ACCESS_TYPES = ["open", "open_with_account", "restricted"]
METHODS = ["get", "put", "post", "delete", "patch", "head", "options", "trace"]

DataserviceId = Annotated[
    str,
    id_or_slug("dataservice", find_dataservice),
    Field(description="A third-party API's ID (24 hexadecimal characters) or slug, from search."),
]
Query = Annotated[
    str, Field(max_length=QUERY_MAX, description="Keywords, e.g. 'adresse' or 'entreprises'.")
]
OrganizationFilter = Annotated[
    str | None,
    NULLABLE_STRING,
    id_or_slug("organization", find_organization, optional=True),
    Field(description="Only this organization's APIs: its ID or slug."),
]
Tags = Annotated[
    tuple[str, ...] | None,
    comma_terms(r"[\w.+&'-]{1,100}", "geographie,adresse"),
    NULLABLE_STRING,
    Field(description="Tags, comma-separated (all)."),
]
Sort = Annotated[
    str | None,
    nullable_enum(both_directions(SORTS)),
    sort_field(SORTS),
    Field(description="Order: created, views, followers, '-' for descending. Default: relevance."),
]
AccessType = Annotated[
    str | None,
    nullable_enum(ACCESS_TYPES),
    one_of(ACCESS_TYPES),
    Field(description="open, open_with_account, or restricted (an authorization to request)."),
]
ProducerType = Annotated[
    str | None,
    nullable_enum(PRODUCER_TYPES),
    one_of(PRODUCER_TYPES),
    Field(description="Only APIs whose publisher is of this kind."),
]
LastUpdateRange = Annotated[
    str | None,
    nullable_enum(LAST_UPDATE_RANGES),
    one_of(LAST_UPDATE_RANGES),
    Field(description="Only APIs whose record was updated within this range."),
]
PathFilter = Annotated[
    str | None,
    NULLABLE_STRING,
    words(200),
    Field(description="Only operations whose path contains this text (case-insensitive)."),
]
TagFilter = Annotated[
    str | None,
    NULLABLE_STRING,
    words(100),
    Field(description="Only operations with this tag (as the description names it)."),
]
Method = Annotated[
    str | None,
    nullable_enum(METHODS),
    one_of(METHODS),
    Field(description="Only operations of this HTTP method (get, post...)."),
]
