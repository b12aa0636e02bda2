"""data.gouv.fr MCP gateway: the resources tools."""
