"""The worker pool and the sandbox's engine, without the tool: Hypothesis over generated
tables and simple generated queries, checked against the same computed in Python; a worker
that does not answer is killed and replaced."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from datagouv_mcp_sql.testing import rows, thresholds, write_parquet
from datagouv_mcp_sql.workers import Limits, WorkerFailed, WorkerPool

pytestmark = pytest.mark.anyio
LIMITS = Limits(memory_mb=128, threads=1, temp_max_mb=64, address_space_mb=2048)


def _job(path: Path, sql: str, **extra: Any) -> dict[str, Any]:
    return {"op": "query", "file": str(path), "sql": sql, "max_rows": 1000,
            "value_chars": 2000, "timeout": 10, **extra}  # fmt: skip


@pytest.fixture
async def pool(tmp_path: Path) -> Any:
    workers = WorkerPool(1, LIMITS, tmp_path / "workers", grace=0.5)
    yield workers
    await workers.aclose()


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(table=rows, k=thresholds)
async def test_generated_queries_over_generated_tables(
    pool: WorkerPool, tmp_path: Path, table: list[tuple[Any, ...]], k: int
) -> None:
    path = write_parquet(table, tmp_path / f"t{abs(hash((tuple(table), k)))}.parquet")
    answer = await pool.run(_job(path, (
        "SELECT g, count(*) AS c, sum(n) AS s, count(x) AS xs FROM data "
        f"WHERE n > {k} GROUP BY g ORDER BY g"
    )), 10)  # fmt: skip
    expected: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for g, n, x in table:
        if n > k:
            expected[g][0] += 1
            expected[g][1] += n
            expected[g][2] += x is not None
    assert answer["ok"] is True
    assert [tuple(row) for row in answer["rows"]] == sorted(
        (g, c, s, xs) for g, (c, s, xs) in expected.items()
    )
    assert answer["row_count"] == len(expected)
    path.unlink()


async def test_a_worker_that_does_not_answer_is_killed_and_replaced(
    pool: WorkerPool, tmp_path: Path
) -> None:
    path = write_parquet([("a", 1, None)], tmp_path / "t.parquet")
    # The worker's own limit is 10 s; the server gives up after 0.2 s + 0.5 s of grace.
    endless = _job(path, "SELECT count(*) FROM range(1000000000000000)")
    with pytest.raises(WorkerFailed) as failed:
        await pool.run(endless, 0.2)
    assert failed.value.kind == "timeout"
    answer = await pool.run(_job(path, "SELECT count(*) FROM data"), 10)
    assert answer["rows"] == [[1]]
    assert pool.started == 2


async def test_a_cancelled_call_does_not_leave_its_worker_busy(
    pool: WorkerPool, tmp_path: Path
) -> None:
    path = write_parquet([("a", 1, None)], tmp_path / "t.parquet")
    task = asyncio.create_task(
        pool.run(_job(path, "SELECT count(*) FROM range(10000000000000)"), 10)
    )
    await asyncio.sleep(1.0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    answer = await pool.run(_job(path, "SELECT 7"), 10)
    assert answer["rows"] == [[7]]
    assert pool.started == 2


async def test_values_come_back_typed(pool: WorkerPool, tmp_path: Path) -> None:
    path = write_parquet([("a", 1, 2.5)], tmp_path / "t.parquet")
    answer = await pool.run(_job(path, (
        "SELECT 1::HUGEINT AS big, 1.25::DECIMAL(5,2) AS dec, DATE '2024-02-29' AS d, "
        "TIMESTAMP '2024-02-29 12:00:00' AS ts, [1, 2] AS l, {'a': 1} AS st, NULL AS z, "
        "'inf'::DOUBLE AS inf, repeat('x', 5000) AS long, true AS b, 'x|y' AS pipe"
    ), value_chars=100), 10)  # fmt: skip
    big, dec, d, ts, lst, st, z, inf, long, b, pipe = answer["rows"][0]
    assert (big, dec, d, ts, lst, st, z, inf, b, pipe) == (
        1,
        1.25,
        "2024-02-29",
        "2024-02-29T12:00:00",
        [1, 2],
        {"a": 1},
        None,
        "inf",
        True,
        "x|y",
    )
    assert len(long) == 100 and long.endswith("…")
