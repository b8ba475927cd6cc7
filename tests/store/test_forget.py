"""Forgetting a user also blanks them out of other users' suggestion lists and off the disk."""

from __future__ import annotations

from pathlib import Path

from store.actors import ActorStore
from store.db import Database
from store.privacy import PrivacyStore


async def test_forgotten_user_leaves_a_blank_place_in_others_suggestions(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "k.sqlite")
    try:
        await _forget_clara(db, tmp_path)
    finally:
        await db.close()


async def _forget_clara(db: Database, tmp_path: Path) -> None:
    actors = ActorStore(db)
    await actors.remember_suggestions("@dora:x", ["@a:x", "@clara:x", "@b:x"])
    await actors.remember_suggestions("@erik:x", ["@b:x"])
    await actors.remember_suggestions("@clara:x", ["@a:x"])
    removed = await PrivacyStore(db).forget("@clara:x")
    assert await actors.suggestions("@dora:x") == ["@a:x", "", "@b:x"]  # numbers still fit
    assert await actors.suggestions("@erik:x") == ["@b:x"]
    assert await actors.suggestions("@clara:x") == []
    assert removed["actor_suggestions"] == 2  # her own list and her place in Dora's
    # While the bot runs: neither in the file's free pages nor in the WAL.
    for path in tmp_path.iterdir():
        assert b"@clara:x" not in path.read_bytes(), path.name
