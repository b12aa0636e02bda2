"""The ceiling the MCP SDK allows: an SDK server whose tools (the same names as ours) return a
fixed text at once, stateless streamable HTTP answering JSON, as `serve` does.

    python bench/fixed_server.py PORT
"""

from __future__ import annotations

import sys

import uvicorn
from mcp.server.mcpserver import MCPServer

TOOLS = (
    "search_datasets", "search_organizations", "get_dataset_info", "list_dataset_resources",
    "get_resource_info", "query_resource_data", "download_and_parse_resource",
    "search_dataservices", "get_dataservice_info", "get_dataservice_openapi_spec",
    "get_metrics", "query_resource_sql", "describe_resource_table",
)  # fmt: skip


def app() -> object:
    server = MCPServer("fixed", log_level="WARNING")
    for name in TOOLS:

        def tool(
            query: str = "",
            dataset_id: str = "",
            resource_id: str = "",
            dataservice_id: str = "",
            sql: str = "",
            page_size: int = 0,
            max_rows: int = 0,
        ) -> str:
            return "A fixed answer."

        server.add_tool(tool, name=name)
    return server.streamable_http_app(stateless_http=True, json_response=True)


if __name__ == "__main__":
    uvicorn.run(app(), host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
