"""data.gouv.fr MCP gateway: the metrics tools."""
