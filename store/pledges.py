"""Campaigns ("Ich mache mit"), who pledged, and which milestones were announced.

Who pledged is personal data (exported and erased by store/privacy.py); only counts are ever
shown. A pledge of someone who used `!vergessen` stays as a number (`campaigns.forgotten`), so
a published total does not shrink and nothing names them.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass

from store.db import Database

__all__ = ["Campaign", "PledgeStore"]


@dataclass(frozen=True)
class Campaign:
    """One campaign: the pledge, what one pledge saves per year (with its source), the goal."""

    id: int
    title: str
    pledge: str
    saving: float
    unit: str  # 'kg' (CO₂) or 'kWh'
    source: str
    goal: int
    ends_on: str | None  # ISO date, the last day (Europe/Berlin)
    topic: str | None
    created_by: str
    created_at: float
    pledges: int  # named pledges plus those of people who were forgotten


class PledgeStore:
    """Campaigns, pledges and announced milestones."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(
        self,
        title: str,
        pledge: str,
        saving: float,
        unit: str,
        source: str,
        goal: int,
        ends_on: str | None,
        topic: str | None,
        created_by: str,
    ) -> int:
        """Store a new campaign; return its number."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO campaigns (title, pledge, saving, unit, source, goal, ends_on, topic,"
                " created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    title,
                    pledge,
                    saving,
                    unit,
                    source,
                    goal,
                    ends_on,
                    topic,
                    created_by,
                    time.time(),
                ),
            )
            assert cursor.lastrowid is not None
            return cursor.lastrowid

    async def get(self, campaign_id: int) -> Campaign | None:
        """The campaign with this number."""
        rows = await self._db.fetchall(_SELECT + " WHERE c.id = ?", (campaign_id,))
        return _campaign(rows[0]) if rows else None

    async def running(self, today: str) -> list[Campaign]:
        """Campaigns whose last day is not before `today` (ISO date), oldest first."""
        rows = await self._db.fetchall(
            _SELECT + " WHERE c.ends_on IS NULL OR c.ends_on >= ? ORDER BY c.id", (today,)
        )
        return [_campaign(r) for r in rows]

    async def pledge(self, campaign_id: int, user_id: str) -> bool:
        """Record the user's pledge; False if they had pledged already."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT OR IGNORE INTO pledges (campaign_id, user_id, pledged_at) VALUES (?, ?, ?)",
                (campaign_id, user_id, time.time()),
            )
            return cursor.rowcount == 1

    async def withdraw(self, campaign_id: int, user_id: str) -> bool:
        """Remove the user's pledge; False if there was none."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "DELETE FROM pledges WHERE campaign_id = ? AND user_id = ?", (campaign_id, user_id)
            )
            return cursor.rowcount == 1

    async def pledged(self, user_id: str) -> frozenset[int]:
        """The campaigns the user pledged for."""
        rows = await self._db.fetchall(
            "SELECT campaign_id FROM pledges WHERE user_id = ?", (user_id,)
        )
        return frozenset(int(r["campaign_id"]) for r in rows)

    async def milestone_of(self, broadcast_id: int) -> tuple[int, int] | None:
        """(campaign, percent) a milestone announcement was about, from its broadcast's key."""
        row = await self._db.fetchone(
            "SELECT dedup_key FROM broadcasts WHERE id = ?", (broadcast_id,)
        )
        key = None if row is None else row["dedup_key"]
        parts = key.split("-") if isinstance(key, str) else []
        if len(parts) != 3 or parts[0] != "campaign" or not all(p.isdigit() for p in parts[1:]):
            return None
        return int(parts[1]), int(parts[2])

    async def claim_milestones(self, campaign_id: int, percents: tuple[int, ...]) -> list[int]:
        """Mark these milestones as announced; return those that were not yet (ascending)."""
        claimed = []
        async with self._db.transaction() as conn:
            for percent in sorted(percents):
                cursor = await conn.execute(
                    "INSERT OR IGNORE INTO campaign_milestones (campaign_id, percent, reached_at)"
                    " VALUES (?, ?, ?)",
                    (campaign_id, percent, time.time()),
                )
                if cursor.rowcount == 1:
                    claimed.append(percent)
        return claimed


_SELECT = (
    "SELECT c.*, c.forgotten + (SELECT COUNT(*) FROM pledges p WHERE p.campaign_id = c.id)"
    " AS total FROM campaigns c"
)


def _campaign(row: sqlite3.Row) -> Campaign:
    return Campaign(
        id=int(row["id"]),
        title=str(row["title"]),
        pledge=str(row["pledge"]),
        saving=float(row["saving"]),
        unit=str(row["unit"]),
        source=str(row["source"]),
        goal=int(row["goal"]),
        ends_on=row["ends_on"],
        topic=row["topic"],
        created_by=str(row["created_by"]),
        created_at=float(row["created_at"]),
        pledges=int(row["total"]),
    )
