"""The install paths of docs/clients.md, for real, as on a fresh machine: `uv tool install .`,
`uvx --from` a checkout and a git URL, plain pip from the wheels `uv build --all-packages`
makes. Third-party packages come from uv's cache (`--offline`), from PyPI only when the
cache lacks them, as tests/test_packaging.py does."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import anyio
import pytest

from datagouv_mcp.testing.clients import documented_servers, stdio_tools
from datagouv_mcp.testing.servers import clean_env
from datagouv_mcp.version import package_version

ROOT = Path(__file__).resolve().parents[1]
FIRST_PARTY = {"datasets", "resources", "dataservices", "metrics", "sql"}

pytestmark = pytest.mark.slow


def _uv() -> str:
    uv = os.environ.get("UV") or shutil.which("uv")
    if not uv:
        pytest.fail("this test installs with uv: run the suite with `uv run pytest`")
    return uv


def _run(command: Sequence[str], env: dict[str, str] | None = None, cwd: Path = ROOT) -> str:
    done = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=300
    )
    assert done.returncode == 0, f"{' '.join(command)}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _uv_cached(*args: str, env: dict[str, str] | None = None, cwd: Path = ROOT) -> str:
    """`uv ARGS --offline`, or online if uv's cache lacks a package."""
    command = [_uv(), *args]
    offline = subprocess.run(
        [*command, "--offline"], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    if offline.returncode == 0:
        return offline.stdout
    return _run(command, env=env, cwd=cwd)


def _plugins_of(command: Sequence[str]) -> set[str]:
    listing = json.loads(_run([*command, "plugins"], env=clean_env()))
    return {plugin["name"] for plugin in listing if plugin["enabled"]}


def _tool_env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("VIRTUAL_ENV", None)
    env.update(UV_TOOL_DIR=str(tmp_path / "tools"), UV_TOOL_BIN_DIR=str(tmp_path / "bin"))
    return env


def test_uv_tool_install_puts_the_command_on_path_with_the_first_party_plugins(
    tmp_path: Path,
) -> None:
    _uv_cached("tool", "install", ".", env=_tool_env(tmp_path))
    command = tmp_path / "bin" / "datagouv-mcp"
    assert command.exists()
    assert _plugins_of([str(command)]) >= FIRST_PARTY
    version = _run([str(command), "--version"]).strip()
    assert version == f"datagouv-mcp, version {package_version()}"
    # The documented Claude Desktop entry, with that bin folder as the client's PATH.
    entry = documented_servers((ROOT / "docs" / "clients.md").read_text())["claude-desktop"]
    path = os.pathsep.join([str(tmp_path / "bin"), "/usr/bin", "/bin"])
    tools = anyio.run(stdio_tools, entry, path)
    assert "search_datasets" in tools


def test_uvx_runs_it_from_a_checkout_and_from_a_git_url(tmp_path: Path) -> None:
    env = _tool_env(tmp_path)
    for source in (str(ROOT), f"git+file://{ROOT}"):
        listing = _uv_cached(
            "tool",
            "run",
            "--from",
            source,
            "datagouv-mcp",
            "plugins",
            env={**env, **clean_env()},
            cwd=tmp_path,
        )
        assert {p["name"] for p in json.loads(listing)} >= FIRST_PARTY, source


def test_plain_pip_installs_the_wheels_of_every_workspace_member(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    _uv_cached("build", "--all-packages", "--wheel", "-o", str(dist), "-q")
    wheels = sorted(path.name.split("-")[0] for path in dist.glob("*.whl"))
    assert "datagouv_mcp" in wheels and "datagouv_mcp_core" in wheels
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", str(venv)])
    python = str(venv / "bin" / "python")
    # The third-party packages, pinned as the lock file has them, from uv's cache; then pip
    # alone resolves and installs our distributions from the wheels, with no index at all.
    requirements = tmp_path / "requirements.txt"
    export = ["export", "--frozen", "--no-dev", "--no-emit-workspace", "--no-hashes"]
    _run([_uv(), *export, "--package", "datagouv-mcp", "-q", "-o", str(requirements)])
    _uv_cached("pip", "install", "-q", "--python", python, "-r", str(requirements))
    pip = [python, "-m", "pip", "install", "-q", "--no-index", "--find-links", str(dist)]
    _run([*pip, "datagouv-mcp"], env={**os.environ, "PIP_FIND_LINKS": ""})
    assert _plugins_of([str(venv / "bin" / "datagouv-mcp")]) >= FIRST_PARTY
    standin = subprocess.run([python, "-c", "import datagouv_mcp_standin"], check=False)
    assert standin.returncode != 0  # the test-only stand-in is not pulled in
