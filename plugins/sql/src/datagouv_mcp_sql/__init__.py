"""data.gouv.fr MCP gateway: SQL over a resource (query_resource_sql, describe_resource_table)."""
