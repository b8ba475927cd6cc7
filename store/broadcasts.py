"""Durable broadcasts: the broadcast and each (broadcast, recipient) are rows before any send."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import NamedTuple

from store.db import Database

__all__ = ["BroadcastStore", "Delivery", "DigestItem", "Progress", "Recipient", "Withdrawn"]

# After this many failed attempts a transient error counts as undeliverable.
MAX_ATTEMPTS = 8


@dataclass(frozen=True)
class Recipient:
    """Who gets a broadcast: a user by DM (now, later, or in the digest) or a room."""

    target: str
    kind: str  # 'user' or 'room'
    not_before: float = 0.0
    digest: bool = False


@dataclass(frozen=True)
class Delivery:
    """One (broadcast, recipient) row that is due."""

    id: int
    broadcast_id: int
    recipient: str
    recipient_kind: str
    attempts: int
    body: str
    kind: str
    topic: str | None
    measure_id: str | None = None  # a measure's news: its followers get a hint of their own


class DigestItem(NamedTuple):
    """One news item collected for a user's weekly digest."""

    delivery_id: int
    body: str
    topic: str | None
    measure_id: str | None


@dataclass(frozen=True)
class Progress:
    """Counts of one broadcast's deliveries by state."""

    broadcast_id: int
    total: int
    sent: int
    undeliverable: int
    pending: int
    digest: int
    report_room: str | None
    report_event: str | None
    kind: str = "announcement"  # the broadcast's kind (a poll reports as a poll)


class Withdrawn(Exception):
    """A queued delivery must not go out any more (its poll ended before it was sent)."""


class BroadcastStore:
    """Broadcast rows and the delivery queue."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(
        self,
        kind: str,
        author: str,
        body: str,
        recipients: list[Recipient],
        topic: str | None = None,
        measure_id: str | None = None,
        report_room: str | None = None,
        dedup_key: str | None = None,
    ) -> int:
        """Store a broadcast with all its recipients in one transaction; return its ID.

        With a `dedup_key`, a second call with the same key creates nothing and returns the
        first broadcast's ID (scheduled posts fired again after a crash).
        """
        now = time.time()
        async with self._db.transaction() as conn:
            if dedup_key is not None:
                async with conn.execute(
                    "SELECT id FROM broadcasts WHERE dedup_key = ?", (dedup_key,)
                ) as cur:
                    row = await cur.fetchone()
                if row is not None:
                    return int(row[0])
            cursor = await conn.execute(
                "INSERT INTO broadcasts (kind, topic, measure_id, author, body, report_room, "
                "dedup_key, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (kind, topic, measure_id, author, body, report_room, dedup_key, now),
            )
            broadcast_id = int(cursor.lastrowid or 0)
            await conn.executemany(
                "INSERT OR IGNORE INTO deliveries (broadcast_id, recipient, recipient_kind, "
                "state, not_before, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (
                        broadcast_id,
                        r.target,
                        r.kind,
                        "digest" if r.digest else "pending",
                        r.not_before,
                        now,
                    )
                    for r in recipients
                ],
            )
        return broadcast_id

    async def set_report_event(self, broadcast_id: int, event_id: str) -> None:
        """Remember the status message the bot keeps editing."""
        await self._db.execute(
            "UPDATE broadcasts SET report_event = ? WHERE id = ?", (event_id, broadcast_id)
        )

    async def due(self, now: float, limit: int) -> list[Delivery]:
        """Pending deliveries whose time has come, oldest broadcast first."""
        rows = await self._db.fetchall(
            "SELECT d.id, d.broadcast_id, d.recipient, d.recipient_kind, d.attempts, b.body, "
            "b.kind, b.topic, b.measure_id FROM deliveries d "
            "JOIN broadcasts b ON b.id = d.broadcast_id "
            "WHERE d.state = 'pending' AND d.not_before <= ? ORDER BY d.id LIMIT ?",
            (now, limit),
        )
        return [
            Delivery(
                int(r["id"]),
                int(r["broadcast_id"]),
                str(r["recipient"]),
                str(r["recipient_kind"]),
                int(r["attempts"]),
                str(r["body"]),
                str(r["kind"]),
                r["topic"],
                r["measure_id"],
            )
            for r in rows
        ]

    async def next_due_time(self) -> float | None:
        """When the earliest waiting delivery becomes due (None if nothing waits)."""
        row = await self._db.fetchone(
            "SELECT MIN(not_before) AS t FROM deliveries WHERE state = 'pending'"
        )
        return None if row is None or row["t"] is None else float(row["t"])

    async def mark_sent(self, delivery_id: int, event_id: str) -> None:
        """The homeserver accepted the message."""
        await self._db.execute(
            "UPDATE deliveries SET state = 'sent', event_id = ?, updated_at = ? WHERE id = ?",
            (event_id, time.time(), delivery_id),
        )

    async def mark_undeliverable(self, delivery_id: int, error: str) -> None:
        """The recipient left or blocked the bot; do not retry."""
        await self._db.execute(
            "UPDATE deliveries SET state = 'undeliverable', error = ?, updated_at = ? WHERE id = ?",
            (error[:500], time.time(), delivery_id),
        )

    async def retry_later(self, delivery_id: int, attempts: int, delay: float, error: str) -> None:
        """A transient failure: try again after `delay` seconds, or give up after many."""
        if attempts >= MAX_ATTEMPTS:
            await self.mark_undeliverable(
                delivery_id, f"gave up after {attempts} attempts: {error}"
            )
            return
        await self._db.execute(
            "UPDATE deliveries SET attempts = ?, not_before = ?, error = ?, updated_at = ? "
            "WHERE id = ?",
            (attempts, time.time() + delay, error[:500], time.time(), delivery_id),
        )

    async def defer(self, delivery_id: int, until: float) -> None:
        """Hold a delivery until `until` (quiet hours)."""
        await self._db.execute(
            "UPDATE deliveries SET not_before = ?, updated_at = ? WHERE id = ?",
            (until, time.time(), delivery_id),
        )

    async def reschedule_held(self, user_id: str, until: float, now: float) -> int:
        """Deliveries to `user_id` held for quiet hours (not yet tried, due later) become due at
        `until` instead (now, when the quiet hours were switched off); how many."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE deliveries SET not_before = ?, updated_at = ? WHERE recipient = ? "
                "AND recipient_kind = 'user' AND state = 'pending' AND attempts = 0 "
                "AND not_before > ?",
                (until, now, user_id, now),
            )
            return int(cursor.rowcount)

    async def held(self, now: float) -> list[tuple[float, int]]:
        """(due time, count) of deliveries held for quiet hours, earliest first."""
        rows = await self._db.fetchall(
            "SELECT not_before AS t, COUNT(*) AS n FROM deliveries WHERE state = 'pending' "
            "AND attempts = 0 AND not_before > ? GROUP BY not_before ORDER BY not_before",
            (now,),
        )
        return [(float(r["t"]), int(r["n"])) for r in rows]

    async def progress(self, broadcast_id: int) -> Progress:
        """Delivery counts of one broadcast."""
        row = await self._db.fetchone(
            "SELECT COUNT(*) AS total, SUM(d.state = 'sent') AS sent, "
            "SUM(d.state = 'undeliverable') AS undeliverable, SUM(d.state = 'pending') AS pending, "
            "SUM(d.state = 'digest') AS digest, b.report_room, b.report_event, b.kind "
            "FROM broadcasts b LEFT JOIN deliveries d ON d.broadcast_id = b.id WHERE b.id = ?",
            (broadcast_id,),
        )
        assert row is not None
        return Progress(
            broadcast_id,
            int(row["total"] or 0),
            int(row["sent"] or 0),
            int(row["undeliverable"] or 0),
            int(row["pending"] or 0),
            int(row["digest"] or 0),
            row["report_room"],
            row["report_event"],
            str(row["kind"]),
        )

    async def finish(self, broadcast_id: int) -> bool:
        """Mark the broadcast finished; False if it already was (report only once)."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE broadcasts SET finished_at = ? WHERE id = ? AND finished_at IS NULL",
                (time.time(), broadcast_id),
            )
            return cursor.rowcount == 1

    async def unfinished(self) -> list[int]:
        """Broadcasts not yet reported as finished (resumed after a restart)."""
        rows = await self._db.fetchall("SELECT id FROM broadcasts WHERE finished_at IS NULL")
        return [int(r["id"]) for r in rows]

    async def pending_count(self) -> int:
        """Deliveries still waiting (for !botstatus)."""
        row = await self._db.fetchone(
            "SELECT COUNT(*) AS n FROM deliveries WHERE state = 'pending'"
        )
        return int(row["n"]) if row else 0

    async def digest_items(self, user_id: str) -> list[DigestItem]:
        """Everything collected for a user's weekly digest, oldest first."""
        rows = await self._db.fetchall(
            "SELECT d.id, b.body, b.topic, b.measure_id FROM deliveries d JOIN broadcasts b "
            "ON b.id = d.broadcast_id WHERE d.recipient = ? AND d.state = 'digest' ORDER BY d.id",
            (user_id,),
        )
        return [DigestItem(int(r["id"]), str(r["body"]), r["topic"], r["measure_id"]) for r in rows]

    async def digest_users(self) -> list[str]:
        """Users with something waiting for their digest."""
        rows = await self._db.fetchall(
            "SELECT DISTINCT recipient FROM deliveries WHERE state = 'digest'"
        )
        return [str(r["recipient"]) for r in rows]

    async def close_digest(self, delivery_ids: list[int], digest_broadcast: int) -> None:
        """The collected items went out in digest `digest_broadcast`."""
        marks = ",".join("?" * len(delivery_ids))
        await self._db.execute(
            f"UPDATE deliveries SET state = 'sent', error = ?, updated_at = ? "
            f"WHERE id IN ({marks})",
            (f"in digest {digest_broadcast}", time.time(), *delivery_ids),
        )

    async def remember_announcement(self, event_id: str, topic: str) -> None:
        """An announcement event in a topic room (a 👍 on it subscribes)."""
        await self._db.execute(
            "INSERT OR IGNORE INTO announcement_events (event_id, topic) VALUES (?, ?)",
            (event_id, topic),
        )

    async def announcement_topic(self, event_id: str) -> str | None:
        """The topic of an announcement event, if it is one."""
        row = await self._db.fetchone(
            "SELECT topic FROM announcement_events WHERE event_id = ?", (event_id,)
        )
        return None if row is None else str(row["topic"])
