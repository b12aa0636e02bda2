"""Typed metrics: what the parsers produce and the tool returns as structured content."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from datagouv_mcp.fields import Identifier

Kind = Literal["dataset", "resource", "organization", "dataservice"]


class Month(BaseModel):
    """One month. A count is null when the Metrics API has no figure for it."""

    model_config = ConfigDict(frozen=True)

    month: str = Field(description="YYYY-MM")
    visits: int | None = Field(None, description="Page visits (organizations: dataset pages).")
    downloads: int | None = Field(None, description="Resource downloads.")
    reuse_visits: int | None = Field(None, description="Organizations: reuse page visits.")
    dataservice_visits: int | None = Field(None, description="Organizations: API page visits.")


class Page(BaseModel):
    model_config = ConfigDict(frozen=True)

    months: tuple[Month, ...]
    total: int


class Totals(BaseModel):
    visits: int | None = None
    downloads: int | None = None
    reuse_visits: int | None = None
    dataservice_visits: int | None = None


class Series(BaseModel):
    kind: Kind
    id: Identifier
    title: str | None
    months: list[Month] = Field(description="Most recent month first.")
    totals: Totals = Field(description="Sums over the months shown.")
    months_available: int = Field(description="Months the Metrics API holds for this id.")


class MetricsResult(BaseModel):
    series: list[Series]
    note: str | None = None
