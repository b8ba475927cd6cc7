"""Events with registration: the event rows, who registered or waits, and reminder marks.

(Not store/events.py: that module keeps the bookkeeping of Matrix events.)
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from typing import Any

from store.db import Database

__all__ = ["Announcement", "CalendarEvent", "EventStore", "Registration", "Seat"]

# Fields `!termin-aendern` may change, as columns.
_EDITABLE = frozenset(
    {"title", "starts_at", "place", "capacity", "topic", "body", "closes_at", "duration"}
)


@dataclass(frozen=True)
class CalendarEvent:
    """One event the climate management invites to."""

    id: int
    title: str
    starts_at: float
    place: str
    capacity: int | None  # None: no limit
    topic: str | None
    body: str
    closes_at: float | None  # registration closes; None: at the start
    author: str
    sequence: int
    cancelled: bool
    broadcast_id: int | None
    created_at: float
    duration: float | None = None  # seconds; None: not given (commands assume two hours)


@dataclass(frozen=True)
class Registration:
    """A person registered for an event, or waiting for a place."""

    id: int
    event_id: int
    user_id: str
    waiting: bool
    reminded_day: bool
    reminded_hour: bool
    created_at: float


@dataclass(frozen=True)
class Seat:
    """The outcome of a registration: a place, a place on the waiting list, or already there."""

    waiting: bool
    position: int  # on the waiting list (1 = next); 0 with a place
    new: bool


@dataclass(frozen=True)
class Announcement:
    """The event an announcement message belongs to, and whom that message went to."""

    event_id: int
    recipient: str
    recipient_kind: str  # 'user' (a DM) or 'room'


def _event(row: sqlite3.Row) -> CalendarEvent:
    return CalendarEvent(
        id=int(row["id"]),
        title=str(row["title"]),
        starts_at=float(row["starts_at"]),
        place=str(row["place"]),
        capacity=None if row["capacity"] is None else int(row["capacity"]),
        topic=None if row["topic"] is None else str(row["topic"]),
        body=str(row["body"]),
        closes_at=None if row["closes_at"] is None else float(row["closes_at"]),
        author=str(row["author"]),
        sequence=int(row["sequence"]),
        cancelled=bool(row["cancelled"]),
        broadcast_id=None if row["broadcast_id"] is None else int(row["broadcast_id"]),
        created_at=float(row["created_at"]),
        duration=None if row["duration"] is None else float(row["duration"]),
    )


def _registration(row: sqlite3.Row) -> Registration:
    return Registration(
        id=int(row["id"]),
        event_id=int(row["event_id"]),
        user_id=str(row["user_id"]),
        waiting=bool(row["waiting"]),
        reminded_day=bool(row["reminded_day"]),
        reminded_hour=bool(row["reminded_hour"]),
        created_at=float(row["created_at"]),
    )


class EventStore:
    """Events, registrations and the waiting list."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(
        self,
        title: str,
        starts_at: float,
        place: str,
        capacity: int | None,
        topic: str | None,
        body: str,
        closes_at: float | None,
        author: str,
        duration: float | None = None,
    ) -> int:
        """Store a new event; return its number."""
        now = time.time()
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO calendar_events (title, starts_at, place, capacity, topic, body, "
                "closes_at, author, created_at, updated_at, duration) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    title,
                    starts_at,
                    place,
                    capacity,
                    topic,
                    body,
                    closes_at,
                    author,
                    now,
                    now,
                    duration,
                ),
            )
            return int(cursor.lastrowid or 0)

    async def get(self, event_id: int) -> CalendarEvent | None:
        """The event with this number, if any."""
        row = await self._db.fetchone("SELECT * FROM calendar_events WHERE id = ?", (event_id,))
        return None if row is None else _event(row)

    async def upcoming(self, now: float, topic: str | None = None) -> list[CalendarEvent]:
        """Events not cancelled that have not started yet, soonest first."""
        sql = "SELECT * FROM calendar_events WHERE cancelled = 0 AND starts_at > ?"
        params: list[Any] = [now]
        if topic is not None:
            sql += " AND topic = ?"
            params.append(topic)
        rows = await self._db.fetchall(sql + " ORDER BY starts_at, id", params)
        return [_event(row) for row in rows]

    async def update(self, event_id: int, changes: dict[str, Any]) -> bool:
        """Change fields and bump the calendar SEQUENCE; False if the event is unknown."""
        columns = [c for c in changes if c in _EDITABLE]
        if len(columns) != len(changes) or not columns:
            raise ValueError(f"not editable: {sorted(set(changes) - _EDITABLE)}")
        sets = ", ".join(f"{c} = ?" for c in columns)  # names from the fixed set above
        params = [changes[c] for c in columns] + [time.time(), event_id]
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                f"UPDATE calendar_events SET {sets}, sequence = sequence + 1, updated_at = ? "
                "WHERE id = ? AND cancelled = 0",
                params,
            )
            if cursor.rowcount and "starts_at" in changes:  # a new time: remind again
                await conn.execute(
                    "UPDATE event_registrations SET reminded_day = 0, reminded_hour = 0 "
                    "WHERE event_id = ?",
                    (event_id,),
                )
            return cursor.rowcount > 0

    async def cancel(self, event_id: int) -> bool:
        """Mark the event cancelled (SEQUENCE bumped); False if unknown or already cancelled."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE calendar_events SET cancelled = 1, sequence = sequence + 1, "
                "updated_at = ? WHERE id = ? AND cancelled = 0",
                (time.time(), event_id),
            )
            return cursor.rowcount > 0

    async def set_broadcast(self, event_id: int, broadcast_id: int) -> None:
        """Remember the broadcast that announced the event (its messages take a ✅)."""
        await self._db.execute(
            "UPDATE calendar_events SET broadcast_id = ? WHERE id = ?", (broadcast_id, event_id)
        )

    async def by_broadcast(self, broadcast_id: int) -> CalendarEvent | None:
        """The event a broadcast announced, if it was one."""
        row = await self._db.fetchone(
            "SELECT * FROM calendar_events WHERE broadcast_id = ?", (broadcast_id,)
        )
        return None if row is None else _event(row)

    async def announcement(self, message_event_id: str) -> Announcement | None:
        """The event whose announcement is the Matrix event `message_event_id`, if any."""
        row = await self._db.fetchone(
            "SELECT e.id, d.recipient, d.recipient_kind FROM deliveries d "
            "JOIN calendar_events e ON e.broadcast_id = d.broadcast_id WHERE d.event_id = ?",
            (message_event_id,),
        )
        if row is None:
            return None
        return Announcement(int(row[0]), str(row[1]), str(row[2]))

    async def register(
        self, event_id: int, user_id: str, capacity: int | None, now: float | None = None
    ) -> Seat:
        """A place if one is free, else the end of the waiting list; nothing new if already in."""
        async with self._db.transaction() as conn:
            mine = await _fetchone(
                conn,
                "SELECT * FROM event_registrations WHERE event_id = ? AND user_id = ?",
                (event_id, user_id),
            )
            if mine is not None:
                reg = _registration(mine)
                position = await _position(conn, reg) if reg.waiting else 0
                return Seat(reg.waiting, position, new=False)
            taken = await _count(conn, event_id, waiting=False)
            waiting = capacity is not None and taken >= capacity
            await conn.execute(
                "INSERT INTO event_registrations (event_id, user_id, waiting, created_at) "
                "VALUES (?, ?, ?, ?)",
                (event_id, user_id, int(waiting), time.time() if now is None else now),
            )
            position = await _count(conn, event_id, waiting=True) if waiting else 0
            return Seat(waiting, position, new=True)

    async def unregister(self, event_id: int, user_id: str) -> Registration | None:
        """Remove the user's registration or waiting place; the removed row, if there was one."""
        async with self._db.transaction() as conn:
            row = await _fetchone(
                conn,
                "SELECT * FROM event_registrations WHERE event_id = ? AND user_id = ?",
                (event_id, user_id),
            )
            if row is None:
                return None
            await conn.execute("DELETE FROM event_registrations WHERE id = ?", (row["id"],))
            return _registration(row)

    async def remember_reaction(self, reaction_event_id: str, event_id: int, user_id: str) -> None:
        """Remember that the reaction `reaction_event_id` registered the user for the event."""
        await self._db.execute(
            "INSERT OR IGNORE INTO event_reactions (reaction_event_id, registration_id) "
            "SELECT ?, id FROM event_registrations WHERE event_id = ? AND user_id = ?",
            (reaction_event_id, event_id, user_id),
        )

    async def reacted(self, reaction_event_id: str) -> tuple[int, str] | None:
        """(event, user) the reaction `reaction_event_id` registered, if it still stands."""
        row = await self._db.fetchone(
            "SELECT r.event_id, r.user_id FROM event_reactions x "
            "JOIN event_registrations r ON r.id = x.registration_id "
            "WHERE x.reaction_event_id = ?",
            (reaction_event_id,),
        )
        return None if row is None else (int(row["event_id"]), str(row["user_id"]))

    async def promote(self, event_id: int, capacity: int | None) -> list[str]:
        """Move people up from the waiting list into free places, first come first; who moved."""
        async with self._db.transaction() as conn:
            taken = await _count(conn, event_id, waiting=False)
            waiting = await _fetchall(
                conn,
                "SELECT id, user_id FROM event_registrations WHERE event_id = ? AND waiting = 1 "
                "ORDER BY id",
                (event_id,),
            )
            free = len(waiting) if capacity is None else max(0, capacity - taken)
            moved = waiting[:free]
            for row in moved:
                await conn.execute(
                    "UPDATE event_registrations SET waiting = 0 WHERE id = ?", (row["id"],)
                )
            return [str(row["user_id"]) for row in moved]

    async def registrations(self, event_id: int) -> list[Registration]:
        """Everyone registered or waiting, in the order they came."""
        rows = await self._db.fetchall(
            "SELECT * FROM event_registrations WHERE event_id = ? ORDER BY id", (event_id,)
        )
        return [_registration(row) for row in rows]

    async def counts(self, event_id: int) -> tuple[int, int]:
        """(registered, waiting) for one event."""
        row = await self._db.fetchone(
            "SELECT COALESCE(SUM(waiting = 0), 0), COALESCE(SUM(waiting = 1), 0) "
            "FROM event_registrations WHERE event_id = ?",
            (event_id,),
        )
        assert row is not None
        return int(row[0]), int(row[1])

    async def registration(self, event_id: int, user_id: str) -> Registration | None:
        """The user's registration for the event, if any."""
        row = await self._db.fetchone(
            "SELECT * FROM event_registrations WHERE event_id = ? AND user_id = ?",
            (event_id, user_id),
        )
        return None if row is None else _registration(row)

    async def mine(self, user_id: str, now: float) -> dict[int, bool]:
        """The upcoming events the user is registered for: number -> waiting."""
        rows = await self._db.fetchall(
            "SELECT r.event_id, r.waiting FROM event_registrations r JOIN calendar_events e "
            "ON e.id = r.event_id WHERE r.user_id = ? AND e.starts_at > ? AND e.cancelled = 0",
            (user_id, now),
        )
        return {int(row[0]): bool(row[1]) for row in rows}

    async def reminders_due(
        self, now: float, lead: float
    ) -> list[tuple[CalendarEvent, str, float]]:
        """(event, user, when they registered) of places whose reminder `lead` seconds ahead is
        due and not sent."""
        column = "reminded_hour" if lead <= 3600 else "reminded_day"  # fixed names
        rows = await self._db.fetchall(
            f"SELECT e.*, r.user_id AS reg_user, r.created_at AS reg_at "
            f"FROM event_registrations r "
            f"JOIN calendar_events e ON e.id = r.event_id WHERE r.waiting = 0 "
            f"AND r.{column} = 0 AND e.cancelled = 0 AND e.starts_at > ? "
            f"AND e.starts_at - ? <= ? ORDER BY e.starts_at, r.id",
            (now, lead, now),
        )
        return [(_event(row), str(row["reg_user"]), float(row["reg_at"])) for row in rows]

    async def mark_reminded(self, event_id: int, user_id: str, lead: float) -> bool:
        """Note that the reminder went out; False if it already had (another run was first)."""
        column = "reminded_hour" if lead <= 3600 else "reminded_day"
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                f"UPDATE event_registrations SET {column} = 1 "
                f"WHERE event_id = ? AND user_id = ? AND {column} = 0",
                (event_id, user_id),
            )
            return cursor.rowcount > 0

    async def with_waiting_list(self, now: float) -> list[CalendarEvent]:
        """Upcoming events that have someone waiting (free places may have opened)."""
        rows = await self._db.fetchall(
            "SELECT * FROM calendar_events e WHERE e.cancelled = 0 AND e.starts_at > ? "
            "AND EXISTS (SELECT 1 FROM event_registrations r WHERE r.event_id = e.id "
            "AND r.waiting = 1)",
            (now,),
        )
        return [_event(row) for row in rows]


async def _fetchone(conn: Any, sql: str, params: tuple[Any, ...]) -> sqlite3.Row | None:
    async with conn.execute(sql, params) as cursor:
        row: sqlite3.Row | None = await cursor.fetchone()
        return row


async def _fetchall(conn: Any, sql: str, params: tuple[Any, ...]) -> list[sqlite3.Row]:
    async with conn.execute(sql, params) as cursor:
        return list(await cursor.fetchall())


async def _count(conn: Any, event_id: int, waiting: bool) -> int:
    row = await _fetchone(
        conn,
        "SELECT COUNT(*) FROM event_registrations WHERE event_id = ? AND waiting = ?",
        (event_id, int(waiting)),
    )
    return int(row[0]) if row is not None else 0


async def _position(conn: Any, reg: Registration) -> int:
    row = await _fetchone(
        conn,
        "SELECT COUNT(*) FROM event_registrations WHERE event_id = ? AND waiting = 1 AND id <= ?",
        (reg.event_id, reg.id),
    )
    return int(row[0]) if row is not None else 0
