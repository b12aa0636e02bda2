"""The official MCP conformance scenarios that need no special test tools, against
`datagouv-mcp serve`. Runs where the project's runner script is available (it installs Node 22
and the suite from the npm registry): `../shared/tools/mcp-conformance`, or $MCP_CONFORMANCE."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from datagouv_mcp.testing.servers import SAMPLE_PLUGIN, clean_env, cli_command

SCENARIOS = [
    "server-initialize",
    "ping",
    "tools-list",
    "dns-rebinding-protection",
    "resources-list",
    "prompts-list",
    "logging-set-level",
    "completion-complete",
]


def _runner() -> str | None:
    candidates = [os.environ.get("MCP_CONFORMANCE", "")]
    candidates.append(str(Path(__file__).resolve().parents[2] / "shared/tools/mcp-conformance"))
    return next((c for c in candidates if c and Path(c).is_file()), None)


@pytest.mark.slow
def test_official_conformance_scenarios_pass() -> None:
    runner = _runner()
    if runner is None or shutil.which("npm") is None:
        pytest.skip("the conformance runner (../shared/tools/mcp-conformance) or npm is missing")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        cli_command("serve", "--port", str(port)),
        env=clean_env({"DATAGOUV_MCP_PLUGIN_MODULES": SAMPLE_PLUGIN}),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.1)
        result = subprocess.run(
            ["bash", runner, f"http://localhost:{port}/mcp", *SCENARIOS],
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
    finally:
        server.terminate()
        server.wait(timeout=20)
    passed = [line.split()[1] for line in result.stdout.splitlines() if line.startswith("PASS")]
    assert result.returncode == 0, result.stdout + result.stderr
    assert passed == SCENARIOS
