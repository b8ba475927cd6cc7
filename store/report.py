"""Read-only rows behind the council report (`!bericht`, `klimabot report`): counts, no people.

Nothing here returns a user ID, a name or a question text: the report must not carry personal
data, so the queries count in SQL. Measure history rows come without their author.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from store.db import Database

__all__ = [
    "BroadcastRow",
    "HistoryRow",
    "MilestoneRow",
    "ReportStore",
    "ValueRow",
]


@dataclass(frozen=True)
class HistoryRow:
    """One `!status`/`!update` entry of a measure (who wrote it is left out)."""

    measure_id: str
    status: str | None
    progress: int | None
    text: str | None
    created_at: float


@dataclass(frozen=True)
class ValueRow:
    """One indicator value recorded in chat."""

    measure_id: str
    indicator_id: str
    value: float
    measured_on: datetime.date
    created_at: float


@dataclass(frozen=True)
class MilestoneRow:
    """One milestone change recorded in chat (done/open and/or a new due date)."""

    measure_id: str
    number: int
    done: bool | None
    due: datetime.date | None
    created_at: float


@dataclass(frozen=True)
class BroadcastRow:
    """One broadcast of the period with its deliveries counted by state and kind."""

    kind: str
    topic: str | None
    users_sent: int
    rooms_sent: int
    digest: int
    undeliverable: int
    pending: int


class ReportStore:
    """Queries over measures, FAQ questions, broadcasts and actors for one period."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def history_until(self, end: float) -> list[HistoryRow]:
        """Every measure update recorded before `end`, oldest first (replayed for the state)."""
        rows = await self._db.fetchall(
            "SELECT measure_id, status, progress, text, created_at FROM measure_updates "
            "WHERE created_at < ? ORDER BY created_at, id",
            (end,),
        )
        return [
            HistoryRow(
                str(r["measure_id"]),
                None if r["status"] is None else str(r["status"]),
                None if r["progress"] is None else int(r["progress"]),
                None if r["text"] is None else str(r["text"]),
                float(r["created_at"]),
            )
            for r in rows
        ]

    async def values_until(self, end: float) -> list[ValueRow]:
        """Indicator values recorded before `end`, oldest day first."""
        rows = await self._db.fetchall(
            "SELECT measure_id, indicator_id, value, measured_on, created_at FROM measure_values "
            "WHERE created_at < ? ORDER BY measured_on, created_at, id",
            (end,),
        )
        return [
            ValueRow(
                str(r["measure_id"]),
                str(r["indicator_id"]),
                float(r["value"]),
                datetime.date.fromisoformat(str(r["measured_on"])),
                float(r["created_at"]),
            )
            for r in rows
        ]

    async def milestones_until(self, end: float) -> list[MilestoneRow]:
        """Milestone changes recorded before `end`, oldest first."""
        rows = await self._db.fetchall(
            "SELECT measure_id, number, done, due, created_at FROM measure_milestones "
            "WHERE created_at < ? ORDER BY created_at, id",
            (end,),
        )
        return [
            MilestoneRow(
                str(r["measure_id"]),
                int(r["number"]),
                None if r["done"] is None else bool(r["done"]),
                None if r["due"] is None else datetime.date.fromisoformat(str(r["due"])),
                float(r["created_at"]),
            )
            for r in rows
        ]

    async def questions(self, start: float, end: float) -> list[tuple[str, str | None, int]]:
        """(outcome, entry id, count) of the questions asked in [start, end)."""
        rows = await self._db.fetchall(
            "SELECT CASE WHEN on_topic = 1 THEN 'on_topic' ELSE outcome END AS kind, entry_id, "
            "COUNT(*) AS n FROM faq_questions WHERE asked_at >= ? AND asked_at < ? "
            "GROUP BY kind, entry_id",
            (start, end),
        )
        return [
            (str(r["kind"]), None if r["entry_id"] is None else str(r["entry_id"]), int(r["n"]))
            for r in rows
        ]

    async def broadcasts(self, start: float, end: float) -> list[BroadcastRow]:
        """Broadcasts created in [start, end) (weekly digests are not counted as their own)."""
        rows = await self._db.fetchall(
            "SELECT b.kind, b.topic, "
            "SUM(d.state = 'sent' AND d.recipient_kind = 'user') AS users_sent, "
            "SUM(d.state = 'sent' AND d.recipient_kind = 'room') AS rooms_sent, "
            "SUM(d.state = 'digest') AS digest, "
            "SUM(d.state = 'undeliverable') AS undeliverable, "
            "SUM(d.state = 'pending') AS pending "
            "FROM broadcasts b LEFT JOIN deliveries d ON d.broadcast_id = b.id "
            "WHERE b.created_at >= ? AND b.created_at < ? AND b.kind NOT IN ('digest', 'poll_end') "
            "GROUP BY b.id ORDER BY b.created_at, b.id",
            (start, end),
        )
        return [
            BroadcastRow(
                str(r["kind"]),
                None if r["topic"] is None else str(r["topic"]),
                int(r["users_sent"] or 0),
                int(r["rooms_sent"] or 0),
                int(r["digest"] or 0),
                int(r["undeliverable"] or 0),
                int(r["pending"] or 0),
            )
            for r in rows
        ]

    async def distinct_users_reached(self, start: float, end: float) -> int:
        """How many different people got at least one broadcast of [start, end)."""
        row = await self._db.fetchone(
            "SELECT COUNT(DISTINCT d.recipient) AS n FROM deliveries d "
            "JOIN broadcasts b ON b.id = d.broadcast_id "
            "WHERE b.created_at >= ? AND b.created_at < ? AND b.kind NOT IN ('digest', 'poll_end') "
            "AND d.recipient_kind = 'user' AND d.state IN ('sent', 'digest')",
            (start, end),
        )
        return 0 if row is None else int(row["n"])

    async def actor_types(self, end: float) -> dict[str, int]:
        """Actors registered before `end` (and still there), counted by type."""
        rows = await self._db.fetchall(
            "SELECT actor_type, COUNT(*) AS n FROM actors WHERE created_at < ? GROUP BY actor_type",
            (end,),
        )
        return {str(r["actor_type"]): int(r["n"]) for r in rows}

    async def new_actors(self, start: float, end: float) -> int:
        """Actors who registered in [start, end) and are still there."""
        row = await self._db.fetchone(
            "SELECT COUNT(*) AS n FROM actors WHERE created_at >= ? AND created_at < ?",
            (start, end),
        )
        return 0 if row is None else int(row["n"])

    async def introductions(self, start: float, end: float) -> dict[str, int]:
        """Introduction requests made in [start, end), counted by their status now."""
        rows = await self._db.fetchall(
            "SELECT status, COUNT(*) AS n FROM introductions "
            "WHERE created_at >= ? AND created_at < ? GROUP BY status",
            (start, end),
        )
        return {str(r["status"]): int(r["n"]) for r in rows}
