"""Settings: read from DATAGOUV_MCP_DATASERVICES_*, and every one documented."""

from __future__ import annotations

from pathlib import Path

from datagouv_mcp_dataservices.settings import DataservicesSettings

DOC = Path(__file__).parents[3] / "docs" / "tools" / "dataservices.md"


def test_every_setting_is_documented() -> None:
    page = DOC.read_text(encoding="utf-8")
    for field in DataservicesSettings.model_fields:
        assert f"DATAGOUV_MCP_DATASERVICES_{field.upper()}" in page, field
