"""Hook implementations only: the work is in tools.py."""

from __future__ import annotations

from pydantic_settings import BaseSettings

from datagouv_mcp import PluginContext, ToolSpec, hookimpl
from datagouv_mcp_licenses import tools
from datagouv_mcp_licenses.settings import LicensesSettings


@hookimpl
def register_settings() -> type[BaseSettings]:
    return LicensesSettings


@hookimpl
def register_tools(context: PluginContext) -> list[ToolSpec]:
    return tools.build(context)


@hookimpl
def server_instructions() -> str:
    return "Licences: call explain_license with a dataset's licence id to say what reuse allows."
