"""Settings: DATAGOUV_MCP_LICENSES_* (the core adds the prefix from the plugin's name)."""

from typing import Literal

from pydantic_settings import BaseSettings


class LicensesSettings(BaseSettings):
    language: Literal["en", "fr"] = "en"
