"""Who follows which topic or measure, how they want it delivered, and their DM rooms."""

from __future__ import annotations

import time
from dataclasses import dataclass

from store.db import Database

__all__ = ["DEFAULT_QUIET", "DeliveryPrefs", "SubscriptionStore"]

DEFAULT_QUIET = "21:00-07:00"


@dataclass(frozen=True)
class DeliveryPrefs:
    """'sofort' (a DM right away) or 'woechentlich' (weekly digest), and quiet hours."""

    mode: str = "sofort"
    quiet: str = DEFAULT_QUIET  # "HH:MM-HH:MM", or "" for none


class SubscriptionStore:
    """Subscriptions, delivery preferences and the one DM room per user."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def subscribe(self, user_id: str, kind: str, target: str) -> bool:
        """Follow a topic or measure; False if already followed."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT OR IGNORE INTO subscriptions (user_id, kind, target, created_at) "
                "VALUES (?, ?, ?, ?)",
                (user_id, kind, target, time.time()),
            )
            return cursor.rowcount == 1

    async def unsubscribe(self, user_id: str, kind: str | None, target: str | None) -> int:
        """Stop following one target, or everything (kind and target None); return how many."""
        async with self._db.transaction() as conn:
            if kind is None:
                cursor = await conn.execute(
                    "DELETE FROM subscriptions WHERE user_id = ?", (user_id,)
                )
            else:
                cursor = await conn.execute(
                    "DELETE FROM subscriptions WHERE user_id = ? AND kind = ? AND target = ?",
                    (user_id, kind, target),
                )
            return cursor.rowcount

    async def of_user(self, user_id: str) -> list[tuple[str, str]]:
        """(kind, target) pairs the user follows."""
        rows = await self._db.fetchall(
            "SELECT kind, target FROM subscriptions WHERE user_id = ? ORDER BY kind, target",
            (user_id,),
        )
        return [(str(r["kind"]), str(r["target"])) for r in rows]

    async def followers(self, targets: list[tuple[str, str]]) -> list[tuple[str, DeliveryPrefs]]:
        """Distinct users following any of the (kind, target) pairs, in a stable order, each
        with their delivery preferences (one query, however many followers)."""
        if not targets:
            return []
        clause = " OR ".join("(s.kind = ? AND s.target = ?)" for _ in targets)
        params = [v for pair in targets for v in pair]
        rows = await self._db.fetchall(
            "SELECT DISTINCT s.user_id, p.mode, p.quiet FROM subscriptions s "
            f"LEFT JOIN delivery_prefs p ON p.user_id = s.user_id WHERE {clause} "
            "ORDER BY s.user_id",
            params,
        )
        return [
            (
                str(r["user_id"]),
                DeliveryPrefs()
                if r["mode"] is None
                else DeliveryPrefs(str(r["mode"]), str(r["quiet"])),
            )
            for r in rows
        ]

    async def counts(self, kind: str) -> dict[str, int]:
        """Followers per target of one kind."""
        rows = await self._db.fetchall(
            "SELECT target, COUNT(*) AS n FROM subscriptions WHERE kind = ? GROUP BY target",
            (kind,),
        )
        return {str(r["target"]): int(r["n"]) for r in rows}

    async def prefs(self, user_id: str) -> DeliveryPrefs:
        """The user's delivery preferences (defaults if never set)."""
        row = await self._db.fetchone(
            "SELECT mode, quiet FROM delivery_prefs WHERE user_id = ?", (user_id,)
        )
        return (
            DeliveryPrefs() if row is None else DeliveryPrefs(str(row["mode"]), str(row["quiet"]))
        )

    async def set_prefs(self, user_id: str, prefs: DeliveryPrefs) -> None:
        """Store the user's delivery preferences."""
        await self._db.execute(
            "INSERT INTO delivery_prefs (user_id, mode, quiet, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (user_id) DO UPDATE SET mode = excluded.mode, quiet = excluded.quiet, "
            "updated_at = excluded.updated_at",
            (user_id, prefs.mode, prefs.quiet, time.time()),
        )

    async def dm_room(self, user_id: str) -> str | None:
        """The bot's DM room with the user, if one was made."""
        row = await self._db.fetchone("SELECT room_id FROM dm_rooms WHERE user_id = ?", (user_id,))
        return None if row is None else str(row["room_id"])

    async def set_dm_room(self, user_id: str, room_id: str) -> None:
        """Remember the DM room to use for the user (the one they wrote in last, or made)."""
        await self._db.execute(
            "INSERT INTO dm_rooms (user_id, room_id, created_at) VALUES (?, ?, ?) "
            "ON CONFLICT (user_id) DO UPDATE SET room_id = excluded.room_id",
            (user_id, room_id, time.time()),
        )
