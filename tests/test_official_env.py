"""A drop-in for operators: the official server's environment (its `.env.example` names:
MCP_HOST, MCP_PORT, MCP_ENV, DATAGOUV_API_ENV, LOG_LEVEL, SENTRY_DSN, SENTRY_SAMPLE_RATE) works
unchanged, as aliases of our settings; ours win when both are set."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from datagouv_mcp.settings import CoreSettings, TelemetrySettings, load_settings
from datagouv_mcp.testing.servers import SAMPLE_PLUGIN, clean_env, cli_command, free_port
from datagouv_mcp.upstream.settings import UpstreamSettings

DSN = "http://public@127.0.0.1:9/1"


def official_env(port: int) -> str:
    """An operator's `.env` for the official server."""
    return (
        f"MCP_HOST=127.0.0.1\nMCP_PORT={port}\nMCP_ENV=preprod\nDATAGOUV_API_ENV=demo\n"
        f"LOG_LEVEL=debug\nSENTRY_DSN={DSN}\nSENTRY_SAMPLE_RATE=0.25\n"
    )


def test_serve_runs_from_the_official_servers_dot_env(tmp_path: Path) -> None:
    port = free_port()
    (tmp_path / ".env").write_text(official_env(port))
    process = subprocess.Popen(
        cli_command("serve"),
        cwd=tmp_path,
        env=clean_env({"DATAGOUV_MCP_PLUGIN_MODULES": SAMPLE_PLUGIN}),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.communicate()[1]
                assert time.monotonic() < deadline, "serve did not listen on MCP_PORT"
                time.sleep(0.1)
        assert health.json()["status"] == "ok"
        body = {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "tools/call",
            "params": {"name": "echo", "arguments": {"text": "drop-in"}},
        }
        answer = httpx.post(
            f"http://127.0.0.1:{port}/mcp",
            json=body,
            headers={"Accept": "application/json"},
            timeout=10,
        )
        assert answer.json()["result"]["isError"] is False
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=20)
    events = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    # LOG_LEVEL=debug: the tool call's arguments are logged, as they are at DEBUG only.
    (logged,) = [event for event in events if event.get("event") == "tool.called.arguments"]
    assert logged["arguments"] == {"text": "drop-in"}


def test_each_official_name_sets_our_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text(official_env(8123))
    monkeypatch.chdir(tmp_path)
    core = load_settings(CoreSettings)
    telemetry = load_settings(TelemetrySettings)
    upstream = load_settings(UpstreamSettings)
    assert (core.host, core.port) == ("127.0.0.1", 8123)
    assert telemetry.log_level == "DEBUG"
    assert telemetry.sentry_environment == "preprod"
    assert telemetry.sentry_dsn == DSN
    assert telemetry.sentry_sample_rate == 0.25
    assert upstream.upstream == "demo"


def test_our_names_win_over_the_official_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".env").write_text(official_env(8123))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATAGOUV_MCP_PORT", "8124")
    monkeypatch.setenv("DATAGOUV_MCP_LOG_LEVEL", "WARNING")
    monkeypatch.setenv("DATAGOUV_MCP_UPSTREAM", "prod")
    monkeypatch.setenv("DATAGOUV_MCP_SENTRY_ENVIRONMENT", "production-eu")
    monkeypatch.setenv("MCP_PORT", "8125")  # the environment, yet not ours: still loses
    assert load_settings(CoreSettings).port == 8124
    telemetry = load_settings(TelemetrySettings)
    assert (telemetry.log_level, telemetry.sentry_environment) == ("WARNING", "production-eu")
    assert load_settings(UpstreamSettings).upstream == "prod"


def test_a_bad_official_value_is_named_with_our_name_and_the_official_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MCP_PORT", "eighty")
    with pytest.raises(
        Exception, match=r"DATAGOUV_MCP_PORT \(or MCP_PORT\)='eighty': expected an integer"
    ):
        load_settings(CoreSettings)
