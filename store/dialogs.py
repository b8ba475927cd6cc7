"""Pending dialogues per user and room (confirmations, guided questions); survive restarts."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from store.db import Database

__all__ = ["Dialog", "DialogStore"]


@dataclass(frozen=True)
class Dialog:
    """What the bot is waiting for from this user in this room."""

    kind: str
    data: dict[str, Any]
    updated_at: float


class DialogStore:
    """One open dialogue per (user, room); a new one replaces the old."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def open(self, user_id: str, room_id: str, kind: str, data: dict[str, Any]) -> None:
        """Start (or replace) the dialogue."""
        await self._db.execute(
            "INSERT INTO dialogs (user_id, room_id, kind, data, updated_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (user_id, room_id) DO UPDATE SET kind = excluded.kind, "
            "data = excluded.data, updated_at = excluded.updated_at",
            (user_id, room_id, kind, json.dumps(data), time.time()),
        )

    async def get(self, user_id: str, room_id: str) -> Dialog | None:
        """The open dialogue, if any."""
        row = await self._db.fetchone(
            "SELECT kind, data, updated_at FROM dialogs WHERE user_id = ? AND room_id = ?",
            (user_id, room_id),
        )
        if row is None:
            return None
        return Dialog(str(row["kind"]), json.loads(row["data"]), float(row["updated_at"]))

    async def close(self, user_id: str, room_id: str) -> bool:
        """End the dialogue; False if there was none."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "DELETE FROM dialogs WHERE user_id = ? AND room_id = ?", (user_id, room_id)
            )
            return cursor.rowcount == 1
