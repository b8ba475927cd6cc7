"""Which rooms are direct chats with whom (a cache of what bot/direct.py learned)."""

from __future__ import annotations

import time

from store.db import Database

__all__ = ["DirectRoomStore"]


class DirectRoomStore:
    """Rooms known to be direct chats between the bot and one user."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def all(self) -> list[tuple[str, str]]:
        """(room ID, user ID) of every known direct chat, oldest first."""
        rows = await self._db.fetchall(
            "SELECT room_id, user_id FROM direct_rooms ORDER BY created_at, room_id"
        )
        return [(str(r["room_id"]), str(r["user_id"])) for r in rows]

    async def add(self, pairs: list[tuple[str, str]]) -> None:
        """Record (room ID, user ID) direct chats in one go (the first record of a room stays)."""
        now = time.time()
        async with self._db.transaction() as conn:
            await conn.executemany(
                "INSERT INTO direct_rooms (room_id, user_id, created_at) VALUES (?, ?, ?) "
                "ON CONFLICT (room_id) DO NOTHING",
                [(room_id, user_id, now) for room_id, user_id in pairs],
            )
