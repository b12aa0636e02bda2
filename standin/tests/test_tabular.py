"""Tabular API: operators, sorting, columns, paging, errors, profile, swagger, exports."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import yaml  # type: ignore[import-untyped]

from datagouv_mcp_standin.testing import CorpusIds as ids
from datagouv_mcp_standin.testing import Standin

GARES = f"/tabular/api/resources/{ids.GARES_RESOURCE_ID}"
Row = dict[str, Any]


@pytest.fixture(scope="module")
def gares_rows(standin: Standin) -> list[Row]:
    with httpx.Client(base_url=standin.url) as http:
        rows: list[Row] = http.get(f"{GARES}/data/json/").json()
    assert len(rows) > 200
    return rows


def _total(client: httpx.Client, query: str) -> tuple[int, list[Row]]:
    response = client.get(f"{GARES}/data/?{query}&page_size=50")
    assert response.status_code == 200, response.text
    body = response.json()
    return body["meta"]["total"], body["data"]


V23, V24 = "total_voyageurs_2023", "total_voyageurs_2024"
OPERATORS: list[tuple[str, Callable[[Row], bool]]] = [
    ("segment_drg__exact=a", lambda r: r["segment_drg"] == "a"),
    ("segment_drg__differs=a", lambda r: r["segment_drg"] != "a"),
    ("nom_gare__contains=SAINT", lambda r: "saint" in r["nom_gare"].lower()),
    ("nom_gare__notcontains=saint", lambda r: "saint" not in r["nom_gare"].lower()),
    ("segment_drg__in=a,c", lambda r: r["segment_drg"] in ("a", "c")),
    ("segment_drg__notin=a,c", lambda r: r["segment_drg"] not in ("a", "c")),
    (f"{V23}__less=30000", lambda r: r[V23] <= 30000),
    (f"{V23}__greater=30000", lambda r: r[V23] >= 30000),
    (f"{V23}__strictly_less=30000", lambda r: r[V23] < 30000),
    (f"{V23}__strictly_greater=30000", lambda r: r[V23] > 30000),
    (f"{V24}__isnull", lambda r: r[V24] is None),
    (f"{V24}__isnotnull", lambda r: r[V24] is not None),
    (f"{V24}__differs=1", lambda r: r[V24] != 1),  # IS DISTINCT FROM keeps the nulls
    (f"{V24}__strictly_greater=0", lambda r: r[V24] is not None and r[V24] > 0),
    ("accessible__exact=false", lambda r: r["accessible"] is False),
    ("or=(segment_drg__exact.a,accessible__exact.false)",
     lambda r: r["segment_drg"] == "a" or r["accessible"] is False),
]  # fmt: skip


@pytest.mark.parametrize(("query", "keep"), OPERATORS, ids=[q for q, _ in OPERATORS])
def test_operator(
    client: httpx.Client, gares_rows: list[Row], query: str, keep: Callable[[Row], bool]
) -> None:
    expected = [r for r in gares_rows if keep(r)]
    total, data = _total(client, query)
    assert total == len(expected) > 0
    assert data == expected[:50]


def test_boundaries_of_less_and_greater(client: httpx.Client, gares_rows: list[Row]) -> None:
    value = gares_rows[10][V23]
    assert any(r[V23] == value for r in _total(client, f"{V23}__less={value}")[1] + [{V23: value}])
    less, _ = _total(client, f"{V23}__less={value}")
    strictly, _ = _total(client, f"{V23}__strictly_less={value}")
    assert less == strictly + sum(1 for r in gares_rows if r[V23] == value)


def test_sort_puts_nulls_last_ascending_first_descending(
    client: httpx.Client, gares_rows: list[Row]
) -> None:
    asc = client.get(f"{GARES}/data/?{V24}__sort=asc&page_size=50&page=1").json()["data"]
    values = [r[V24] for r in asc]
    assert values == sorted(values)
    desc = client.get(f"{GARES}/data/?{V24}__sort=desc&page_size=50").json()["data"]
    nulls = sum(1 for r in gares_rows if r[V24] is None)
    assert nulls and [r[V24] for r in desc[:nulls]] == [None] * min(nulls, 50)
    last = client.get(f"{GARES}/data/?{V24}__sort=asc&page_size=50&page=99").json()
    assert last["data"] == [] and last["meta"]["total"] == len(gares_rows)


def test_columns_selects_fields_without_row_id(client: httpx.Client) -> None:
    data = client.get(f"{GARES}/data/?columns=nom_gare,departement&page_size=3").json()["data"]
    assert [set(r) for r in data] == [{"nom_gare", "departement"}] * 3


def test_default_page_and_links(client: httpx.Client, standin: Standin) -> None:
    body = client.get(f"{GARES}/data/?segment_drg__exact=b&page=2&page_size=5").json()
    assert body["meta"]["page"] == 2 and body["meta"]["page_size"] == 5
    base = f"{standin.url}{GARES}/data/?segment_drg__exact=b"
    assert body["links"]["next"] == f"{base}&page=3&page_size=5"
    assert body["links"]["prev"] == f"{base}&page=1&page_size=5"
    assert body["links"]["profile"] == f"{standin.url}{GARES}/profile/"
    default = client.get(f"{GARES}/data/").json()
    assert default["meta"]["page_size"] == 20 and len(default["data"]) == 20
    assert [r["__id"] for r in default["data"]] == list(range(1, 21))


def test_page_size_above_50_is_refused(client: httpx.Client) -> None:
    response = client.get(f"{GARES}/data/?page_size=51")
    assert response.status_code == 400
    assert response.json() == {
        "errors": [
            {
                "code": None,
                "title": "Invalid query string",
                "detail": "Page size exceeds allowed maximum: 50",
            }
        ]
    }


def test_unknown_rid_is_plain_text_404(client: httpx.Client) -> None:
    unknown = "/tabular/api/resources/11111111-2222-3333-4444-555555555555"
    for suffix in ("data/", "profile/", "swagger/", "", "data/csv/"):
        response = client.get(f"{unknown}/{suffix}")
        assert response.status_code == 404, suffix
        assert response.text == "404: Not Found"
        assert response.headers["content-type"].startswith("text/plain")
    # A resource known to udata but not parsed by hydra is not in the Tabular API either.
    missing = f"/tabular/api/resources/{ids.POPULATION_HTML_RESOURCE_ID}/profile/"
    assert client.get(missing).text == "404: Not Found"


def test_evaluation_order(client: httpx.Client) -> None:
    unknown = "/tabular/api/resources/11111111-2222-3333-4444-555555555555/data/"
    assert client.get(f"{unknown}?page_size=500").status_code == 400
    malformed = client.get(f"{unknown}?oops=1")
    assert malformed.status_code == 400
    assert malformed.json()["errors"][0]["detail"] == (
        "Malformed query: argument 'oops=1' could not be parsed"
    )
    assert client.get(f"{unknown}?a__exact=1").status_code == 404
    not_uuid = client.get("/tabular/api/resources/1234/data/")
    assert not_uuid.status_code == 400
    assert not_uuid.json()["errors"][0]["detail"]["message"] == (
        'invalid input syntax for type uuid: "1234"'
    )


def test_database_errors(client: httpx.Client) -> None:
    unknown = client.get(f"{GARES}/data/?nope__exact=1")
    error = unknown.json()["errors"][0]
    assert unknown.status_code == 400 and error["title"] == "Database error"
    assert error["detail"]["code"] == "42703" and error["code"]
    assert (
        error["detail"]["message"] == "column 5e8a5090540069cddbe48db5d057882c.nope does not exist"
    )
    typed = client.get(f"{GARES}/data/?{V23}__exact=many").json()["errors"][0]["detail"]
    assert typed["code"] == "22P02" and 'type integer: "many"' in typed["message"]
    like = client.get(f"{GARES}/data/?{V23}__contains=1")
    assert like.json()["errors"][0]["detail"]["code"] == "42883"
    sort = client.get(f"{GARES}/data/?nom_gare__sort=sideways").json()["errors"][0]
    assert sort["detail"]["code"] == "PGRST100"


def test_malformed_arguments(client: httpx.Client) -> None:
    for query in ("nom_gare__nope=1", "a=b=c", "columns=%22x%22", f"{V23}__avg&columns=x"):
        response = client.get(f"{GARES}/data/?{query}")
        assert response.status_code == 400, query
        assert response.json()["errors"][0]["title"] == "Invalid query string"
    bad_page = client.get(f"{GARES}/data/?page=two")
    assert bad_page.status_code == 500 and bad_page.headers["content-type"].startswith("text/plain")


def test_page_size_zero_means_no_limit(client: httpx.Client, gares_rows: list[Row]) -> None:
    body = client.get(f"{GARES}/data/?page_size=0").json()
    assert len(body["data"]) == len(gares_rows)


def test_aggregation_needs_an_exception(client: httpx.Client) -> None:
    refused = client.get(f"{GARES}/data/?segment_drg__groupby&nom_gare__count")
    assert refused.status_code == 403
    assert refused.json()["errors"][0] == {
        "code": None,
        "title": "Unauthorized parameters",
        "detail": "Aggregation parameters `groupby`, `count` are not allowed for resource "
        f"'{ids.GARES_RESOURCE_ID}'",
    }
    allowed = f"/tabular/api/resources/{ids.AGGREGATION_RESOURCE_ID}/data/"
    body = client.get(
        f"{allowed}?indicateur__groupby&valeur__avg&nombre__sum&nombre__count&annee__max"
    ).json()
    assert "total" not in body["meta"] and body["links"]["next"] is None
    assert [r["indicateur"] for r in body["data"]] == sorted(r["indicateur"] for r in body["data"])
    assert set(body["data"][0]) == {
        "indicateur", "valeur__avg", "nombre__sum", "nombre__count", "annee__max"
    }  # fmt: skip
    filtered = client.get(f"{allowed}?indicateur__exact=no2&nombre__count").json()["data"]
    everything = client.get(f"{allowed}?nombre__count").json()["data"]
    assert filtered[0]["nombre__count"] < everything[0]["nombre__count"]
    paged = client.get(f"{allowed}?commune__groupby&page_size=2").json()
    assert len(paged["data"]) == 2 and paged["links"]["next"]
    exceptions = client.get("/tabular/api/aggregation-exceptions/").json()
    assert ids.AGGREGATION_RESOURCE_ID in exceptions["allowed"]


def test_profile_swagger_and_meta(client: httpx.Client, gares_rows: list[Row]) -> None:
    profile = client.get(f"{GARES}/profile/").json()
    assert set(profile) == {"profile", "deleted_at", "dataset_id", "indexes"}
    columns = profile["profile"]["columns"]
    assert profile["profile"]["header"] == [k for k in gares_rows[0] if k != "__id"]
    assert columns[V23]["python_type"] == "int" and columns["accessible"]["python_type"] == "bool"
    assert profile["profile"]["total_lines"] == len(gares_rows)
    swagger = client.get(f"{GARES}/swagger/")
    document = yaml.safe_load(swagger.text)
    assert document["openapi"] == "3.0.3"
    names = {p["name"] for p in next(iter(document["paths"].values()))["parameters"]}
    assert {f"{V23}__greater", "nom_gare__contains", "page_size"} <= names
    assert "nom_gare__count" not in names  # no aggregation exception for this rid
    meta = client.get(f"{GARES}/").json()
    assert [link["rel"] for link in meta["links"]] == ["profile", "data", "swagger"]
    assert client.get(meta["links"][1]["href"]).status_code == 200


def test_gentiles_has_its_recorded_rows_and_size(client: httpx.Client) -> None:
    gentiles = f"/tabular/api/resources/{ids.GENTILES_RESOURCE_ID}/data/"
    first = client.get(f"{gentiles}?page_size=50").json()
    assert first["meta"]["total"] == 34946
    assert first["data"][0] == {
        "__id": 1,
        "code_insee": "01001",
        "commune": "L'Abergement-Clémenciat",
        "departement": "01",
        "gentile": None,
    }
    last = client.get(f"{gentiles}?page=699&page_size=50").json()
    assert last["data"][-1]["__id"] == 34946 and last["links"]["next"] is None


def test_exports(client: httpx.Client, gares_rows: list[Row]) -> None:
    exported = client.get(f"{GARES}/data/csv/?segment_drg__exact=a")
    assert exported.headers["content-disposition"] == (
        f'attachment; filename="{ids.GARES_RESOURCE_ID}.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert len(rows) == sum(1 for r in gares_rows if r["segment_drg"] == "a")
    assert list(rows[0]) == list(gares_rows[0])
    as_json = client.get(f"{GARES}/data/json/?columns=nom_gare&{V23}__sort=desc").json()
    assert [r["nom_gare"] for r in as_json] == [
        r["nom_gare"] for r in sorted(gares_rows, key=lambda r: (-r[V23], r["__id"]))
    ]


def test_exports_above_50000_rows_are_refused(client: httpx.Client) -> None:
    radars = f"/tabular/api/resources/{ids.RADARS_RESOURCE_ID}"
    assert client.get(f"{radars}/data/").json()["meta"]["total"] == 60000
    refused = client.get(f"{radars}/data/csv/")
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["title"] == "Output is too long"
    smaller = client.get(f"{radars}/data/json/?limite__exact=50")
    assert smaller.status_code == 200 and 0 < len(smaller.json()) < 50000


def test_crawler_exceptions(client: httpx.Client) -> None:
    for path in ("/crawler/api/resources-exceptions", "/crawler/api/resources-exceptions/"):
        listing = client.get(path).json()
        assert isinstance(listing, list) and listing
        assert all(isinstance(item["table_indexes"], str) for item in listing)
        assert ids.RADARS_RESOURCE_ID in [item["resource_id"] for item in listing]


def test_every_resource_advertised_as_tabular_has_a_table(client: httpx.Client) -> None:
    advertised = 0
    for page in (1, 2, 3):
        search = client.get(f"/api/2/datasets/search/?page_size=100&page={page}").json()
        for dataset in search["data"]:
            if dataset["resources"]["total"] > 60:
                continue
            for resource in client.get(dataset["resources"]["href"]).json()["data"]:
                if "analysis:parsing:parsing_table" not in (resource.get("extras") or {}):
                    continue
                advertised += 1
                profile = client.get(f"/tabular/api/resources/{resource['id']}/profile/")
                assert profile.status_code == 200, resource["id"]
                data = client.get(f"/tabular/api/resources/{resource['id']}/data/?page_size=1")
                assert data.json()["meta"]["total"] >= 200
    assert advertised > 20


def test_only_csv_and_json_exports_exist(client: httpx.Client) -> None:
    assert client.get(f"{GARES}/data/xml/").text == "404: Not Found"
