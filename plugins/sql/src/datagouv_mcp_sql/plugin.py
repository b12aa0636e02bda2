"""Hook implementations of the SQL plugin: the work is in tools.py (and the workers)."""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import AsyncIterator

from pydantic_settings import BaseSettings

from datagouv_mcp import PluginContext, ToolSpec, hookimpl
from datagouv_mcp_sql import tools
from datagouv_mcp_sql.settings import SqlSettings

# The engine of each server (its workers and cache), for its lifespan to close.
_engines: weakref.WeakKeyDictionary[PluginContext, tools.Sql] = weakref.WeakKeyDictionary()


@hookimpl
def register_settings() -> type[BaseSettings]:
    return SqlSettings


@hookimpl
def register_tools(context: PluginContext) -> list[ToolSpec]:
    engine = _engines[context] = tools.Sql.of(context)
    return tools.build(engine)


@hookimpl
def lifespan(context: PluginContext) -> contextlib.AbstractAsyncContextManager[None]:
    @contextlib.asynccontextmanager
    async def running() -> AsyncIterator[None]:
        try:
            yield  # workers start on the first query
        finally:
            engine = _engines.get(context)
            if engine is not None:
                await engine.pool.aclose()

    return running()


@hookimpl
def server_instructions(context: PluginContext) -> str:
    return (
        "SQL: to count, total, group or join rows of a resource (instead of paging through "
        "them), call describe_resource_table(resource_id) for its columns and types, then "
        "query_resource_sql(resource_id, sql) with one SELECT over the table `data` (DuckDB "
        "SQL). It reads the portal's Parquet export of the resource, or its CSV file."
    )
