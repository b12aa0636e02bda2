"""Settings of the metrics plugin: DATAGOUV_MCP_METRICS_*."""

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings


class MetricsSettings(BaseSettings):
    # The Metrics API has no demo instance. "production": with the demo preset, answer from
    # production and say so; "unavailable": refuse, saying why.
    on_demo: Literal["production", "unavailable"] = "production"
    # Look titles up in the catalogue, for the header of each block (one cached call per id).
    titles: bool = True
    max_months: int = Field(120, ge=1, le=600)
