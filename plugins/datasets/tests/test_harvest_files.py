"""What a harvest leaves on disk, without a server: a torn last line is cut before appending,
a state file that is not one is refused with a way out, and what counts as a change."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from datagouv_mcp_datasets.harvest import advanced
from datagouv_mcp_datasets.harvest_files import HarvestFileError, State, ids_in

RECORD = {"metadata": {"id": "a" * 24}, "title": "x"}
MISS = {"dataset_id": "b" * 24, "error": "not_found", "extraction_date": "2026-12-02T00:00:00Z"}


def test_a_torn_last_line_is_cut_before_resuming(tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    whole = json.dumps(RECORD) + "\n" + json.dumps(MISS) + "\n"
    out.write_text(whole + '{"metadata": {"id": "cccc')  # killed mid-write
    assert ids_in(out) == {"a" * 24, "b" * 24}
    assert out.read_text() == whole


def test_a_file_that_is_not_a_harvest_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    out.write_text("hello\n")
    with pytest.raises(HarvestFileError, match=r"line 1 is not JSON: .* without --resume"):
        ids_in(out)


@pytest.mark.parametrize("body", ["[]", "{", '{"version": 99}'])
def test_a_state_that_is_not_one_is_refused(tmp_path: Path, body: str) -> None:
    state = tmp_path / "state.json"
    state.write_text(body)
    with pytest.raises(HarvestFileError, match="is not a harvest state file: give another"):
        State.load(state, ["q"], "2026-12-02T00:00:00Z", resume=False)


def test_an_interrupted_run_is_continued_only_with_resume(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    state = State(path, ["q"], "2026-12-02T00:00:00Z")
    stamp = {"last_modified": "2026-01-01T00:00:00+00:00", "last_update": None}
    state.updated["a" * 24] = stamp
    state.save(complete=False, unchanged=["c" * 24])
    resumed = State.load(path, ["q"], "2026-12-03T00:00:00Z", resume=True)
    assert resumed.holds("a" * 24) and resumed.extraction_date == "2026-12-02T00:00:00Z"
    assert resumed.summary([])["unchanged_ids"] == ["c" * 24]
    fresh = State.load(path, ["q"], "2026-12-03T00:00:00Z", resume=False)
    assert not fresh.holds("a" * 24) and fresh.stamp("a" * 24) is None
    resumed.save(complete=True, unchanged=[])
    saved = json.loads(path.read_text())
    assert saved["interrupted"] is None and saved["datasets"] == {"a" * 24: stamp}


def stamp(modified: str | None, update: str | None = None) -> dict[str, str | None]:
    return {"last_modified": modified, "last_update": update}


@pytest.mark.parametrize(
    ("new", "old", "changed"),
    [
        (stamp("2026-01-02T00:00:00+00:00"), stamp("2026-01-01T00:00:00"), True),
        (stamp("2026-01-01T00:00:00Z"), stamp("2026-01-01T00:00:00+00:00"), False),
        (stamp("2025-12-31T00:00:00+00:00"), stamp("2026-01-01T00:00:00+00:00"), False),
        (stamp("2026-01-01", "2026-03-01"), stamp("2026-01-01", "2026-02-01"), True),
        (stamp("2026-01-01"), None, True),
        (stamp(None), stamp(None), True),
    ],
)
def test_what_counts_as_a_change(
    new: dict[str, str | None], old: dict[str, str | None] | None, changed: bool
) -> None:
    assert advanced(new, old) is changed
