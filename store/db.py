"""The SQLite connection: pragmas, serialised write transactions, migrations and online backup."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from store.migrations import migrate

__all__ = ["Database"]

_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA busy_timeout=5000",
    # Deleted rows are zeroed on pages that are written anyway (no extra I/O), so an erased
    # value does not linger in the file's free space.
    "PRAGMA secure_delete=FAST",
)
_PRIVATE = 0o600


def _create_private(path: Path) -> None:
    """Create `path` readable by the owner only, if missing (SQLite gives -wal/-shm its mode)."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, _PRIVATE))
    except FileExistsError:
        pass


class Database:
    """One aiosqlite connection; writes go through `transaction()` so they never interleave."""

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self.conn = conn
        self.path = path
        self._write_lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path) -> Database:
        """Open (creating if needed) the database at `path` and bring its schema up to date."""
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        _create_private(path)
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, one transaction per unit of work.
        conn = await aiosqlite.connect(path, isolation_level=None)
        try:
            for pragma in _PRAGMAS:
                await conn.execute(pragma)
            conn.row_factory = sqlite3.Row
            db = cls(conn, path)
            async with db._write_lock:
                await migrate(conn)
        except BaseException:
            await conn.close()
            raise
        return db

    async def close(self) -> None:
        """Close the connection (waits for a running write to finish)."""
        async with self._write_lock:
            await self.conn.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Run the block as one write transaction: all of it is stored, or none of it."""
        async with self._write_lock:
            await self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                await self.conn.execute("ROLLBACK")
                raise
            await self.conn.execute("COMMIT")

    async def execute(self, sql: str, params: Iterable[Any] = ()) -> None:
        """Run one write statement in its own transaction."""
        async with self.transaction() as conn:
            await conn.execute(sql, tuple(params))

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Row | None:
        """Run a query and return its first row, if any."""
        async with self.conn.execute(sql, tuple(params)) as cursor:
            row: sqlite3.Row | None = await cursor.fetchone()
            return row

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        """Run a query and return all rows."""
        async with self.conn.execute(sql, tuple(params)) as cursor:
            return list(await cursor.fetchall())

    async def backup(self, target: Path) -> None:
        """Write a consistent copy of the live database to `target` (SQLite backup API)."""
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".part")
        tmp.unlink(missing_ok=True)
        _create_private(tmp)
        async with aiosqlite.connect(tmp) as dest:
            await self.conn.backup(dest)
        tmp.replace(target)

    async def scrub(self) -> None:
        """Rewrite the file without free space and empty the WAL, so no old value stays in them."""
        async with self._write_lock:
            await self.conn.execute("VACUUM")
            await self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    async def table_names(self) -> list[str]:
        """Names of the app's tables (for data-rights scans and diagnostics)."""
        rows = await self.fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
        return [str(row["name"]) for row in rows]
