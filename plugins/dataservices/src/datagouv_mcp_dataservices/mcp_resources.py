"""The `datagouv://dataservices/{dataservice_id}` resource template: a catalogued API's
record as JSON, with completion of `dataservice_id` from what was typed (any start of a
word of its title).

udata has no suggest endpoint for dataservices, and its search matches whole words: the
completer searches for the words typed before the last one, then keeps the APIs one of
whose title words starts with the last."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

import structlog

from datagouv_mcp import PluginContext, ResourceSpec, ToolError
from datagouv_mcp.arguments import object_id_or_slug
from datagouv_mcp.text import prefixed_first, typed_words
from datagouv_mcp_dataservices.arguments import find_dataservice
from datagouv_mcp_dataservices.parsers import DataservicesParseError, parse_search
from datagouv_mcp_dataservices.tools import Catalogue

log = structlog.get_logger("datagouv_mcp_dataservices.mcp_resources")

URI = "datagouv://dataservices/{dataservice_id}"
SCANNED = 100  # search hits looked at for a prefix
COMPLETIONS = 10


def dataservice_record(catalogue: Catalogue) -> ResourceSpec:
    async def read_dataservice(dataservice_id: str) -> str:
        checked = object_id_or_slug(dataservice_id, "dataservice", find_dataservice())
        await catalogue.record(checked)  # a miss says how to find an id
        return json.dumps(await catalogue.client.dataservice(checked), ensure_ascii=False)

    async def complete_dataservice_id(partial: str, chosen: Mapping[str, str]) -> Sequence[str]:
        """Slugs of the APIs whose title has a word starting with the last word typed (and
        all the words before it); nothing on any failure."""
        words = typed_words(partial).casefold().split()
        if not words or len(" ".join(words)) < 2:
            return []
        *whole, last = words
        try:
            raw = await catalogue.client.search(" ".join(whole), 1, SCANNED, {})
            found = parse_search(raw, catalogue.links, 1, SCANNED)
        except (ToolError, DataservicesParseError) as exc:
            log.info("completion.unavailable", error=type(exc).__name__)
            return []
        values = [
            api.slug or api.id
            for api in found.dataservices
            if any(
                word.startswith(last) for word in typed_words(api.title or "").casefold().split()
            )
        ]
        return prefixed_first(partial, values)[:COMPLETIONS]

    return ResourceSpec(
        URI,
        "dataservice",
        read_dataservice,
        title="data.gouv.fr third-party API",
        description=(
            "A catalogued API's record from data.gouv.fr's API (v1) as JSON: base URL, "
            "access, rate limits, documentation. dataservice_id: a 24-hex id or a slug."
        ),
        mime_type="application/json",
        completions={"dataservice_id": complete_dataservice_id},
    )


def build(context: PluginContext) -> list[ResourceSpec]:
    return [dataservice_record(Catalogue.of(context))]
