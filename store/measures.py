"""Live status of the plan's measures (the YAML is the starting point) and their history."""

from __future__ import annotations

import time
from dataclasses import dataclass

from store.db import Database

__all__ = ["MeasureState", "MeasureStore", "MeasureUpdate"]


@dataclass(frozen=True)
class MeasureState:
    """Current status and progress of one measure."""

    status: str
    progress: int
    updated_at: float


@dataclass(frozen=True)
class MeasureUpdate:
    """One entry in a measure's history."""

    status: str | None
    progress: int | None
    text: str | None
    author: str
    created_at: float


class MeasureStore:
    """measure_state and measure_updates."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def seed(self, initial: dict[str, tuple[str, int]]) -> int:
        """Insert YAML status/progress for measures the database does not know yet."""
        now = time.time()
        async with self._db.transaction() as conn:
            cursor = await conn.executemany(
                "INSERT OR IGNORE INTO measure_state (measure_id, status, progress, updated_at) "
                "VALUES (?, ?, ?, ?)",
                [(mid, status, progress, now) for mid, (status, progress) in initial.items()],
            )
            return cursor.rowcount

    async def states(self) -> dict[str, MeasureState]:
        """Current state of every measure."""
        rows = await self._db.fetchall(
            "SELECT measure_id, status, progress, updated_at FROM measure_state"
        )
        return {
            str(r["measure_id"]): MeasureState(
                str(r["status"]), int(r["progress"]), float(r["updated_at"])
            )
            for r in rows
        }

    async def record(
        self,
        measure_id: str,
        author: str,
        status: str | None = None,
        progress: int | None = None,
        text: str | None = None,
    ) -> None:
        """Store an update (and the new state if status/progress changed) atomically."""
        now = time.time()
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO measure_updates (measure_id, status, progress, text, author, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (measure_id, status, progress, text, author, now),
            )
            if status is not None or progress is not None:
                await conn.execute(
                    "UPDATE measure_state SET status = COALESCE(?, status), "
                    "progress = COALESCE(?, progress), updated_at = ? WHERE measure_id = ?",
                    (status, progress, now, measure_id),
                )

    async def history(self, measure_id: str, limit: int = 5) -> list[MeasureUpdate]:
        """The latest updates of a measure, newest first."""
        rows = await self._db.fetchall(
            "SELECT status, progress, text, author, created_at FROM measure_updates "
            "WHERE measure_id = ? ORDER BY created_at DESC, id DESC LIMIT ?",
            (measure_id, limit),
        )
        return [
            MeasureUpdate(
                r["status"],
                None if r["progress"] is None else int(r["progress"]),
                r["text"],
                str(r["author"]),
                float(r["created_at"]),
            )
            for r in rows
        ]
