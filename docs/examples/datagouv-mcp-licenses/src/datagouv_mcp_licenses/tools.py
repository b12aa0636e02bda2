"""explain_license: one ToolSpec whose handler's signature is its input schema; the handler
looks the licence up and formats it."""

from __future__ import annotations

from datagouv_mcp import NotFoundError, PluginContext, ToolResult, ToolSpec
from datagouv_mcp.text import shown
from datagouv_mcp_licenses.arguments import LicenseId
from datagouv_mcp_licenses.formatters import format_license
from datagouv_mcp_licenses.licenses import LICENSES
from datagouv_mcp_licenses.models import LicenseInfo
from datagouv_mcp_licenses.settings import LicensesSettings


def explain_license(settings: LicensesSettings) -> ToolSpec:
    async def handler(license_id: LicenseId) -> ToolResult:
        lic = LICENSES.get(license_id.strip().lower())
        if lic is None:
            raise NotFoundError(
                f"Unknown licence id {shown(license_id)}.",
                hint=f"Known ids: {', '.join(sorted(LICENSES))}.",
            )
        info = LicenseInfo(
            id=lic.id,
            title=lic.title,
            url=lic.url,
            commercial_use=lic.commercial_use,
            attribution_required=lic.attribution,
            share_alike=lic.share_alike,
            summary=lic.summary_fr if settings.language == "fr" else lic.summary_en,
        )
        return ToolResult(format_license(info), info)

    return ToolSpec(
        name="explain_license",
        title="Explain a licence",
        description="Explain what a data.gouv.fr licence id allows (reuse, attribution).",
        handler=handler,
        output_model=LicenseInfo,
    )


def build(context: PluginContext) -> list[ToolSpec]:
    return [explain_license(context.settings(LicensesSettings))]
