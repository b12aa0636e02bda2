"""The `datagouv-mcp` command as a subprocess: serve, call, logs."""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import anyio
import httpx
from mcp import Client, StdioServerParameters

from datagouv_mcp.gateway import Gateway
from datagouv_mcp.testing.servers import (
    OFFLINE_UPSTREAM,
    SAMPLE_PLUGIN,
    clean_env,
    cli_command,
    free_port,
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
    result = run_cli("call", "echo", '{"text": "private query"}', "-v", env=SAMPLE)
    calls = [r for r in _log_records(result.stderr) if r["event"] == "tool.called"]
    assert len(calls) == 1
    assert calls[0]["tool"] == "echo" and calls[0]["outcome"] == "ok"
    assert isinstance(calls[0]["duration_ms"], float)
    assert "private query" not in result.stderr


def test_arguments_are_logged_at_debug_level() -> None:
    result = run_cli(
        "call",
        "echo",
        '{"text": "debug query"}',
        "--verbose",
        env={**SAMPLE, "DATAGOUV_MCP_LOG_LEVEL": "debug"},
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


def test_version_prints_the_installed_version() -> None:
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"datagouv-mcp, version {Gateway.build(sample_only()).version}"


def test_plugins_and_call_print_only_their_output_unless_verbose() -> None:
    for args in (("plugins",), ("call", "echo", '{"text": "quiet"}')):
        quiet = run_cli(*args, env=SAMPLE)
        assert quiet.returncode == 0 and quiet.stdout
        assert quiet.stderr == ""
        verbose = run_cli(*args, "-v", env={**SAMPLE, "DATAGOUV_MCP_LOG_LEVEL": "debug"})
        assert verbose.stdout == quiet.stdout
        assert _log_records(verbose.stderr)


def test_call_url_says_connection_refused_when_nothing_listens() -> None:
    url = f"http://127.0.0.1:{free_port()}/mcp"
    result = run_cli("call", "echo", "--url", url)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"Error: {url}: connection refused. Is the server running? Start it with "
        "`datagouv-mcp serve`, or check the host and port."
    ]


def test_call_url_names_the_path_when_it_is_not_found() -> None:
    gateway = Gateway.build(sample_only())
    with serve_asgi(build_app(gateway)) as base:
        result = run_cli("call", "echo", "--url", f"{base}/mpc")
    assert result.returncode == 2
    assert result.stderr.strip() == f"Error: {base}/mpc: not found (is the path /mcp?)."


def test_call_url_says_when_a_server_does_not_speak_mcp() -> None:
    gateway = Gateway.build(sample_only())
    with serve_asgi(build_app(gateway)) as base:
        result = run_cli("call", "echo", "--url", f"{base}/health")
    assert result.returncode == 2
    assert result.stderr.startswith(f"Error: {base}/health: not an MCP endpoint")
    assert "Error" not in result.stderr[5:] and "Exception" not in result.stderr
    assert len(result.stderr.splitlines()) == 1


def test_serve_prints_one_start_line() -> None:
    port = free_port()
    env = {**SAMPLE, "DATAGOUV_MCP_PORT": str(port)}
    with _serve_process(env) as process:
        line = _wait_for_line(process)
        process.send_signal(signal.SIGINT)
        rest = process.communicate(timeout=20)[1]
    version = Gateway.build(sample_only()).version
    assert line.startswith(
        f"datagouv-mcp {version} serving streamable HTTP on http://127.0.0.1:{port}/mcp; "
        f"upstream {OFFLINE_UPSTREAM['DATAGOUV_MCP_API_URL']} "
        f"(tabular {OFFLINE_UPSTREAM['DATAGOUV_MCP_TABULAR_URL']}, "
        f"metrics {OFFLINE_UPSTREAM['DATAGOUV_MCP_METRICS_URL']}, "
        f"crawler {OFFLINE_UPSTREAM['DATAGOUV_MCP_CRAWLER_URL']}); plugins "
    ), line
    plugins, tools = re.fullmatch(r".*; plugins (.*); (\d+) tools\.\n", line).groups()  # type: ignore[union-attr]
    assert {"datasets", "sample_plugin"} <= set(plugins.split(", ")) and "core" not in plugins
    assert int(tools) > 4
    # Ctrl-C: a clean stop, nothing more said.
    assert process.returncode == 0
    assert "Aborted" not in rest and "Traceback" not in rest


def test_ctrl_c_stops_the_stdio_server_cleanly() -> None:
    env = {**SAMPLE, "DATAGOUV_MCP_TRANSPORT": "stdio"}
    with _serve_process(env, stdin=subprocess.PIPE) as process:
        line = _wait_for_line(process)
        process.send_signal(signal.SIGINT)
        rest = process.communicate(timeout=20)[1]
    assert "serving MCP over stdio" in line
    assert process.returncode == 0, rest
    assert "Aborted" not in rest and "Traceback" not in rest


def test_a_port_in_use_is_one_clear_line_and_exit_2() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli("serve", "--port", str(port), env=SAMPLE)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"Error: 127.0.0.1:{port} is already in use: stop the program listening there, or "
        "choose another port with --port or DATAGOUV_MCP_PORT."
    ]


def test_transport_setting_starts_the_stdio_server() -> None:
    async def listed() -> list[str]:
        params = StdioServerParameters(
            command=sys.executable,
            args=["-m", "datagouv_mcp.cli", "serve"],
            env=clean_env({**SAMPLE, "DATAGOUV_MCP_TRANSPORT": "stdio"}),
        )
        async with Client(params) as client:
            return [tool.name for tool in (await client.list_tools()).tools]

    assert "echo" in anyio.run(listed)


def test_a_bad_transport_setting_names_the_variable() -> None:
    result = run_cli("serve", env={"DATAGOUV_MCP_TRANSPORT": "sse"})
    assert result.returncode == 2
    assert "DATAGOUV_MCP_TRANSPORT='sse'" in result.stderr
    assert "Traceback" not in result.stderr


@contextmanager
def _serve_process(env: dict[str, str], **kwargs: object) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        cli_command("serve"),
        env=clean_env(env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,  # type: ignore[call-overload]
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=20)


def _wait_for_line(process: subprocess.Popen[str]) -> str:
    assert process.stderr is not None
    line = process.stderr.readline()
    assert line, "serve exited without a start line"
    return line
