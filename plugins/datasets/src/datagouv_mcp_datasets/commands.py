"""`datagouv-mcp harvest`: the records of every dataset some searches find, to JSON Lines (and
a flat CSV), with a progress display, resumable, and incremental with --state."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import click
import structlog
from pydantic import BaseModel, ValidationError

from datagouv_mcp import InvalidArgumentError, NotFoundError, PluginContext, ToolError
from datagouv_mcp.text import clip
from datagouv_mcp_datasets import arguments as args
from datagouv_mcp_datasets.client import Filter
from datagouv_mcp_datasets.harvest import PAGE_SIZE, Harvest, Outcome, Plan, Stamp, Tally
from datagouv_mcp_datasets.harvest_files import HarvestFileError, Output, State, ids_in
from datagouv_mcp_datasets.parsers import DatasetsParseError
from datagouv_mcp_datasets.records import RecordBuilder, now
from datagouv_mcp_datasets.tools import Catalogue

log = structlog.get_logger("datagouv_mcp_datasets.commands")

SAVE_EVERY = 50  # records between two saves of the state while harvesting
PLAIN_EVERY_SECONDS = 2.0


class Filters(BaseModel):
    """The search filters, checked by the same rules as search_datasets' arguments."""

    organization: args.OrganizationFilter = None
    tag: args.Tags = None
    format: args.Formats = None
    license: args.License = None
    geozone: args.Geozone = None
    granularity: args.Granularities = None
    badge: args.DatasetBadge = None
    producer_type: args.DatasetProducerType = None
    format_family: args.FormatFamily = None
    temporal_coverage: args.TemporalCoverage = None
    last_update_range: args.LastUpdateRange = None
    sort: args.DatasetSort = None


def _filters(given: dict[str, Any]) -> Filters:
    joined = {
        name: ",".join(value) if isinstance(value, tuple) else value
        for name, value in given.items()
        if value not in (None, ())
    }
    try:
        return Filters(**joined)
    except ToolError as exc:
        raise click.UsageError(exc.message) from None
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "--" + str(first["loc"][0]).replace("_", "-") if first["loc"] else "a filter"
        raise click.UsageError(f"{name}: {first['msg']}") from None


class Display:
    """Progress on stderr: a bar on a terminal (rich), plain lines every few seconds else."""

    def __init__(self, stream: Any = None) -> None:
        self.stream = stream or sys.stderr
        self.bar: Any = None
        self.task: Any = None
        self._last = 0.0
        self._shown = -1
        if self.stream.isatty():
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self.bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=Console(file=self.stream),
                transient=False,
            )
            self.bar.start()
            self.task = self.bar.add_task("harvest", total=None)

    @staticmethod
    def line(tally: Tally) -> str:
        total = max(tally.expected, tally.found)
        return (
            f"harvest: {tally.done:,}/{total:,} datasets ({len(tally.updated):,} written, "
            f"{len(tally.unchanged):,} unchanged, {len(tally.not_found):,} not found, "
            f"{len(tally.partial):,} partial)"
        )

    def update(self, tally: Tally) -> None:
        if self.bar is not None:
            description = (
                f"harvest · {len(tally.updated):,} written · {len(tally.unchanged):,} unchanged"
            )
            total = max(tally.expected, tally.found) or None
            self.bar.update(self.task, total=total, completed=tally.done, description=description)
            return
        moment = time.monotonic()
        if moment - self._last >= PLAIN_EVERY_SECONDS and tally.done != self._shown:
            self._last, self._shown = moment, tally.done
            print(self.line(tally), file=self.stream, flush=True)

    def close(self, tally: Tally) -> None:
        if self.bar is not None:
            self.update(tally)
            self.bar.stop()
        else:
            print(f"{self.line(tally)} in {tally.seconds:.1f} s", file=self.stream, flush=True)


async def _harvest(context: PluginContext, harvest: Harvest, filters: Filters) -> Tally:
    async with context.upstream.running():
        udata: dict[str, Filter] = {
            name: value for name, value in filters.model_dump().items() if value is not None
        }
        if filters.organization:
            catalogue = harvest.builder.catalogue
            udata["organization"] = await catalogue.organization_id(filters.organization)
        harvest.plan = replace(harvest.plan, filters=udata)
        return await harvest.run()


def run(context: PluginContext, queries: list[str], options: dict[str, Any]) -> None:
    """The harvest command's body: exit 0 when done, 1 when the upstream failed, 2 for the
    caller's mistake, 130 when interrupted; the files are valid in every case."""
    filters = _filters({name: options.pop(name) for name in Filters.model_fields})
    out: Path = options["out"]
    csv_path: Path | None = options["csv"]
    state_path: Path | None = options["state"]
    resume: bool = options["resume"]
    say: Callable[[str], None] = lambda text: click.echo(text, err=True)  # noqa: E731
    try:
        state = State.load(state_path, queries, now(), resume=resume)
        if resume:
            state.hold(ids_in(out))
        elif state.interrupted is not None:
            say("The previous harvest with this state was interrupted: starting it over "
                "(add --resume to continue it instead).")  # fmt: skip
        output = Output(out, csv_path, append=resume)
    except (HarvestFileError, OSError) as exc:
        raise click.UsageError(str(exc)) from None
    plan = Plan(queries, {}, options["max_datasets"], options["concurrency"], options["page_size"])
    display = Display()
    harvest = Harvest(RecordBuilder(Catalogue.of(context)), plan, output, state, display.update)

    def on_record(dataset_id: str, stamp: Stamp, outcome: Outcome) -> None:
        state.record(dataset_id, stamp, outcome)
        if output.written % SAVE_EVERY == 0:
            state.save(complete=False, unchanged=harvest.tally.unchanged)

    harvest.on_record = on_record
    code = 0
    try:
        asyncio.run(_harvest(context, harvest, filters))
    except KeyboardInterrupt:
        code = 130
    except (NotFoundError, InvalidArgumentError) as exc:  # the organization asked for, say
        code = 2
        hint = f" {exc.hint}" if exc.hint else ""
        say(f"Error: {clip(exc.message, 300)}{hint}")
    except (ToolError, DatasetsParseError) as exc:
        code = 1
        message = exc.message if isinstance(exc, ToolError) else "unreadable search answer"
        hint = f" {exc.hint}" if isinstance(exc, ToolError) and exc.hint else ""
        say(f"Error: the harvest stopped: {clip(message, 300)}{hint}")
    except Exception:
        code = 1
        log.exception("harvest.crashed")
        say("Error: the harvest stopped on an unexpected failure (logged above with its "
            "traceback); please report it.")  # fmt: skip
    finally:
        output.close()
        tally = harvest.tally
        if tally.started is not None:  # interrupted or failed: the state says where it got
            state.save(complete=False, unchanged=tally.unchanged)
    display.close(tally)
    for note in tally.notes:
        say(f"Note: {note}")
    if code == 130:
        say(f"Interrupted: {output.written:,} outcome(s) written to {out} this run. Run the "
            "same command with --resume to continue.")  # fmt: skip
    elif code == 1:
        say("Run the same command with --resume to continue once the portal answers again.")
    elif code == 0:
        state.save(complete=True, unchanged=tally.unchanged)
        if state_path is not None:
            click.echo(json.dumps(state.summary(tally.unchanged), ensure_ascii=False))
    sys.exit(code)


def harvest_command(context: PluginContext) -> click.Command:
    @click.command("harvest")
    @click.argument("queries", metavar="QUERY...", nargs=-1, required=True)
    @click.option(
        "--out",
        type=click.Path(dir_okay=False, path_type=Path),
        default=Path("records.jsonl"),
        show_default=True,
        help="JSON Lines: one record (or miss) per line.",
    )
    @click.option(
        "--csv",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Also a flat CSV of the records.",
    )
    @click.option(
        "--state",
        type=click.Path(dir_okay=False, path_type=Path),
        help="State file: a re-run skips datasets that have not changed since, "
        "and prints {updated_ids, unchanged_ids, extraction_date} as JSON.",
    )
    @click.option(
        "--resume",
        is_flag=True,
        help="Continue an interrupted harvest: append to --out (and --csv).",
    )
    @click.option("--max-datasets", type=click.IntRange(1), help="Stop after N datasets.")
    @click.option(
        "--concurrency",
        type=click.IntRange(1, 32),
        default=8,
        show_default=True,
        help="Datasets fetched at once (the upstream layer's limits still apply).",
    )
    @click.option(
        "--page-size",
        type=click.IntRange(1, 100),
        default=PAGE_SIZE,
        show_default=True,
        help="Search results per page.",
    )
    @click.option("--organization", help="An organization's ID or slug.")
    @click.option("--tag", multiple=True, help="A tag (repeatable: all of them).")
    @click.option("--format", multiple=True, help="A resource format (repeatable: any).")
    @click.option("--license", help="A licence id, e.g. lov2.")
    @click.option("--geozone", help="A zone id, e.g. fr:departement:13.")
    @click.option("--granularity", multiple=True, help="e.g. fr:commune (repeatable: any).")
    @click.option("--badge", help="e.g. hvd, spd, inspire.")
    @click.option("--producer-type", help="e.g. public-service, local-authority.")
    @click.option("--format-family", help="tabular, machine_readable, geographical...")
    @click.option("--temporal-coverage", help="YYYY-MM-DD-YYYY-MM-DD the coverage contains.")
    @click.option("--last-update-range", help="last_30_days, last_12_months, last_3_years.")
    @click.option("--sort", help="e.g. -last_update, created.")
    def harvest(queries: tuple[str, ...], **options: Any) -> None:  # fmt: skip
        """Write the normalised record of every dataset the QUERY searches find.

        Pass "" as QUERY to take every dataset the filters match. Progress goes to stderr;
        Ctrl-C stops with valid files (continue with --resume).
        """
        try:
            run(context, [" ".join(q.split()) for q in queries], options)
        except KeyboardInterrupt:  # before the harvest began: nothing written
            click.echo("Interrupted before the harvest began.", err=True)
            sys.exit(130)

    return harvest
