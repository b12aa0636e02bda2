"""data.gouv.fr MCP gateway: the dataservices tools."""
