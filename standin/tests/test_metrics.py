"""Metrics API: recorded and generated series, the empty series, limits and exports."""

from __future__ import annotations

import csv
import io
import re

import httpx

from datagouv_mcp_standin.testing import CorpusIds as ids
from datagouv_mcp_standin.testing import Standin

METRICS = "/metrics/api"
MONTH = re.compile(r"^\d{4}-\d{2}$")


def test_recorded_series_keeps_its_rows_and_total(client: httpx.Client) -> None:
    body = client.get(
        f"{METRICS}/datasets/data/?dataset_id__exact={ids.POPULATION_DATASET_ID}"
        "&metric_month__sort=desc&page_size=5"
    ).json()
    assert body["meta"] == {"page": 1, "page_size": 5, "total": 51}
    first = body["data"][0]
    assert (first["__id"], first["metric_month"], first["monthly_visit"]) == (
        134545727,
        "2026-09",
        444,
    )
    months = [row["metric_month"] for row in body["data"]]
    assert months == sorted(months, reverse=True)


def test_every_known_entity_has_a_generated_series(client: httpx.Client) -> None:
    hit = client.get("/api/2/datasets/search/?q=velos&page_size=1").json()["data"][0]
    resource = client.get(hit["resources"]["href"]).json()["data"][0]
    for model, column, entity in (
        ("datasets", "dataset_id", hit["id"]),
        ("resources", "resource_id", resource["id"]),
        ("organizations", "organization_id", hit["organization"]["id"]),
        ("dataservices", "dataservice_id", ids.FICOBA_DATASERVICE_ID),
    ):
        url = f"{METRICS}/{model}/data/?{column}__exact={entity}&metric_month__sort=asc"
        body = client.get(f"{url}&page_size=50").json()
        assert body["meta"]["total"] == 24, model
        months = [row["metric_month"] for row in body["data"]]
        assert all(MONTH.match(m) for m in months) and months == sorted(months)
        assert months[-1] == "2026-09"
        assert all(row[column] == entity for row in body["data"])
        again = client.get(f"{url}&page_size=50").json()
        assert again == body  # deterministic


def test_recorded_empty_series_stays_empty(client: httpx.Client) -> None:
    body = client.get(
        f"{METRICS}/resources/data/?resource_id__exact={ids.EMPTY_METRICS_RESOURCE_ID}"
    ).json()
    assert body == {
        "data": [],
        "links": {"next": None, "prev": None},
        "meta": {"page": 1, "page_size": 20, "total": 0},
    }


def test_unknown_entity_has_no_rows(client: httpx.Client) -> None:
    body = client.get(f"{METRICS}/datasets/data/?dataset_id__exact=ffffffffffffffffffffffff")
    assert body.json()["meta"]["total"] == 0


def test_page_size_limit_and_links(client: httpx.Client, standin: Standin) -> None:
    refused = client.get(f"{METRICS}/datasets/data/?page_size=51")
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["detail"] == "Page size exceeds allowed maximum: 50"
    query = f"dataset_id__exact={ids.POPULATION_DATASET_ID}&metric_month__sort=desc"
    body = client.get(f"{METRICS}/datasets/data/?{query}&page=2&page_size=10").json()
    assert body["links"]["next"] == (
        f"{standin.url}{METRICS}/datasets/data/?{query}&page=3&page_size=10"
    )
    assert body["links"]["prev"].endswith(f"?{query}&page=1&page_size=10")


def test_whole_views_and_other_models(client: httpx.Client) -> None:
    everything = client.get(f"{METRICS}/organizations/data/?page_size=3").json()
    assert everything["meta"]["total"] > 100
    ids_seen = [row["__id"] for row in everything["data"]]
    assert ids_seen == sorted(ids_seen)
    site = client.get(f"{METRICS}/site/data/?metric_month__sort=desc&page_size=1").json()
    assert site["data"][0]["metric_month"] == "2026-09"
    totals = client.get(
        f"{METRICS}/datasets_total/data/?dataset_id__exact={ids.POPULATION_DATASET_ID}"
    ).json()["data"]
    assert len(totals) == 1 and totals[0]["visit"] > 0
    assert client.get(f"{METRICS}/reuses/data/").json()["meta"]["total"] == 0


def test_errors(client: httpx.Client) -> None:
    unknown = client.get(f"{METRICS}/nothing/data/")
    assert unknown.status_code == 404
    assert unknown.json()["errors"][0]["title"] == "Database error"
    column = client.get(f"{METRICS}/datasets/data/?foo__exact=1").json()["errors"][0]
    assert column["detail"]["code"] == "42703"


def test_csv_export(client: httpx.Client) -> None:
    exported = client.get(
        f"{METRICS}/datasets/data/csv/?dataset_id__exact={ids.POPULATION_DATASET_ID}"
    )
    assert exported.headers["content-type"].startswith("text/csv")
    assert exported.headers["content-disposition"] == 'attachment; filename="datasets.csv"'
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert len(rows) == 51 and rows[0]["dataset_id"] == ids.POPULATION_DATASET_ID
