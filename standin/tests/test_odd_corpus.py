"""Any corpus of the shared layout loads: odd bodies are adapted or skipped, naming the file.

A bare-array search body (the `data` array of a search page, as some recorders save it), an
empty file, invalid JSON, an unreadable sidecar and bodies of an unknown shape are each met
once, and never stop the stand-in from starting."""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from datagouv_mcp_standin.catalog_build import build_catalogue
from datagouv_mcp_standin.corpus import DEFAULT_CORPUS, recorded
from datagouv_mcp_standin.testing import running_standin

SEARCH_PAGE = "02_datasets_search/www_v2_datasets_search_page1_2024-09.json"
SEARCH_URL = "GET https://www.data.gouv.fr/api/2/datasets/search/?page=1&page_size=20"


def _write(root: Path, relative: str, body: bytes | str, endpoint: str, **meta: Any) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(body.encode() if isinstance(body, str) else body)
    sidecar = {"endpoint": endpoint, "status": 200, "content_type": "application/json", **meta}
    path.with_name(path.name.removesuffix(".json") + ".meta.json").write_text(json.dumps(sidecar))


@pytest.fixture(scope="module")
def odd_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("odd-corpus")
    # One well-formed dataset, copied with its sidecar.
    for name in ("www_v1_dataset_population_REDACTED_TRIMMED_mcpts",):
        for suffix in (".json", ".meta.json"):
            source = DEFAULT_CORPUS / "01_dataset_v1" / f"{name}{suffix}"
            (root / "01_dataset_v1").mkdir(exist_ok=True)
            shutil.copy(source, root / "01_dataset_v1" / source.name)
    bare = recorded(SEARCH_PAGE)["data"]
    _write(root, "02_datasets_search/bare_array.json", json.dumps(bare), SEARCH_URL)
    _write(root, "01_dataset_v1/empty.json", b"", "GET /api/1/datasets/{id}/")
    _write(
        root, "01_dataset_v1/broken.json", '{"id": "abc", "title": ', "GET /api/1/datasets/{id}/"
    )
    _write(root, "03_dataset_v2/unknown.json", '"just a string"', "GET /api/2/datasets/{id}/")
    _write(root, "05_dataservices/no_id.json", '{"title": "x"}', "GET /api/1/dataservices/{id}/")
    _write(root, "08_metrics/rows_object.json", '{"data": 7}', "GET metrics /api/x/data/")
    holes = {"id": "5f0000000000000000000001", "title": "Trous", "resources": [{"title": "r"}]}
    _write(root, "01_dataset_v1/hole.json", json.dumps(holes), "GET /api/1/datasets/{id}/")
    sidecar = root / "06_organizations" / "bad_sidecar.meta.json"
    sidecar.parent.mkdir()
    sidecar.write_text("{not json")
    (root / "06_organizations" / "bad_sidecar.json").write_text("{}")
    return root


def test_the_bundled_corpus_loads_without_a_note() -> None:
    assert build_catalogue().corpus_notes.notes == []


def test_an_odd_corpus_loads_naming_each_odd_file(
    odd_corpus: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="datagouv_mcp_standin"):
        catalogue = build_catalogue(odd_corpus)
    skipped = {note["file"]: note["reason"] for note in catalogue.corpus_notes.listing("skipped")}
    adapted = {note["file"]: note["reason"] for note in catalogue.corpus_notes.listing("adapted")}
    assert skipped["01_dataset_v1/empty.json"].startswith("empty file")
    assert skipped["01_dataset_v1/broken.json"].startswith("not valid JSON")
    assert "not the shape of a dataset_v2 answer" in skipped["03_dataset_v2/unknown.json"]
    assert "dataservice" in skipped["05_dataservices/no_id.json"]
    assert "metrics" in skipped["08_metrics/rows_object.json"]
    assert "sidecar is not readable JSON" in skipped["06_organizations/bad_sidecar.meta.json"]
    assert "one-page answer" in adapted["02_datasets_search/bare_array.json"]
    assert "dropped 1 resources without an id" in adapted["01_dataset_v1/hole.json"]
    logged = caplog.text
    for file in [*skipped, *adapted]:
        assert file in logged


def test_a_bare_array_search_body_is_served_as_a_search_answer(odd_corpus: Path) -> None:
    first = recorded(SEARCH_PAGE)["data"][0]
    with (
        running_standin(corpus=odd_corpus) as standin,
        httpx.Client(base_url=standin.url, timeout=10) as http,
    ):
        replayed = http.get("/api/2/datasets/search/", params={"page": 1, "page_size": 20})
        computed = http.get(f"/api/1/datasets/{first['id']}/")
        info = http.get("/_standin/info").json()
    assert replayed.headers["x-standin-replay"] == "02_datasets_search/bare_array.json"
    envelope = replayed.json()
    assert envelope["total"] == len(envelope["data"]) == 20
    assert envelope["data"][0]["id"] == first["id"]
    # Its items are indexed like any search page's: their records are served too.
    assert computed.status_code == 200 and computed.json()["id"] == first["id"]
    assert {f["file"] for f in info["skipped_files"]} >= {"01_dataset_v1/empty.json"}
    assert {f["file"] for f in info["adapted_files"]} >= {"02_datasets_search/bare_array.json"}


def test_the_command_starts_on_an_odd_corpus_and_says_what_it_skipped(odd_corpus: Path) -> None:
    command = [sys.executable, "-m", "datagouv_mcp_standin", "--port", "0"]
    process = subprocess.Popen(
        [*command, "--corpus", str(odd_corpus)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=10)
    assert first.startswith("datagouv-mcp stand-in serving http://127.0.0.1:"), stderr
    assert "01_dataset_v1/broken.json skipped: not valid JSON" in stderr
    assert "Traceback" not in stderr


# -- whatever a body holds, the catalogue builds ------------------------------------------

ENDPOINTS = {
    "dataset_search": "GET /api/2/datasets/search/",
    "dataset_v1": "GET /api/1/datasets/{id}/",
    "dataset_v2": "GET /api/2/datasets/{id}/",
    "resource": "GET /api/2/datasets/resources/{rid}/",
    "resources_page": "GET /api/2/datasets/{id}/resources/",
    "community": "GET /api/1/datasets/community_resources/",
    "dataservice_search": "GET /api/2/dataservices/search/",
    "dataservice": "GET /api/1/dataservices/{id}/",
    "organization_list": "GET /api/2/organizations/search/",
    "organization": "GET /api/1/organizations/{id}/",
    "tabular_data": "GET tabular /api/resources/{rid}/data/",
    "tabular_profile": "GET tabular /api/resources/{rid}/profile/",
    "tabular_meta": "GET tabular /api/resources/{rid}/",
    "tabular_aggregation": "GET https://tabular-api.data.gouv.fr/api/aggregation-exceptions/",
    "metrics": "GET metrics /api/datasets/data/?dataset_id__exact={id}",
    "crawler": "GET https://crawler.data.gouv.fr/api/resources-exceptions",
}
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=12,
)
# Records with the keys the stand-in reads, holding values of any type.
KEYS = [
    "slug", "title", "tags", "resources", "organization", "owner", "format", "url",
    "created_at", "last_modified", "last_update", "extras", "metrics", "spatial", "license",
    "data", "total", "page", "resource", "dataset_id", "__id", "profile", "resource_id",
    "table_indexes", "allowed", "exceptions", "dataset",
]  # fmt: skip
records = st.fixed_dictionaries(
    {"id": st.sampled_from(["5f0000000000000000000001", "a86ebc34-a979-4d6c-8f2a-9710a43dca93"])},
    optional=dict.fromkeys(KEYS, json_values),
)
bodies = json_values | records | st.fixed_dictionaries({"data": st.lists(records, max_size=3)})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from(sorted(ENDPOINTS)), body=bodies)
def test_any_body_of_any_kind_builds_a_catalogue(kind: str, body: Any) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        _write(root, "00_fuzz/body.json", json.dumps(body), ENDPOINTS[kind])
        build_catalogue(root)
