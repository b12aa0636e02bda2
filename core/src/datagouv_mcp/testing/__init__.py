"""Test helpers shipped with the core, for this project and for third-party plugin authors.

- `datagouv_mcp.testing.sample_plugin`: a small plugin exercising every hook.
- `datagouv_mcp.testing.servers`: run the server over HTTP on a loopback port, or as a
  subprocess, for tests that go through real transports.
"""
