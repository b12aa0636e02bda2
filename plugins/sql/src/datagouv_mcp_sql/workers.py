"""The SQL workers, seen from the server: processes running `datagouv_mcp_sql.sandbox`, each
doing one job at a time over JSON lines.

A job that outlives its time limit is interrupted by the worker itself (DuckDB's interrupt);
if no answer comes within a grace period after that, or the call is cancelled mid-job, the
worker is killed and a fresh one takes its place on the next job. A worker that dies (its
address-space limit, a crash) fails only its own job.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import structlog

log = structlog.get_logger("datagouv_mcp.sql")

GRACE_SECONDS = 5.0  # after the time limit, before the worker is killed
START_SECONDS = 30.0
LINE_LIMIT = 64 * 1024 * 1024  # the longest answer line read (the worker caps its rows)


@dataclass(frozen=True)
class Limits:
    """What bounds one worker: DuckDB's memory and threads, its temporary files, and the
    process's address space (a hard stop past DuckDB's own accounting)."""

    memory_mb: int
    threads: int
    temp_max_mb: int
    address_space_mb: int


class WorkerFailed(Exception):
    """The worker did not answer: `kind` is "timeout" (killed past the grace period),
    "crashed" (it died) or "start" (it could not start)."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


def _environment(folder: Path) -> dict[str, str]:
    """No secret of the server's: only what Python needs to find its packages."""
    paths = [entry for entry in sys.path if entry and Path(entry).is_dir()]
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": os.pathsep.join(paths),
        "HOME": str(folder),
        "TMPDIR": str(folder),
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
    }


class Worker:
    def __init__(self, process: asyncio.subprocess.Process, folder: Path) -> None:
        self.process = process
        self.folder = folder
        self._stderr = asyncio.create_task(self._drain())

    @classmethod
    async def start(cls, limits: Limits, folder: Path) -> Worker:
        await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
        settings = dict(asdict(limits), temp_dir=str(folder))
        try:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "datagouv_mcp_sql.sandbox", json.dumps(settings),
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                cwd=folder,
                env=_environment(folder),
                limit=LINE_LIMIT,
                start_new_session=True,  # signals to the server's group do not reach it
            )  # fmt: skip
        except OSError as exc:
            raise WorkerFailed("start", f"the SQL worker could not start ({exc})") from None
        worker = cls(process, folder)
        try:
            ready = await worker._answer(START_SECONDS)
        except WorkerFailed:
            await worker.kill()
            raise WorkerFailed("start", "the SQL worker could not start") from None
        log.debug("sql.worker_started", pid=process.pid, duckdb=ready.get("duckdb"))
        return worker

    async def _drain(self) -> None:
        assert self.process.stderr is not None
        async for line in self.process.stderr:
            text = line.decode("utf-8", "replace").rstrip()
            if text:
                log.warning("sql.worker_stderr", pid=self.process.pid, line=text[:2000])

    async def _answer(self, seconds: float) -> dict[str, Any]:
        assert self.process.stdout is not None
        try:
            line = await asyncio.wait_for(self.process.stdout.readline(), seconds)
        except TimeoutError:
            raise WorkerFailed("timeout", "the SQL worker did not answer in time") from None
        except ValueError:  # a line past LINE_LIMIT
            raise WorkerFailed("crashed", "the SQL worker's answer was too long") from None
        if not line:
            code = await self.process.wait()
            how = f"signal {signal.Signals(-code).name}" if code < 0 else f"exit status {code}"
            raise WorkerFailed("crashed", f"the SQL worker stopped ({how})")
        answer: dict[str, Any] = json.loads(line)
        return answer

    async def run(self, job: dict[str, Any], seconds: float) -> dict[str, Any]:
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(json.dumps(job).encode() + b"\n")
            await self.process.stdin.drain()
        except (BrokenPipeError, ConnectionResetError):
            raise WorkerFailed("crashed", "the SQL worker had stopped") from None
        return await self._answer(seconds)

    @property
    def alive(self) -> bool:
        return self.process.returncode is None

    async def kill(self) -> None:
        if self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
        await self.process.wait()
        self._stderr.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._stderr
        shutil.rmtree(self.folder, ignore_errors=True)


class WorkerPool:
    """At most `size` workers, started on demand and kept while they are healthy."""

    def __init__(
        self, size: int, limits: Limits, folder: Path, grace: float = GRACE_SECONDS
    ) -> None:
        self.size = size
        self.grace = grace
        self.limits = limits
        self.folder = folder
        self._idle: list[Worker] = []
        self._busy: set[Worker] = set()
        self._slots: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._started = 0

    def _for_this_loop(self) -> asyncio.Semaphore:
        """Workers and their pipes belong to one event loop: a server started again on
        another loop (without closing) lets the old ones go."""
        loop = asyncio.get_running_loop()
        if self._slots is None or self._loop is not loop:
            for worker in [*self._idle, *self._busy]:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(worker.process.pid, signal.SIGKILL)
                shutil.rmtree(worker.folder, ignore_errors=True)
            self._idle, self._busy = [], set()
            self._slots, self._loop = asyncio.Semaphore(self.size), loop
        return self._slots

    async def run(self, job: dict[str, Any], seconds: float) -> dict[str, Any]:
        """The worker's answer to `job`; WorkerFailed when it gave none."""
        async with self._for_this_loop():
            worker = self._idle.pop() if self._idle else None
            if worker is None or not worker.alive:
                if worker is not None:
                    await worker.kill()
                self._started += 1
                worker = await Worker.start(self.limits, self.folder / f"worker-{self._started}")
            self._busy.add(worker)
            try:
                answer = await worker.run(job, seconds + self.grace)
            except BaseException:  # no answer, or the call was cancelled: state unknown
                self._busy.discard(worker)
                await asyncio.shield(worker.kill())
                raise
            self._busy.discard(worker)
            self._idle.append(worker)
            return answer

    @property
    def started(self) -> int:
        """Workers started so far (a restarted one counts again)."""
        return self._started

    async def aclose(self) -> None:
        workers = [*self._idle, *self._busy]
        self._idle, self._busy, self._slots, self._loop = [], set(), None, None
        await asyncio.gather(*(worker.kill() for worker in workers), return_exceptions=True)
