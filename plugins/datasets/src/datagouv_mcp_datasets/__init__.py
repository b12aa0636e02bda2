"""data.gouv.fr MCP gateway: the datasets tools."""
