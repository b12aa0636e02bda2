"""When data.gouv.fr fails, the last good answer reaches the model, marked as stale."""

from __future__ import annotations

import asyncio
import json

import pytest
from mcp import Client

from datagouv_mcp.mcpserver import build_server
from datagouv_mcp.testing.gateways import gateway_for
from datagouv_mcp_standin.testing import CorpusIds, Standin


@pytest.mark.anyio
async def test_stale_answer_is_marked_in_text_and_meta(upstream: Standin) -> None:
    gateway = gateway_for(
        upstream.env(),
        plugins=["metrics"],
        upstream={"cache_ttl_metadata_seconds": 0.2, "max_attempts": 1},
    )
    arguments = {"dataset_id": CorpusIds.POPULATION_DATASET_ID, "limit": 3}
    async with Client(build_server(gateway), mode="legacy") as client:
        fresh = await client.call_tool("get_metrics", arguments)
        await asyncio.sleep(0.3)
        upstream.add_fault(route="*", kind="status", status=503)
        stale = await client.call_tool("get_metrics", arguments)
        upstream.clear_faults()
    assert fresh.meta is None or "datagouv/stale" not in fresh.meta
    assert stale.is_error is False
    assert stale.structured_content == fresh.structured_content
    assert stale.meta is not None and stale.meta["datagouv/stale"] is True
    assert "did not answer just now; this is the last good answer" in stale.content[0].text  # type: ignore[union-attr]
    assert json.dumps(stale.meta["datagouv/fetched_at"]).startswith('"20')
