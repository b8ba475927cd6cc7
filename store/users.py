"""Per-user settings."""

from __future__ import annotations

import time

from store.db import Database

__all__ = ["UserSettings"]


class UserSettings:
    """The language each user chose with !sprache, and where they were welcomed."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def language(self, user_id: str) -> str | None:
        """The user's chosen language, or None if they never chose one."""
        row = await self._db.fetchone(
            "SELECT language FROM user_settings WHERE user_id = ?", (user_id,)
        )
        return None if row is None else str(row["language"])

    async def set_language(self, user_id: str, language: str) -> None:
        """Store the user's language."""
        await self._db.execute(
            "INSERT INTO user_settings (user_id, language, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT (user_id) DO UPDATE SET language = excluded.language, "
            "updated_at = excluded.updated_at",
            (user_id, language, time.time()),
        )

    async def welcome(self, user_id: str, room_id: str) -> bool:
        """Note that the user was welcomed in this direct chat; False if they had been."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO dm_welcomes (user_id, room_id, welcomed_at) VALUES (?, ?, ?) "
                "ON CONFLICT (user_id, room_id) DO NOTHING",
                (user_id, room_id, time.time()),
            )
            return cursor.rowcount == 1
