"""Run the offline stand-in of the data.gouv.fr APIs in-process, for tests.

    from datagouv_mcp_standin.testing import running_standin

    with running_standin(datasets=200) as standin:
        httpx.get(f"{standin.url}/api/2/datasets/search/?q=population")
        standin.add_fault(route="/api/2/datasets/search/*", kind="status", status=503, times=2)
        settings_env = standin.env()  # point a datagouv-mcp server at it

The server runs with uvicorn in a background thread on 127.0.0.1 and a free port, and is
stopped when the block exits. Admin calls (`add_fault`, `stats`...) go over HTTP to its
`/_standin/` endpoints, which are never faulted nor counted.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from types import MappingProxyType
from typing import Any

import httpx

from datagouv_mcp_standin import sample_apis, sample_files
from datagouv_mcp_standin.env import server_env
from datagouv_mcp_standin.server import BackgroundServer, base_url, bind, make_server

HOST = "127.0.0.1"


class CorpusIds:
    """Ids and slugs of the bundled corpus that tests can rely on."""

    # Datasets
    POPULATION_DATASET_ID = "53699d0ea3a729239d205b2e"  # v1 + v2 recorded, 8 resources
    POPULATION_DATASET_SLUG = "population"
    SIRENE_DATASET_ID = "5b7ffc618b4c4169d30727e0"  # v1 + v2 recorded, 18 resources
    DVF_DATASET_SLUG = "demandes-de-valeurs-foncieres"
    COMMANDE_PUBLIQUE_DATASET_ID = "5cd57bf68b4c4179299eb0e9"  # 1572 resources (search hit)
    GENTILES_DATASET_ID = "6a9899255369f45f95bdd226"  # skeleton parent of the gentilés CSV
    # Resources in the Tabular API
    GENTILES_RESOURCE_ID = "a86ebc34-a979-4d6c-8f2a-9710a43dca93"  # recorded profile, 34946 rows
    GARES_RESOURCE_ID = "84719f62-cdd4-4d7c-b292-2aafa56c6043"  # csv on /static/
    TIERS_LIEUX_RESOURCE_ID = "45f3844f-0039-48ec-ade7-7dc8c429168b"  # xlsx on /static/
    RADARS_RESOURCE_ID = "52200d61-5e80-4a4e-999f-6e1c184fa122"  # crawler exception, 60000 rows
    AGGREGATION_RESOURCE_ID = "b8703c69-a18f-46ab-9e7f-3a8368dcb891"  # aggregations allowed
    README_RESOURCE_ID = "aaaaaaaa-1111-bbbb-2222-cccccccccccc"  # api-tabular README table
    # Sample dataservices (sample_apis.py), their documents at /files/openapi/
    OPENAPI_31_DATASERVICE_ID = sample_apis._id(1)  # OpenAPI 3.1 JSON, $ref cycles, 2 datasets
    SWAGGER_2_DATASERVICE_ID = sample_apis._id(2)  # Swagger 2 YAML; restricted access
    HUGE_API_DATASERVICE_ID = sample_apis._id(3)  # 3,000 operations
    HTML_DOC_DATASERVICE_ID = sample_apis._id(4)  # its documentation URL is a web page
    NOT_AN_API_DATASERVICE_ID = sample_apis._id(5)  # JSON that is not an API description
    REFUSED_DOC_DATASERVICE_ID = sample_apis._id(6)  # http://127.0.0.2:9/openapi.json
    REDIRECT_DOC_DATASERVICE_ID = sample_apis._id(7)  # a redirect to that address
    NO_DOC_DATASERVICE_ID = sample_apis._id(8)  # no machine documentation URL
    DELETED_TABULAR_RESOURCE_ID = "de1e7ed0-0000-4000-8000-000000000410"  # 410, plain text
    # A resource that is not in the Tabular API
    POPULATION_HTML_RESOURCE_ID = "4792c248-8b80-4524-8605-7d4213e49051"
    # Metrics
    EMPTY_METRICS_RESOURCE_ID = GENTILES_RESOURCE_ID  # its recorded series is empty
    # Dataservices and organizations
    API_ADRESSE_DATASERVICE_ID = "672cf67802ef6b1be63b8975"
    FICOBA_DATASERVICE_ID = "672dcfd4fb13e93799d97e68"  # OpenAPI document served offline
    R2P_DATASERVICE_ID = "672cf67aa37a79f6ff3e324e"  # OpenAPI document served offline
    INSEE_ORGANIZATION_ID = "534fff81a3a7292c64a77e5c"
    ETALAB_ORGANIZATION_ID = "534fff75a3a7292c64a77de4"
    # The sample files dataset (sample_files.py): one resource per format, at /files/sample.*
    SAMPLE_FILES_DATASET_ID = sample_files.DATASET_ID
    SAMPLE_RESOURCE_IDS = MappingProxyType(sample_files.SAMPLES)  # format -> resource id
    CSV_10MB_RESOURCE_ID = sample_files._rid(11)  # generated, streamed
    CSV_1GB_RESOURCE_ID = sample_files._rid(12)
    CSV_4GB_RESOURCE_ID = sample_files._rid(13)
    CSV_GZ_4GB_RESOURCE_ID = sample_files._rid(14)  # 4 GB of CSV once decompressed
    # Tabular tables of a known size (family `mesures`), their CSV holding the same rows
    TABLE_1K_RESOURCE_ID = sample_files._rid(30)  # 1,000 rows, with a Parquet export
    TABLE_1M_RESOURCE_ID = sample_files._rid(31)  # 1,000,000 rows, with a Parquet export
    TABLE_1K_NO_PARQUET_RESOURCE_ID = sample_files._rid(32)  # 1,000 rows, no Parquet export
    REFUSED_URL_RESOURCE_ID = sample_files._rid(20)  # http://127.0.0.2:9/...: loopback
    REDIRECT_TO_REFUSED_RESOURCE_ID = sample_files._rid(21)  # a redirect to that address


class Standin:
    """A handle on a running stand-in."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._admin = httpx.Client(base_url=f"{url}/_standin", timeout=10.0)

    def env(self) -> dict[str, str]:
        """Environment variables pointing a datagouv-mcp server at this stand-in."""
        return server_env(self.url, HOST)

    def add_fault(self, **fault: Any) -> dict[str, Any]:
        """Add a fault (same fields as the `--fault` JSON); returns it with its id."""
        response = self._admin.post("/faults", json=fault)
        response.raise_for_status()
        added: dict[str, Any] = response.json()["faults"][0]
        return added

    def faults(self) -> list[dict[str, Any]]:
        listing: list[dict[str, Any]] = (
            self._admin.get("/faults").raise_for_status().json()["faults"]
        )
        return listing

    def clear_faults(self) -> None:
        self._admin.delete("/faults").raise_for_status()

    def stats(self) -> dict[str, Any]:
        """`{"total", "connections", "routes": {...}, "paths": {...}}`."""
        snapshot: dict[str, Any] = self._admin.get("/stats").raise_for_status().json()
        return snapshot

    def requests(self, fragment: str) -> int:
        """Requests served on route templates containing `fragment`, since the last reset."""
        routes: dict[str, int] = self.stats()["routes"]
        return sum(count for route, count in routes.items() if fragment in route)

    def patch_dataset(self, dataset_id: str, **fields: Any) -> dict[str, Any]:
        """Change fields of a dataset (e.g. `last_modified=...`) until the next reset."""
        response = self._admin.patch(f"/datasets/{dataset_id}", json=fields)
        response.raise_for_status()
        patched: dict[str, Any] = response.json()
        return patched

    def reset(self) -> None:
        """Clear request counts, faults and dataset patches."""
        self._admin.post("/reset").raise_for_status()

    def close(self) -> None:
        self._admin.close()


@contextmanager
def running_standin(
    corpus: str | Path | None = None,
    datasets: int = 0,
    latency_ms: int = 0,
    faults: Iterable[Mapping[str, Any]] = (),
) -> Iterator[Standin]:
    """Start a stand-in on 127.0.0.1 (free port), wait until it answers, yield its handle."""
    server = make_server(
        Path(corpus) if corpus is not None else None,
        datasets,
        latency_ms,
        tuple(dict(f) for f in faults),
    )
    sock = bind(HOST, 0)
    background = BackgroundServer(server, sock)
    background.start()
    handle = Standin(base_url(HOST, sock.getsockname()[1]))
    try:
        _wait_until_ready(handle.url)
        yield handle
    finally:
        handle.close()
        background.stop()


def _wait_until_ready(url: str, attempts: int = 100) -> None:
    with httpx.Client(timeout=2.0) as client:
        for _ in range(attempts):
            try:
                if client.get(f"{url}/_standin/info").status_code == 200:
                    return
            except httpx.TransportError:
                pass
    raise RuntimeError(f"the stand-in at {url} did not answer")
