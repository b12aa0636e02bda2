"""The example third-party plugin (docs/examples/datagouv-mcp-licenses), installed for real into
a fresh environment with the core, seen and called through an MCP client, and switched off by
the toggles."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters

from datagouv_mcp.testing.servers import clean_env

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "docs" / "examples" / "datagouv-mcp-licenses"


def _uv() -> str:
    uv = os.environ.get("UV") or shutil.which("uv")
    if not uv:
        pytest.fail("this test installs packages with uv: run the suite with `uv run pytest`")
    return uv


def _uv_pip_install(uv: str, python: Path, *args: str) -> None:
    # Offline first: everything is in uv's cache after the workspace sync. Online (the package
    # registry) only if the cache lacks something.
    base = [uv, "pip", "install", "--quiet", "--python", str(python), *args]
    if subprocess.run([*base, "--offline"], capture_output=True, check=False).returncode:
        subprocess.run(base, check=True, capture_output=True)


@pytest.fixture(scope="module")
def plugin_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    uv = _uv()
    work = tmp_path_factory.mktemp("third-party")
    lock = work / "pylock.toml"
    subprocess.run(
        [
            uv,
            "export",
            "--package",
            "datagouv-mcp-core",
            "--format",
            "pylock.toml",
            "--no-dev",
            "--frozen",
            "--no-emit-workspace",
            "--quiet",
            "-o",
            str(lock),
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    venv = work / "env"
    subprocess.run([uv, "venv", "--quiet", str(venv)], check=True, capture_output=True)
    python = venv / "bin" / "python"
    _uv_pip_install(uv, python, "-r", str(lock))
    _uv_pip_install(uv, python, "--no-deps", str(ROOT / "core"), str(EXAMPLE))
    return venv


def _cli(venv: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(venv / "bin" / "datagouv-mcp"), *args],
        env=clean_env(env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_installed_plugin_is_listed_with_its_distribution(plugin_env: Path) -> None:
    result = _cli(plugin_env, "plugins")
    listing = {entry["name"]: entry for entry in json.loads(result.stdout)}
    assert listing["licenses"]["distribution"] == "datagouv-mcp-licenses"
    assert listing["licenses"]["tools"] == ["explain_license"]
    assert set(listing["licenses"]["hooks"]) == {
        "register_settings",
        "register_tools",
        "server_instructions",
    }


@pytest.mark.anyio
async def test_installed_plugin_tool_is_callable_through_an_mcp_client(plugin_env: Path) -> None:
    params = StdioServerParameters(
        command=str(plugin_env / "bin" / "datagouv-mcp"),
        args=["serve", "--transport", "stdio"],
        env=clean_env({"DATAGOUV_MCP_LICENSES_LANGUAGE": "fr"}),
    )
    async with Client(params, mode="legacy") as client:
        names = [tool.name for tool in (await client.list_tools()).tools]
        result = await client.call_tool("explain_license", {"license_id": "odc-odbl"})
        missing = await client.call_tool("explain_license", {"license_id": "wtfpl"})
        instructions = client.instructions or ""
    assert "explain_license" in names
    assert result.structured_content["share_alike"] is True  # type: ignore[index]
    assert "partagée sous ODbL" in result.content[0].text  # type: ignore[union-attr]
    assert missing.is_error is True
    assert missing.content[0].text.startswith("Error: Unknown licence id 'wtfpl'.")  # type: ignore[union-attr]
    assert "explain_license" in instructions


@pytest.mark.parametrize(
    "env",
    [
        {"DATAGOUV_MCP_DISABLED_PLUGINS": "licenses"},
        {"DATAGOUV_MCP_PLUGINS": "core"},
        {"DATAGOUV_MCP_EXCLUDE_TOOLS": "explain_license"},
    ],
)
def test_installed_plugin_is_switched_off_by_the_toggles(
    plugin_env: Path, env: dict[str, str]
) -> None:
    result = _cli(plugin_env, "call", "explain_license", '{"license_id": "lov2"}', **env)
    assert result.returncode == 1
    assert result.stdout.startswith("Error: Unknown tool 'explain_license'.")


def test_installed_plugin_appears_again_when_allowed(plugin_env: Path) -> None:
    result = _cli(
        plugin_env,
        "call",
        "explain_license",
        '{"license_id": "lov2"}',
        DATAGOUV_MCP_PLUGINS="licenses",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Licence Ouverte / Open Licence version 2.0 (lov2)")
