"""search_datasets and search_organizations through a real MCP client, against the offline
stand-in of data.gouv.fr (real HTTP on loopback, serving the recorded corpus): results,
pages, filters, the empty search and the no-results retry. Every structured content is
checked against the tool's declared output schema."""

from __future__ import annotations

import pytest

from datagouv_mcp.gateway import Gateway
from datagouv_mcp.testing.clients import call_checked as call
from datagouv_mcp.testing.clients import text_of
from datagouv_mcp_standin.testing import Standin

DVF = "5c4ae55a634f4117716d5656"
INSEE = "534fff81a3a7292c64a77e5c"


# -- search_datasets -------------------------------------------------------------------------


@pytest.mark.anyio
async def test_search_datasets_happy_path(gateway: Gateway, upstream: Standin) -> None:
    result = await call(gateway, "search_datasets", {"query": "valeurs foncieres"})
    text = text_of(result)
    data = result.structured_content
    assert result.is_error is not True
    assert text.startswith(f"Found {data['total']} dataset(s) for query: 'valeurs foncieres'\n")
    assert "\nPage 1 of results:\n\n1. " in text
    assert DVF in [d["id"] for d in data["datasets"]]
    assert f"   ID: {DVF}" in text
    assert f"   URL: {upstream.url.rstrip('/')}/datasets/demandes-de-valeurs-foncieres" in text
    assert (data["page"], data["page_size"], data["dropped_words"]) == (1, 20, [])


@pytest.mark.anyio
async def test_search_datasets_pages(gateway: Gateway, upstream: Standin) -> None:
    first = await call(gateway, "search_datasets", {"query": "", "page_size": 2})
    data = first.structured_content
    assert data["total"] > 2 and data["has_more"] is True and data["next_page"] == 2
    assert "call search_datasets with the same arguments and page=2." in text_of(first)
    second = await call(gateway, "search_datasets", {"query": "", "page_size": 2, "page": 2})
    assert second.structured_content["page"] == 2
    assert "\n3. " in text_of(second)  # numbered across pages
    first_ids = {d["id"] for d in data["datasets"]}
    assert first_ids.isdisjoint(d["id"] for d in second.structured_content["datasets"])


@pytest.mark.anyio
async def test_search_datasets_accepts_null_for_optional_arguments(
    gateway: Gateway, upstream: Standin
) -> None:
    result = await call(
        gateway,
        "search_datasets",
        {"query": "population", "sort": None, "last_update_range": None, "tag": None},
    )
    assert result.is_error is not True


@pytest.mark.anyio
async def test_search_datasets_sort_and_filters_reach_the_upstream(
    gateway: Gateway, upstream: Standin
) -> None:
    result = await call(
        gateway,
        "search_datasets",
        {"query": "", "sort": "-created", "organization": INSEE, "page_size": 50},
    )
    data = result.structured_content
    assert data["filters"] == {"sort": "-created", "organization": INSEE}
    assert data["datasets"]
    assert all(d["organization"]["id"] == INSEE for d in data["datasets"])
    created = [d["created_at"] for d in data["datasets"]]
    assert created == sorted(created, reverse=True)
    assert text_of(result).splitlines()[1] == f"Filters: sort=-created, organization={INSEE}"


@pytest.mark.anyio
async def test_search_datasets_resolves_an_organization_slug(
    gateway: Gateway, upstream: Standin
) -> None:
    slug = "institut-national-de-la-statistique-et-des-etudes-economiques-insee"
    result = await call(gateway, "search_datasets", {"query": "", "organization": slug})
    assert result.structured_content["filters"]["organization"] == INSEE


@pytest.mark.anyio
async def test_search_datasets_unknown_organization_slug(
    gateway: Gateway, upstream: Standin
) -> None:
    result = await call(gateway, "search_datasets", {"query": "", "organization": "nobody-here"})
    assert result.is_error is True
    assert text_of(result).startswith("Error: Organization with ID 'nobody-here' not found.\n")
    assert "search_organizations" in text_of(result)


@pytest.mark.anyio
async def test_empty_search(gateway: Gateway, upstream: Standin) -> None:
    result = await call(gateway, "search_datasets", {"query": "zzqqxxjjkkllzz"})
    assert result.is_error is not True
    assert text_of(result).splitlines()[0] == "No datasets found for query: 'zzqqxxjjkkllzz'"
    assert result.structured_content["total"] == 0
    assert upstream.requests("datasets/search") == 1  # one word: nothing to retry without


@pytest.mark.anyio
async def test_a_filter_that_empties_the_search_is_named_with_the_form_it_takes(
    gateway: Gateway, upstream: Standin
) -> None:
    result = await call(gateway, "search_datasets", {"query": "population", "geozone": "paris"})
    lines = text_of(result).splitlines()
    assert lines[0] == "No datasets found for query: 'population'"
    assert lines[1] == "Filters applied: geozone=paris"
    assert "fr:commune:75056" in lines[2]
    assert lines[3].startswith("Next: call search_datasets again without geozone")
    assert result.structured_content["filters"] == {"geozone": "paris"}


@pytest.mark.anyio
async def test_no_results_retry_without_generic_words(gateway: Gateway, upstream: Standin) -> None:
    result = await call(gateway, "search_datasets", {"query": "fichiers téléchargement foncières"})
    data = result.structured_content
    assert upstream.requests("datasets/search") == 2
    assert (data["effective_query"], data["dropped_words"]) == (
        "foncières",
        ["fichiers", "téléchargement"],
    )
    lines = text_of(result).splitlines()
    assert lines[0] == f"Found {data['total']} dataset(s) for query: 'foncières'"
    assert lines[1].startswith(
        "Note: no dataset matched every word of 'fichiers téléchargement foncières', so the "
        "search was retried without the generic word(s): fichiers, téléchargement."
    )
    assert DVF in [d["id"] for d in data["datasets"]]


@pytest.mark.anyio
async def test_no_results_even_after_the_retry(gateway: Gateway, upstream: Standin) -> None:
    result = await call(gateway, "search_datasets", {"query": "fichier zzqqxxjjkkllzz"})
    first = text_of(result).splitlines()[0]
    assert first == "No datasets found for query: 'fichier zzqqxxjjkkllzz'"
    assert result.structured_content["dropped_words"] == ["fichier"]
    assert upstream.requests("datasets/search") == 2


@pytest.mark.anyio
async def test_a_page_past_the_end_says_where_the_end_is(
    gateway: Gateway, upstream: Standin
) -> None:
    result = await call(gateway, "search_datasets", {"query": "foncières", "page": 40})
    lines = text_of(result).splitlines()
    assert lines[0].startswith("Found ") and result.structured_content["datasets"] == []
    assert lines[-1] == (
        "This page is past the last one: with page_size=20, call search_datasets with page <= 1."
    )
    assert upstream.requests("datasets/search") == 1  # results exist: no retry


# -- search_organizations --------------------------------------------------------------------


@pytest.mark.anyio
async def test_search_organizations(gateway: Gateway, upstream: Standin) -> None:
    result = await call(gateway, "search_organizations", {"query": "insee"})
    text = text_of(result)
    data = result.structured_content
    assert text.startswith(f"Found {data['total']} organization(s) (query 'insee')\nPage 1")
    assert INSEE in [o["id"] for o in data["organizations"]]
    assert f"   ID: {INSEE}" in text


@pytest.mark.anyio
async def test_search_organizations_browse_and_sort(gateway: Gateway, upstream: Standin) -> None:
    result = await call(gateway, "search_organizations", {"sort": "-datasets", "page_size": 5})
    data = result.structured_content
    assert text_of(result).startswith(f"Found {data['total']} organization(s) (sort=-datasets)")
    counts = [o["metrics"]["datasets"] for o in data["organizations"] if o["metrics"]]
    assert counts == sorted(counts, reverse=True)


@pytest.mark.anyio
async def test_search_organizations_empty(gateway: Gateway, upstream: Standin) -> None:
    result = await call(gateway, "search_organizations", {"query": "zzqqxxjjkkllzz"})
    assert text_of(result).splitlines()[0] == "No organizations found for query 'zzqqxxjjkkllzz'"
