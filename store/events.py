"""Which Matrix events were already handled, so that nothing is answered twice."""

from __future__ import annotations

import time

from store.db import Database

__all__ = ["HandledEvents", "UndecryptableEvents"]


class HandledEvents:
    """Event IDs the bot has answered (kept a while after they stop being answerable)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def is_handled(self, event_id: str) -> bool:
        """True if the event was handled before."""
        row = await self._db.fetchone(
            "SELECT 1 FROM handled_events WHERE event_id = ?", (event_id,)
        )
        return row is not None

    async def mark_handled(self, event_id: str, room_id: str) -> bool:
        """Record the event as handled; False if it already was."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT OR IGNORE INTO handled_events (event_id, room_id, handled_at) "
                "VALUES (?, ?, ?)",
                (event_id, room_id, time.time()),
            )
            return cursor.rowcount == 1

    async def prune(self, older_than: float) -> int:
        """Drop records older than `older_than` (UNIX time); return how many."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "DELETE FROM handled_events WHERE handled_at < ?", (older_than,)
            )
            return cursor.rowcount


class UndecryptableEvents:
    """Encrypted events that could not be decrypted (shown in !botstatus)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def record(self, event_id: str, room_id: str, session_id: str) -> None:
        """Remember an event whose room key is missing."""
        await self._db.execute(
            "INSERT OR IGNORE INTO undecryptable_events (event_id, room_id, session_id, seen_at) "
            "VALUES (?, ?, ?, ?)",
            (event_id, room_id, session_id, time.time()),
        )

    async def waiting(self, since: float) -> list[tuple[str, str]]:
        """(event ID, room ID) of the events seen since `since` that still lack their key."""
        rows = await self._db.fetchall(
            "SELECT event_id, room_id FROM undecryptable_events WHERE seen_at >= ? "
            "ORDER BY seen_at",
            (since,),
        )
        return [(str(row["event_id"]), str(row["room_id"])) for row in rows]

    async def prune(self, older_than: float) -> int:
        """Drop events seen before `older_than` (UNIX time): too old to answer even with a key."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "DELETE FROM undecryptable_events WHERE seen_at < ?", (older_than,)
            )
            return cursor.rowcount

    async def resolve(self, event_id: str) -> None:
        """Forget an event that could be decrypted after all."""
        await self._db.execute("DELETE FROM undecryptable_events WHERE event_id = ?", (event_id,))

    async def count(self) -> int:
        """How many events are still undecryptable."""
        row = await self._db.fetchone("SELECT COUNT(*) AS n FROM undecryptable_events")
        return int(row["n"]) if row else 0
