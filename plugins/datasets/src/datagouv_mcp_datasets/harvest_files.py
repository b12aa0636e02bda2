"""What a command-line harvest leaves on disk: JSON Lines of outcomes, a flat CSV of the
records, and the state of the harvest (for incremental re-runs and resuming).

Every line and row is written whole and flushed before the next await, so an interrupted
harvest leaves files that hold only complete lines; the state is replaced atomically.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path
from typing import IO, Any

from datagouv_mcp_datasets.harvest import Outcome, Stamp
from datagouv_mcp_datasets.record_models import DatasetMiss, DatasetRecord
from datagouv_mcp_datasets.record_parsers import CSV_COLUMNS, flatten

STATE_VERSION = 1


class HarvestFileError(Exception):
    """A file of the harvest that cannot be used as it is; the text says what to do."""


def _complete_lines(path: Path) -> None:
    """Cut a torn last line (a harvest killed mid-write), so appending starts on a new line."""
    with path.open("rb+") as handle:
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        if size == 0:
            return
        handle.seek(size - 1)
        if handle.read(1) == b"\n":
            return
        step = min(size, 1 << 16)
        position = size
        while position > 0:
            start = max(0, position - step)
            handle.seek(start)
            chunk = handle.read(position - start)
            newline = chunk.rfind(b"\n")
            if newline >= 0:
                handle.truncate(start + newline + 1)
                return
            position = start
        handle.truncate(0)


def ids_in(path: Path) -> set[str]:
    """The datasets an earlier run of this harvest wrote to a JSON Lines file."""
    ids: set[str] = set()
    if not path.exists():
        return ids
    _complete_lines(path)
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            try:
                item = json.loads(line)
            except ValueError:
                raise HarvestFileError(
                    f"{path} line {number} is not JSON: it was not written by a harvest; "
                    "give another --out, or run without --resume to start it over."
                ) from None
            meta = item.get("metadata") if isinstance(item, dict) else None
            id_ = meta.get("id") if isinstance(meta, dict) else item.get("dataset_id")
            if isinstance(id_, str):
                ids.add(id_)
    return ids


class Output:
    """The JSON Lines file (every outcome) and the optional CSV (records only)."""

    def __init__(self, out: Path, csv_path: Path | None, *, append: bool) -> None:
        mode = "a" if append else "w"
        self._lines: IO[str] = out.open(mode, encoding="utf-8")
        self._csv_file: IO[str] | None = None
        self._csv: Any = None
        if csv_path is not None:
            if append and csv_path.exists():
                _complete_lines(csv_path)
            fresh = not append or not csv_path.exists() or csv_path.stat().st_size == 0
            self._csv_file = csv_path.open(mode, encoding="utf-8", newline="")
            self._csv = csv.DictWriter(self._csv_file, fieldnames=CSV_COLUMNS)
            if fresh:
                self._csv.writeheader()
        self.written = 0

    def write(self, outcome: Outcome) -> None:
        line = json.dumps(outcome.model_dump(mode="json", by_alias=True), ensure_ascii=False)
        self._lines.write(line + "\n")
        self._lines.flush()
        if self._csv_file is not None and isinstance(outcome, DatasetRecord):
            self._csv.writerow(flatten(outcome))
            self._csv_file.flush()
        self.written += 1

    def close(self) -> None:
        self._lines.close()
        if self._csv_file is not None:
            self._csv_file.close()


class State:
    """The state file of a harvest: each dataset's stamp as of the last complete run, and the
    run in progress while it is interrupted.

    ```json
    {"version": 1, "extraction_date": "...", "queries": [...],
     "datasets": {"<id>": {"last_modified": "...", "last_update": "..."}},
     "interrupted": null | {"extraction_date": "...", "updated": {"<id>": stamp},
                            "unchanged": [...], "partial": [...], "not_found": [...]}}
    ```

    A partial record or a miss is not committed: the next run tries that dataset again.
    """

    def __init__(self, path: Path | None, queries: list[str], extraction_date: str) -> None:
        self.path = path
        self.queries = queries
        self.extraction_date = extraction_date
        self.datasets: dict[str, Stamp] = {}
        self.previous_date: str | None = None
        self.interrupted: dict[str, Any] | None = None
        # This run (carried over from the interrupted one when resuming).
        self.updated: dict[str, Stamp] = {}
        self.partial: list[str] = []
        self.not_found: list[str] = []
        self.unchanged: list[str] = []
        self.held: set[str] = set()

    @classmethod
    def load(
        cls, path: Path | None, queries: list[str], extraction_date: str, *, resume: bool
    ) -> State:
        state = cls(path, queries, extraction_date)
        if path is None or not path.exists():
            return state
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(raw, dict) or raw.get("version") != STATE_VERSION:
                raise ValueError("not a harvest state")
            datasets = raw.get("datasets")
            state.datasets = {
                str(id_): {k: v.get(k) for k in ("last_modified", "last_update")}
                for id_, v in (datasets if isinstance(datasets, dict) else {}).items()
                if isinstance(v, dict)
            }
        except ValueError:
            raise HarvestFileError(
                f"{path} is not a harvest state file: give another --state, or delete it to "
                "harvest everything again."
            ) from None
        state.previous_date = raw.get("extraction_date")
        interrupted = raw.get("interrupted")
        if resume and isinstance(interrupted, dict):
            state.extraction_date = str(interrupted.get("extraction_date") or extraction_date)
            state.updated = dict(interrupted.get("updated") or {})
            state.partial = list(interrupted.get("partial") or [])
            state.not_found = list(interrupted.get("not_found") or [])
            state.unchanged = list(interrupted.get("unchanged") or [])
            state.held = set(state.updated) | set(state.not_found)
        state.interrupted = interrupted if isinstance(interrupted, dict) else None
        return state

    # -- what the harvest asks ------------------------------------------------------------

    def stamp(self, dataset_id: str) -> Stamp | None:
        return self.datasets.get(dataset_id)

    def holds(self, dataset_id: str) -> bool:
        return dataset_id in self.held

    def hold(self, ids: set[str]) -> None:
        """Datasets already written by the run being resumed (read from its output)."""
        self.held |= ids

    def record(self, dataset_id: str, stamp: Stamp, outcome: Outcome) -> None:
        if isinstance(outcome, DatasetMiss):
            self.not_found.append(dataset_id)
            return
        self.updated[dataset_id] = stamp
        if outcome.extraction_partial:
            self.partial.append(dataset_id)

    # -- saving ---------------------------------------------------------------------------

    def save(self, *, complete: bool, unchanged: list[str]) -> None:
        if self.path is None:
            return
        seen = list(dict.fromkeys([*self.unchanged, *unchanged]))
        datasets = dict(self.datasets)
        if complete:
            partial = set(self.partial)
            datasets.update({k: v for k, v in self.updated.items() if k not in partial})
            for gone in self.not_found:
                datasets.pop(gone, None)
        body = {
            "version": STATE_VERSION,
            "extraction_date": self.extraction_date if complete else self.previous_date,
            "queries": self.queries,
            "datasets": datasets,
            "interrupted": None
            if complete
            else {
                "extraction_date": self.extraction_date,
                "updated": self.updated,
                "unchanged": seen,
                "partial": self.partial,
                "not_found": self.not_found,
            },
        }
        temporary = self.path.with_name(self.path.name + ".tmp")
        temporary.write_text(json.dumps(body, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(temporary, self.path)

    def summary(self, unchanged: list[str]) -> dict[str, Any]:
        """What a run with --state prints at its end."""
        return {
            "updated_ids": list(self.updated),
            "unchanged_ids": list(dict.fromkeys([*self.unchanged, *unchanged])),
            "extraction_date": self.extraction_date,
            "partial_ids": list(dict.fromkeys(self.partial)),
            "not_found_ids": list(dict.fromkeys(self.not_found)),
        }
