"""Settings of the SQL plugin: DATAGOUV_MCP_SQL_* (the core adds the prefix)."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import Field, ValidationInfo, field_validator
from pydantic_settings import BaseSettings


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "datagouv-mcp" / "sql"


class SqlSettings(BaseSettings):
    # Where the tables are kept (Parquet files), and the workers' temporary files.
    cache_dir: Path = Field(default_factory=default_cache_dir)
    # The most bytes the cache keeps, least recently used files evicted first.
    cache_max_bytes: int = Field(5_000_000_000, ge=10_000_000, le=10_000_000_000_000)
    # The largest Parquet export downloaded.
    parquet_max_bytes: int = Field(1_000_000_000, ge=100_000, le=1_000_000_000_000)
    # The largest CSV (or CSV.GZ, as downloaded) read when there is no Parquet export.
    csv_max_bytes: int = Field(300_000_000, ge=100_000, le=1_000_000_000_000)
    # Seconds a download may take, and a CSV's conversion to Parquet.
    download_max_seconds: float = Field(300.0, gt=0, le=3600)
    # The time limit of one query (DuckDB interrupts it; the worker is killed 5 s later).
    timeout_seconds: float = Field(15.0, gt=0, le=600)
    # DuckDB's memory limit per query, its threads, and its temporary files (spilling).
    memory_limit_mb: int = Field(1024, ge=64, le=1_000_000)
    threads: int = Field(2, ge=1, le=64)
    temp_max_mb: int = Field(2048, ge=0, le=10_000_000)
    # Worker processes (queries run at once); each one's address-space limit.
    workers: int = Field(2, ge=1, le=64)
    worker_address_space_mb: int = Field(4096, ge=512, le=10_000_000)
    # The largest max_rows; the longest SQL text.
    max_rows: int = Field(1000, ge=1, le=100_000)
    sql_max_chars: int = Field(20_000, ge=100, le=1_000_000)
    # Characters of one cell in the text table, and of one value in structured content.
    cell_chars: int = Field(60, ge=10, le=2000)
    value_chars: int = Field(2000, ge=100, le=100_000)
    # Hard cap on any text a tool returns, in characters.
    max_text_chars: int = Field(60_000, ge=2_000, le=1_000_000)

    @field_validator("worker_address_space_mb")
    @classmethod
    def _holds_the_memory_limit(cls, value: int, info: ValidationInfo) -> int:
        memory = info.data.get("memory_limit_mb", 0)
        if value < memory + 512:
            raise ValueError(
                f"expected at least the memory limit + 512 MB ({memory + 512}): the worker's "
                "own code and buffers come on top of DuckDB's memory"
            )
        return value
