"""The SQL tools' argument types: schema and checks in one annotation each, over the core's
shared rules, checked by the core before a handler runs. The SQL text's length bound and
max_rows' bound come from the settings, so they are built in tools.py."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from datagouv_mcp.arguments import naming, resource_id

FIND_RESOURCE = naming(
    "list_dataset_resources",
    "Use list_dataset_resources to find a resource ID (the Resource ID: line of each result).",
    "A resource's ID is a UUID, shown on its dataset's page on data.gouv.fr.",
)

ResourceId = Annotated[
    str,
    resource_id(FIND_RESOURCE),
    Field(description="A resource's ID (a UUID), e.g. from list_dataset_resources."),
]
SQL_DESCRIPTION = (
    "One read-only SELECT (or WITH ... SELECT) over the table `data` (DuckDB SQL), e.g. "
    "SELECT departement, count(*) AS n FROM data GROUP BY departement ORDER BY n DESC."
)
