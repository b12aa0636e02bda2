"""Fault injection and the admin endpoints (stats, connection counting, reset)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import httpx
import pytest

from datagouv_mcp_standin.testing import CorpusIds as ids
from datagouv_mcp_standin.testing import Standin, running_standin

DATASET = f"/api/1/datasets/{ids.POPULATION_DATASET_ID}/"


@pytest.fixture(scope="module")
def server() -> Iterator[Standin]:
    with running_standin() as handle:
        yield handle


@pytest.fixture
def fresh(server: Standin) -> Iterator[Standin]:
    server.reset()
    yield server
    server.reset()


@pytest.fixture
def http(fresh: Standin) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=fresh.url, timeout=5.0) as client:
        yield client


def test_times_limited_503_then_success(fresh: Standin, http: httpx.Client) -> None:
    fault = fresh.add_fault(route="/api/1/datasets/*", kind="status", status=503, times=2)
    assert fault["id"] and fault["times"] == 2
    assert [http.get(DATASET).status_code for _ in range(3)] == [503, 503, 200]
    assert fresh.faults() == []
    assert fresh.stats()["routes"]["GET /api/1/datasets/{dataset}/"] == 3


def test_retry_after(fresh: Standin, http: httpx.Client) -> None:
    fresh.add_fault(route="*", kind="retry_after", retry_after=3, times=1)
    response = http.get(DATASET)
    assert response.status_code == 429 and response.headers["retry-after"] == "3"
    fresh.add_fault(route="*", kind="status", status=503, retry_after=7, times=1)
    assert http.get(DATASET).headers["retry-after"] == "7"
    assert http.get(DATASET).status_code == 200


def test_hang_is_seen_as_a_timeout(fresh: Standin) -> None:
    fresh.add_fault(route="/api/2/datasets/search/*", kind="hang")
    with httpx.Client(base_url=fresh.url, timeout=0.3) as client:
        with pytest.raises(httpx.ReadTimeout):
            client.get("/api/2/datasets/search/")
        assert client.get(DATASET).status_code == 200  # other routes unaffected


def test_reset_is_seen_as_a_connection_error(fresh: Standin, http: httpx.Client) -> None:
    fresh.add_fault(route=DATASET, kind="reset", times=1)
    with pytest.raises(httpx.TransportError) as caught:
        http.get(DATASET)
    assert not isinstance(caught.value, httpx.TimeoutException)
    assert http.get(DATASET).status_code == 200


def test_malformed_json(fresh: Standin, http: httpx.Client) -> None:
    fresh.add_fault(route="/api/*", kind="malformed_json", times=1)
    response = http.get(DATASET)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    with pytest.raises(json.JSONDecodeError):
        response.json()


def test_endless_body_read_with_a_byte_cap(fresh: Standin, http: httpx.Client) -> None:
    fresh.add_fault(route="/api/*", kind="endless_body", times=1)
    cap = 1_000_000
    received = 0
    with http.stream("GET", DATASET) as response:
        assert response.status_code == 200
        for chunk in response.iter_bytes():
            received += len(chunk)
            if received > cap:
                break
    assert received > cap
    assert http.get(DATASET).status_code == 200


def test_slow_body_read_with_a_time_cap(fresh: Standin, http: httpx.Client) -> None:
    full = len(http.get(DATASET).content)
    fresh.add_fault(route="/api/*", kind="slow_body", chunk_bytes=16, latency_ms=100, times=1)
    received = 0
    started = time.monotonic()
    with http.stream("GET", DATASET) as response:
        assert response.status_code == 200
        for chunk in response.iter_bytes():
            received += len(chunk)
            if time.monotonic() - started > 0.5:
                break
    assert 0 < received < full


def test_latency(fresh: Standin, http: httpx.Client) -> None:
    fresh.add_fault(route="*", kind="latency", latency_ms=300, times=1)
    started = time.monotonic()
    assert http.get(DATASET).status_code == 200
    assert time.monotonic() - started >= 0.25


def test_rate_is_a_seeded_probability(fresh: Standin, http: httpx.Client) -> None:
    fresh.add_fault(route="*", kind="status", status=502, rate=0.5)
    statuses = [http.get(DATASET).status_code for _ in range(40)]
    assert 5 < statuses.count(502) < 35 and statuses.count(200) == 40 - statuses.count(502)
    fresh.reset()  # re-seeds: the same sequence again
    fresh.add_fault(route="*", kind="status", status=502, rate=0.5)
    assert [http.get(DATASET).status_code for _ in range(40)] == statuses


def test_admin_is_never_faulted_and_faults_can_be_deleted(
    fresh: Standin, http: httpx.Client
) -> None:
    fault = fresh.add_fault(route="*", kind="status", status=500)
    assert http.get("/_standin/stats").status_code == 200
    assert http.get(DATASET).status_code == 500
    assert http.delete(f"/_standin/faults/{fault['id']}").json() == {"removed": True}
    assert http.get(DATASET).status_code == 200
    fresh.add_fault(route="*", kind="hang")
    fresh.clear_faults()
    assert http.get(DATASET).status_code == 200


@pytest.mark.parametrize(
    "fault",
    [{"kind": "explode"}, {"kind": "status", "rate": 2}, {"kind": "status", "bogus": 1}, [1]],
)
def test_invalid_faults_are_refused(http: httpx.Client, fault: object) -> None:
    response = http.post("/_standin/faults", json=fault)
    assert response.status_code == 400 and "error" in response.json()


def test_several_faults_in_one_post(fresh: Standin, http: httpx.Client) -> None:
    body = [{"kind": "status", "times": 1}, {"kind": "latency", "latency_ms": 1}]
    added = http.post("/_standin/faults", json=body)
    assert added.status_code == 201 and len(added.json()["faults"]) == 2
    assert len(fresh.faults()) == 2


def test_stats_per_route_and_per_path(fresh: Standin, http: httpx.Client) -> None:
    http.get(DATASET)
    http.get("/api/1/datasets/population/")
    http.get("/api/2/datasets/search/?q=air&page_size=2")
    http.get("/_standin/info")  # admin: not counted
    stats = fresh.stats()
    assert stats["total"] == 3
    assert stats["routes"]["GET /api/1/datasets/{dataset}/"] == 2
    assert stats["paths"]["GET /api/2/datasets/search/?q=air&page_size=2"] == 1
    fresh.reset()
    assert fresh.stats() == {"total": 0, "connections": 0, "routes": {}, "paths": {}}


def test_connection_counting(fresh: Standin) -> None:
    with httpx.Client(base_url=fresh.url) as pooled:
        for _ in range(5):
            pooled.get(DATASET)
    assert fresh.stats()["connections"] == 1
    for _ in range(3):
        httpx.get(f"{fresh.url}{DATASET}")
    stats = fresh.stats()
    assert stats["connections"] == 4 and stats["total"] == 8


def test_faults_and_latency_at_start_up() -> None:
    faults = [{"route": "/api/1/*", "kind": "status", "status": 504, "times": 1}]
    with running_standin(faults=faults, latency_ms=50) as handle:
        listing = handle.faults()
        assert [f["kind"] for f in listing] == ["latency", "status"]
        with httpx.Client(base_url=handle.url) as client:
            assert client.get(DATASET).status_code == 504
            assert client.get(DATASET).status_code == 200
        env = handle.env()
        assert env["DATAGOUV_MCP_API_URL"] == f"{handle.url}/api/"
        assert env["DATAGOUV_MCP_FETCH_ALLOWED_HOSTS"] == "127.0.0.1"


def test_patch_dataset_changes_every_shape_until_reset(fresh: Standin, http: httpx.Client) -> None:
    stamp = "2026-11-30T10:00:00+00:00"
    patched = fresh.patch_dataset("population", last_modified=stamp)
    assert patched == {"id": ids.POPULATION_DATASET_ID, "patch": {"last_modified": stamp}}
    search = http.get("/api/2/datasets/search/", params={"q": ids.POPULATION_DATASET_ID})
    hits = [d for d in search.json()["data"] if d["id"] == ids.POPULATION_DATASET_ID]
    assert [d["last_modified"] for d in hits] == [stamp]
    assert http.get(DATASET).json()["last_modified"] == stamp
    assert (
        http.get(f"/api/2/datasets/{ids.POPULATION_DATASET_ID}/").json()["last_modified"] == stamp
    )
    fresh.reset()
    assert http.get(DATASET).json()["last_modified"] != stamp


def test_patch_dataset_refuses_what_it_cannot_apply(fresh: Standin, http: httpx.Client) -> None:
    admin = "/_standin/datasets/"
    assert http.patch(f"{admin}population", json={"id": "x"}).status_code == 400
    assert http.patch(f"{admin}population", content=b"{").status_code == 400
    assert http.patch(f"{admin}{'0' * 24}", json={"title": "x"}).status_code == 404


def test_dataservices_listing_a_dataset(fresh: Standin, http: httpx.Client) -> None:
    listed = http.get("/api/1/dataservices/", params={"dataset": "population"}).json()
    assert listed["total"] == 2
    assert all(service["base_api_url"] for service in listed["data"])
    none = http.get("/api/1/dataservices/", params={"dataset": "0" * 24}).json()
    assert none["total"] == 0 and none["data"] == []


def test_an_idle_connection_outlives_a_client_pool_s_own_expiry(fresh: Standin) -> None:
    # The stand-in must not be the one closing an idle connection: with uvicorn's 5 s (httpx's
    # own expiry) a client could reuse one just as the stand-in closes it, and meet a reset.
    with httpx.Client(base_url=fresh.url, limits=httpx.Limits(keepalive_expiry=60)) as pooled:
        pooled.get(DATASET).raise_for_status()
        time.sleep(6)
        pooled.get(DATASET).raise_for_status()
    assert fresh.stats()["connections"] == 1
