"""The official MCP conformance scenarios that need no special test tools, against
`datagouv-mcp serve`. Runs where the project's runner script is available (it installs Node 22
and the suite from the npm registry): `../shared/tools/mcp-conformance`, or $MCP_CONFORMANCE."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from datagouv_mcp.testing.servers import SAMPLE_PLUGIN, serving

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
    with serving(env={"DATAGOUV_MCP_PLUGIN_MODULES": SAMPLE_PLUGIN}) as base:
        port = base.rsplit(":", 1)[1]
        result = subprocess.run(
            ["bash", runner, f"http://localhost:{port}/mcp", *SCENARIOS],
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
    passed = [line.split()[1] for line in result.stdout.splitlines() if line.startswith("PASS")]
    assert result.returncode == 0, result.stdout + result.stderr
    assert passed == SCENARIOS
