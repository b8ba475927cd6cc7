"""SQLite store: pragmas, migrations, transactions, backup."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import aiosqlite
import pytest

from store.db import Database
from store.events import HandledEvents
from store.migrations import (
    MIGRATIONS,
    DatabaseMismatchError,
    DatabaseTooNewError,
    Migration,
    migrate,
)
from store.state import BotState
from store.users import UserSettings


async def test_new_database_gets_wal_foreign_keys_and_all_migrations(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "k.sqlite")
    try:
        row = await db.fetchone("PRAGMA journal_mode")
        assert row is not None
        assert row[0] == "wal"
        row = await db.fetchone("PRAGMA foreign_keys")
        assert row is not None
        assert row[0] == 1
        row = await db.fetchone("SELECT MAX(version) AS v FROM schema_version")
        assert row is not None
        assert row["v"] == MIGRATIONS[-1].version
    finally:
        await db.close()


async def test_migration_numbers_are_consecutive_and_described() -> None:
    versions = [m.version for m in MIGRATIONS]
    assert versions == list(range(1, len(MIGRATIONS) + 1))
    assert all(m.description for m in MIGRATIONS)


@pytest.mark.parametrize(
    ("tamper", "error", "match"),
    [
        (
            "INSERT INTO schema_version (version, description, applied_at) "
            "VALUES (999, 'future', 0)",
            DatabaseTooNewError,
            "999",
        ),
        # A development database made before steps 14-16 were renumbered recorded step 16 as
        # the chat FAQ; the runner took 16 ('on topic' column) as done and every question failed.
        (
            "UPDATE schema_version SET description = 'FAQ taught in the chat' WHERE version = 16",
            DatabaseMismatchError,
            "step 16",
        ),
    ],
    ids=["newer-than-the-code", "steps-renumbered"],
)
async def test_refuses_a_database_it_cannot_trust(
    tmp_path: Path, tamper: str, error: type[Exception], match: str
) -> None:
    path = tmp_path / "k.sqlite"
    db = await Database.open(path)
    await db.execute(tamper)
    await db.close()
    with pytest.raises(error, match=match):
        await Database.open(path)


async def test_failed_migration_leaves_nothing_half_written(tmp_path: Path) -> None:
    broken = (
        *MIGRATIONS,
        Migration(
            len(MIGRATIONS) + 1,
            "broken step",
            ("CREATE TABLE half (x INTEGER)", "THIS IS NOT SQL"),
        ),
    )
    async with aiosqlite.connect(tmp_path / "k.sqlite", isolation_level=None) as conn:
        with pytest.raises(sqlite3.OperationalError):
            await migrate(conn, broken)
        async with conn.execute("SELECT name FROM sqlite_master WHERE name = 'half'") as cur:
            assert await cur.fetchone() is None
        async with conn.execute("SELECT MAX(version) FROM schema_version") as cur:
            row = await cur.fetchone()
            assert row is not None
            assert row[0] == MIGRATIONS[-1].version


async def test_transaction_rolls_back_on_error(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "k.sqlite")
    state = BotState(db)

    async def write_then_fail() -> None:
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO bot_state (key, value) VALUES ('a', '1')")
            raise RuntimeError("boom")

    try:
        with pytest.raises(RuntimeError):
            await write_then_fail()
        assert await state.get("a") is None
    finally:
        await db.close()


async def test_handled_events_are_recorded_once_and_pruned(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "k.sqlite")
    handled = HandledEvents(db)
    try:
        assert await handled.mark_handled("$e1", "!r") is True
        assert await handled.mark_handled("$e1", "!r") is False
        assert await handled.is_handled("$e1")
        assert await handled.prune(older_than=10**12) == 1
        assert not await handled.is_handled("$e1")
    finally:
        await db.close()


async def test_language_is_stored_per_user(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "k.sqlite")
    users = UserSettings(db)
    try:
        assert await users.language("@a:x") is None
        await users.set_language("@a:x", "en")
        await users.set_language("@a:x", "de")
        assert await users.language("@a:x") == "de"
        with pytest.raises(sqlite3.IntegrityError):
            await users.set_language("@a:x", "fr")
    finally:
        await db.close()


async def test_online_backup_is_a_consistent_copy(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "k.sqlite")
    try:
        await BotState(db).set("sync.next_batch", "s123")
        await db.backup(tmp_path / "out" / "copy.sqlite")
    finally:
        await db.close()
    copy = await Database.open(tmp_path / "out" / "copy.sqlite")
    try:
        assert await BotState(copy).get("sync.next_batch") == "s123"
    finally:
        await copy.close()


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_database_wal_and_shm_are_owner_only_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        db = await Database.open(tmp_path / "k.sqlite")
        try:
            await BotState(db).set("sync.next_batch", "s1")
            names = ["k.sqlite", "k.sqlite-wal", "k.sqlite-shm"]
            assert {n: _mode(tmp_path / n) for n in names} == dict.fromkeys(names, 0o600)
        finally:
            await db.close()
    finally:
        os.umask(old)


async def test_backup_copy_is_owner_only_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    target = tmp_path / "out" / "copy.sqlite"
    target.parent.mkdir()
    target.write_bytes(b"an older copy")
    target.chmod(0o644)
    try:
        db = await Database.open(tmp_path / "k.sqlite")
        try:
            await db.backup(target)
        finally:
            await db.close()
    finally:
        os.umask(old)
    assert _mode(target) == 0o600


async def test_scrub_leaves_no_deleted_value_in_the_file_or_wal(tmp_path: Path) -> None:
    path = tmp_path / "k.sqlite"
    db = await Database.open(path)
    try:
        await BotState(db).set("note", "Geheimnis-1234567890")
        await db.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        await BotState(db).delete("note")
        await db.scrub()
        wal = path.with_name("k.sqlite-wal")
        raw = path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
        assert b"Geheimnis-1234567890" not in raw
    finally:
        await db.close()
