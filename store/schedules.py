"""Scheduled posts as rows: APScheduler's jobs are rebuilt from them at every start."""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass

from store.db import Database

__all__ = ["ScheduleStore", "ScheduledPost"]


@dataclass(frozen=True)
class ScheduledPost:
    """An announcement due at `due_at` (UNIX time); weekly if `weekday` is set."""

    id: int
    topic: str
    body: str
    author: str
    report_room: str
    due_at: float
    weekday: int | None
    hour: int
    minute: int


_COLUMNS = "id, topic, body, author, report_room, due_at, weekday, hour, minute"


def _post(r: sqlite3.Row) -> ScheduledPost:
    return ScheduledPost(
        int(r["id"]),
        str(r["topic"]),
        str(r["body"]),
        str(r["author"]),
        str(r["report_room"]),
        float(r["due_at"]),
        None if r["weekday"] is None else int(r["weekday"]),
        int(r["hour"]),
        int(r["minute"]),
    )


class ScheduleStore:
    """Rows of scheduled_posts."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(
        self,
        topic: str,
        body: str,
        author: str,
        report_room: str,
        due_at: float,
        weekday: int | None,
        hour: int,
        minute: int,
    ) -> int:
        """Store a new scheduled post; return its number."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO scheduled_posts (topic, body, author, report_room, due_at, weekday, "
                "hour, minute, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (topic, body, author, report_room, due_at, weekday, hour, minute, time.time()),
            )
            return int(cursor.lastrowid or 0)

    async def active(self) -> list[ScheduledPost]:
        """All posts still to come, by due time."""
        rows = await self._db.fetchall(
            f"SELECT {_COLUMNS} FROM scheduled_posts WHERE active = 1 ORDER BY due_at, id"
        )
        return [_post(r) for r in rows]

    async def get(self, post_id: int) -> ScheduledPost | None:
        """One active post."""
        row = await self._db.fetchone(
            f"SELECT {_COLUMNS} FROM scheduled_posts WHERE id = ? AND active = 1", (post_id,)
        )
        return None if row is None else _post(row)

    async def advance(self, post_id: int, due_at: float | None) -> bool:
        """Move a weekly post to its next time, or retire a one-off (due_at None).

        Returns False if the post was no longer active (already fired or deleted): the caller
        must then not send it, so a post never goes out twice.
        """
        async with self._db.transaction() as conn:
            if due_at is None:
                cursor = await conn.execute(
                    "UPDATE scheduled_posts SET active = 0 WHERE id = ? AND active = 1", (post_id,)
                )
            else:
                cursor = await conn.execute(
                    "UPDATE scheduled_posts SET due_at = ? WHERE id = ? AND active = 1",
                    (due_at, post_id),
                )
            return cursor.rowcount == 1

    async def delete(self, post_id: int) -> bool:
        """Cancel a post; False if there was no such active post."""
        return await self.advance(post_id, None)
