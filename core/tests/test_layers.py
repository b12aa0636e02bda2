"""No circle among the modules of any first-party package, lazy (function-level) and
TYPE_CHECKING imports included; the layer order itself is import-linter's contract in
pyproject.toml (`uv run lint-imports`). Importing the plugin API loads neither the HTTP layer
nor the transports."""

from __future__ import annotations

import subprocess
import sys

import grimp
import pytest

PACKAGES = [
    "datagouv_mcp",
    "datagouv_mcp_datasets",
    "datagouv_mcp_metrics",
    "datagouv_mcp_resources",
    "datagouv_mcp_dataservices",
    "datagouv_mcp_standin",
]


def circles(graph: grimp.ImportGraph) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), and self-imports."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in graph.find_modules_directly_imported_by(module):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1 or module in graph.find_modules_directly_imported_by(module):
                found.append(sorted(component))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


@pytest.mark.parametrize("package", PACKAGES)
def test_no_circle_among_the_modules_of(package: str) -> None:
    graph = grimp.build_graph(package, exclude_type_checking_imports=False)
    assert circles(graph) == []


def test_the_check_finds_a_circle_closed_by_a_lazy_import() -> None:
    graph = grimp.ImportGraph()
    for module in ("pkg", "pkg.gateway", "pkg.server"):
        graph.add_module(module)
    graph.add_import(importer="pkg.server", imported="pkg.gateway")
    graph.add_import(importer="pkg.gateway", imported="pkg.server")  # a lazy import
    assert circles(graph) == [["pkg.gateway", "pkg.server"]]


def test_the_plugin_api_imports_only_plain_values() -> None:
    probe = (
        "import sys, datagouv_mcp.errors, datagouv_mcp;"
        "print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('datagouv_mcp', 'httpx', 'cashews', 'starlette', 'uvicorn', 'limits'))))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.split()
    assert set(loaded) == {
        "datagouv_mcp",
        "datagouv_mcp.context",
        "datagouv_mcp.errors",
        "datagouv_mcp.hookspecs",
        "datagouv_mcp.links",
        "datagouv_mcp.specs",
        "datagouv_mcp.version",
    }
