"""The on-disk table cache: built once per version, a new version replaces the old one, the
folder bounded in bytes (least recently used first, never a file being read), leftovers of an
interrupted build removed."""

from __future__ import annotations

from pathlib import Path

import pytest

from datagouv_mcp_sql.table_cache import TableCache, version_key

pytestmark = pytest.mark.anyio


class Builder:
    def __init__(self, size: int) -> None:
        self.size = size
        self.built: list[str] = []

    async def __call__(self, path: Path) -> None:
        self.built.append(path.name)
        path.write_bytes(b"x" * self.size)


async def test_built_once_then_read_from_disk(tmp_path: Path) -> None:
    cache, build = TableCache(tmp_path, 10_000), Builder(100)
    key = version_key("r1", "parquet", "2026-01-01")
    async with cache.lease(key, build) as (path, cached):
        assert cached is False and path.read_bytes() == b"x" * 100
    async with cache.lease(key, build) as (path, cached):
        assert cached is True
    assert len(build.built) == 1
    # A new server on the same folder finds it.
    async with TableCache(tmp_path, 10_000).lease(key, build) as (_, cached):
        assert cached is True


async def test_a_new_last_modified_is_a_new_version_and_drops_the_old(tmp_path: Path) -> None:
    cache, build = TableCache(tmp_path, 10_000), Builder(100)
    old = version_key("r1", "parquet", "2026-01-01")
    new = version_key("r1", "parquet", "2026-02-01")
    assert old != new
    async with cache.lease(old, build):
        pass
    async with cache.lease(new, build) as (_, cached):
        assert cached is False
    assert not cache.path(old).exists() and cache.path(new).exists()


async def test_least_recently_used_go_first_never_one_in_use(tmp_path: Path) -> None:
    cache, build = TableCache(tmp_path, 250), Builder(100)
    keys = [version_key(f"r{n}", "parquet", None) for n in range(4)]
    async with cache.lease(keys[0], build):
        for key in keys[1:]:
            async with cache.lease(key, build):
                pass
        assert cache.path(keys[0]).exists()  # being read: kept
    assert cache.size <= 250
    assert cache.path(keys[3]).exists() and not cache.path(keys[1]).exists()


async def test_a_failed_build_leaves_nothing(tmp_path: Path) -> None:
    cache = TableCache(tmp_path, 10_000)

    async def broken(path: Path) -> None:
        path.write_bytes(b"half")
        raise RuntimeError("download failed")

    with pytest.raises(RuntimeError):
        async with cache.lease("r1.abc", broken):
            pass
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "r2.abc.parquet.part-1234").write_bytes(b"left over")
    assert TableCache(tmp_path, 10_000).size == 0
    assert list(tmp_path.iterdir()) == []
