"""`datagouv-mcp harvest` as a real subprocess against the stand-in (the bundled corpus plus
generated datasets): every record once over several pages, the CSV, Ctrl-C and --resume, and
the incremental re-run with --state after a dataset changed."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import jsonschema  # type: ignore[import-untyped]  # no stubs; the MCP SDK depends on it
import pytest

from datagouv_mcp.testing.servers import clean_env, cli_command, run_cli
from datagouv_mcp_datasets.record_models import DatasetRecord, record_schema
from datagouv_mcp_datasets.record_parsers import CSV_COLUMNS, flatten, split_items
from datagouv_mcp_standin.testing import Standin

# metadata_json holds every resource: a dataset with 1,572 of them makes a cell of ~1 MB.
csv.field_size_limit(1 << 26)
# The stand-in is not the portal: lift the upstream layer's rate budget for speed.
FAST = {"DATAGOUV_MCP_REQUESTS_PER_SECOND": "1000", "DATAGOUV_MCP_MAX_IN_FLIGHT": "16"}


def env_of(standin: Standin) -> dict[str, str]:
    return {**standin.env(), **FAST}


def catalogue_size(standin: Standin) -> int:
    answer = httpx.get(f"{standin.url}/api/2/datasets/search/", params={"page_size": 1})
    total: int = answer.json()["total"]
    return total


def lines_of(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def id_of(item: dict[str, Any]) -> str:
    return str(item["metadata"]["id"] if "metadata" in item else item["dataset_id"])


@dataclass(frozen=True)
class Harvested:
    result: subprocess.CompletedProcess[str]
    out: Path
    csv: Path
    total: int


@pytest.fixture(scope="module")
def harvested(standin: Standin, tmp_path_factory: pytest.TempPathFactory) -> Harvested:
    """The whole catalogue harvested once, ten datasets a search page."""
    standin.reset()
    folder = tmp_path_factory.mktemp("harvest")
    out, table = folder / "records.jsonl", folder / "records.csv"
    result = run_cli(
        "harvest", "", "--out", str(out), "--csv", str(table), "--page-size", "10",
        env=env_of(standin), timeout=180,
    )  # fmt: skip
    return Harvested(result, out, table, catalogue_size(standin))


def test_harvest_writes_every_record_once_over_several_pages(harvested: Harvested) -> None:
    assert harvested.result.returncode == 0, harvested.result.stderr
    items = lines_of(harvested.out)
    ids = [id_of(item) for item in items]
    assert harvested.total > 50  # several pages of ten
    assert len(ids) == len(set(ids)) == harvested.total
    schema = record_schema()
    for item in items:
        jsonschema.validate(item, schema)
    assert f"harvest: {harvested.total}/{harvested.total} datasets" in harvested.result.stderr
    assert harvested.result.stdout == ""  # the JSON summary is for --state runs


def test_harvest_csv_round_trip(harvested: Harvested) -> None:
    records = {
        item["metadata"]["id"]: DatasetRecord.model_validate(item)
        for item in lines_of(harvested.out)
    }
    with harvested.csv.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
        assert tuple(reader.fieldnames or ()) == CSV_COLUMNS
    assert len(rows) == len(records)
    for row in rows:
        record = records[row["metadata.id"]]
        assert row == flatten(record)
        assert split_items(row["tags"]) == record.tags
        assert split_items(row["file_urls"]) == record.file_urls
        assert row["description"] == (record.description or "")
        rest = json.loads(row["metadata_json"])
        assert len(rest["resources"]) == len(record.resources)


def test_incremental_rerun_fetches_only_what_changed(upstream: Standin, tmp_path: Path) -> None:
    out, state = tmp_path / "records.jsonl", tmp_path / "state.json"
    common = ("--state", str(state), "--page-size", "50")
    first = run_cli("harvest", "", "--out", str(out), *common, env=env_of(upstream), timeout=180)
    assert first.returncode == 0, first.stderr
    everything = json.loads(first.stdout)["updated_ids"]
    changed = everything[-1]
    upstream.reset()
    upstream.patch_dataset(changed, last_modified="2026-11-30T10:00:00+00:00")
    second = run_cli("harvest", "", "--out", str(out), *common, env=env_of(upstream), timeout=180)
    assert second.returncode == 0, second.stderr
    summary = json.loads(second.stdout)
    assert summary["updated_ids"] == [changed]
    assert sorted(summary["unchanged_ids"]) == sorted(set(everything) - {changed})
    assert summary["extraction_date"].endswith("Z")
    assert [id_of(item) for item in lines_of(out)] == [changed]
    # Unchanged datasets cost no request of their own: one record fetched, and the searches.
    assert upstream.requests("/api/1/datasets/{dataset}/") == 1
    saved = json.loads(state.read_text())
    assert saved["interrupted"] is None
    assert saved["datasets"][changed]["last_modified"] == "2026-11-30T10:00:00+00:00"


def test_ctrl_c_leaves_valid_files_and_resume_completes(upstream: Standin, tmp_path: Path) -> None:
    out, table, state = tmp_path / "r.jsonl", tmp_path / "r.csv", tmp_path / "state.json"
    args = ("harvest", "", "--out", str(out), "--csv", str(table), "--state", str(state))
    upstream.add_fault(route="/api/1/datasets/*", kind="latency", latency_ms=300)
    process = subprocess.Popen(
        cli_command(*args, "--concurrency", "2"),
        env=clean_env(env_of(upstream)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not (out.exists() and out.read_text().count("\n") >= 3):
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert "Interrupted: " in stderr and "--resume" in stderr
    written = [id_of(item) for item in lines_of(out)]  # every line whole JSON
    total = catalogue_size(upstream)
    assert 3 <= len(written) < total
    with table.open(encoding="utf-8", newline="") as handle:
        assert [row["metadata.id"] for row in csv.DictReader(handle)] == written
    saved = json.loads(state.read_text())
    assert saved["interrupted"] is not None and saved["datasets"] == {}
    assert sorted(saved["interrupted"]["updated"]) == sorted(written)

    upstream.reset()
    resumed = run_cli(*args, "--resume", env=env_of(upstream), timeout=180)
    assert resumed.returncode == 0, resumed.stderr
    ids = [id_of(item) for item in lines_of(out)]
    assert len(ids) == len(set(ids)) == total
    with table.open(encoding="utf-8", newline="") as handle:
        assert sorted(row["metadata.id"] for row in csv.DictReader(handle)) == sorted(ids)
    summary = json.loads(resumed.stdout)
    assert sorted(summary["updated_ids"]) == sorted(ids)
    # The resumed run fetched only what the interrupted one had not written.
    assert upstream.requests("/api/1/datasets/{dataset}/") == total - len(written)
    assert json.loads(state.read_text())["interrupted"] is None


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--format", "c s v"), "Error: "),
        (("--temporal-coverage", "2020"), "Invalid temporal_coverage"),
        (("--sort", "title"), "Error: "),
    ],
)
def test_harvest_refuses_bad_filters_before_any_request(
    upstream: Standin, tmp_path: Path, args: tuple[str, ...], expected: str
) -> None:
    result = run_cli(
        "harvest", "x", "--out", str(tmp_path / "r.jsonl"), *args, env=env_of(upstream)
    )
    assert result.returncode == 2
    assert expected in result.stderr and "Traceback" not in result.stderr
    assert upstream.stats()["total"] == 0


def test_harvest_reports_an_unreachable_portal(upstream: Standin, tmp_path: Path) -> None:
    upstream.add_fault(route="/api/2/datasets/search/*", kind="status", status=503)
    result = run_cli(
        "harvest", "x", "--out", str(tmp_path / "r.jsonl"), env=env_of(upstream), timeout=120
    )
    assert result.returncode == 1
    assert "Error: the harvest stopped: " in result.stderr
    assert "--resume" in result.stderr and "Traceback" not in result.stderr


def test_harvest_draws_a_progress_bar_on_a_terminal(upstream: Standin, tmp_path: Path) -> None:
    controller, terminal = os.openpty()
    try:
        process = subprocess.Popen(
            cli_command("harvest", "", "--out", str(tmp_path / "r.jsonl"), "--max-datasets", "5"),
            env=clean_env({**env_of(upstream), "COLUMNS": "120", "TERM": "xterm"}),
            stdout=subprocess.DEVNULL,
            stderr=terminal,
        )
        os.close(terminal)
        drawn = b""
        while True:
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # the terminal closed: the harvest ended
                break
            if not chunk:
                break
            drawn += chunk
        assert process.wait(timeout=60) == 0
    finally:
        os.close(controller)
    screen = drawn.decode("utf-8", "replace")
    assert "harvest · 5 written · 0 unchanged" in screen
    assert "5/5" in screen and "━" in screen  # rich's bar, complete
    assert "harvest: " not in screen  # not the plain lines


def test_a_dataset_whose_record_fails_is_written_partial_from_its_search_hit(
    upstream: Standin, tmp_path: Path
) -> None:
    out, state = tmp_path / "r.jsonl", tmp_path / "state.json"
    upstream.add_fault(route="/api/1/datasets/*", kind="status", status=503)
    result = run_cli(
        "harvest", "", "--out", str(out), "--state", str(state), "--max-datasets", "3",
        env={**env_of(upstream), "DATAGOUV_MCP_MAX_ATTEMPTS": "1"}, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    items = lines_of(out)
    assert len(items) == 3
    for item in items:
        jsonschema.validate(item, record_schema())
        assert item["extraction_partial"] is True and item["resources"] == []
        assert any("HTTP 503" in error for error in item["metadata"]["upstream_errors"])
    summary = json.loads(result.stdout)
    assert sorted(summary["partial_ids"]) == sorted(summary["updated_ids"])
    # A partial record is not committed: the next run fetches it again.
    assert json.loads(state.read_text())["datasets"] == {}


def test_harvest_of_an_unknown_organization(upstream: Standin, tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    result = run_cli(
        "harvest", "", "--out", str(tmp_path / "r.jsonl"), "--organization", "no-such-org",
        "--state", str(state), env=env_of(upstream), timeout=120,
    )  # fmt: skip
    assert result.returncode == 2 and result.stdout == ""  # no summary: nothing harvested
    assert not state.exists()  # nothing began: no state written
    assert "Error: Organization with ID 'no-such-org' not found." in result.stderr
    assert "--resume" not in result.stderr and "Traceback" not in result.stderr
