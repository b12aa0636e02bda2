"""`python -m datagouv_mcp_standin`: the `datagouv-mcp-standin` command."""

from datagouv_mcp_standin.command import standin

standin()
