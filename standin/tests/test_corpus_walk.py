"""Acceptance: `standin --corpus <shared corpus>` serves every recorded body at its endpoint."""

from __future__ import annotations

import filecmp
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from datagouv_mcp_standin.catalog_build import build_catalogue
from datagouv_mcp_standin.corpus import DEFAULT_CORPUS, RecordedBody, load_corpus
from datagouv_mcp_standin.testing import Standin, running_standin

SHARED_CORPUS = Path(__file__).resolve().parents[3] / "shared" / "upstream-corpus"
CORPUS = SHARED_CORPUS if SHARED_CORPUS.is_dir() else DEFAULT_CORPUS
BODIES = load_corpus(CORPUS)
REWRITER = build_catalogue(CORPUS).rewriter
OBJECT_TEMPLATES = (
    "/api/1/datasets/{id}/",
    "/api/2/datasets/{id}/",
    "/api/1/dataservices/{id}/",
    "/api/1/organizations/{id}/",
)


@pytest.fixture(scope="module")
def corpus_standin() -> Iterator[Standin]:
    with running_standin(corpus=CORPUS) as handle:
        yield handle


@pytest.fixture(scope="module")
def http(corpus_standin: Standin) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=corpus_standin.url, timeout=30.0) as client:
        yield client


def expected(body: RecordedBody, base: str) -> str:
    """The recorded body as the stand-in must serve it: production hosts rewritten."""
    return REWRITER.apply(body.raw.decode("utf-8"), base)


def expected_json(body: RecordedBody, base: str) -> Any:
    return json.loads(expected(body, base))


def of_kind(predicate: Any) -> list[RecordedBody]:
    return [b for b in BODIES if predicate(b)]


def test_the_corpus_has_bodies_of_every_category() -> None:
    folders = {b.folder for b in BODIES}
    assert len(BODIES) >= 60
    assert {"01_dataset_v1", "07_tabular", "08_metrics", "10_openapi", "11_errors"} <= folders


def test_the_bundled_copy_matches_the_shared_corpus() -> None:
    if not SHARED_CORPUS.is_dir():
        pytest.skip("no shared corpus next to this checkout")
    comparison = filecmp.dircmp(SHARED_CORPUS, DEFAULT_CORPUS)
    assert comparison.left_only == [] and comparison.diff_files == []
    assert comparison.right_only == ["ORIGIN.md"]
    for folder in comparison.common_dirs:
        sub = comparison.subdirs[folder]
        assert (sub.left_only, sub.right_only, sub.diff_files) == ([], [], []), folder


@pytest.mark.parametrize(
    "body", of_kind(lambda b: b.endpoint.kind == "concrete"), ids=lambda b: b.relpath
)
def test_concrete_endpoints_replay_the_recorded_body_verbatim(
    body: RecordedBody, http: httpx.Client, corpus_standin: Standin
) -> None:
    query = f"?{body.endpoint.query}" if body.endpoint.query else ""
    response = http.get(body.endpoint.path + query)
    assert response.status_code == body.status
    assert response.headers["content-type"] == body.content_type
    assert response.text == expected(body, corpus_standin.url)


def test_replay_ignores_the_order_of_query_arguments(http: httpx.Client) -> None:
    a = http.get("/api/2/datasets/search/?q=population&page_size=3")
    b = http.get("/api/2/datasets/search/?page_size=3&q=population")
    assert a.text == b.text
    assert "x-standin-replay" in b.headers


@pytest.mark.parametrize(
    "body",
    of_kind(lambda b: b.endpoint.kind == "template" and b.endpoint.path in OBJECT_TEMPLATES),
    ids=lambda b: b.relpath,
)
def test_object_bodies_are_served_by_id_and_by_slug(
    body: RecordedBody, http: httpx.Client, corpus_standin: Standin
) -> None:
    for key in {body.data["id"], body.data.get("slug") or body.data["id"]}:
        response = http.get(body.endpoint.path.replace("{id}", key))
        assert response.status_code == 200, key
        assert response.json() == expected_json(body, corpus_standin.url)


def test_search_page_items_are_served_as_v2_datasets(
    http: httpx.Client, corpus_standin: Standin
) -> None:
    (page,) = of_kind(lambda b: b.endpoint_text == "GET /api/2/datasets/search/?q=...")
    for item in expected_json(page, corpus_standin.url)["data"]:
        assert http.get(f"/api/2/datasets/{item['id']}/").json() == item
        resources = http.get(item["resources"]["href"].replace(corpus_standin.url, "")).json()
        assert resources["total"] == item["resources"]["total"]


def test_organization_list_items_are_served(http: httpx.Client) -> None:
    (listing,) = of_kind(lambda b: b.endpoint_text == "GET /api/1/organizations/?q=...")
    for item in listing.data["data"]:
        served = http.get(f"/api/1/organizations/{item['id']}/").json()
        assert served["id"] == item["id"] and served["name"] == item["name"]


def test_community_resources_are_listed_for_their_dataset(
    http: httpx.Client, corpus_standin: Standin
) -> None:
    (listing,) = of_kind(lambda b: "community_resources" in b.endpoint_text)
    recorded = expected_json(listing, corpus_standin.url)["data"]
    dataset_id = recorded[0]["dataset"]["id"]
    served = http.get(f"/api/1/datasets/community_resources/?dataset={dataset_id}").json()
    assert served["data"] == recorded
    for item in recorded:
        resource = http.get(f"/api/2/datasets/resources/{item['id']}/").json()
        assert resource["dataset_id"] == dataset_id


@pytest.mark.parametrize(
    "body",
    of_kind(lambda b: b.endpoint.kind == "template" and b.endpoint.api == "tabular"),
    ids=lambda b: b.relpath,
)
def test_tabular_template_bodies(
    body: RecordedBody, http: httpx.Client, corpus_standin: Standin
) -> None:
    links = body.data["links"]
    href = links["profile"] if isinstance(links, dict) else links[0]["href"]
    rid = href.split("/resources/")[1].split("/")[0]
    if body.endpoint.path.endswith("/data/"):
        # Each recorded row is a row of the table, under its recorded __id.
        for row in body.data["data"]:
            served = http.get(f"/tabular/api/resources/{rid}/data/?__id__exact={row['__id']}")
            assert served.json()["data"] == [row]
        filtered = http.get(
            f"/tabular/api/resources/{rid}/data/?score__greater=0.9&decompte__exact=13"
        ).json()
        assert filtered["data"] == body.data["data"]
        assert filtered["meta"] == body.data["meta"]
    else:
        served = http.get(f"/tabular/api/resources/{rid}/")
        assert served.json() == expected_json(body, corpus_standin.url)


@pytest.mark.parametrize(
    "body",
    of_kind(lambda b: b.endpoint.kind == "template" and b.endpoint.api == "metrics"),
    ids=lambda b: b.relpath,
)
def test_metrics_template_bodies(
    body: RecordedBody, http: httpx.Client, corpus_standin: Standin
) -> None:
    # The template hides the query; its `next` link shows it (minus the page).
    next_url = urlsplit(body.data["links"]["next"])
    arguments = [(k, v) for k, v in parse_qsl(next_url.query) if k != "page"]
    path = body.endpoint.path
    query = "&".join(f"{k}={v}" for k, v in arguments)
    served = http.get(f"/metrics{path}?{query}")
    assert served.json() == expected_json(body, corpus_standin.url)


@pytest.mark.parametrize(
    "body", of_kind(lambda b: b.folder == "10_openapi"), ids=lambda b: b.relpath
)
def test_openapi_documents_are_served(
    body: RecordedBody, http: httpx.Client, corpus_standin: Standin
) -> None:
    name = Path(body.relpath).name
    response = http.get(f"/openapi/{name}")
    assert response.status_code == 200
    assert response.text == expected(body, corpus_standin.url)


def test_error_bodies_are_reproduced(http: httpx.Client) -> None:
    errors = {Path(b.relpath).name: b for b in of_kind(lambda b: b.folder == "11_errors")}
    # Unknown column: the recorded PostgREST detail, on the recorded table.
    recorded = errors["tabular_400_unknown_column_db_error_curated_mcpts.json"].data
    served = http.get(
        "/tabular/api/resources/a86ebc34-a979-4d6c-8f2a-9710a43dca93/data/?nonexistent__exact=1"
    )
    assert served.status_code == 400
    ours, theirs = served.json()["errors"][0], recorded["errors"][0]
    assert (ours["title"], ours["detail"]) == (theirs["title"], theirs["detail"])
    # Page size: same shape, with the default maximum (50) instead of the curated 200.
    curated = errors["tabular_400_page_size_curated_mcpts.json"].data["errors"][0]
    served = http.get(
        "/tabular/api/resources/a86ebc34-a979-4d6c-8f2a-9710a43dca93/data/?page_size=201"
    )
    error = served.json()["errors"][0]
    assert error["title"] == curated["title"]
    assert error["detail"] == curated["detail"].replace("200", "50")
    # The older 404 text (two spaces) is the same message as today's.
    old = errors["next_v1_dataset_404_2019-01_transport-site.json"].data["message"]
    served = http.get("/api/1/datasets/no-such-dataset/")
    assert served.status_code == 404
    assert served.json()["message"] == " ".join(old.split())
