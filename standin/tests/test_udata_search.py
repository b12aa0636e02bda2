"""`/api/2/{datasets,dataservices,organizations}/search/`: matching, sorts, filters, paging."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from datagouv_mcp_standin.testing import CorpusIds as ids
from datagouv_mcp_standin.testing import Standin, running_standin
from datagouv_mcp_standin.textsearch import fold, tokens


def search(client: httpx.Client, query: str) -> dict[str, Any]:
    response = client.get(f"/api/2/datasets/search/?{query}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def searchable_words(dataset: dict[str, Any]) -> set[str]:
    org = dataset.get("organization") or {}
    text = " ".join(
        [
            dataset["title"],
            dataset.get("acronym") or "",
            dataset["description"] or "",
            org.get("name") or "",
            " ".join(dataset["tags"]),
        ]
    )
    return set(tokens(text))


def test_every_word_must_appear(client: httpx.Client) -> None:
    both = search(client, "q=qualite+air&page_size=100")
    air = search(client, "q=air&page_size=100")
    assert 0 < both["total"] <= air["total"]
    for dataset in both["data"]:
        assert {"qualite", "air"} <= searchable_words(dataset)
    assert search(client, "q=air+zzqqxxjjkkllzz")["total"] == 0


def test_matching_ignores_case_and_accents(client: httpx.Client) -> None:
    plain = search(client, "q=qualite+eau")["total"]
    assert plain > 0
    assert search(client, "q=QUALIT%C3%89+Eau")["total"] == plain
    assert fold("Qualité") == "qualite"


def test_stop_words_do_not_block_matches(client: httpx.Client) -> None:
    assert search(client, "q=population+de+la+france")["total"] > 0


def test_search_finds_recorded_datasets_and_ids(client: httpx.Client) -> None:
    hits = search(client, "q=population&page_size=50")
    assert ids.POPULATION_DATASET_ID in [d["id"] for d in hits["data"]]
    by_id = search(client, f"q={ids.POPULATION_DATASET_ID}")
    assert [d["id"] for d in by_id["data"]] == [ids.POPULATION_DATASET_ID]


def test_title_matches_rank_first(client: httpx.Client) -> None:
    hits = search(client, "q=velos&page_size=5")["data"]
    assert hits and "vélos" in hits[0]["title"].lower()


@pytest.mark.parametrize("sort", ["created", "last_update", "reuses", "followers", "views"])
def test_sorts_in_both_directions(client: httpx.Client, sort: str) -> None:
    field = {"created": "created_at", "last_update": "last_update"}.get(sort)

    def key(dataset: dict[str, Any]) -> Any:
        if field:
            return str(dataset[field])[:19]
        metrics = dataset["metrics"] if isinstance(dataset["metrics"], dict) else {}
        value = metrics.get(sort)
        return value if isinstance(value, int) else 0

    ascending = [key(d) for d in search(client, f"sort={sort}&page_size=50")["data"]]
    descending = [key(d) for d in search(client, f"sort=-{sort}&page_size=50")["data"]]
    assert ascending == sorted(ascending)
    assert descending == sorted(descending, reverse=True)


def test_bad_sort_is_a_restx_400(client: httpx.Client) -> None:
    response = client.get("/api/2/datasets/search/?sort=name")
    assert response.status_code == 400
    assert response.json() == {
        "errors": {
            "sort": "The field (and direction) on which sorting apply The value 'name' is not "
            "a valid choice for 'sort'."
        },
        "message": "Input payload validation failed",
    }


def test_tag_filters_combine_with_and(client: httpx.Client) -> None:
    one = search(client, "tag=environnement&page_size=100")
    two = search(client, "tag=environnement&tag=air&page_size=100")
    assert 0 < two["total"] < one["total"]
    assert all({"environnement", "air"} <= set(d["tags"]) for d in two["data"])


def test_format_filters_combine_with_or(client: httpx.Client) -> None:
    csv = search(client, "format=csv")["total"]
    pdf = search(client, "format=pdf")["total"]
    either = search(client, "format=csv&format=pdf")["total"]
    assert max(csv, pdf) <= either <= csv + pdf


def test_term_filters(client: httpx.Client) -> None:
    licensed = search(client, "license=odc-odbl&page_size=100")
    assert licensed["total"] > 0 and all(d["license"] == "odc-odbl" for d in licensed["data"])
    org_id = licensed["data"][0]["organization"]["id"]
    by_org = search(client, f"organization={org_id}&page_size=100")
    assert all(d["organization"]["id"] == org_id for d in by_org["data"])
    zone = search(client, "geozone=fr:departement:38&page_size=100")
    assert zone["total"] > 0 and all(
        "fr:departement:38" in d["spatial"]["zones"] for d in zone["data"]
    )
    grain = search(client, "granularity=fr:commune&page_size=100")
    assert all(d["spatial"]["granularity"] == "fr:commune" for d in grain["data"])
    featured = search(client, "featured=true&page_size=100")
    assert featured["total"] > 0 and all(d.get("featured") for d in featured["data"])
    restricted = search(client, "access_type=restricted&page_size=100")
    assert all(d.get("access_type") == "restricted" for d in restricted["data"])
    public = search(client, "organization_badge=public-service&page_size=100")
    for dataset in public["data"]:
        assert {"kind": "public-service"} in dataset["organization"]["badges"]


def test_coverage_and_update_range_filters(client: httpx.Client) -> None:
    covered = search(client, "temporal_coverage=2019-02-01-2019-11-30&page_size=100")
    assert covered["total"] > 0
    for dataset in covered["data"]:
        coverage = dataset["temporal_coverage"]
        assert coverage["start"][:10] <= "2019-02-01" and coverage["end"][:10] >= "2019-11-30"
    recent = search(client, "last_update_range=last_30_days&page_size=100")
    everything = search(client, "last_update_range=last_3_years")
    assert recent["total"] <= everything["total"]
    assert all(d["last_update"] >= "2026-08-04" for d in recent["data"])


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("badge", "gold"),
        ("organization_badge", "famous"),
        ("format_family", "spreadsheets"),
        ("producer_type", "alien"),
        ("last_update_range", "yesterday"),
        ("temporal_coverage", "2019"),
        ("featured", "maybe"),
    ],
)
def test_invalid_filter_values_are_400(client: httpx.Client, name: str, value: str) -> None:
    response = client.get(f"/api/2/datasets/search/?{name}={value}")
    assert response.status_code == 400
    body = response.json()
    assert body["message"] == "Input payload validation failed" and name in body["errors"]


def test_envelope_and_absolute_links(client: httpx.Client, standin: Standin) -> None:
    first = search(client, "q=air&page_size=2")
    assert set(first) == {
        "data",
        "facets",
        "next_page",
        "page",
        "page_size",
        "previous_page",
        "total",
    }
    assert first["previous_page"] is None
    assert first["next_page"] == f"{standin.url}/api/2/datasets/search/?q=air&page_size=2&page=2"
    second = client.get(first["next_page"]).json()
    assert second["page"] == 2 and second["previous_page"].endswith("q=air&page_size=2&page=1")
    assert {d["id"] for d in first["data"]}.isdisjoint(d["id"] for d in second["data"])
    facets = first["facets"]
    assert {"format", "license", "tag", "organization_id_with_name", "last_update"} <= set(facets)
    assert facets["license"][0] == {"name": "all", "count": first["total"]}


def test_result_window_rule(client: httpx.Client) -> None:
    assert client.get("/api/2/datasets/search/?page=100&page_size=100").status_code == 200
    response = client.get("/api/2/datasets/search/?page=101&page_size=100")
    assert response.status_code == 400
    assert response.json() == {
        "message": "Result window is too large: page 101 with page_size 100 exceeds the "
        "maximum of 10000 results. Maximum page for this page_size is 100."
    }


@pytest.mark.parametrize("query", ["page=0", "page_size=0", "page_size=-5", "page=x"])
def test_non_positive_paging_is_400(client: httpx.Client, query: str) -> None:
    response = client.get(f"/api/2/datasets/search/?{query}")
    assert response.status_code == 400
    name = query.split("=")[0]
    assert response.json()["errors"][name].endswith(
        "must be a positive integer" if query[-1] != "x" else "x is not a valid integer"
    )


@pytest.fixture(scope="module")
def large() -> Iterator[httpx.Client]:
    with running_standin(datasets=2000) as handle, httpx.Client(base_url=handle.url) as http:
        yield http


def test_paging_through_2000_generated_datasets(large: httpx.Client) -> None:
    seen: set[str] = set()
    url: str | None = "/api/2/datasets/search/?page_size=100&sort=created"
    pages = 0
    total = 0
    while url:
        body = large.get(url).json()
        total = body["total"]
        seen.update(d["id"] for d in body["data"])
        url = body["next_page"]
        pages += 1
    assert total >= 2000 and len(seen) == total
    assert pages == -(-total // 100)


def test_dataservices_search(client: httpx.Client, standin: Standin) -> None:
    found = client.get("/api/2/dataservices/search/?q=adresse&page_size=1").json()
    assert found["total"] >= 2 and found["page_size"] == 1
    assert found["next_page"].startswith(f"{standin.url}/api/2/dataservices/search/")
    assert {"access_type", "producer_type", "tag"} <= set(found["facets"])
    restricted = client.get("/api/2/dataservices/search/?access_type=restricted").json()
    assert restricted["total"] >= 2 and all(
        d["access_type"] == "restricted" for d in restricted["data"]
    )
    by_views = client.get("/api/2/dataservices/search/?sort=-created").json()["data"]
    created = [d["created_at"] for d in by_views]
    assert created == sorted(created, reverse=True)
    assert client.get("/api/2/dataservices/search/?sort=title").status_code == 400


def test_organizations_search(client: httpx.Client) -> None:
    found = client.get("/api/2/organizations/search/?q=insee").json()
    assert ids.INSEE_ORGANIZATION_ID in [o["id"] for o in found["data"]]
    assert "producer_type" in found["facets"]
    for sort in ("reuses", "datasets", "followers", "views", "created"):
        assert client.get(f"/api/2/organizations/search/?sort=-{sort}").status_code == 200
    for sort in ("name", "last_modified"):
        response = client.get(f"/api/2/organizations/search/?sort={sort}")
        assert response.status_code == 400
        assert "sort" in response.json()["errors"]
    badge = client.get("/api/2/organizations/search/?badge=certified&page_size=50").json()
    assert badge["total"] > 0
    assert all({"kind": "certified"} in o["badges"] for o in badge["data"])
    assert client.get("/api/2/organizations/search/?badge=famous").status_code == 400
    # name and business_number_id are not filters upstream: silently ignored.
    ignored = client.get("/api/2/organizations/search/?name=zzz&business_number_id=1").json()
    assert ignored["total"] == client.get("/api/2/organizations/search/").json()["total"]
