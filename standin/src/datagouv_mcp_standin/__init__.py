"""An offline stand-in of the data.gouv.fr APIs, for tests, benchmarks and demos.

`datagouv-mcp-standin` (command.py) serves udata, the Tabular, Metrics and crawler APIs and
resource files on one loopback address; `datagouv_mcp_standin.testing` runs it in-process.
See docs/standin.md. The catalogue is built once (catalog_build.py) from a recorded corpus
(corpus.py) and generated data (synthetic.py); app.py assembles the routes and middleware.
"""
