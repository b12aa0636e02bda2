# datagouv-mcp: the core and the first-party plugins, served over streamable HTTP on port 8000.
#   docker build -t datagouv-mcp .
#   docker run -p 8000:8000 datagouv-mcp                      # HTTP, /mcp and /health
#   docker run -i --rm datagouv-mcp --transport stdio         # stdio, for a desktop client
# Every setting is an environment variable (docs/operating.md, docs/deployment.md).

# -- build: the locked dependencies and the workspace's packages into /app/.venv, with uv ----
FROM python:3.12-slim-bookworm AS build
COPY --from=ghcr.io/astral-sh/uv:0.9 /uv /usr/local/bin/uv
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never
WORKDIR /app
# Dependencies first, in their own layer: rebuilt only when the lock changes.
COPY pyproject.toml uv.lock README.md ./
COPY core/pyproject.toml core/pyproject.toml
COPY standin/pyproject.toml standin/pyproject.toml
COPY plugins plugins
COPY core core
COPY standin standin
RUN uv sync --locked --no-dev --no-editable

# -- runtime: the virtual environment alone, run by an unprivileged user ---------------------
FROM python:3.12-slim-bookworm
RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin datagouv
COPY --from=build /app/.venv /app/.venv
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    DATAGOUV_MCP_HOST=0.0.0.0 \
    DATAGOUV_MCP_PORT=8000 \
    DATAGOUV_MCP_LOG_FORMAT=json
USER datagouv
WORKDIR /home/datagouv
EXPOSE 8000
# Liveness, as a load balancer reads it (not meaningful with --transport stdio: run that
# with --no-healthcheck).
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health' % os.environ.get('DATAGOUV_MCP_PORT', '8000'), timeout=2)"]
ENTRYPOINT ["datagouv-mcp", "serve"]
CMD ["--transport", "http"]
