"""Who was welcomed in which direct chat (store/users.py, migration 15)."""

from __future__ import annotations

from pathlib import Path

import aiosqlite

from store.db import Database
from store.migrations import MIGRATIONS, migrate
from store.privacy import PrivacyStore
from store.users import UserSettings


async def test_a_user_is_welcomed_once_per_direct_chat(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "k.sqlite")
    try:
        users = UserSettings(db)
        assert await users.welcome("@a:x", "!dm1:x")
        assert not await users.welcome("@a:x", "!dm1:x")
        assert await users.welcome("@a:x", "!dm2:x")
        assert await users.welcome("@b:x", "!dm1:x")
    finally:
        await db.close()


async def test_forgetting_a_user_forgets_where_they_were_welcomed(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "k.sqlite")
    try:
        users = UserSettings(db)
        await users.welcome("@a:x", "!dm1:x")
        export = await PrivacyStore(db).export("@a:x")
        assert [row["room_id"] for row in export["dm_welcomes"]] == ["!dm1:x"]
        await PrivacyStore(db).forget("@a:x")
        assert await users.welcome("@a:x", "!dm1:x")
    finally:
        await db.close()


async def test_direct_chats_from_before_the_upgrade_are_not_welcomed_again(
    tmp_path: Path,
) -> None:
    async with aiosqlite.connect(tmp_path / "old.sqlite", isolation_level=None) as conn:
        await migrate(conn, tuple(m for m in MIGRATIONS if m.version <= 13))
        await conn.execute("INSERT INTO direct_rooms VALUES ('!dm1:x', '@a:x', 1.0)")
        await conn.execute("INSERT INTO dm_rooms VALUES ('@b:x', '!dm2:x', 2.0)")
    db = await Database.open(tmp_path / "old.sqlite")
    try:
        users = UserSettings(db)
        assert not await users.welcome("@a:x", "!dm1:x")
        assert not await users.welcome("@b:x", "!dm2:x")
        assert await users.welcome("@a:x", "!dm3:x")
    finally:
        await db.close()
