"""The metrics tool's argument types: an optional id of each kind, checked by the core with
the shared rules before the handler runs (blank or null means not given)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from datagouv_mcp.arguments import NULLABLE_STRING, id_or_slug, resource_id
from datagouv_mcp_metrics.models import Kind

WHERE_IDS: dict[Kind, str] = {
    "dataset": "Find dataset ids with search_datasets.",
    "resource": "Find resource ids with list_dataset_resources.",
    "organization": "Find organization ids with search_organizations.",
    "dataservice": "Find dataservice ids with search_dataservices.",
}

DatasetRef = Annotated[
    str | None,
    NULLABLE_STRING,
    id_or_slug("dataset", WHERE_IDS["dataset"], optional=True),
    Field(description="Dataset id (24 hex characters) or slug, from search_datasets."),
]
ResourceRef = Annotated[
    str | None,
    NULLABLE_STRING,
    resource_id(WHERE_IDS["resource"], optional=True),
    Field(description="Resource id (a UUID), from list_dataset_resources."),
]
OrganizationRef = Annotated[
    str | None,
    NULLABLE_STRING,
    id_or_slug("organization", WHERE_IDS["organization"], optional=True),
    Field(description="Organization id or slug, from search_organizations."),
]
DataserviceRef = Annotated[
    str | None,
    NULLABLE_STRING,
    id_or_slug("dataservice", WHERE_IDS["dataservice"], optional=True),
    Field(description="Dataservice (API) id or slug, from search_dataservices."),
]
