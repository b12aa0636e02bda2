"""Settings: read from DATAGOUV_MCP_SQL_*, and every one documented."""

from __future__ import annotations

from pathlib import Path

from datagouv_mcp_sql.settings import SqlSettings

DOC = Path(__file__).parents[3] / "docs" / "tools" / "sql.md"


def test_every_setting_is_documented() -> None:
    page = DOC.read_text(encoding="utf-8")
    for field in SqlSettings.model_fields:
        assert f"DATAGOUV_MCP_SQL_{field.upper()}" in page, field
