"""Example datagouv-mcp plugin: explain data.gouv.fr licence ids."""
