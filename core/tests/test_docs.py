"""The hooks reference stays in step with the hook specs (datasette's test_docs, adapted)."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest
from pydantic import AliasChoices

from datagouv_mcp import hookspecs

ROOT = Path(__file__).resolve().parents[2]
HOOKS = sorted(
    name
    for name, value in vars(hookspecs).items()
    if inspect.isfunction(value) and hasattr(value, "datagouv_mcp_spec")
)


def signature(name: str) -> str:
    parameters = inspect.signature(getattr(hookspecs, name)).parameters
    return f"{name}({', '.join(parameters)})"


def test_every_hook_has_a_one_line_docstring() -> None:
    for name in HOOKS:
        doc = inspect.getdoc(getattr(hookspecs, name)) or ""
        assert doc and "\n" not in doc, name


@pytest.mark.parametrize("name", HOOKS)
def test_hook_is_documented_under_its_signature(name: str) -> None:
    headings = re.findall(r"^## `?(.+?)`?$", (ROOT / "docs" / "hooks.md").read_text(), re.M)
    assert signature(name) in headings


def test_docs_document_no_hook_that_does_not_exist() -> None:
    headings = re.findall(r"^## `?(\w+)\(", (ROOT / "docs" / "hooks.md").read_text(), re.M)
    assert sorted(headings) == HOOKS


@pytest.mark.parametrize("name", HOOKS)
def test_hook_has_a_test(name: str) -> None:
    sources = "\n".join(p.read_text() for p in (ROOT / "core" / "tests").rglob("test_*.py"))
    assert f"def test_hook_{name}(" in sources


def test_every_setting_is_documented() -> None:
    from datagouv_mcp.settings import CoreSettings, TelemetrySettings
    from datagouv_mcp.upstream.settings import UpstreamSettings

    operating = (ROOT / "docs" / "operating.md").read_text()
    for settings_class in (CoreSettings, TelemetrySettings, UpstreamSettings):
        for field in settings_class.model_fields:
            assert f"DATAGOUV_MCP_{field.upper()}" in operating, field
    assert "SENTRY_DSN" in operating

    from datagouv_mcp.matomo import MatomoSettings

    for field in MatomoSettings.model_fields.values():
        alias = field.validation_alias
        names = alias.choices if isinstance(alias, AliasChoices) else []
        assert names, "every Matomo setting names its variables"
        for name in names:
            assert f"`{name}`" in operating, name
