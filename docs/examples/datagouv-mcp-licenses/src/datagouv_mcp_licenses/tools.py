"""The tool: validate, look up, format."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from datagouv_mcp import Gateway, NotFoundError, ToolResult, ToolSpec
from datagouv_mcp_licenses.licenses import LICENSES, License
from datagouv_mcp_licenses.settings import LicensesSettings


class LicenseInfo(BaseModel):
    id: str
    title: str
    url: str | None
    commercial_use: bool
    attribution_required: bool
    share_alike: bool
    summary: str


def format_license(lic: License, summary: str) -> str:
    lines = [f"{lic.title} ({lic.id})", summary]
    if lic.url:
        lines.append(f"Full text: {lic.url}")
    return "\n".join(lines)


def build(gateway: Gateway) -> list[ToolSpec]:
    settings = gateway.settings_for(LicensesSettings)

    async def explain_license(
        license_id: Annotated[
            str, Field(description="A licence id as found in a dataset, e.g. 'lov2'.")
        ],
    ) -> ToolResult:
        lic = LICENSES.get(license_id.strip().lower())
        if lic is None:
            raise NotFoundError(
                f"Unknown licence id '{license_id}'.",
                hint=f"Known ids: {', '.join(sorted(LICENSES))}.",
            )
        summary = lic.summary_fr if settings.language == "fr" else lic.summary_en
        info = LicenseInfo(
            id=lic.id,
            title=lic.title,
            url=lic.url,
            commercial_use=lic.commercial_use,
            attribution_required=lic.attribution,
            share_alike=lic.share_alike,
            summary=summary,
        )
        return ToolResult(format_license(lic, summary), info)

    return [
        ToolSpec(
            name="explain_license",
            title="Explain a licence",
            description="Explain what a data.gouv.fr licence id allows (reuse, attribution).",
            handler=explain_license,
            output_model=LicenseInfo,
        )
    ]
