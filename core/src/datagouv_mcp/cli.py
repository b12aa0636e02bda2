"""The `datagouv-mcp` command: serve, plugins, call."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any, NoReturn

import anyio
import click
from pydantic import ValidationError

from datagouv_mcp.errors import StartupError
from datagouv_mcp.gateway import Gateway
from datagouv_mcp.settings import ENV_PREFIX, CoreSettings
from datagouv_mcp.telemetry import configure_logging, init_sentry


def _fail(message: str, code: int = 2) -> NoReturn:
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


def _settings(**overrides: Any) -> CoreSettings:
    try:
        return CoreSettings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        problems = "; ".join(
            f"{ENV_PREFIX}{'_'.join(str(p) for p in err['loc']).upper()}: {err['msg']}"
            for err in exc.errors()
        )
        _fail(f"invalid settings: {problems}.")


def _gateway(settings: CoreSettings) -> Gateway:
    configure_logging(settings)
    try:
        gateway = Gateway.build(settings)
    except StartupError as exc:
        _fail(str(exc))
    init_sentry(settings, gateway.version)
    return gateway


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """MCP gateway to data.gouv.fr, the French national open-data portal."""


@main.command()
@click.option(
    "--transport", type=click.Choice(["http", "stdio"]), default="http", show_default=True
)
@click.option("--host", help="Address to bind (DATAGOUV_MCP_HOST, default 127.0.0.1).")
@click.option("--port", type=int, help="Port to bind (DATAGOUV_MCP_PORT, default 8000).")
def serve(transport: str, host: str | None, port: int | None) -> None:
    """Run the server: streamable HTTP at /mcp, or stdio for desktop clients."""
    settings = _settings(host=host, port=port)
    gateway = _gateway(settings)
    if transport == "stdio":
        anyio.run(gateway.mcp_server().run_stdio_async)
        return
    import uvicorn

    config = uvicorn.Config(
        gateway.http_app(),
        host=settings.host,
        port=settings.port,
        log_config=None,
        server_header=False,
        lifespan="on",
    )
    uvicorn.Server(config).run()


@main.command()
def plugins() -> None:
    """Print every plugin as JSON: name, distribution, version, hooks, tools."""
    gateway = _gateway(_settings())
    manager = gateway.plugins.manager
    listing = []
    for info in gateway.plugins.installed.values():
        plugin = manager.get_plugin(info.name)
        callers = manager.get_hookcallers(plugin) if plugin is not None else None
        listing.append(
            {
                "name": info.name,
                "distribution": info.distribution,
                "version": info.version,
                "enabled": info.enabled,
                "essential": info.essential,
                "hooks": sorted(caller.name for caller in callers or []),
                "tools": sorted(n for n, c in gateway.tools.items() if c.plugin == info.name),
            }
        )
    click.echo(json.dumps(listing, indent=2))


def _parse_arguments(raw: str) -> dict[str, Any]:
    try:
        arguments = json.loads(raw)
    except json.JSONDecodeError as exc:
        _fail(
            f"ARGUMENTS is not valid JSON ({exc.msg}); "
            'write an object such as \'{"query": "vélo"}\'.'
        )
    if not isinstance(arguments, dict):
        _fail('ARGUMENTS must be a JSON object such as \'{"query": "vélo"}\'.')
    return arguments


async def _call(connect: Callable[[], Any], tool: str, arguments: dict[str, Any]) -> Any:
    from mcp import Client

    async with Client(connect()) as client:
        return await client.call_tool(tool, arguments)


@main.command()
@click.argument("tool")
@click.argument("arguments", default="{}")
@click.option("--url", help="Call a running server (e.g. http://127.0.0.1:8000/mcp) instead.")
@click.option("--json", "as_json", is_flag=True, help="Print the whole result as JSON.")
def call(tool: str, arguments: str, url: str | None, as_json: bool) -> None:
    """Call one tool and print its text and structured result. Exit status 1 on a tool error."""
    parsed = _parse_arguments(arguments)
    if url:
        connect: Callable[[], Any] = lambda: url  # noqa: E731
    else:
        gateway = _gateway(_settings())
        connect = gateway.mcp_server
    try:
        result = anyio.run(_call, connect, tool, parsed)
    except Exception as exc:
        _fail(f"could not call {tool}: {type(exc).__name__}: {exc}")
    if as_json:
        click.echo(
            json.dumps(
                result.model_dump(mode="json", by_alias=True, exclude_none=True),
                indent=2,
                ensure_ascii=False,
            )
        )
    else:
        for block in result.content:
            click.echo(getattr(block, "text", None) or block.model_dump_json())
        if result.structured_content is not None:
            click.echo("\n--- structured content ---")
            click.echo(json.dumps(result.structured_content, indent=2, ensure_ascii=False))
    sys.exit(1 if result.is_error else 0)


if __name__ == "__main__":
    main()
