"""The licence to text for the model. Pure."""

from __future__ import annotations

from datagouv_mcp_licenses.models import LicenseInfo


def format_license(info: LicenseInfo) -> str:
    lines = [f"{info.title} ({info.id})", info.summary]
    if info.url:
        lines.append(f"Full text: {info.url}")
    return "\n".join(lines)
