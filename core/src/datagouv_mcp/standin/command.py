"""`datagouv-mcp standin` (placeholder, replaced by the stand-in's real command)."""

import click


@click.command()
def standin() -> None:
    """Serve an offline stand-in of the data.gouv.fr APIs on loopback."""
    raise click.ClickException("not implemented yet")
