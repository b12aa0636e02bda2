"""The metrics tool's argument types: an optional id of each kind, checked by the core with
the shared rules before the handler runs (blank or null means not given)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from pydantic import Field

from datagouv_mcp.arguments import NULLABLE_STRING, id_or_slug, naming, resource_id
from datagouv_mcp_metrics.models import Kind

PAGE_URL = "the last part of its page URL on data.gouv.fr"
# Where to find each kind of id: a tool when the server offers it (hints name no other tool).
WHERE_IDS: dict[Kind, Callable[[], str]] = {
    "dataset": naming(
        "search_datasets",
        "Find dataset ids with search_datasets.",
        f"A dataset's id is {PAGE_URL}.",
    ),
    "resource": naming(
        "list_dataset_resources",
        "Find resource ids with list_dataset_resources.",
        "A resource's id is a UUID, shown on its dataset's page on data.gouv.fr.",
    ),
    "organization": naming(
        "search_organizations",
        "Find organization ids with search_organizations.",
        f"An organization's id is {PAGE_URL}.",
    ),
    "dataservice": naming(
        "search_dataservices",
        "Find dataservice ids with search_dataservices.",
        f"A dataservice's id is {PAGE_URL}.",
    ),
}

DatasetRef = Annotated[
    str | None,
    NULLABLE_STRING,
    id_or_slug("dataset", WHERE_IDS["dataset"], optional=True),
    Field(description="Dataset id (24 hex characters) or slug."),
]
ResourceRef = Annotated[
    str | None,
    NULLABLE_STRING,
    resource_id(WHERE_IDS["resource"], optional=True),
    Field(description="Resource id (a UUID)."),
]
OrganizationRef = Annotated[
    str | None,
    NULLABLE_STRING,
    id_or_slug("organization", WHERE_IDS["organization"], optional=True),
    Field(description="Organization id or slug."),
]
DataserviceRef = Annotated[
    str | None,
    NULLABLE_STRING,
    id_or_slug("dataservice", WHERE_IDS["dataservice"], optional=True),
    Field(description="Dataservice (catalogued API) id or slug."),
]
