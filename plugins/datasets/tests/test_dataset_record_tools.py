"""get_dataset_record, harvest_datasets, the workflow prompts and the datagouv://catalog
overview, through a real MCP client against the offline stand-in. Every structured content is
checked against the tool's declared output schema (and records against the published one)."""

from __future__ import annotations

import json

import jsonschema  # type: ignore[import-untyped]  # no stubs; the MCP SDK depends on it
import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError

from datagouv_mcp.gateway import Gateway
from datagouv_mcp.mcpserver import build_server
from datagouv_mcp.testing.clients import call_checked as call
from datagouv_mcp.testing.clients import text_of
from datagouv_mcp.testing.gateways import gateway_for
from datagouv_mcp_datasets.record_models import record_schema
from datagouv_mcp_standin.testing import CorpusIds, Standin

POPULATION = CorpusIds.POPULATION_DATASET_ID
UNKNOWN = "000000000000000000000000"


@pytest.fixture(scope="module")
def everything(standin: Standin) -> Gateway:
    """Every plugin: the prompts and the overview name other plugins' tools."""
    return gateway_for(standin.env())


@pytest.mark.anyio
async def test_get_dataset_record_of_population(gateway: Gateway, upstream: Standin) -> None:
    result = await call(gateway, "get_dataset_record", {"dataset_id": "population"})
    record = result.structured_content
    jsonschema.validate(record, record_schema())
    assert record["metadata"]["id"] == POPULATION
    assert record["extraction_partial"] is False
    assert record["raw_source_url"] == f"{upstream.url}/api/1/datasets/{POPULATION}/"
    # The two sample dataservices list population: their base URLs are endpoints of it.
    services = [url for url in record["api_endpoints"] if "/1/datasets/r/" not in url]
    assert len(services) >= 2
    assert record["related_datasets"] and all(
        related["id"] != POPULATION for related in record["related_datasets"]
    )
    text = text_of(result)
    assert text.startswith("Dataset record: ")
    assert f"ID: {POPULATION}\n" in text
    assert text.endswith("The structured content holds the whole record.")


@pytest.mark.anyio
async def test_get_dataset_record_miss(gateway: Gateway, upstream: Standin) -> None:
    result = await call(gateway, "get_dataset_record", {"dataset_id": UNKNOWN})
    assert result.is_error is True
    assert text_of(result).startswith(f"Error: Dataset with ID '{UNKNOWN}' not found.")
    assert result.structured_content["code"] == "not_found"


@pytest.mark.anyio
async def test_get_dataset_record_is_partial_when_enrichment_fails(
    gateway: Gateway, upstream: Standin
) -> None:
    upstream.add_fault(route="/api/1/dataservices/*", kind="status", status=503)
    result = await call(gateway, "get_dataset_record", {"dataset_id": POPULATION})
    record = result.structured_content
    jsonschema.validate(record, record_schema())
    assert record["extraction_partial"] is True
    assert record["metadata"]["upstream_errors"][0].startswith("dataservices: ")
    assert "HTTP 503" in record["metadata"]["upstream_errors"][0]
    assert record["resources"]  # the rest is there
    assert "Partial: yes (dataservices: " in text_of(result)


@pytest.mark.anyio
async def test_harvest_datasets_bounded(gateway: Gateway, upstream: Standin) -> None:
    result = await call(gateway, "harvest_datasets", {"query": "", "max_datasets": 3})
    data = result.structured_content
    assert set(data) == {"query", "total_results", "results", "extraction_date"}
    assert len(data["results"]) == 3 and data["total_results"] > 3
    ids = [r["metadata"]["id"] for r in data["results"]]
    assert len(set(ids)) == 3
    for record in data["results"]:
        jsonschema.validate(record, record_schema())
    assert "more: narrow the query, or harvest them all with `datagouv-mcp harvest`" in (
        text_of(result)
    )


@pytest.mark.anyio
async def test_harvest_datasets_finding_nothing(gateway: Gateway, upstream: Standin) -> None:
    result = await call(gateway, "harvest_datasets", {"query": "zzqxj introuvable"})
    data = result.structured_content
    assert result.is_error is not True
    assert data == {
        "query": "zzqxj introuvable",
        "total_results": 0,
        "results": [],
        "extraction_date": data["extraction_date"],
    }
    assert data["extraction_date"].endswith("Z")
    assert text_of(result) == "No datasets found for query: 'zzqxj introuvable'"


@pytest.mark.anyio
async def test_harvest_datasets_writes_a_miss_for_a_dataset_gone_since_the_search(
    gateway: Gateway, upstream: Standin
) -> None:
    upstream.add_fault(route=f"/api/1/datasets/{POPULATION}/", kind="status", status=404)
    result = await call(gateway, "harvest_datasets", {"query": POPULATION, "max_datasets": 1})
    miss = result.structured_content["results"][0]
    assert miss == {
        "dataset_id": POPULATION,
        "error": "not_found",
        "extraction_date": miss["extraction_date"],
    }


# -- prompts ---------------------------------------------------------------------------------


@pytest.mark.anyio
async def test_prompts_listed_and_rendered(everything: Gateway, upstream: Standin) -> None:
    async with Client(build_server(everything), mode="legacy") as client:
        prompts = {p.name: p for p in (await client.list_prompts()).prompts}
        harvest = await client.get_prompt("harvest_keyword", {"keyword": "qualité de l'air"})
        api = await client.get_prompt("discover_api", {"topic": "adresse"})
        deep = await client.get_prompt("deep_extract_dataset", {"dataset_id": "population"})
        table = await client.get_prompt("answer_from_table", {"question": "Quelle commune ?"})
        with pytest.raises(MCPError, match=r"^Error: Invalid dataset ID '\.\./x'") as refused:
            await client.get_prompt("deep_extract_dataset", {"dataset_id": "../x"})
        assert refused.value.error.code == -32602
    assert set(prompts) == {
        "harvest_keyword",
        "discover_api",
        "deep_extract_dataset",
        "answer_from_table",
    }
    assert all(p.title and p.description for p in prompts.values())
    assert [a.name for a in prompts["deep_extract_dataset"].arguments or []] == ["dataset_id"]

    def text(rendered: object) -> str:
        return str(rendered.messages[0].content.text)  # type: ignore[attr-defined]

    assert "Call harvest_datasets with query 'qualité de l'air' and max_datasets 10" in (
        text(harvest)
    )
    assert "get_dataservice_openapi_spec" in text(api)
    assert "Call get_dataset_record with dataset_id 'population'." in text(deep)
    assert "query_resource_data with its id and page_size 5" in text(deep)
    assert "query_resource_sql" in text(table)


@pytest.mark.anyio
async def test_prompts_name_only_offered_tools(gateway: Gateway, upstream: Standin) -> None:
    async with Client(build_server(gateway), mode="legacy") as client:  # datasets alone
        deep = await client.get_prompt("deep_extract_dataset", {"dataset_id": "population"})
        api = await client.get_prompt("discover_api", {"topic": "adresse"})
    for rendered in (deep, api):
        body = rendered.messages[0].content.text  # type: ignore[union-attr]
        assert "query_resource_data" not in body and "dataservice_info" not in body


# -- the catalogue overview ------------------------------------------------------------------


@pytest.mark.anyio
async def test_catalog_resource_listed_and_read(everything: Gateway, upstream: Standin) -> None:
    async with Client(build_server(everything), mode="legacy") as client:
        listed = [str(r.uri) for r in (await client.list_resources()).resources]
        read = await client.read_resource("datagouv://catalog")
        instructions = client.instructions or ""
    assert "datagouv://catalog" in listed
    overview = json.loads(read.contents[0].text)  # type: ignore[union-attr]
    info = httpx_info(upstream)
    assert overview["portal"] == f"{upstream.url}/"
    assert overview["counts"]["datasets"] == info["datasets"]
    assert overview["counts"]["dataservices"] == info["dataservices"]
    assert overview["counts"]["organizations"] > 0
    assert overview["main_formats"][0]["format"] == "csv"
    assert overview["main_themes"]
    assert any(step.startswith("search_datasets(query=...)") for step in overview["how_to_search"])
    assert "datagouv://catalog" in instructions


def httpx_info(standin: Standin) -> dict[str, int]:
    import httpx

    info: dict[str, int] = httpx.get(f"{standin.url}/_standin/info", timeout=10).json()
    return info


@pytest.mark.anyio
async def test_catalog_resource_when_the_portal_is_down(
    gateway: Gateway, upstream: Standin
) -> None:
    upstream.add_fault(route="/api/2/*", kind="status", status=503)
    async with Client(build_server(gateway), mode="legacy") as client:
        with pytest.raises(MCPError, match="unavailable"):
            await client.read_resource("datagouv://catalog")


class FullDisk:
    """A sink that fails on its third write, as a full disk would."""

    def __init__(self) -> None:
        self.written = 0

    def write(self, outcome: object) -> None:
        if self.written == 2:
            raise OSError(28, "No space left on device")
        self.written += 1


@pytest.mark.anyio
async def test_a_sink_that_fails_stops_the_harvest_without_hanging(
    gateway: Gateway, upstream: Standin
) -> None:
    import asyncio

    from datagouv_mcp_datasets.harvest import Harvest, Plan
    from datagouv_mcp_datasets.records import RecordBuilder
    from datagouv_mcp_datasets.tools import Catalogue

    sink = FullDisk()
    builder = RecordBuilder(Catalogue.of(gateway.contexts["datasets"]))
    # A queue of 4 and pages of 5: without the stop, the searches would wait on it forever.
    harvest = Harvest(builder, Plan([""], {}, concurrency=1, page_size=5), sink)
    async with gateway.running():
        with pytest.raises(OSError, match="No space left"):
            await asyncio.wait_for(harvest.run(), timeout=60)
    assert sink.written == 2 and len(harvest.tally.updated) == 2
