"""Test helpers shipped with the core, for this project and for third-party plugin authors.

- `datagouv_mcp.testing.gateways`: `gateway_for(env, plugins)`, a gateway with only the
  named plugins, its upstream pointed at the given `DATAGOUV_MCP_*_URL` values (e.g. the
  stand-in's `env()`);
- `datagouv_mcp.testing.clients`: `call_checked(gateway, tool, arguments)`, a call through a
  real MCP client whose structured content is checked against the declared output schema;
- `datagouv_mcp.testing.servers`: the HTTP app on a loopback port (`serve_asgi`), the CLI in
  a subprocess with a clean environment (`run_cli`);
- `datagouv_mcp.testing.redis`: a real `redis-server` on a free loopback port
  (`redis_server`), for state shared between replicas;
- `datagouv_mcp.testing.sample_plugin`: a small plugin exercising every hook.

The offline stand-in of data.gouv.fr, and its pytest fixtures `standin` and `upstream`, are in
the `datagouv-mcp-standin` distribution (`datagouv_mcp_standin.testing`).
"""
