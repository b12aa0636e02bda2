"""The crawler (hydra) API's `resources-exceptions` list."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from datagouv_mcp_standin.responses import json_response


async def resources_exceptions(request: Request) -> Response:
    """A bare JSON array; `table_indexes` stays a JSON-encoded string, as upstream."""
    return json_response(request, request.app.state.catalogue.crawler_exceptions)
