"""The container image and compose file, checked without an image builder (none runs on the
machines the tests run on): the image's entrypoint, environment and HEALTHCHECK command run
through the same CLI; compose's services are the ones its nginx file and Redis URL name."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from mcp import Client, StdioServerParameters

from datagouv_mcp.testing.servers import SAMPLE_PLUGIN, ServeProcess, clean_env, free_port

ROOT = Path(__file__).parents[1]
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def _runtime_stage() -> list[str]:
    """The last stage's instructions, one a line (continuation lines joined)."""
    stage = DOCKERFILE.rsplit("\nFROM ", 1)[1].replace("\\\n", " ")
    return [line.strip() for line in stage.splitlines() if line.strip()]


def _instruction(name: str) -> str:
    (line,) = [line for line in _runtime_stage() if line.startswith(f"{name} ")]
    return line.removeprefix(f"{name} ")


def _exec_form(name: str) -> list[str]:
    command: list[str] = json.loads(_instruction(name))
    return command


def _image_env() -> dict[str, str]:
    pairs = re.findall(r"(\w+)=(\S+)", _instruction("ENV"))
    return {name: value for name, value in pairs if name != "PATH"}


def _healthcheck() -> list[str]:
    command: list[str] = json.loads(_instruction("HEALTHCHECK").split(" CMD ", 1)[1])
    return command


def test_the_image_runs_unprivileged_over_http_by_default() -> None:
    assert _instruction("USER") == "datagouv"
    assert "--uid 10001" in _instruction("RUN")
    assert _exec_form("ENTRYPOINT") == ["datagouv-mcp", "serve"]
    assert _exec_form("CMD") == ["--transport", "http"]
    assert _image_env()["DATAGOUV_MCP_HOST"] == "0.0.0.0"


def test_the_images_entrypoint_serves_and_its_healthcheck_reads_health(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **_image_env(),
        # The test binds loopback only; the image binds every interface of its container.
        "DATAGOUV_MCP_HOST": "127.0.0.1",
        "DATAGOUV_MCP_PORT": str(port),
        "DATAGOUV_MCP_PLUGIN_MODULES": SAMPLE_PLUGIN,
    }
    entrypoint = _exec_form("ENTRYPOINT")[1:] + _exec_form("CMD")
    server = ServeProcess(env, *entrypoint[1:], port=port, log_path=str(tmp_path / "log"))
    health = [sys.executable, *_healthcheck()[1:]]
    server.start()
    try:
        healthy = subprocess.run(health, env=clean_env(env), capture_output=True, check=False)
    finally:
        server.stop()
    assert healthy.returncode == 0, healthy.stderr
    down = subprocess.run(health, env=clean_env(env), capture_output=True, check=False)
    assert down.returncode != 0
    assert "serving streamable HTTP on" in server.log()  # HTTP by default


@pytest.mark.anyio
async def test_the_image_speaks_stdio_when_asked() -> None:
    command = [sys.executable, "-m", "datagouv_mcp.cli", *_exec_form("ENTRYPOINT")[1:]]
    env = clean_env({**_image_env(), "DATAGOUV_MCP_PLUGIN_MODULES": SAMPLE_PLUGIN})
    params = StdioServerParameters(
        command=command[0], args=[*command[1:], "--transport", "stdio"], env=env
    )
    async with Client(params, mode="legacy") as client:
        tools = await client.list_tools()
    assert "echo" in {tool.name for tool in tools.tools}


def test_compose_puts_nginx_in_front_of_two_replicas_sharing_redis() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    site = (ROOT / "deploy" / "nginx" / "datagouv-mcp.conf").read_text()
    replicas = re.findall(r"server\s+(replica-\d+):8000", site)
    assert replicas == ["replica-1", "replica-2"]
    for name in replicas:
        environment = services[name]["environment"]
        assert environment["DATAGOUV_MCP_REDIS_URL"] == "redis://redis:6379/0"
        assert (
            environment["DATAGOUV_MCP_TRUSTED_PROXIES"]
            == (services["nginx"]["networks"]["internal"]["ipv4_address"])
        )
    assert "redis" in services
    (mount,) = services["nginx"]["volumes"]
    assert mount.startswith("./deploy/nginx/datagouv-mcp.conf:/etc/nginx/conf.d/")
    assert "listen 8080;" in site and services["nginx"]["ports"] == ["127.0.0.1:8080:8080"]
