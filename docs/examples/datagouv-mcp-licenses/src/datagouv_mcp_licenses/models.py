"""What the tool returns as structured content."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class LicenseInfo(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    title: str
    url: str | None
    commercial_use: bool
    attribution_required: bool
    share_alike: bool
    summary: str
