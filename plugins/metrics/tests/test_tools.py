"""get_metrics through a real MCP client, against the stand-in."""

from __future__ import annotations

from typing import Any

import pytest

from datagouv_mcp.gateway import Gateway
from datagouv_mcp.testing.clients import call_checked
from datagouv_mcp.testing.gateways import gateway_for
from datagouv_mcp_standin.testing import CorpusIds, Standin

POPULATION = CorpusIds.POPULATION_DATASET_ID


pytestmark = pytest.mark.usefixtures("upstream")


@pytest.fixture(scope="module")
def gateway(standin: Standin) -> Gateway:
    return gateway_for(standin.env(), plugins=["metrics"])


async def _call(gateway: Gateway, **arguments: Any) -> Any:
    return await call_checked(gateway, "get_metrics", arguments)


def _metrics_requests(standin: Standin) -> dict[str, int]:
    return {p: n for p, n in standin.stats()["paths"].items() if "/metrics/api/" in p}


@pytest.mark.anyio
async def test_dataset_metrics_most_recent_first_with_totals(gateway: Gateway) -> None:
    result = await _call(gateway, dataset_id=POPULATION)
    series = result.structured_content["series"][0]
    months = [m["month"] for m in series["months"]]
    text = result.content[0].text
    assert result.is_error is False
    assert (series["kind"], series["id"], series["title"]) == ("dataset", POPULATION, "Population")
    assert len(months) == 12 and months == sorted(months, reverse=True)
    assert series["totals"]["visits"] == sum(m["visits"] or 0 for m in series["months"])
    assert text.startswith(f"Dataset Metrics: Population\nDataset ID: {POPULATION}\n")
    assert "Month        Visits          Downloads" in text
    assert f"Total        {series['totals']['visits']:,}" in text
    assert "call again with limit=51 for all of them" in text


@pytest.mark.anyio
async def test_a_dataset_slug_is_resolved_to_its_id(gateway: Gateway) -> None:
    result = await _call(gateway, dataset_id=CorpusIds.POPULATION_DATASET_SLUG, limit=2)
    assert result.structured_content["series"][0]["id"] == POPULATION


@pytest.mark.anyio
async def test_resource_with_no_metrics_says_so_plainly(gateway: Gateway) -> None:
    result = await _call(gateway, resource_id=CorpusIds.EMPTY_METRICS_RESOURCE_ID.upper())
    series = result.structured_content["series"][0]
    assert result.is_error is False
    assert series["id"] == CorpusIds.EMPTY_METRICS_RESOURCE_ID
    assert series["months"] == [] and series["months_available"] == 0
    assert "No metrics available for this resource." in result.content[0].text


@pytest.mark.anyio
async def test_organization_metrics(gateway: Gateway) -> None:
    result = await _call(gateway, organization_id=CorpusIds.ETALAB_ORGANIZATION_ID, limit=3)
    series = result.structured_content["series"][0]
    assert series["kind"] == "organization"
    assert len(series["months"]) == 3
    assert "Dataset visits" in result.content[0].text


@pytest.mark.anyio
async def test_dataservice_metrics(gateway: Gateway) -> None:
    result = await _call(gateway, dataservice_id=CorpusIds.API_ADRESSE_DATASERVICE_ID, limit=5)
    series = result.structured_content["series"][0]
    assert series["kind"] == "dataservice"
    assert series["months"] and all(m["downloads"] is None for m in series["months"])
    assert result.content[0].text.startswith("Dataservice Metrics: ")


@pytest.mark.anyio
async def test_several_ids_in_one_call_each_get_a_block(gateway: Gateway) -> None:
    result = await _call(
        gateway,
        dataset_id=POPULATION,
        resource_id=CorpusIds.EMPTY_METRICS_RESOURCE_ID,
        organization_id=CorpusIds.INSEE_ORGANIZATION_ID,
        limit=2,
    )
    kinds = [s["kind"] for s in result.structured_content["series"]]
    assert kinds == ["dataset", "resource", "organization"]
    assert result.content[0].text.count(" Metrics") == 3


@pytest.mark.anyio
async def test_limit_above_50_pages_the_metrics_api(standin: Standin, gateway: Gateway) -> None:
    result = await _call(gateway, dataset_id=POPULATION, limit=60)
    series = result.structured_content["series"][0]
    requests = _metrics_requests(standin)
    assert len(series["months"]) == 51 == series["months_available"]
    assert len({m["month"] for m in series["months"]}) == 51
    assert all("page_size=50" in p for p in requests)
    assert sorted(p.rsplit("page=", 1)[1][:1] for p in requests) == ["1", "2"]
    assert "Showing" not in result.content[0].text


@pytest.mark.anyio
async def test_limit_above_the_maximum_is_refused_before_any_call(
    standin: Standin, gateway: Gateway
) -> None:
    result = await _call(gateway, dataset_id=POPULATION, limit=500)
    assert result.is_error is True
    assert "'limit': Input should be less than or equal to 120" in result.content[0].text
    assert standin.stats()["total"] == 0


@pytest.mark.anyio
async def test_no_id_at_all_says_one_is_required(gateway: Gateway) -> None:
    result = await _call(gateway, dataset_id=None, resource_id="  ")
    assert result.is_error is True
    assert result.content[0].text.startswith(
        "Error: At least one of dataset_id, resource_id, organization_id or dataservice_id"
    )
    # The metrics plugin alone: no search tool is offered, so none is named.
    assert "search_datasets" not in result.content[0].text
    assert "A dataset's id is the last part of its page URL" in result.content[0].text


@pytest.mark.anyio
async def test_hints_name_the_search_tools_when_the_server_offers_them(standin: Standin) -> None:
    gateway = gateway_for(standin.env(), plugins=["metrics", "datasets", "dataservices"])
    result = await _call(gateway)
    text = result.content[0].text
    for tool in ("search_datasets", "list_dataset_resources", "search_dataservices"):
        assert tool in text
    missing = await _call(gateway, dataset_id="0" * 24)
    assert missing.content[0].text == (
        f"Error: Dataset with ID '{'0' * 24}' not found.\nFind dataset ids with search_datasets."
    )


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ({"resource_id": "not-a-uuid"}, "Invalid resource ID 'not-a-uuid': expected a UUID"),
        ({"dataset_id": "../../etc/passwd"}, "Invalid dataset ID '../../etc/passwd': it contains"),
        ({"organization_id": "a b"}, "Invalid organization ID 'a b': expected a 24-character"),
    ],
)
async def test_malformed_ids_are_refused_before_any_call(
    standin: Standin, gateway: Gateway, arguments: dict[str, str], expected: str
) -> None:
    result = await _call(gateway, **arguments)
    assert result.is_error is True
    assert expected in result.content[0].text
    assert standin.stats()["total"] == 0


@pytest.mark.anyio
async def test_unknown_dataset_is_not_found(gateway: Gateway) -> None:
    result = await _call(gateway, dataset_id="0" * 24)
    assert result.is_error is True
    assert result.content[0].text == (
        f"Error: Dataset with ID '{'0' * 24}' not found.\n"
        "A dataset's id is the last part of its page URL on data.gouv.fr."
    )


@pytest.mark.anyio
async def test_a_metrics_api_503_is_retried(standin: Standin, gateway: Gateway) -> None:
    standin.add_fault(route="/metrics/api/*", kind="status", status=503, times=1)
    result = await _call(gateway, dataset_id=POPULATION, limit=3)
    assert result.is_error is False
    assert sum(_metrics_requests(standin).values()) == 2


@pytest.mark.anyio
async def test_a_metrics_api_outage_is_a_retryable_error(
    standin: Standin, gateway: Gateway
) -> None:
    standin.add_fault(route="/metrics/api/*", kind="status", status=502)
    result = await _call(gateway, resource_id=CorpusIds.GENTILES_RESOURCE_ID, limit=4)
    assert result.is_error is True
    assert result.structured_content["retryable"] is True
    assert "Metrics API is unavailable (HTTP 502)" in result.content[0].text


@pytest.mark.anyio
async def test_titles_are_skipped_when_the_catalogue_is_down(standin: Standin) -> None:
    standin.add_fault(route="/api/*", kind="status", status=503)
    gateway = gateway_for(standin.env(), plugins=["metrics"], upstream={"max_attempts": 1})
    result = await _call(gateway, dataset_id=POPULATION, limit=1)
    assert result.is_error is False
    assert result.content[0].text.startswith(f"Dataset Metrics\nDataset ID: {POPULATION}")


@pytest.mark.anyio
async def test_demo_preset_can_refuse_metrics(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATAGOUV_MCP_METRICS_ON_DEMO", "unavailable")
    # No metrics URL of its own: the demo preset's. Refused before any call is made.
    demo = {"upstream": "demo", "metrics_url": None}
    gateway = gateway_for({}, plugins=["metrics"], upstream=demo)
    result = await _call(gateway, dataset_id=POPULATION)
    assert result.is_error is True
    assert result.content[0].text.startswith(
        "Error: Metrics are not available with the demo portal"
    )
    assert result.structured_content["code"] == "unavailable_on_demo"


def test_demo_preset_answers_from_production_with_a_note() -> None:
    from datagouv_mcp_metrics.tools import Metrics

    demo = {"upstream": "demo", "metrics_url": None}
    on_demo = Metrics.of(gateway_for({}, plugins=["metrics"], upstream=demo).contexts["metrics"])
    on_prod = Metrics.of(gateway_for({}, plugins=["metrics"]).contexts["metrics"])
    assert "come from production data.gouv.fr" in (on_demo.demo_note() or "")
    assert on_prod.demo_note() is None
