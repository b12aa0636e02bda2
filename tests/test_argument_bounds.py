"""Attacks 3 and 10: arguments no tool bounded. A 65,500-character search query made a URL
httpx refuses (an internal error with a traceback); `page_size: true` was taken as 1;
list_dataset_resources' `page` went upstream as 10**30; temporal_coverage took month 99 and
Arabic-Indic digits. Every argument now has a bound, and past it a clear error, before any
upstream request."""

from __future__ import annotations

from typing import Any

import pytest

from datagouv_mcp.gateway import Gateway
from datagouv_mcp.testing.clients import call_checked
from datagouv_mcp.testing.gateways import gateway_for
from datagouv_mcp_standin.testing import CorpusIds, Standin

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def gateway(standin: Standin) -> Gateway:
    return gateway_for(standin.env())


async def _refused(gateway: Gateway, upstream: Standin, tool: str, **arguments: Any) -> str:
    result = await call_checked(gateway, tool, arguments)
    assert result.is_error and result.structured_content["code"] == "invalid_argument"
    assert upstream.stats()["total"] == 0  # refused before any upstream request
    text: str = result.content[0].text
    assert "Traceback" not in text
    return text


@pytest.mark.parametrize("tool", ["search_datasets", "search_dataservices"])
async def test_a_65500_character_query_is_a_clear_error(
    gateway: Gateway, upstream: Standin, tool: str
) -> None:
    text = await _refused(gateway, upstream, tool, query="x" * 65_500)
    assert "'query': at most 500 characters, got 65,500" in text


async def test_an_undeclared_string_is_bounded_too(gateway: Gateway, upstream: Standin) -> None:
    rid = CorpusIds.GENTILES_RESOURCE_ID
    text = await _refused(
        gateway, upstream, "query_resource_data", resource_id=rid, sort_column="x" * 70_000
    )
    assert "'sort_column': at most 2,000 characters, got 70,000" in text


@pytest.mark.parametrize(
    ("tool", "arguments"),
    [
        ("search_datasets", {"query": "eau", "page_size": True}),
        ("search_datasets", {"query": "eau", "page": False}),
        ("query_resource_data", {"resource_id": CorpusIds.GENTILES_RESOURCE_ID, "page_size": True}),
        ("get_metrics", {"dataset_id": CorpusIds.POPULATION_DATASET_ID, "limit": True}),
    ],
)
async def test_booleans_are_not_numbers(
    gateway: Gateway, upstream: Standin, tool: str, arguments: dict[str, Any]
) -> None:
    text = await _refused(gateway, upstream, tool, **arguments)
    assert "expected a number, got " in text


async def test_list_dataset_resources_page_is_bounded(gateway: Gateway, upstream: Standin) -> None:
    text = await _refused(gateway, upstream, "list_dataset_resources",
                          dataset_id=CorpusIds.POPULATION_DATASET_ID, page=10**30)  # fmt: skip
    assert "'page': Input should be less than or equal to 100000" in text


@pytest.mark.parametrize(
    "coverage", ["2020-99-01-2020-12-31", "2020-02-30-2020-12-31", "٢٠٢٠-01-01-2020-12-31"]
)
async def test_temporal_coverage_is_a_real_date_range(
    gateway: Gateway, upstream: Standin, coverage: str
) -> None:
    text = await _refused(gateway, upstream, "search_datasets", query="eau",
                          temporal_coverage=coverage)  # fmt: skip
    assert "expected YYYY-MM-DD-YYYY-MM-DD" in text


async def test_lists_and_nesting_are_bounded(gateway: Gateway, upstream: Standin) -> None:
    deep: Any = "x"
    for _ in range(10):
        deep = [deep]
    text = await _refused(gateway, upstream, "query_resource_data",
                          resource_id=CorpusIds.GENTILES_RESOURCE_ID, columns=deep)  # fmt: skip
    assert "nested more than 4 levels deep" in text
    rid = CorpusIds.GENTILES_RESOURCE_ID
    many = await _refused(
        gateway, upstream, "query_resource_data", resource_id=rid, columns=["a"] * 5_000
    )
    assert "at most" in many and "5,000" in many
