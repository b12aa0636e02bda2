"""The sandbox, tried as an attacker would, through the tool: every statement but one SELECT
refused by DuckDB's own parser; no file but the resource's own read or written (canary files
prove it); no extension, setting or network; the time and memory limits enforced, the worker
replaced when it dies, the server answering throughout."""

from __future__ import annotations

import os
import threading
import time
import uuid
from pathlib import Path

import pytest
from mcp import Client

from datagouv_mcp.gateway import Gateway
from datagouv_mcp.mcpserver import build_server
from datagouv_mcp_sql import plugin
from datagouv_mcp_standin.testing import CorpusIds

from .conftest import call

pytestmark = [pytest.mark.anyio, pytest.mark.usefixtures("upstream")]
RID = CorpusIds.TABLE_1K_RESOURCE_ID


@pytest.fixture
def canaries(tmp_path: Path) -> dict[str, Path]:
    """A file with a secret, a FIFO (opening it to read would block the worker until the
    time limit: a refusal that comes at once proves it was never opened), and paths that
    must not exist afterwards."""
    secret = tmp_path / "secret.txt"
    secret.write_text(f"CANARY-{uuid.uuid4()}\n")
    fifo = tmp_path / "fifo.csv"
    os.mkfifo(fifo)
    return {"secret": secret, "fifo": fifo, "dir": tmp_path}


READS = [
    "SELECT * FROM read_csv('{secret}')",
    "SELECT * FROM read_text('{secret}')",
    "SELECT * FROM read_blob('{secret}')",
    "SELECT * FROM read_json('{secret}')",
    "SELECT * FROM read_parquet('{secret}')",
    "SELECT * FROM glob('{dir}/*')",
    "SELECT * FROM sniff_csv('{secret}')",
    "SELECT * FROM read_csv('{fifo}')",
    "SELECT * FROM read_text('{fifo}')",
    "SELECT * FROM read_text('/etc/passwd')",
    "SELECT * FROM query('SELECT * FROM read_text(''{secret}'')')",
    "SELECT * FROM read_csv('http://127.0.0.2:9/x.csv')",
    "WITH x AS (SELECT * FROM read_text('{secret}')) SELECT * FROM x",
]


@pytest.mark.parametrize("template", READS)
async def test_no_other_file_can_be_read(
    gateway: Gateway, canaries: dict[str, Path], template: str
) -> None:
    sql = template.format(**canaries)
    started = time.monotonic()
    result = await call(gateway, "query_resource_sql", resource_id=RID, sql=sql)
    assert result.structured_content["code"] == "sql_refused", result.content[0].text
    assert "Only the table `data` can be read" in result.content[0].text
    assert time.monotonic() - started < 1.5  # not the 2 s time limit: nothing was opened
    secret = canaries["secret"].read_text().strip()
    assert secret not in result.content[0].text
    assert secret not in str(result.structured_content)


WRITES_AND_OTHERS = [
    ("COPY data TO '{dir}/out.csv'", "COPY"),
    ("COPY (SELECT 1) TO '{dir}/out.parquet' (FORMAT parquet)", "COPY"),
    ("ATTACH '{dir}/new.duckdb' AS other", "ATTACH"),
    ("EXPORT DATABASE '{dir}/export'", "EXPORT"),
    ("INSTALL httpfs", "LOAD"),
    ("LOAD httpfs", "LOAD"),
    ("SET enable_external_access = true", "SET"),
    ("RESET lock_configuration", "SET"),
    ("PRAGMA version", "PRAGMA"),
    ("CALL pragma_version()", "CALL"),
    ("CREATE TABLE t AS SELECT * FROM data", "CREATE"),
    ("DROP VIEW data", "DROP"),
    ("EXPLAIN SELECT * FROM data", "EXPLAIN"),
    ("SELECT 1; COPY data TO '{dir}/out2.csv'", "holds 2"),
    ("SELECT * FROM data; SELECT 2", "holds 2"),
]


@pytest.mark.parametrize(("template", "said"), WRITES_AND_OTHERS)
async def test_only_one_select_runs(
    gateway: Gateway, canaries: dict[str, Path], template: str, said: str
) -> None:
    before = sorted(p.name for p in canaries["dir"].iterdir())
    result = await call(gateway, "query_resource_sql", resource_id=RID,
                        sql=template.format(**canaries))  # fmt: skip
    assert result.structured_content["code"] == "sql_refused", result.content[0].text
    assert said in result.content[0].text
    assert sorted(p.name for p in canaries["dir"].iterdir()) == before  # nothing written


async def test_a_query_past_its_time_is_interrupted_and_the_next_one_runs(
    gateway: Gateway,
) -> None:
    async with Client(build_server(gateway), mode="legacy") as client:
        started = time.monotonic()
        slow = await client.call_tool("query_resource_sql", {
            "resource_id": RID, "sql": "SELECT count(*) FROM range(1000000000000000)"})  # fmt: skip
        took = time.monotonic() - started
        assert slow.structured_content["code"] == "sql_timeout"
        assert "ran past the 2 s time limit and was interrupted" in slow.content[0].text
        assert 1.9 < took < 6
        after = await client.call_tool(
            "query_resource_sql", {"resource_id": RID, "sql": "SELECT count(*) AS n FROM data"}
        )
        assert after.structured_content["rows"] == [{"n": 1000}]


async def test_a_cartesian_join_stops_at_the_memory_limit(gateway: Gateway) -> None:
    async with Client(build_server(gateway), mode="legacy") as client:
        heavy = await client.call_tool("query_resource_sql", {
            "resource_id": RID,
            "sql": "SELECT string_agg(a.commune || b.commune, ',') FROM data a, data b, "
                   "(SELECT 1 FROM data LIMIT 20) c",
        })  # fmt: skip
        assert heavy.structured_content["code"] == "sql_memory", heavy.content[0].text
        assert "more than its 128 MB of memory" in heavy.content[0].text
        fine = await client.call_tool(
            "query_resource_sql", {"resource_id": RID, "sql": "SELECT 41 + 1 AS x"}
        )
        assert fine.structured_content["rows"] == [{"x": 42}]


async def test_a_worker_killed_mid_query_fails_that_query_only(gateway: Gateway) -> None:
    """The worker dies (as under its address-space limit): that call gets a clear error, the
    next one gets a fresh worker."""
    async with Client(build_server(gateway), mode="legacy") as client:
        await client.call_tool("query_resource_sql", {"resource_id": RID, "sql": "SELECT 1"})
        (worker,) = plugin._engines[gateway.contexts["sql"]].pool._idle

        def kill_soon() -> None:
            time.sleep(0.5)
            os.kill(worker.process.pid, 9)

        threading.Thread(target=kill_soon, daemon=True).start()
        died = await client.call_tool("query_resource_sql", {
            "resource_id": RID, "sql": "SELECT count(*) FROM range(1000000000000000)"})  # fmt: skip
        assert died.structured_content["code"] == "sql_worker_failed"
        assert "signal SIGKILL" in died.content[0].text
        again = await client.call_tool("query_resource_sql",
                                       {"resource_id": RID, "sql": "SELECT 2 AS x"})  # fmt: skip
        assert again.structured_content["rows"] == [{"x": 2}]
