"""The `datagouv://resources/{resource_id}` resource template: a resource's record as JSON,
with completion of `resource_id` from the datasets whose title contains what was typed."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping, Sequence

import structlog

from datagouv_mcp import PluginContext, ResourceSpec, ToolError, readers
from datagouv_mcp.arguments import canonical_uuid
from datagouv_mcp.text import prefixed_first, typed_words
from datagouv_mcp_resources.arguments import FIND_RESOURCE
from datagouv_mcp_resources.tools import Resources

log = structlog.get_logger("datagouv_mcp_resources.mcp_resources")

URI = "datagouv://resources/{resource_id}"
DATASETS, PER_DATASET = 3, 5


def resource_record(resources: Resources) -> ResourceSpec:
    async def read_resource(resource_id: str) -> str:
        # The record as data.gouv.fr's API v2 gives it, with its dataset's id.
        checked = canonical_uuid(resource_id, FIND_RESOURCE)  # a hint, evaluated if raised
        await resources.record(checked)  # a miss says how to find an id
        return json.dumps(await resources.client.resource(checked), ensure_ascii=False)

    async def complete_resource_id(partial: str, chosen: Mapping[str, str]) -> Sequence[str]:
        """Ids of the resources of the first datasets whose title contains what was typed
        (any part of a word), or the ids that start with it; nothing on any failure, as a
        completion must never break the client's typing."""
        words = typed_words(partial)
        if len(words) < 2:
            return []
        try:
            found = await resources.client.suggest_datasets(words, DATASETS)
            ids = [
                id_
                for item in (found if isinstance(found, list) else [])
                if (id_ := readers.filled(readers.obj(item).get("id")))
            ]
            pages = await asyncio.gather(
                *(resources.client.dataset_resources(id_, PER_DATASET) for id_ in ids[:DATASETS])
            )
        except ToolError as exc:
            log.info("completion.unavailable", error=type(exc).__name__)
            return []
        return prefixed_first(
            partial,
            [
                rid
                for page in pages
                for item in readers.obj(page).get("data") or []
                if (rid := readers.filled(readers.obj(item).get("id")))
            ],
        )

    return ResourceSpec(
        URI,
        "resource",
        read_resource,
        title="data.gouv.fr resource",
        description=(
            "A resource's record from data.gouv.fr's API (v2) as JSON: title, format, URL, "
            "checksum, the crawler's analysis, and its dataset's id. resource_id: a UUID."
        ),
        mime_type="application/json",
        completions={"resource_id": complete_resource_id},
    )


def build(context: PluginContext) -> list[ResourceSpec]:
    return [resource_record(Resources.of(context))]
