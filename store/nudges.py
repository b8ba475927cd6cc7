"""Nudges to measure owners: one DM per owner (a batch) bundling open questions (items).

An item is open until its owner answers, the measure changes by other means, or the owner no
longer owns it. Both tables name the owner, so `!meinedaten` and `!vergessen` reach them.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

from store.db import Database

__all__ = ["NewItem", "NudgeItem", "NudgeStore"]


@dataclass(frozen=True)
class NewItem:
    """One measure to ask an owner about: stale, and/or milestones due as (number, ISO date)."""

    measure_id: str
    stale: bool
    milestones: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True)
class NudgeItem:
    """One measure an owner was asked about, in the DM (batch) that asked."""

    id: int
    batch_id: int
    owner: str
    position: int
    measure_id: str
    stale: bool
    milestones: tuple[tuple[int, str], ...]
    asked_at: float
    event_id: str | None
    escalated_at: float | None


_ITEM_COLUMNS = (
    "i.id, i.batch_id, i.owner, i.position, i.measure_id, i.stale, i.milestones, "
    "b.created_at, b.event_id, i.escalated_at"
)


def _milestones(raw: object) -> tuple[tuple[int, str], ...]:
    """The stored JSON list of [number, date]; anything else reads as none."""
    try:
        data = json.loads(str(raw))
    except ValueError:
        return ()
    if not isinstance(data, list):
        return ()
    return tuple(
        (int(m[0]), str(m[1]))
        for m in data
        if isinstance(m, list) and len(m) == 2 and isinstance(m[0], int)
    )


def _item(row: sqlite3.Row) -> NudgeItem:
    return NudgeItem(
        int(row["id"]),
        int(row["batch_id"]),
        str(row["owner"]),
        int(row["position"]),
        str(row["measure_id"]),
        bool(row["stale"]),
        _milestones(row["milestones"]),
        float(row["created_at"]),
        row["event_id"],
        row["escalated_at"],
    )


class NudgeStore:
    """nudge_batches and nudge_items, plus when each measure last changed."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def last_activity(self) -> dict[str, float]:
        """Per measure, the latest change of any kind: status/progress/news (incl. check-ins),
        an indicator value or a milestone change."""
        rows = await self._db.fetchall(
            "SELECT measure_id, MAX(t) AS t FROM ("
            "SELECT measure_id, updated_at AS t FROM measure_state "
            "UNION ALL SELECT measure_id, created_at FROM measure_updates "
            "UNION ALL SELECT measure_id, created_at FROM measure_values "
            "UNION ALL SELECT measure_id, created_at FROM measure_milestones"
            ") GROUP BY measure_id"
        )
        return {str(r["measure_id"]): float(r["t"]) for r in rows}

    async def last_batch_at(self, owner: str) -> float | None:
        """When the owner was last nudged (None: never)."""
        row = await self._db.fetchone(
            "SELECT MAX(created_at) AS t FROM nudge_batches WHERE owner = ?", (owner,)
        )
        return None if row is None or row["t"] is None else float(row["t"])

    async def create_batch(self, owner: str, items: list[NewItem], now: float) -> int:
        """Store a DM's batch and its items (numbered from 1) in one transaction."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO nudge_batches (owner, created_at) VALUES (?, ?)", (owner, now)
            )
            batch_id = int(cursor.lastrowid or 0)
            await conn.executemany(
                "INSERT INTO nudge_items (batch_id, owner, position, measure_id, stale, "
                "milestones) VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (
                        batch_id,
                        owner,
                        n,
                        item.measure_id,
                        int(item.stale),
                        json.dumps([list(m) for m in item.milestones]),
                    )
                    for n, item in enumerate(items, 1)
                ],
            )
        return batch_id

    async def set_sent(self, batch_id: int, room_id: str, event_id: str) -> None:
        """The DM went out as `event_id` in `room_id`."""
        await self._db.execute(
            "UPDATE nudge_batches SET room_id = ?, event_id = ? WHERE id = ?",
            (room_id, event_id, batch_id),
        )

    async def close_batch(self, batch_id: int, how: str, now: float) -> None:
        """Close every open item of a batch (its DM could not be sent)."""
        await self._db.execute(
            "UPDATE nudge_items SET closed_at = ?, closed_how = ? "
            "WHERE batch_id = ? AND closed_at IS NULL",
            (now, how, batch_id),
        )

    async def open_items(self, owner: str | None = None) -> list[NudgeItem]:
        """Unanswered items (of one owner, or all), newest DM first, then by number."""
        rows = await self._db.fetchall(
            f"SELECT {_ITEM_COLUMNS} FROM nudge_items i JOIN nudge_batches b "
            "ON b.id = i.batch_id WHERE i.closed_at IS NULL AND (? IS NULL OR i.owner = ?) "
            "ORDER BY b.created_at DESC, b.id DESC, i.position",
            (owner, owner),
        )
        return [_item(r) for r in rows]

    async def batch_items(self, owner: str, event_id: str) -> list[NudgeItem] | None:
        """All items (open or not) of the owner's DM `event_id`; None if it is not one."""
        rows = await self._db.fetchall(
            f"SELECT {_ITEM_COLUMNS}, i.closed_at FROM nudge_items i JOIN nudge_batches b "
            "ON b.id = i.batch_id WHERE b.owner = ? AND b.event_id = ? ORDER BY i.position",
            (owner, event_id),
        )
        if not rows:
            return None
        return [_item(r) for r in rows if r["closed_at"] is None]

    async def nudged_milestones(self, owner: str) -> set[tuple[str, int, str]]:
        """(measure, milestone number, due date) the owner was already asked about (a DM
        that could not be delivered asked nothing)."""
        rows = await self._db.fetchall(
            "SELECT measure_id, milestones FROM nudge_items WHERE owner = ? "
            "AND closed_how IS NOT 'undeliverable'",
            (owner,),
        )
        return {
            (str(r["measure_id"]), number, due)
            for r in rows
            for number, due in _milestones(r["milestones"])
        }

    async def close(self, item_ids: list[int], how: str, now: float) -> int:
        """Close open items (answered, updated, gone); how many were still open."""
        if not item_ids:
            return 0
        marks = ",".join("?" * len(item_ids))
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                f"UPDATE nudge_items SET closed_at = ?, closed_how = ? "
                f"WHERE closed_at IS NULL AND id IN ({marks})",
                (now, how, *item_ids),
            )
            return int(cursor.rowcount)

    async def mark_escalated(self, item_ids: list[int], now: float) -> None:
        """The manager room was told about these items (never again)."""
        if not item_ids:
            return
        marks = ",".join("?" * len(item_ids))
        await self._db.execute(
            f"UPDATE nudge_items SET escalated_at = ? WHERE id IN ({marks})", (now, *item_ids)
        )
