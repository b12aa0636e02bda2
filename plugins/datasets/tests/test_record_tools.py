"""get_dataset_info and list_dataset_resources through a real MCP client, against the
offline stand-in; then what every tool shares: upstream faults and the layer's retries, the
resource template and its completion, the instructions and the health check. Every structured
content is checked against the tool's declared output schema."""

from __future__ import annotations

import json

import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError
from mcp_types import ResourceTemplateReference

from datagouv_mcp.gateway import Gateway
from datagouv_mcp.health import Readiness
from datagouv_mcp.mcpserver import build_server
from datagouv_mcp.testing.clients import call_checked as call
from datagouv_mcp.testing.clients import text_of
from datagouv_mcp.testing.gateways import gateway_for
from datagouv_mcp_standin.testing import CorpusIds, Standin

DVF = "5c4ae55a634f4117716d5656"
POPULATION = "53699d0ea3a729239d205b2e"
BAROMETRE = "5ff5e6e99724cb8fff59a5be"  # 22 resources
UNKNOWN = "000000000000000000000000"


# -- get_dataset_info ------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("dataset_id", [DVF, "demandes-de-valeurs-foncieres", DVF.upper()])
async def test_get_dataset_info_by_id_or_slug(
    gateway: Gateway, upstream: Standin, dataset_id: str
) -> None:
    result = await call(gateway, "get_dataset_info", {"dataset_id": dataset_id})
    text = text_of(result)
    data = result.structured_content
    assert text.startswith("Dataset Information: Demandes de valeurs foncières\n\nID: ")
    assert f"ID: {DVF}\nSlug: demandes-de-valeurs-foncieres\n" in text
    assert "Temporal coverage: 2019-01-01 to 2023-12-31" in text
    assert "Quality score: 100%" in text
    assert data["id"] == DVF and data["resources_count"] == 9
    # The text is bounded; the structured content has the whole description.
    assert len(data["description"]) > 2000
    assert data["description"].endswith("**bureau.gf3b-dvf[at]dgfip.finances.gouv.fr**")


@pytest.mark.anyio
async def test_get_dataset_info_of_a_redacted_record(gateway: Gateway, upstream: Standin) -> None:
    result = await call(gateway, "get_dataset_info", {"dataset_id": POPULATION})
    assert result.is_error is not True
    assert result.structured_content["quality"] is None


@pytest.mark.anyio
async def test_get_dataset_info_not_found(gateway: Gateway, upstream: Standin) -> None:
    result = await call(gateway, "get_dataset_info", {"dataset_id": UNKNOWN})
    assert result.is_error is True
    assert text_of(result) == (
        f"Error: Dataset with ID '{UNKNOWN}' not found.\n"
        "Use search_datasets to find a valid dataset ID (the ID: line of each result)."
    )
    assert result.structured_content["code"] == "not_found"


@pytest.mark.anyio
async def test_get_dataset_info_rejects_path_traversal_without_calling_upstream(
    gateway: Gateway, upstream: Standin
) -> None:
    result = await call(gateway, "get_dataset_info", {"dataset_id": "../../1/users/me"})
    assert result.is_error is True
    assert text_of(result).startswith("Error: Invalid dataset ID '../../1/users/me'")
    assert upstream.stats()["total"] == 0


# -- list_dataset_resources ------------------------------------------------------------------


@pytest.mark.anyio
async def test_list_dataset_resources(gateway: Gateway, upstream: Standin) -> None:
    result = await call(gateway, "list_dataset_resources", {"dataset_id": DVF})
    text = text_of(result)
    data = result.structured_content
    assert text.startswith(
        f"Resources in dataset: Demandes de valeurs foncières\nDataset ID: {DVF}\n"
        "Total resources: 9\n\n1. "
    )
    assert len(data["resources"]) == data["total"] == 9 and data["has_more"] is False
    first = data["resources"][0]
    assert first["latest_url"] == f"{upstream.url.rstrip('/')}/api/1/datasets/r/{first['id']}"
    assert f"   Resource ID: {first['id']}\n" in text
    assert "   Tabular API: no" in text
    assert "More resources" not in text


@pytest.mark.anyio
async def test_list_dataset_resources_pages(gateway: Gateway, upstream: Standin) -> None:
    arguments = {"dataset_id": "barometre-des-resultats-de-laction-publique", "page_size": 10}
    first = await call(gateway, "list_dataset_resources", arguments)
    third = await call(gateway, "list_dataset_resources", {**arguments, "page": 3})
    assert (first.structured_content["total"], first.structured_content["next_page"]) == (22, 2)
    assert first.structured_content["dataset_id"] == BAROMETRE
    assert f"list_dataset_resources(dataset_id='{BAROMETRE}', page=2)" in text_of(first)
    assert len(third.structured_content["resources"]) == 2
    assert third.structured_content["next_page"] is None
    assert "\n21. " in text_of(third)


@pytest.mark.anyio
async def test_list_dataset_resources_accepts_null_filters(
    gateway: Gateway, upstream: Standin
) -> None:
    arguments = {"dataset_id": DVF, "resource_type": None, "query": None}
    result = await call(gateway, "list_dataset_resources", arguments)
    assert result.structured_content["filters"] == {}
    assert result.structured_content["total"] == 9


@pytest.mark.anyio
async def test_list_dataset_resources_filters_by_type(gateway: Gateway, upstream: Standin) -> None:
    result = await call(
        gateway, "list_dataset_resources", {"dataset_id": DVF, "resource_type": "documentation"}
    )
    data = result.structured_content
    assert data["filters"] == {"resource_type": "documentation"}
    assert data["resources"] and all(r["type"] == "documentation" for r in data["resources"])


@pytest.mark.anyio
async def test_list_dataset_resources_marks_tabular_resources(
    gateway: Gateway, upstream: Standin
) -> None:
    result = await call(
        gateway, "list_dataset_resources", {"dataset_id": CorpusIds.GENTILES_DATASET_ID}
    )
    (resource,) = result.structured_content["resources"]
    assert (resource["id"], resource["tabular_api"]) == (CorpusIds.GENTILES_RESOURCE_ID, True)
    assert "   Tabular API: yes" in text_of(result)


@pytest.mark.anyio
async def test_a_dataset_with_1572_resources_is_paged(gateway: Gateway, upstream: Standin) -> None:
    dataset_id = CorpusIds.COMMANDE_PUBLIQUE_DATASET_ID
    result = await call(gateway, "list_dataset_resources", {"dataset_id": dataset_id})
    data = result.structured_content
    assert (data["total"], len(data["resources"]), data["next_page"]) == (1572, 50, 2)
    assert len(text_of(result)) < 30_000
    assert "Showing resources 1-50 (page 1)." in text_of(result)
    info = await call(gateway, "get_dataset_info", {"dataset_id": dataset_id})
    assert info.structured_content["resources_count"] == 1572
    assert len(text_of(info)) < 10_000


@pytest.mark.anyio
async def test_list_dataset_resources_not_found(gateway: Gateway, upstream: Standin) -> None:
    result = await call(gateway, "list_dataset_resources", {"dataset_id": "no-such-dataset"})
    assert result.is_error is True
    assert text_of(result).startswith("Error: Dataset with ID 'no-such-dataset' not found.\n")


# -- upstream faults (the core layer's retries) ----------------------------------------------


@pytest.mark.anyio
async def test_a_5xx_is_retried(gateway: Gateway, upstream: Standin) -> None:
    upstream.add_fault(route="/api/2/datasets/search/", kind="status", status=502, times=1)
    result = await call(gateway, "search_datasets", {"query": "population"})
    assert result.is_error is not True
    assert upstream.requests("datasets/search") == 2


@pytest.mark.anyio
async def test_a_429_is_retried_after_its_delay(gateway: Gateway, upstream: Standin) -> None:
    upstream.add_fault(route="/api/1/datasets/*", kind="retry_after", status=429, times=1)
    result = await call(gateway, "get_dataset_info", {"dataset_id": DVF})
    assert result.is_error is not True
    assert result.structured_content["id"] == DVF
    assert upstream.requests("/api/1/datasets/") == 2


@pytest.mark.anyio
async def test_a_lasting_outage_is_a_retryable_error(gateway: Gateway, upstream: Standin) -> None:
    upstream.add_fault(route="/api/2/datasets/search/", kind="status", status=503, times=100)
    result = await call(gateway, "search_datasets", {"query": "population"})
    assert result.is_error is True
    assert text_of(result).startswith("Error: The data.gouv.fr API is unavailable (HTTP 503).")
    assert result.structured_content["retryable"] is True
    assert upstream.requests("datasets/search") == 3  # the test gateway's max_attempts


# -- resource template, completion, health ---------------------------------------------------


@pytest.mark.anyio
async def test_dataset_resource_template(gateway: Gateway, upstream: Standin) -> None:
    async with Client(build_server(gateway), mode="legacy") as client:
        templates = (await client.list_resource_templates()).resource_templates
        read = await client.read_resource("datagouv://datasets/demandes-de-valeurs-foncieres")
        with pytest.raises(MCPError, match=f"Dataset with ID '{UNKNOWN}' not found"):
            await client.read_resource(f"datagouv://datasets/{UNKNOWN}")
        completion = await client.complete(
            ResourceTemplateReference(type="ref/resource", uri="datagouv://datasets/{dataset_id}"),
            {"name": "dataset_id", "value": "foncieres"},
        )
    assert [t.uri_template for t in templates] == [
        "datagouv://datasets/{dataset_id}",
        "datagouv://organizations/{organization_id}",
    ]
    record = json.loads(read.contents[0].text)  # type: ignore[union-attr]
    assert record["id"] == DVF and len(record["resources"]) == 9
    assert "demandes-de-valeurs-foncieres" in completion.completion.values


@pytest.mark.anyio
async def test_organization_resource_template(gateway: Gateway, upstream: Standin) -> None:
    insee = CorpusIds.INSEE_ORGANIZATION_ID
    async with Client(build_server(gateway), mode="legacy") as client:
        read = await client.read_resource(f"datagouv://organizations/{insee}")
        with pytest.raises(MCPError, match="search_organizations"):
            await client.read_resource(f"datagouv://organizations/{UNKNOWN}")
    assert json.loads(read.contents[0].text)["id"] == insee  # type: ignore[union-attr]


@pytest.mark.anyio
async def test_completion_never_fails_loudly(gateway: Gateway, upstream: Standin) -> None:
    upstream.add_fault(route="/api/2/datasets/search/", kind="status", status=503, times=100)
    upstream.add_fault(route="/api/1/datasets/suggest/", kind="status", status=503, times=100)
    async with Client(build_server(gateway), mode="legacy") as client:
        completion = await client.complete(
            ResourceTemplateReference(type="ref/resource", uri="datagouv://datasets/{dataset_id}"),
            {"name": "dataset_id", "value": "population"},
        )
    assert completion.completion.values == []


@pytest.mark.anyio
async def test_server_instructions_describe_the_workflow(standin: Standin) -> None:
    with_resources = gateway_for(standin.env(), plugins=["datasets", "resources"])
    async with Client(build_server(with_resources), mode="legacy") as client:
        instructions = client.instructions or ""
    paragraph = next(p for p in instructions.split("\n\n") if p.startswith("Datasets:"))
    workflow = ["search_datasets", "list_dataset_resources", "query_resource_data"]
    positions = [paragraph.index(tool) for tool in workflow]
    assert positions == sorted(positions)
    assert "datagouv://datasets/{dataset_id}" in paragraph


@pytest.mark.anyio
async def test_hints_name_only_the_tools_the_server_offers(gateway: Gateway) -> None:
    # This gateway runs the datasets plugin alone: query_resource_data is not offered.
    async with Client(build_server(gateway), mode="legacy") as client:
        instructions = client.instructions or ""
        listed = await client.call_tool(
            "list_dataset_resources", {"dataset_id": CorpusIds.POPULATION_DATASET_ID}
        )
    assert "query_resource_data" not in instructions
    assert "query_resource_data" not in listed.content[0].text  # type: ignore[union-attr]
    assert "Download a file from its URL" in listed.content[0].text  # type: ignore[union-attr]


@pytest.mark.anyio
async def test_health_check(gateway: Gateway, upstream: Standin) -> None:
    async with gateway.running():
        ready = await Readiness(gateway).report()
        upstream.add_fault(route="/api/2/datasets/search/", kind="status", status=503, times=100)
        not_ready = await Readiness(gateway).report()
    # Each Readiness caches its own verdict, hence two.
    assert ready["status"] == "ready"
    assert not_ready["status"] == "not_ready"
    check = not_ready["checks"][0]
    assert check["name"] == "datasets-api" and "unavailable" in check["detail"]
