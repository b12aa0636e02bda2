"""The core's wheel is the runtime only: no stand-in, no corpus, and nothing in its dependency
closure that only the stand-in needs (openpyxl, pyyaml). Built for real with uv."""

from __future__ import annotations

import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STANDIN_ONLY = {"openpyxl", "pyyaml", "datagouv-mcp-standin"}


def _uv() -> str:
    uv = os.environ.get("UV") or shutil.which("uv")
    if not uv:
        pytest.fail("this test builds with uv: run the suite with `uv run pytest`")
    return uv


def _build_core(uv: str, out: Path) -> Path:
    base = [uv, "build", "--package", "datagouv-mcp-core", "--wheel", "-o", str(out), "-q"]
    if subprocess.run([*base, "--offline"], cwd=ROOT, capture_output=True, check=False).returncode:
        subprocess.run(base, cwd=ROOT, capture_output=True, check=True)
    return next(out.glob("datagouv_mcp_core-*.whl"))


def test_the_core_wheel_holds_no_stand_in(tmp_path: Path) -> None:
    wheel = zipfile.ZipFile(_build_core(_uv(), tmp_path))
    names = wheel.namelist()
    assert "datagouv_mcp/gateway.py" in names
    assert [n for n in names if "standin" in n or "corpus" in n or n.endswith(".json")] == []
    metadata = wheel.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    required = {
        line.split(":", 1)[1].split(";")[0].strip().split("<")[0].split(">")[0].split("=")[0]
        for line in metadata.splitlines()
        if line.startswith("Requires-Dist:")
    }
    assert required and not required & STANDIN_ONLY


def test_installing_the_core_pulls_in_nothing_the_stand_in_needs() -> None:
    command = ["export", "--package", "datagouv-mcp-core", "--no-dev", "--frozen"]
    exported = subprocess.run(
        [_uv(), *command, "--no-emit-workspace", "--no-hashes", "--quiet"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    closure = {
        line.split("==")[0].strip().lower()
        for line in exported.splitlines()
        if line and not line.startswith((" ", "#"))
    }
    assert {"mcp", "httpx", "pluggy"} <= closure
    assert not closure & STANDIN_ONLY
