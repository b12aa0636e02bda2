"""`datagouv-mcp-standin`: serve the offline stand-in of the data.gouv.fr APIs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from datagouv_mcp_standin.env import server_env
from datagouv_mcp_standin.faults import FaultError, parse_fault


def _faults(raw_faults: tuple[str, ...]) -> tuple[dict[str, Any], ...]:
    parsed = []
    for raw in raw_faults:
        try:
            item = json.loads(raw)
            for fault in item if isinstance(item, list) else [item]:
                parse_fault(fault)
                parsed.append(fault)
        except (ValueError, FaultError) as exc:
            raise click.BadParameter(f"{raw!r}: {exc}", param_hint="--fault") from None
    return tuple(parsed)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", type=int, default=8900, show_default=True, help="0 picks a free port.")
@click.option(
    "--corpus",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A corpus directory laid out like the shared upstream corpus (default: the bundled copy).",
)
@click.option(
    "--datasets",
    type=click.IntRange(0, 1_000_000),
    default=0,
    show_default=True,
    help="Generated datasets added to the recorded ones.",
)
@click.option(
    "--latency-ms",
    type=click.IntRange(0),
    default=0,
    show_default=True,
    help="Fixed latency added to every (non-admin) request.",
)
@click.option(
    "--fault",
    "raw_faults",
    multiple=True,
    metavar="JSON",
    help='A fault (repeatable), e.g. \'{"route": "/api/2/*", "kind": "status", "status": 503}\'.',
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the fault RNG.")
def standin(
    host: str,
    port: int,
    corpus: Path | None,
    datasets: int,
    latency_ms: int,
    raw_faults: tuple[str, ...],
    seed: int,
) -> None:
    """Serve an offline stand-in of the data.gouv.fr APIs (udata, Tabular, Metrics, crawler)."""
    # Imported here: `--help` and a bad option answer without loading the server.
    from datagouv_mcp_standin.server import base_url, bind, make_server

    faults = _faults(raw_faults)
    sock = bind(host, port)
    url = base_url(host, sock.getsockname()[1])
    server = make_server(corpus, datasets, latency_ms, faults, seed, log_level="warning")
    click.echo(f"datagouv-mcp stand-in serving {url}")
    for name, value in server_env(url, host).items():
        click.echo(f"export {name}={value}")
    click.echo("", nl=True)
    server.run(sockets=[sock])
