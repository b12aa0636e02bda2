"""get_resource_info through a real MCP client against the stand-in."""

from __future__ import annotations

import pytest

from datagouv_mcp.gateway import Gateway
from datagouv_mcp_standin.testing import CorpusIds, Standin

from .conftest import call

GENTILES = CorpusIds.GENTILES_RESOURCE_ID
pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("upstream")]


async def test_a_tabular_resource_lists_its_columns_formats_and_rows(gateway: Gateway) -> None:
    result = await call(gateway, "get_resource_info", resource_id=GENTILES)
    text, data = result.content[0].text, result.structured_content
    assert result.is_error is False
    # The official server's lines, which clients parse, in its order.
    for line in (
        "Resource Information: Gentilés des communes françaises",
        f"Resource ID: {GENTILES}",
        "Format: csv",
        "Dataset ID: 6a9899255369f45f95bdd226",
        "Tabular API availability:",
        "✅ Available via Tabular API (can be queried)",
    ):
        assert line in text
    assert "- code_insee: string, commune INSEE code (code_commune)" in text
    assert "Rows: 34,946" in text
    assert data["tabular"]["available"] is True and data["tabular"]["rows"] == 34946
    assert [c["name"] for c in data["tabular"]["columns"]] == [
        "code_insee", "commune", "departement", "gentile",
    ]  # fmt: skip
    assert data["resource"]["latest_url"].endswith(f"/api/1/datasets/r/{GENTILES}")
    assert "Aggregation (group_by and aggregates of query_resource_data): not allowed" in text


async def test_upstream_calls_are_the_five_it_needs_in_two_round_trips(
    gateway: Gateway, upstream: Standin
) -> None:
    await call(gateway, "get_resource_info", resource_id=GENTILES)
    routes = upstream.stats()["routes"]
    assert sum(routes.values()) == 5, routes
    # Round trip 1: the record and the two (cached) lists; round trip 2: title and profile.
    for fragment in ("datasets/resources/", "resources-exceptions", "aggregation-exceptions"):
        assert upstream.requests(fragment) == 1
    assert upstream.requests("/profile/") == 1 and upstream.requests("/api/2/datasets/{") == 1


async def test_a_crawler_exception_says_large_file(gateway: Gateway) -> None:
    result = await call(gateway, "get_resource_info", resource_id=CorpusIds.RADARS_RESOURCE_ID)
    assert "✅ Available via Tabular API (large file exception)" in result.content[0].text
    assert result.structured_content["tabular"]["crawler_exception"] is True


async def test_a_resource_outside_the_tabular_api_says_why_without_probing_it(
    gateway: Gateway, upstream: Standin
) -> None:
    rid = CorpusIds.POPULATION_HTML_RESOURCE_ID
    result = await call(gateway, "get_resource_info", resource_id=rid)
    text = result.content[0].text
    assert "⚠️  Not available via Tabular API (may not be tabular data)" in text
    assert "Why: the Tabular API loads CSV and Excel files, and this resource is a html" in text
    assert f"download_and_parse_resource(resource_id='{rid}')" in text
    assert upstream.requests("/profile/") == 0  # decided from the record, not from a probe


async def test_ids_without_hyphens_or_in_capitals_are_accepted(gateway: Gateway) -> None:
    result = await call(gateway, "get_resource_info", resource_id=GENTILES.replace("-", "").upper())
    assert result.structured_content["resource"]["id"] == GENTILES


async def test_an_unknown_id_is_not_found_and_a_bad_one_never_leaves(
    gateway: Gateway, upstream: Standin
) -> None:
    missing = await call(
        gateway, "get_resource_info", resource_id="00000000-0000-4000-8000-000000000000"
    )
    bad = await call(gateway, "get_resource_info", resource_id="../../1/users/me")
    assert missing.content[0].text.startswith(
        "Error: Resource with ID '00000000-0000-4000-8000-000000000000' not found."
    )
    # The resources plugin alone: list_dataset_resources is not offered, so not named.
    assert "list_dataset_resources" not in missing.content[0].text
    assert "shown on its dataset's page" in missing.content[0].text
    assert bad.content[0].text.startswith("Error: Invalid resource ID '../../1/users/me'")
    assert upstream.stats()["routes"].get("GET /api/2/datasets/resources/{rid}/", 0) == 1


async def test_it_still_answers_when_the_tabular_api_and_crawler_are_down(
    gateway: Gateway, upstream: Standin
) -> None:
    upstream.add_fault(route="/tabular/*", kind="status", status=503, times=100)
    upstream.add_fault(route="/crawler/*", kind="status", status=503, times=100)
    result = await call(gateway, "get_resource_info", resource_id=GENTILES)
    data = result.structured_content
    assert result.is_error is False
    # The crawler's extras in the record still say it is in the Tabular API.
    assert data["tabular"]["available"] is True
    assert data["tabular"]["reason"].startswith("could not read its profile")
    assert "Columns: unknown" in result.content[0].text


async def test_the_hint_names_list_dataset_resources_when_offered(standin: Standin) -> None:
    from datagouv_mcp.testing.gateways import gateway_for

    gateway = gateway_for(standin.env(), plugins=["resources", "datasets"])
    missing = await call(
        gateway, "get_resource_info", resource_id="00000000-0000-4000-8000-000000000000"
    )
    assert "Use list_dataset_resources to find a resource ID" in missing.content[0].text
