"""Event notices on their way: a place free, a change, a cancellation (commands/termine_notices.py).

A notice is written here before (or with) what it tells of, and deleted only once it was sent,
so neither quiet hours nor a restart or crash lose it.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from store.db import Database

__all__ = ["EventNoticeStore", "HeldNotice"]

KINDS = frozenset({"moved_up", "changed", "cancelled"})


@dataclass(frozen=True)
class HeldNotice:
    """One notice not sent yet."""

    id: int
    registration_id: int
    event_id: int
    user_id: str
    kind: str  # 'moved_up', 'changed' or 'cancelled'
    old: dict[str, Any] | None  # for 'changed': the fields as they were before
    created_at: float


def _notice(row: sqlite3.Row) -> HeldNotice:
    old = None if row["old"] is None else json.loads(row["old"])
    return HeldNotice(
        id=int(row["id"]),
        registration_id=int(row["registration_id"]),
        event_id=int(row["event_id"]),
        user_id=str(row["user_id"]),
        kind=str(row["kind"]),
        old=old if isinstance(old, dict) else None,
        created_at=float(row["created_at"]),
    )


class EventNoticeStore:
    """Notices to registered and waiting people that are not sent yet."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def hold(
        self,
        registrations: Sequence[tuple[int, int, str]],
        kind: str,
        old: dict[str, Any] | None = None,
    ) -> None:
        """Keep a notice for each (registration ID, event ID, user); one of a kind per
        registration: a second change keeps the first one's `old`, so one notice tells both."""
        if kind not in KINDS:
            raise ValueError(f"unknown notice kind {kind!r}")
        data = None if old is None else json.dumps(old)
        now = time.time()
        async with self._db.transaction() as conn:
            await conn.executemany(
                "INSERT OR IGNORE INTO event_notices "
                "(registration_id, event_id, user_id, kind, old, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [(reg, event, user, kind, data, now) for reg, event, user in registrations],
            )

    async def cancel(self, event_id: int) -> bool:
        """Cancel the event and keep a cancellation notice for everyone registered or waiting,
        in one transaction (a crash cannot cancel without telling); False if unknown or
        already cancelled."""
        now = time.time()
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE calendar_events SET cancelled = 1, sequence = sequence + 1, "
                "updated_at = ? WHERE id = ? AND cancelled = 0",
                (now, event_id),
            )
            if cursor.rowcount == 0:
                return False
            await conn.execute(
                "INSERT OR IGNORE INTO event_notices "
                "(registration_id, event_id, user_id, kind, old, created_at) "
                "SELECT id, event_id, user_id, 'cancelled', NULL, ? FROM event_registrations "
                "WHERE event_id = ? ORDER BY id",
                (now, event_id),
            )
            return True

    async def pending(self, user_id: str | None = None) -> list[HeldNotice]:
        """The notices not sent yet (of one user), oldest first."""
        if user_id is None:
            rows = await self._db.fetchall("SELECT * FROM event_notices ORDER BY id")
        else:
            rows = await self._db.fetchall(
                "SELECT * FROM event_notices WHERE user_id = ? ORDER BY id", (user_id,)
            )
        return [_notice(row) for row in rows]

    async def done(self, notice_id: int) -> None:
        """The notice was sent (or is no longer true): delete it."""
        await self._db.execute("DELETE FROM event_notices WHERE id = ?", (notice_id,))
