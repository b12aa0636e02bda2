"""The `datagouv-mcp` command: serve, plugins, call, and the plugins' commands."""

from __future__ import annotations

import functools
import json
import logging
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, NoReturn

import anyio
import click

from datagouv_mcp import meters
from datagouv_mcp.errors import StartupError
from datagouv_mcp.gateway import Gateway
from datagouv_mcp.mcpserver import build_server
from datagouv_mcp.settings import CoreSettings, TelemetrySettings, load_settings
from datagouv_mcp.telemetry import configure_logging, init_sentry
from datagouv_mcp.upstream.settings import UpstreamSettings
from datagouv_mcp.version import __version__
from datagouv_mcp.webapp import build_app

if TYPE_CHECKING:
    import uvicorn


def _fail(message: str, code: int = 2) -> NoReturn:
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


def _telemetry() -> TelemetrySettings:
    try:
        return load_settings(TelemetrySettings)
    except StartupError as exc:
        _fail(str(exc))


def _gateway(verbose: bool = True, **overrides: Any) -> Gateway:
    """Every setting read (exit 2 naming a bad one), logging and Sentry set up, the plugins
    loaded. Not `verbose`: only warnings and errors are logged."""
    problems = []
    loaded: dict[type, Any] = {}
    for settings_class, values in (
        (TelemetrySettings, {}),
        (CoreSettings, {k: v for k, v in overrides.items() if v is not None}),
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
    configure_logging(telemetry, at_least=logging.NOTSET if verbose else logging.WARNING)
    try:
        gateway = Gateway.build(settings, upstream=upstream)
    except StartupError as exc:
        _fail(str(exc))
    init_sentry(telemetry, gateway.version)
    return gateway


def start_line(gateway: Gateway, where: str) -> str:
    """What `serve` says once it listens: where, which upstream, which plugins and tools."""
    urls = gateway.upstream.urls
    plugins = [info.name for info in gateway.plugins.enabled if not info.essential]
    return (
        f"datagouv-mcp {gateway.version} serving {where}; upstream {urls.api} "
        f"(tabular {urls.tabular}, metrics {urls.metrics}, crawler {urls.crawler}); "
        f"plugins {', '.join(plugins) or 'none'}; {len(gateway.tools)} tools."
    )


VERBOSE = click.option(
    "-v", "--verbose", is_flag=True, help="Log at DATAGOUV_MCP_LOG_LEVEL, not only warnings."
)


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
@click.version_option(__version__, "-V", "--version", prog_name="datagouv-mcp")
def main() -> None:
    """MCP gateway to data.gouv.fr, the French national open-data portal."""


@main.command()
@click.option(
    "--transport",
    type=click.Choice(["http", "stdio"]),
    help=(
        "http: streamable HTTP at http://HOST:PORT/mcp, for any number of clients; stdio: one "
        "client that started this process and speaks on its stdin and stdout (desktop "
        "clients). Default: DATAGOUV_MCP_TRANSPORT, else http."
    ),
)
@click.option("--host", help="Address to bind (DATAGOUV_MCP_HOST, default 127.0.0.1).")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    help="Port to bind (DATAGOUV_MCP_PORT, default 8000).",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    help="Processes sharing the port (DATAGOUV_MCP_WORKERS, default 1).",
)
def serve(transport: str | None, host: str | None, port: int | None, workers: int | None) -> None:
    """Run the server: streamable HTTP at /mcp, or stdio for desktop clients. Ctrl-C stops it."""
    gateway = _gateway(transport=transport, host=host, port=port, workers=workers)
    settings = gateway.settings
    try:
        if settings.transport == "stdio":
            click.echo(start_line(gateway, "MCP over stdio"), err=True)
            anyio.run(build_server(gateway).run_stdio_async)
            return
        _serve_http(gateway)
    except KeyboardInterrupt:
        # Ctrl-C is how a server in a terminal is stopped: uvicorn has shut down cleanly.
        return


def _serve_http(gateway: Gateway) -> None:
    import uvicorn

    from datagouv_mcp.httpserver import bind_problem, run_workers, server_config

    settings = gateway.settings
    problem = bind_problem(settings.host, settings.port)
    if problem is not None:
        _fail(problem)
    if settings.workers > 1:
        _announce_workers(gateway)
        with meters.shared_between_workers(settings.workers):
            run_workers("datagouv_mcp.cli:worker_app", settings)
        return

    class Server(uvicorn.Server):
        """uvicorn, saying where it listens in one line once it does."""

        async def startup(self, sockets: Any = None) -> None:
            await super().startup(sockets)
            if self.started:
                port = next(_ports(self), settings.port)
                host = f"[{settings.host}]" if ":" in settings.host else settings.host
                url = f"http://{host}:{port}/mcp"
                click.echo(start_line(gateway, f"streamable HTTP on {url}"), err=True)

    Server(server_config(build_app(gateway), settings)).run()


def _ports(server: uvicorn.Server) -> Iterator[int]:
    for listening in server.servers:
        for sock in listening.sockets:
            yield int(sock.getsockname()[1])


def worker_app() -> Any:
    """The web app of one `--workers` process: settings read again from the environment
    (`serve` put its own options there), logging set up, plugins loaded."""
    return build_app(_gateway())


def _announce_workers(gateway: Gateway) -> None:
    """Pass the worker count on to the worker processes, and say what they share."""
    import os

    import structlog

    count = gateway.settings.workers
    os.environ["DATAGOUV_MCP_WORKERS"] = str(count)
    log = structlog.get_logger("datagouv_mcp.cli")
    if gateway.upstream.redis is None:
        upstream = gateway.upstream.settings
        share = upstream.requests_per_second / (count * upstream.replicas)
        log.warning(
            "serve.workers_without_redis",
            workers=count,
            note=(
                f"each of the {count} workers has its own response cache and its own rate "
                f"budget ({share:g} requests per second per API, the configured budget "
                "divided among them and DATAGOUV_MCP_REPLICAS); set DATAGOUV_MCP_REDIS_URL to "
                "share them"
            ),
        )
    else:
        log.info("serve.workers", workers=count, redis=gateway.upstream.redis.address)


@main.command()
@VERBOSE
def plugins(verbose: bool) -> None:
    """Print every plugin as JSON: name, distribution, version, hooks, tools."""
    gateway = _gateway(verbose)
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


def _leaves(error: BaseException) -> Iterator[BaseException]:
    """The exceptions inside task groups' exception groups."""
    if isinstance(error, BaseExceptionGroup):
        for inner in error.exceptions:
            yield from _leaves(inner)
    else:
        yield error


def remote_failure(url: str, error: BaseException) -> str:
    """Why calling the server at `url` failed, in words, with what to do next."""
    import httpx2
    from mcp.shared.exceptions import MCPError
    from mcp_types import INTERNAL_ERROR, INVALID_REQUEST, METHOD_NOT_FOUND, PARSE_ERROR

    for leaf in _leaves(error):
        if isinstance(leaf, httpx2.ConnectError):
            return (
                f"{url}: connection refused. Is the server running? Start it with "
                "`datagouv-mcp serve`, or check the host and port."
            )
        if isinstance(leaf, httpx2.TimeoutException):
            return f"{url}: no answer in time. Check that the server is up and reachable."
        if isinstance(leaf, httpx2.UnsupportedProtocol | httpx2.InvalidURL):
            return f"{url} is not an http(s) URL: write one such as http://127.0.0.1:8000/mcp."
        if isinstance(leaf, MCPError):
            code, message = leaf.error.code, leaf.error.message
            if code == METHOD_NOT_FOUND and message == "Not Found":
                return f"{url}: not found (is the path /mcp?)."
            if code in (INTERNAL_ERROR, INVALID_REQUEST, PARSE_ERROR) and (
                message.startswith(
                    ("Server returned an error response", "Unexpected content type", "Failed to")
                )
            ):
                break
            # A JSON-RPC error from an MCP server: its own words.
            return f"{url} refused the call: {message}"
        if isinstance(leaf, httpx2.HTTPError):
            break
    return (
        f"{url}: not an MCP endpoint (it did not answer MCP over streamable HTTP). Check the "
        "URL: this server's is http://HOST:PORT/mcp."
    )


@main.command()
@click.argument("tool")
@click.argument("arguments", default="{}")
@click.option("--url", help="Call a running server (e.g. http://127.0.0.1:8000/mcp) instead.")
@click.option("--json", "as_json", is_flag=True, help="Print the whole result as JSON.")
@VERBOSE
def call(tool: str, arguments: str, url: str | None, as_json: bool, verbose: bool) -> None:
    """Call one tool and print its text and structured result. Exit status 1 on a tool error."""
    parsed = _parse_arguments(arguments)
    if url:
        configure_logging(_telemetry(), at_least=logging.NOTSET if verbose else logging.WARNING)
        if not verbose:
            # The failure is explained below, in words: not as the SDK's tracebacks.
            logging.getLogger("mcp").setLevel(logging.CRITICAL)
        connect: Callable[[], Any] = lambda: url  # noqa: E731
    else:
        gateway = _gateway(verbose)
        connect = functools.partial(build_server, gateway)
    try:
        result = anyio.run(_call, connect, tool, parsed)
    except Exception as exc:
        if not url:
            raise
        _fail(remote_failure(url, exc))
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
