"""The `datagouv-mcp` command as a subprocess: serve, call, logs."""

from __future__ import annotations

import json

import httpx

from datagouv_mcp.gateway import Gateway
from datagouv_mcp.testing.servers import (
    SAMPLE_PLUGIN,
    run_cli,
    sample_only,
    serve_asgi,
    serving,
)
from datagouv_mcp.webapp import build_app

SAMPLE = {"DATAGOUV_MCP_PLUGIN_MODULES": SAMPLE_PLUGIN}


def _log_records(stderr: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]


def test_call_prints_text_and_structured_result() -> None:
    result = run_cli("call", "echo", '{"text": "hi", "times": 2}', env=SAMPLE)
    assert result.returncode == 0, result.stderr
    text, _, structured = result.stdout.partition("--- structured content ---")
    assert text.strip() == "Hello: hi hi"
    assert json.loads(structured) == {"text": "hi", "times": 2, "greeting": "Hello"}


def test_call_exits_1_on_a_tool_error() -> None:
    result = run_cli("call", "refuse", env=SAMPLE)
    assert result.returncode == 1
    assert result.stdout.startswith("Error: Refused: no reason.")


def test_call_with_bad_json_arguments_says_how_to_write_them() -> None:
    result = run_cli("call", "echo", "{text: hi}", env=SAMPLE)
    assert result.returncode == 2
    assert "not valid JSON" in result.stderr and '{"query": "vélo"}' in result.stderr


def test_call_json_prints_the_whole_result() -> None:
    result = run_cli("call", "echo", '{"text": "j"}', "--json", env=SAMPLE)
    assert json.loads(result.stdout)["structuredContent"]["text"] == "j"


def test_call_url_calls_a_running_server() -> None:
    gateway = Gateway.build(sample_only())
    with serve_asgi(build_app(gateway)) as url:
        result = run_cli("call", "echo", '{"text": "remote"}', "--url", f"{url}/mcp")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Hello: remote")


def test_crash_is_logged_with_its_incident_id_and_traceback_for_the_operator() -> None:
    result = run_cli("call", "explode", env=SAMPLE)
    records = _log_records(result.stderr)
    crashed = next(r for r in records if r["event"] == "tool.crashed")
    incident = crashed["incident_id"]
    assert f"incident {incident}" in result.stdout
    assert "hunter2" not in result.stdout
    assert "hunter2" in str(crashed["exception"])


def test_one_log_event_per_tool_call_without_arguments_at_info() -> None:
    result = run_cli("call", "echo", '{"text": "private query"}', env=SAMPLE)
    calls = [r for r in _log_records(result.stderr) if r["event"] == "tool.called"]
    assert len(calls) == 1
    assert calls[0]["tool"] == "echo" and calls[0]["outcome"] == "ok"
    assert isinstance(calls[0]["duration_ms"], float)
    assert "private query" not in result.stderr


def test_arguments_are_logged_at_debug_level() -> None:
    result = run_cli(
        "call", "echo", '{"text": "debug query"}', env={**SAMPLE, "DATAGOUV_MCP_LOG_LEVEL": "debug"}
    )
    assert "debug query" in result.stderr


def test_serve_answers_tools_list_for_a_plain_http_client() -> None:
    with serving(env=SAMPLE) as base:
        health = httpx.get(f"{base}/health", timeout=5)
        listed = httpx.post(
            f"{base}/mcp",
            json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
            headers={"Accept": "application/json"},
        )
    assert health.json()["status"] == "ok"
    assert "echo" in [tool["name"] for tool in listed.json()["result"]["tools"]]


def test_serve_refuses_an_invalid_setting_with_its_variable_name() -> None:
    result = run_cli("serve", env={"DATAGOUV_MCP_PORT": "eighty"})
    assert result.returncode == 2
    assert "DATAGOUV_MCP_PORT" in result.stderr
    assert "Traceback" not in result.stderr
