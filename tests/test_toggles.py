"""Operator toggles, checked by running the CLI under each environment value."""

from __future__ import annotations

import json

import pytest

from datagouv_mcp.testing.servers import SAMPLE_PLUGIN, run_cli

FIRST_PARTY = {"datasets", "resources", "dataservices", "metrics"}


def _plugins(**env: str) -> dict[str, dict[str, object]]:
    result = run_cli("plugins", env=env)
    assert result.returncode == 0, result.stderr
    return {entry["name"]: entry for entry in json.loads(result.stdout)}


def _enabled(**env: str) -> set[str]:
    return {name for name, entry in _plugins(**env).items() if entry["enabled"]}


def test_by_default_every_installed_plugin_is_enabled() -> None:
    listing = _plugins()
    assert {name for name, entry in listing.items() if entry["enabled"]} >= FIRST_PARTY
    assert listing["metrics"]["distribution"] == "datagouv-mcp-metrics"
    assert listing["core"]["essential"] is True


def test_allowlist_keeps_only_the_named_plugins() -> None:
    assert _enabled(DATAGOUV_MCP_PLUGINS="metrics") == {"core", "metrics"}


def test_empty_allowlist_means_no_allowlist() -> None:
    assert _enabled(DATAGOUV_MCP_PLUGINS="") >= FIRST_PARTY


def test_denylist_switches_plugins_off() -> None:
    enabled = _enabled(DATAGOUV_MCP_DISABLED_PLUGINS="metrics, datasets")
    assert "metrics" not in enabled and "datasets" not in enabled
    assert "resources" in enabled


def test_denylist_wins_over_allowlist() -> None:
    enabled = _enabled(
        DATAGOUV_MCP_PLUGINS="metrics,datasets", DATAGOUV_MCP_DISABLED_PLUGINS="metrics"
    )
    assert enabled == {"core", "datasets"}


@pytest.mark.parametrize("switch", ["DATAGOUV_MCP_PLUGINS", "DATAGOUV_MCP_DISABLED_PLUGINS"])
def test_unknown_plugin_name_stops_start_up_naming_what_is_installed(switch: str) -> None:
    result = run_cli("plugins", env={switch: "metrcs"})
    assert result.returncode == 2
    assert f"Unknown plugin 'metrcs' in {switch}" in result.stderr
    for name in FIRST_PARTY:
        assert name in result.stderr
    assert "Traceback" not in result.stderr


def test_the_core_cannot_be_disabled() -> None:
    result = run_cli("plugins", env={"DATAGOUV_MCP_DISABLED_PLUGINS": "core"})
    assert result.returncode == 2
    assert "cannot be disabled" in result.stderr


def test_exclude_tools_drops_a_tool() -> None:
    listing = _plugins(
        DATAGOUV_MCP_PLUGIN_MODULES=SAMPLE_PLUGIN, DATAGOUV_MCP_EXCLUDE_TOOLS="explode"
    )
    assert "explode" not in listing["sample_plugin"]["tools"]
    assert "echo" in listing["sample_plugin"]["tools"]


def test_unknown_tool_name_stops_start_up_listing_the_tools() -> None:
    result = run_cli(
        "plugins",
        env={"DATAGOUV_MCP_PLUGIN_MODULES": SAMPLE_PLUGIN, "DATAGOUV_MCP_EXCLUDE_TOOLS": "ecco"},
    )
    assert result.returncode == 2
    assert "Unknown tool 'ecco' in DATAGOUV_MCP_EXCLUDE_TOOLS" in result.stderr
    assert "echo" in result.stderr


def test_plugin_that_fails_to_import_stops_start_up_with_the_switch_to_use() -> None:
    result = run_cli("plugins", env={"DATAGOUV_MCP_PLUGIN_MODULES": "no_such_module_here"})
    assert result.returncode == 2
    assert "failed to import: ModuleNotFoundError" in result.stderr
    assert "DATAGOUV_MCP_DISABLED_PLUGINS=no_such_module_here" in result.stderr
    assert "Installed plugins:" in result.stderr


def test_a_disabled_plugin_is_not_even_imported() -> None:
    result = run_cli(
        "plugins",
        env={
            "DATAGOUV_MCP_PLUGIN_MODULES": "no_such_module_here",
            "DATAGOUV_MCP_DISABLED_PLUGINS": "no_such_module_here",
        },
    )
    assert result.returncode == 0, result.stderr


def test_trace_plugins_logs_every_hook_call() -> None:
    result = run_cli(
        "call",
        "echo",
        '{"text": "t"}',
        "-v",
        env={"DATAGOUV_MCP_PLUGIN_MODULES": SAMPLE_PLUGIN, "DATAGOUV_MCP_TRACE_PLUGINS": "1"},
    )
    hooks = [json.loads(line) for line in result.stderr.splitlines() if '"plugin.hook"' in line]
    assert {"hook": "handle_tool_error"} not in hooks
    assert any(h["hook"] == "track_event" and "sample_plugin" in h["plugins"] for h in hooks)
