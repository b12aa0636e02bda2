"""Every bad setting stops start-up with exit 2 and one line naming the variable and what it
accepts, for every settings class (core, upstream, telemetry, each plugin), through the CLI
as a subprocess: never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from datagouv_mcp.testing.servers import run_cli

BAD = [
    # upstream
    ("DATAGOUV_MCP_UPSTREAM", "staging", "expected one of: prod, demo"),
    ("DATAGOUV_MCP_MAX_ATTEMPTS", "x", "expected an integer from 1 to 10"),
    ("DATAGOUV_MCP_REQUEST_TIMEOUT_SECONDS", "-1", "expected a number greater than 0"),
    ("DATAGOUV_MCP_CACHE_URL", "bogus://", "expected a cache URL: mem://?size=N"),
    ("DATAGOUV_MCP_CACHE_URL", "mem://?size=0", "this one's size is not a positive integer"),
    ("DATAGOUV_MCP_CACHE_MAX_BYTES", "64MB", "expected an integer at least 0"),
    ("DATAGOUV_MCP_CACHE_STALE_SECONDS", "604800", "expected a number from 0 to 86400"),
    ("DATAGOUV_MCP_RATE_LIMIT_URL", "memory://", "expected an async limits storage URL"),
    ("DATAGOUV_MCP_API_URL", "ftp://example.org/api/", "expected an http(s) URL"),
    # telemetry
    ("SENTRY_DSN", "notadsn", "expected a Sentry DSN such as https://"),
    ("DATAGOUV_MCP_LOG_FORMAT", "xml", "expected one of: auto, json, console"),
    ("DATAGOUV_MCP_SENTRY_TRACES_SAMPLE_RATE", "2", "expected a number from 0.0 to 1.0"),
    # core
    ("DATAGOUV_MCP_PORT", "eighty", "expected an integer from 0 to 65535"),
    ("DATAGOUV_MCP_TRACE_PLUGINS", "perhaps", "expected true or false"),
    ("DATAGOUV_MCP_READINESS_TIMEOUT_SECONDS", "0", "expected a number greater than 0"),
    # plugins
    ("DATAGOUV_MCP_METRICS_MAX_MONTHS", "0", "expected an integer from 1 to 600"),
    ("DATAGOUV_MCP_METRICS_ON_DEMO", "maybe", "expected one of: production, unavailable"),
    ("DATAGOUV_MCP_DATASETS_DESCRIPTION_CHARS", "x", "expected an integer from 200 to 100000"),
    ("DATAGOUV_MCP_SQL_TIMEOUT_SECONDS", "0", "expected a number greater than 0"),
    ("DATAGOUV_MCP_SQL_WORKER_ADDRESS_SPACE_MB", "600", "expected at least the memory limit"),
]
SECRET = {"SENTRY_DSN", "DATAGOUV_MCP_CACHE_URL", "DATAGOUV_MCP_RATE_LIMIT_URL"}


@pytest.mark.parametrize(("variable", "value", "accepted"), BAD)
def test_a_bad_setting_stops_start_up_naming_the_variable_and_what_it_accepts(
    variable: str, value: str, accepted: str
) -> None:
    result = run_cli("plugins", env={variable: value})
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert result.stderr.startswith("Error: ")
    assert variable in result.stderr and accepted in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    # Values that may hold a password are not echoed; the others are, to show what was read.
    assert (repr(value) in result.stderr) is (variable not in SECRET)


@pytest.mark.parametrize("command", [["serve"], ["serve", "--transport", "stdio"], ["call", "x"]])
def test_every_command_refuses_a_bad_setting_the_same_way(command: list[str]) -> None:
    result = run_cli(*command, env={"DATAGOUV_MCP_CACHE_URL": "bogus://"})
    assert result.returncode == 2
    assert "DATAGOUV_MCP_CACHE_URL" in result.stderr and "wrong backend alias" in result.stderr
    assert "Traceback" not in result.stderr


def test_several_bad_settings_are_named_together() -> None:
    bad = {
        "DATAGOUV_MCP_MAX_ATTEMPTS": "x",
        "DATAGOUV_MCP_MAX_IN_FLIGHT": "0",
        "DATAGOUV_MCP_PORT": "-1",
        "DATAGOUV_MCP_LOG_FORMAT": "xml",
    }
    result = run_cli("plugins", env=bad)
    assert result.returncode == 2
    for variable in bad:
        assert variable in result.stderr


def test_a_bad_setting_in_dot_env_is_named_too(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("DATAGOUV_MCP_UPSTREAM=staging\n")
    result = run_cli("plugins", cwd=tmp_path)
    assert result.returncode == 2
    assert "DATAGOUV_MCP_UPSTREAM (or DATAGOUV_API_ENV, DATAGOUV_ENV)='staging'" in result.stderr
