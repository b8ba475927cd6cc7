"""Actor profiles (only with consent), blocks, last suggestions and introductions."""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass

from store.db import Database

__all__ = ["Actor", "ActorStore", "Introduction"]


@dataclass(frozen=True)
class Actor:
    """A registered actor's profile."""

    user_id: str
    name: str
    actor_type: str
    organisation: str
    district: str
    topics: tuple[str, ...]
    offers: str
    needs: str
    listed: bool
    paused: bool
    consent_version: str


@dataclass(frozen=True)
class Introduction:
    """A request to introduce `requester` to `target` (double opt-in)."""

    id: int
    requester: str
    target: str
    reason: str
    status: str
    created_at: float
    requester_ok: bool = True
    proposed_by: str | None = None


_ACTOR_COLUMNS = (
    "user_id, name, actor_type, organisation, district, topics, offers, needs, listed, paused, "
    "consent_version"
)


def _actor(r: sqlite3.Row) -> Actor:
    return Actor(
        str(r["user_id"]),
        str(r["name"]),
        str(r["actor_type"]),
        str(r["organisation"]),
        str(r["district"]),
        tuple(json.loads(r["topics"])),
        str(r["offers"]),
        str(r["needs"]),
        bool(r["listed"]),
        bool(r["paused"]),
        str(r["consent_version"]),
    )


def _intro(r: sqlite3.Row) -> Introduction:
    return Introduction(
        int(r["id"]),
        str(r["requester"]),
        str(r["target"]),
        str(r["reason"]),
        str(r["status"]),
        float(r["created_at"]),
        bool(r["requester_ok"]),
        r["proposed_by"],
    )


class ActorStore:
    """SQL for the actors feature."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def save(self, actor: Actor, purpose: str) -> None:
        """Insert or replace a profile, recording consent (purpose, notice version, time)."""
        now = time.time()
        await self._db.execute(
            "INSERT INTO actors (user_id, name, actor_type, organisation, district, topics, "
            "offers, needs, listed, paused, consent_purpose, consent_version, consent_at, "
            "created_at, updated_at, last_active) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (user_id) DO UPDATE SET name = excluded.name, "
            "actor_type = excluded.actor_type, organisation = excluded.organisation, "
            "district = excluded.district, topics = excluded.topics, offers = excluded.offers, "
            "needs = excluded.needs, listed = excluded.listed, paused = excluded.paused, "
            "consent_purpose = excluded.consent_purpose, "
            "consent_version = excluded.consent_version, consent_at = excluded.consent_at, "
            "updated_at = excluded.updated_at, last_active = excluded.last_active, "
            "warned_at = NULL",
            (
                actor.user_id,
                actor.name,
                actor.actor_type,
                actor.organisation,
                actor.district,
                json.dumps(list(actor.topics)),
                actor.offers,
                actor.needs,
                int(actor.listed),
                int(actor.paused),
                purpose,
                actor.consent_version,
                now,
                now,
                now,
                now,
            ),
        )

    async def get(self, user_id: str) -> Actor | None:
        """One profile."""
        row = await self._db.fetchone(
            f"SELECT {_ACTOR_COLUMNS} FROM actors WHERE user_id = ?", (user_id,)
        )
        return None if row is None else _actor(row)

    async def all(self) -> list[Actor]:
        """Every profile, by name."""
        rows = await self._db.fetchall(f"SELECT {_ACTOR_COLUMNS} FROM actors ORDER BY name")
        return [_actor(r) for r in rows]

    async def set_paused(self, user_id: str, paused: bool) -> None:
        """Pause or resume suggestions and requests."""
        await self._db.execute(
            "UPDATE actors SET paused = ?, updated_at = ? WHERE user_id = ?",
            (int(paused), time.time(), user_id),
        )

    async def block(self, user_id: str, blocked: str) -> None:
        """`user_id` never hears of `blocked` again (and vice versa)."""
        await self._db.execute(
            "INSERT OR IGNORE INTO actor_blocks (user_id, blocked_user_id, created_at) "
            "VALUES (?, ?, ?)",
            (user_id, blocked, time.time()),
        )

    async def excluded_for(self, user_id: str) -> set[str]:
        """Actors never to suggest to `user_id`: blocked either way, or already asked/connected."""
        rows = await self._db.fetchall(
            "SELECT blocked_user_id AS other FROM actor_blocks WHERE user_id = ? "
            "UNION SELECT user_id FROM actor_blocks WHERE blocked_user_id = ? "
            "UNION SELECT target FROM introductions WHERE requester = ? "
            "UNION SELECT requester FROM introductions WHERE target = ? "
            "UNION SELECT user_id FROM actors WHERE paused = 1",
            (user_id, user_id, user_id, user_id),
        )
        return {str(r["other"]) for r in rows}

    async def remember_suggestions(self, user_id: str, candidates: list[str]) -> None:
        """The numbered suggestions last shown to `user_id` (for `!vernetzen <n>`)."""
        await self._db.execute(
            "INSERT INTO actor_suggestions (user_id, candidates, created_at) VALUES (?, ?, ?) "
            "ON CONFLICT (user_id) DO UPDATE SET candidates = excluded.candidates, "
            "created_at = excluded.created_at",
            (user_id, json.dumps(candidates), time.time()),
        )

    async def suggestions(self, user_id: str) -> list[str]:
        """The suggestions last shown."""
        row = await self._db.fetchone(
            "SELECT candidates FROM actor_suggestions WHERE user_id = ?", (user_id,)
        )
        return [] if row is None else list(json.loads(row["candidates"]))

    async def open_requests_to(self, target: str) -> int:
        """How many introduction requests wait for `target`'s answer."""
        row = await self._db.fetchone(
            "SELECT COUNT(*) AS n FROM introductions WHERE target = ? AND status = 'open'",
            (target,),
        )
        return int(row["n"]) if row else 0

    async def request(
        self, requester: str, target: str, reason: str, proposed_by: str | None = None
    ) -> int:
        """Store a new open introduction request (a manager's proposal asks both sides)."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO introductions (requester, target, reason, status, created_at, "
                "proposed_by, requester_ok) VALUES (?, ?, ?, 'open', ?, ?, ?)",
                (requester, target, reason, time.time(), proposed_by, int(proposed_by is None)),
            )
            return int(cursor.lastrowid or 0)

    async def set_requester_event(self, intro_id: int, event_id: str) -> None:
        """The DM that asked the requester side of a manager's proposal."""
        await self._db.execute(
            "UPDATE introductions SET requester_event = ? WHERE id = ?", (event_id, intro_id)
        )

    async def agree(self, intro_id: int, side: str) -> bool:
        """Record one side's yes; True once both sides have agreed."""
        column = "requester_ok" if side == "requester" else "target_ok"
        async with self._db.transaction() as conn:
            await conn.execute(f"UPDATE introductions SET {column} = 1 WHERE id = ?", (intro_id,))
            async with conn.execute(
                "SELECT requester_ok AND target_ok FROM introductions WHERE id = ?", (intro_id,)
            ) as cursor:
                row = await cursor.fetchone()
        return bool(row and row[0])

    async def set_request_event(self, intro_id: int, event_id: str) -> None:
        """Remember the DM that asked the target (a ✅/❌ reaction on it answers)."""
        await self._db.execute(
            "UPDATE introductions SET request_event = ? WHERE id = ?", (event_id, intro_id)
        )

    async def by_request_event(self, event_id: str) -> Introduction | None:
        """The introduction asked for in DM `event_id`."""
        row = await self._db.fetchone(
            "SELECT * FROM introductions WHERE request_event = ? OR requester_event = ?",
            (event_id, event_id),
        )
        return None if row is None else _intro(row)

    async def get_intro(self, intro_id: int) -> Introduction | None:
        """One introduction."""
        row = await self._db.fetchone("SELECT * FROM introductions WHERE id = ?", (intro_id,))
        return None if row is None else _intro(row)

    async def open_for(self, target: str) -> list[Introduction]:
        """Open requests waiting for `target`, oldest first."""
        rows = await self._db.fetchall(
            "SELECT * FROM introductions WHERE target = ? AND status = 'open' ORDER BY id",
            (target,),
        )
        return [_intro(r) for r in rows]

    async def awaiting_answer(self, user_id: str) -> list[Introduction]:
        """Open introductions whose request DM reached `user_id` and that still wait for
        their answer (the requester side only for a manager's proposal), oldest first."""
        rows = await self._db.fetchall(
            "SELECT * FROM introductions WHERE status = 'open' AND ("
            "(target = ? AND target_ok = 0 AND request_event IS NOT NULL) OR "
            "(requester = ? AND requester_ok = 0 AND requester_event IS NOT NULL)) ORDER BY id",
            (user_id, user_id),
        )
        return [_intro(r) for r in rows]

    async def decide(self, intro_id: int, status: str, room_id: str | None = None) -> bool:
        """Close an open request; False if it was no longer open (answer only once)."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE introductions SET status = ?, room_id = ?, decided_at = ? "
                "WHERE id = ? AND status = 'open'",
                (status, room_id, time.time(), intro_id),
            )
            return cursor.rowcount == 1

    async def expired(self, older_than: float) -> list[Introduction]:
        """Open requests created before `older_than`."""
        rows = await self._db.fetchall(
            "SELECT * FROM introductions WHERE status = 'open' AND created_at < ?", (older_than,)
        )
        return [_intro(r) for r in rows]

    async def touch(self, user_id: str) -> None:
        """The actor used the network now (resets the inactivity clock and warning)."""
        await self._db.execute(
            "UPDATE actors SET last_active = ?, warned_at = NULL WHERE user_id = ?",
            (time.time(), user_id),
        )

    async def set_weekly(self, user_id: str, weekly: bool) -> None:
        """Opt in or out of the weekly 'new actors who match you' DM."""
        await self._db.execute(
            "UPDATE actors SET weekly = ? WHERE user_id = ?", (int(weekly), user_id)
        )

    async def weekly_subscribers(self) -> list[str]:
        """Actors who want the weekly DM and are not paused."""
        rows = await self._db.fetchall(
            "SELECT user_id FROM actors WHERE weekly = 1 AND paused = 0 ORDER BY user_id"
        )
        return [str(r["user_id"]) for r in rows]

    async def created_since(self, since: float) -> set[str]:
        """Actors who registered after `since`."""
        rows = await self._db.fetchall("SELECT user_id FROM actors WHERE created_at >= ?", (since,))
        return {str(r["user_id"]) for r in rows}

    async def to_warn(self, inactive_before: float) -> list[str]:
        """Inactive actors not yet warned."""
        rows = await self._db.fetchall(
            "SELECT user_id FROM actors WHERE last_active < ? AND warned_at IS NULL",
            (inactive_before,),
        )
        return [str(r["user_id"]) for r in rows]

    async def mark_warned(self, user_id: str) -> None:
        """Remember that the inactivity warning went out."""
        await self._db.execute(
            "UPDATE actors SET warned_at = ? WHERE user_id = ?", (time.time(), user_id)
        )

    async def to_delete(self, inactive_before: float, warned_before: float) -> list[str]:
        """Actors still inactive a while after their warning."""
        rows = await self._db.fetchall(
            "SELECT user_id FROM actors WHERE last_active < ? AND warned_at IS NOT NULL "
            "AND warned_at < ?",
            (inactive_before, warned_before),
        )
        return [str(r["user_id"]) for r in rows]

    async def stats(self) -> dict[str, int]:
        """Aggregate counts for the manager."""
        row = await self._db.fetchone(
            "SELECT (SELECT COUNT(*) FROM actors) AS actors, "
            "(SELECT COUNT(*) FROM introductions) AS requested, "
            "(SELECT COUNT(*) FROM introductions WHERE status = 'accepted') AS accepted, "
            "(SELECT COUNT(*) FROM introductions WHERE status = 'declined') AS declined, "
            "(SELECT COUNT(*) FROM introductions WHERE status = 'expired') AS expired, "
            "(SELECT COUNT(*) FROM introductions WHERE status = 'open') AS open"
        )
        assert row is not None
        return {key: int(row[key]) for key in row.keys()}
