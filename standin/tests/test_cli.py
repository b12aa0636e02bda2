"""`datagouv-mcp-standin` as a subprocess, serving the shared corpus."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from datagouv_mcp_standin.corpus import DEFAULT_CORPUS

SHARED_CORPUS = Path(__file__).resolve().parents[3] / "shared" / "upstream-corpus"
CORPUS = SHARED_CORPUS if SHARED_CORPUS.is_dir() else DEFAULT_CORPUS


@contextmanager
def standin_process(*args: str) -> Iterator[tuple[str, dict[str, str]]]:
    """Run the command; yield its announced base URL and the env lines it printed."""
    command = [sys.executable, "-m", "datagouv_mcp_standin", "--port", "0", *args]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("datagouv-mcp stand-in serving http://127.0.0.1:"), first
        url = first.split()[-1]
        env = {}
        for line in iter(process.stdout.readline, "\n"):
            name, _, value = line.strip().removeprefix("export ").partition("=")
            env[name] = value
        yield url, env
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_cli_serves_the_shared_corpus() -> None:
    with standin_process("--corpus", str(CORPUS)) as (url, env):
        assert env["DATAGOUV_MCP_API_URL"] == f"{url}/api/"
        assert env["DATAGOUV_MCP_SITE_URL"] == f"{url}/"
        assert env["DATAGOUV_MCP_TABULAR_URL"] == f"{url}/tabular/api/"
        assert env["DATAGOUV_MCP_METRICS_URL"] == f"{url}/metrics/api/"
        assert env["DATAGOUV_MCP_CRAWLER_URL"] == f"{url}/crawler/api/"
        assert env["DATAGOUV_MCP_FETCH_ALLOWED_HOSTS"] == "127.0.0.1"
        with httpx.Client(base_url=url, timeout=10) as client:
            search = client.get("/api/2/datasets/search/?q=population&page_size=3")
            assert search.status_code == 200
            assert search.json()["next_page"].startswith(f"{url}/api/2/")
            assert client.get("/_standin/info").json()["recorded_bodies"] >= 60


def test_cli_generated_datasets_and_faults() -> None:
    fault = '{"route": "/api/2/*", "kind": "status", "status": 503, "times": 1}'
    with (
        standin_process("--datasets", "50", "--fault", fault) as (url, _),
        httpx.Client(base_url=url, timeout=10) as client,
    ):
        assert client.get("/api/2/datasets/search/").status_code == 503
        assert client.get("/api/2/datasets/search/").json()["total"] >= 50


def test_cli_refuses_a_bad_fault() -> None:
    command = [sys.executable, "-m", "datagouv_mcp_standin", "--fault", '{"kind": "x"}']
    result = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2
    assert "--fault" in result.stderr and "kind must be one of" in result.stderr
