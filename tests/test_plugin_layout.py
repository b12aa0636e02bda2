"""One plugin shape, followed by every first-party plugin that has tools and by the example
third-party plugin: the same modules, each name saying what it holds (docs/writing-plugins.md
states the rule); plugin.py holds hook implementations only; no module over 15 KB."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYOUT = {
    "__init__",
    "plugin",  # hook implementations only
    "settings",  # the plugin's settings class
    "arguments",  # argument types: schema and checks in one annotation each
    "client",  # thin upstream calls, raw JSON out (a data source, for a plugin without one)
    "models",  # frozen models: parsed records and each tool's result
    "parsers",  # raw JSON to models; pure; raise the plugin's ParseError only
    "formatters",  # models to text; pure; bounded
    "tools",  # one ToolSpec per tool: handler = signature (schema) + call, parse, format
    "testing",  # test helpers shipped with the plugin
}
OPTIONAL = {"mcp_resources", "prompts", "commands"}  # register_resources/_prompts/_commands
PLUGINS = [
    "datagouv_mcp_datasets",
    "datagouv_mcp_metrics",
    "datagouv_mcp_resources",
    "datagouv_mcp_dataservices",
    "datagouv_mcp_sql",
]
# Modules of work only one plugin has, named for what they hold (docs/writing-plugins.md).
OWN = {
    "datagouv_mcp_datasets": {
        "record_models",  # the normalised record and its JSON Schema
        "record_parsers",  # raw JSON to the record; the record to a flat CSV row
        "records",  # building one record: the v1 record and its enrichments, at once
        "record_tools",  # get_dataset_record, harvest_datasets
        "harvest",  # every dataset of some searches, a few at once, skipping unchanged ones
        "harvest_files",  # what a command-line harvest leaves on disk: lines, CSV, state
    },
    "datagouv_mcp_resources": {
        "tabular",  # the Tabular API's rules: availability, query syntax, pages, errors
        "downloads",  # reading a file: formats, caps, gzip, ZIP members, spreadsheets
        "file_readers",  # streamed readers of CSV; spreadsheets; what they share
        "json_readers",  # streamed readers of JSON, GeoJSON, JSON Lines
    },
    "datagouv_mcp_dataservices": {
        "openapi",  # API descriptions (OpenAPI 3.x, Swagger 2) to a bounded summary
    },
    "datagouv_mcp_sql": {
        "sandbox",  # the worker process: DuckDB, locked down, one job at a time
        "workers",  # the worker processes seen from the server: start, time out, replace
        "table_cache",  # the on-disk Parquet tables, by resource version, bounded in bytes
    },
}


def _modules(package: str) -> set[str]:
    path = importlib.import_module(package).__path__
    return {"__init__", *(info.name for info in pkgutil.iter_modules(path))}


@pytest.mark.parametrize("package", PLUGINS)
def test_plugin_has_the_shared_layout(package: str) -> None:
    modules = _modules(package) - OPTIONAL - OWN.get(package, set())
    assert modules == LAYOUT, f"missing {LAYOUT - modules}, extra {modules - LAYOUT}"


def test_the_example_plugin_follows_the_rule_too() -> None:
    source = ROOT / "docs" / "examples" / "datagouv-mcp-licenses" / "src" / "datagouv_mcp_licenses"
    modules = {path.stem for path in source.glob("*.py")}
    # It has no upstream: its data source (licenses.py) stands where client.py would.
    expected = (LAYOUT - {"client", "parsers", "testing"}) | {"licenses"}
    assert modules == expected


@pytest.mark.parametrize("package", PLUGINS)
def test_plugin_module_holds_hook_implementations_only(package: str) -> None:
    plugin = importlib.import_module(f"{package}.plugin")
    own = [
        value
        for value in vars(plugin).values()
        if inspect.isfunction(value) and value.__module__ == plugin.__name__
    ]
    assert own and all(hasattr(function, "datagouv_mcp_impl") for function in own)


def test_no_source_module_is_over_15_kb() -> None:
    sources = [
        *ROOT.glob("core/src/**/*.py"),
        *ROOT.glob("plugins/*/src/**/*.py"),
        *ROOT.glob("standin/src/**/*.py"),
    ]
    big = {str(path.relative_to(ROOT)): path.stat().st_size for path in sources}
    assert {path: size for path, size in big.items() if size > 15_360} == {}
