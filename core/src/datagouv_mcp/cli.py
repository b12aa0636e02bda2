"""The `datagouv-mcp` command: serve, plugins, call, and the plugins' commands."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from typing import Any, NoReturn

import anyio
import click

from datagouv_mcp.errors import StartupError
from datagouv_mcp.gateway import Gateway
from datagouv_mcp.mcpserver import build_server
from datagouv_mcp.settings import CoreSettings, TelemetrySettings, load_settings
from datagouv_mcp.telemetry import configure_logging, init_sentry
from datagouv_mcp.upstream.settings import UpstreamSettings
from datagouv_mcp.webapp import build_app


def _fail(message: str, code: int = 2) -> NoReturn:
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


def _gateway(**overrides: Any) -> Gateway:
    """Every setting read (exit 2 naming a bad one), logging and Sentry set up, the plugins
    loaded."""
    problems = []
    loaded: dict[type, Any] = {}
    for settings_class, values in (
        (TelemetrySettings, {}),
        (CoreSettings, overrides),
        (UpstreamSettings, {}),
    ):
        try:
            loaded[settings_class] = load_settings(settings_class, **values)
        except StartupError as exc:
            problems.append(str(exc))
    if problems:
        _fail("\n".join(problems))
    telemetry, settings, upstream = (
        loaded[TelemetrySettings],
        loaded[CoreSettings],
        loaded[UpstreamSettings],
    )
    configure_logging(telemetry)
    try:
        gateway = Gateway.build(settings, upstream=upstream)
    except StartupError as exc:
        _fail(str(exc))
    init_sentry(telemetry, gateway.version)
    return gateway


class _WithPluginCommands(click.Group):
    """The core's commands, then the plugins' (register_commands): the plugins are loaded
    only when a command that is not the core's is asked for, or for the help."""

    _loaded: dict[str, click.Command] | None = None

    def _plugin_commands(self) -> dict[str, click.Command]:
        if self._loaded is None:
            self._loaded = {}
            for contribution in _gateway().commands:
                command: click.Command = contribution.spec
                name = command.name or ""
                if name in self.commands or name in self._loaded:
                    _fail(
                        f"Plugin '{contribution.plugin}' registers the command '{name}', "
                        "which another command has. Switch it off with "
                        f"DATAGOUV_MCP_DISABLED_PLUGINS={contribution.plugin}."
                    )
                self._loaded[name] = command
        return self._loaded

    def list_commands(self, ctx: click.Context) -> list[str]:
        try:
            plugins = self._plugin_commands()
        except SystemExit:  # bad settings: said on stderr; the core's commands still listed
            plugins = {}
        return sorted({*super().list_commands(ctx), *plugins})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return super().get_command(ctx, cmd_name) or self._plugin_commands().get(cmd_name)


@click.group(cls=_WithPluginCommands, context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """MCP gateway to data.gouv.fr, the French national open-data portal."""


@main.command()
@click.option(
    "--transport", type=click.Choice(["http", "stdio"]), default="http", show_default=True
)
@click.option("--host", help="Address to bind (DATAGOUV_MCP_HOST, default 127.0.0.1).")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    help="Port to bind (DATAGOUV_MCP_PORT, default 8000).",
)
def serve(transport: str, host: str | None, port: int | None) -> None:
    """Run the server: streamable HTTP at /mcp, or stdio for desktop clients."""
    gateway = _gateway(host=host, port=port)
    if transport == "stdio":
        anyio.run(build_server(gateway).run_stdio_async)
        return
    import uvicorn

    from datagouv_mcp.httpserver import server_config

    uvicorn.Server(server_config(build_app(gateway), gateway.settings)).run()


@main.command()
def plugins() -> None:
    """Print every plugin as JSON: name, distribution, version, hooks, tools."""
    gateway = _gateway()
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
        gateway = _gateway()
        connect = functools.partial(build_server, gateway)
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
