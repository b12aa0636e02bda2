"""Thin calls over the core's HTTP layer: the resource's record from udata (raw JSON out), and
the download of a table's data to a file, through the guarded fetch (its URL comes from the
catalogue: public addresses only, checked at every redirect, within a byte cap)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from datagouv_mcp.callcontext import log_to_client, report_progress
from datagouv_mcp.upstream import Upstreams, path

PROGRESS_STEP = 1024 * 1024  # a progress notification per MiB, when the client asks


class SqlClient:
    def __init__(self, upstream: Upstreams) -> None:
        # The layer's clients exist only while the server runs: look them up at call time.
        self._upstream = upstream

    async def resource(self, resource_id: str) -> Any:
        """GET /api/2/datasets/resources/{rid}/: `{"resource": {...}, "dataset_id": ...}`."""
        fetched = await self._upstream.api.get_json(path("2", "datasets", "resources", resource_id))
        return fetched.data

    async def download(self, url: str, target: Path, max_bytes: int, timeout: float) -> int:
        """The body at `url` written to `target`; its size. A declared size over the cap is
        refused before reading; a body that grows past it stops the read."""
        written, reported = 0, 0
        async with self._upstream.fetch.stream(url, max_bytes=max_bytes, timeout=timeout) as got:
            total = got.declared_length
            size = f"{total:,} bytes" if total is not None else "size unknown"
            await log_to_client("info", f"Downloading the table's file ({size}), once.")
            with target.open("wb") as out:
                async for chunk in got.iter_bytes():
                    out.write(chunk)
                    written += len(chunk)
                    if written - reported >= PROGRESS_STEP:
                        reported = written
                        await report_progress(written, total, "downloading the table")
        await log_to_client("info", f"Downloaded {written:,} bytes; converting to a table.")
        return written
