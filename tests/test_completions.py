"""Completions by prefix, through a real MCP client over the stand-in: a dataset, an
organization, a dataservice or a resource from the start of a word of its title."""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client
from mcp_types import PromptReference, ResourceTemplateReference

from datagouv_mcp.gateway import Gateway
from datagouv_mcp.groups import selecting
from datagouv_mcp.mcpserver import build_server
from datagouv_mcp.testing.gateways import gateway_for
from datagouv_mcp.testing.servers import SAMPLE_PLUGIN
from datagouv_mcp_standin.testing import Standin


@pytest.fixture
def gateway(upstream: Standin) -> Gateway:
    return gateway_for(upstream.env(), plugin_modules=[SAMPLE_PLUGIN])


async def _complete(gateway: Gateway, ref: Any, name: str, value: str) -> list[str]:
    async with Client(build_server(gateway), mode="legacy") as client:
        answer = await client.complete(ref, {"name": name, "value": value})
    return answer.completion.values


def _template(uri: str) -> ResourceTemplateReference:
    return ResourceTemplateReference(type="ref/resource", uri=uri)


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("uri", "name", "partial", "expected"),
    [
        ("datagouv://datasets/{dataset_id}", "dataset_id", "popul", "population"),
        (
            "datagouv://organizations/{organization_id}",
            "organization_id",
            "insti",
            "institut-national-de-la-statistique-et-des-etudes-economiques-insee",
        ),
        (
            "datagouv://dataservices/{dataservice_id}",
            "dataservice_id",
            "adres",
            "api-adresse-base-adresse-nationale-ban",
        ),
    ],
)
async def test_the_start_of_a_word_is_enough(
    gateway: Gateway, uri: str, name: str, partial: str, expected: str
) -> None:
    values = await _complete(gateway, _template(uri), name, partial)
    assert expected in values
    # Those that start with what was typed come first (clients filtering by prefix keep them).
    starting = [v for v in values if v.startswith(partial)]
    assert values[: len(starting)] == starting


@pytest.mark.anyio
async def test_a_word_search_alone_would_find_nothing_for_a_partial_word(
    gateway: Gateway,
) -> None:
    async with Client(build_server(gateway), mode="legacy") as client:
        searched = await client.call_tool("search_datasets", {"query": "popul"})
    assert searched.structured_content["total"] == 0  # type: ignore[index]


@pytest.mark.anyio
async def test_resources_complete_from_their_datasets_titles(gateway: Gateway) -> None:
    values = await _complete(
        gateway, _template("datagouv://resources/{resource_id}"), "resource_id", "popul"
    )
    assert values and all(len(v) == 36 and v.count("-") == 4 for v in values)


@pytest.mark.anyio
async def test_a_prompt_argument_is_completed_as_the_template_of_the_same_name(
    gateway: Gateway,
) -> None:
    # The sample prompt declares no completer for `dataset_id`: the datasets template's is used.
    prompt = PromptReference(type="ref/prompt", name="about_item")
    assert "population" in await _complete(gateway, prompt, "dataset_id", "popul")


@pytest.mark.anyio
async def test_groups_not_served_complete_nothing(gateway: Gateway) -> None:
    with selecting(frozenset({"metrics"})):
        values = await _complete(
            gateway, _template("datagouv://datasets/{dataset_id}"), "dataset_id", "popul"
        )
    assert values == []
