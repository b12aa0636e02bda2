"""The `datagouv://datasets/{dataset_id}` resource template: a dataset's record as JSON, with
completion of `dataset_id` from a quick search."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

import structlog

from datagouv_mcp import PluginContext, ResourceSpec, ToolError
from datagouv_mcp.arguments import object_id_or_slug
from datagouv_mcp_datasets.arguments import FIND_DATASET
from datagouv_mcp_datasets.parsers import DatasetsParseError, parse_dataset_search
from datagouv_mcp_datasets.tools import Catalogue

log = structlog.get_logger("datagouv_mcp_datasets.mcp_resources")

URI = "datagouv://datasets/{dataset_id}"
COMPLETIONS = 10


def dataset_record(catalogue: Catalogue) -> ResourceSpec:
    async def read_dataset(dataset_id: str) -> str:
        # The record as data.gouv.fr's API v1 gives it, resources included.
        record = await catalogue.record(object_id_or_slug(dataset_id, "dataset", FIND_DATASET))
        return json.dumps(record, ensure_ascii=False)

    async def complete_dataset_id(partial: str, chosen: Mapping[str, str]) -> Sequence[str]:
        """Slugs of the first hits of a search for what was typed; nothing on any failure, as
        a completion is a convenience and must never break the client's typing."""
        words = " ".join(partial.split())
        if len(words) < 2:
            return []
        try:
            raw = await catalogue.client.search_datasets(words, 1, COMPLETIONS, {})
            found = parse_dataset_search(raw, catalogue.links, 1, COMPLETIONS)
        except (ToolError, DatasetsParseError) as exc:
            log.info("completion.unavailable", error=type(exc).__name__)
            return []
        return [dataset.slug or dataset.id for dataset in found.datasets]

    return ResourceSpec(
        URI,
        "dataset",
        read_dataset,
        title="data.gouv.fr dataset",
        description=(
            "A dataset's full record from data.gouv.fr's API (v1) as JSON, resources "
            "included. dataset_id: a 24-hex id or a slug."
        ),
        mime_type="application/json",
        completions={"dataset_id": complete_dataset_id},
    )


def build(context: PluginContext) -> list[ResourceSpec]:
    return [dataset_record(Catalogue.of(context))]
