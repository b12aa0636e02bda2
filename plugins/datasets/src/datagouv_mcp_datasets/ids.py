"""The ids of this plugin's tools, checked with the core's rule before any upstream call."""

from __future__ import annotations

from datagouv_mcp.params import is_object_id, object_id_or_slug

FIND_DATASET = "Use search_datasets to find a valid dataset ID (the ID: line of each result)."
FIND_ORGANIZATION = (
    "Use search_organizations to find a valid organization ID (the ID: line of each result)."
)

__all__ = ["FIND_DATASET", "FIND_ORGANIZATION", "dataset_id", "is_object_id", "organization_id"]


def dataset_id(value: str) -> str:
    return object_id_or_slug(value, "dataset", FIND_DATASET)


def organization_id(value: str) -> str:
    return object_id_or_slug(value, "organization", FIND_ORGANIZATION)
