"""Live status of the plan's measures (the YAML is the starting point) and their history."""

from __future__ import annotations

import datetime
import sqlite3
import time
from dataclasses import dataclass

from store.db import Database

__all__ = ["MeasureState", "MeasureStore", "MeasureUpdate", "MilestoneChange", "StoredValue"]


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


@dataclass(frozen=True)
class StoredValue:
    """One indicator value recorded in chat (`!wert`): what, for which day, who, when."""

    indicator_id: str
    value: float
    measured_on: datetime.date
    source: str | None
    author: str
    created_at: float
    id: int = 0  # the row, so a confirmed deletion removes exactly the value it showed


@dataclass(frozen=True)
class MilestoneChange:
    """One change of a milestone (`!meilenstein`): done/open and/or a new due date.

    `done` or `due` is None when that change left it as it was.
    """

    number: int
    done: bool | None
    due: datetime.date | None
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

    async def record_value(
        self,
        measure_id: str,
        indicator_id: str,
        value: float,
        measured_on: datetime.date,
        author: str,
        source: str | None = None,
    ) -> StoredValue | None:
        """Store an indicator value; one per indicator and day, so it replaces (and returns) the
        value already recorded for that day (a typo is corrected by typing it again)."""
        same_day = (measure_id, indicator_id, measured_on.isoformat())
        async with self._db.transaction() as conn:
            async with conn.execute(
                f"SELECT {_VALUE_COLUMNS} FROM measure_values WHERE measure_id = ? "
                "AND indicator_id = ? AND measured_on = ? ORDER BY created_at DESC, id DESC",
                same_day,
            ) as cursor:
                replaced = await cursor.fetchone()
            await conn.execute(
                "DELETE FROM measure_values WHERE measure_id = ? AND indicator_id = ? "
                "AND measured_on = ?",
                same_day,
            )
            await conn.execute(
                "INSERT INTO measure_values (measure_id, indicator_id, value, measured_on, "
                "source, author, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (*same_day[:2], value, same_day[2], source, author, time.time()),
            )
        return None if replaced is None else _stored_value(replaced)

    async def values(self, measure_id: str, indicator_id: str | None = None) -> list[StoredValue]:
        """Recorded values of a measure (optionally one indicator), oldest day first."""
        rows = await self._db.fetchall(
            f"SELECT {_VALUE_COLUMNS} FROM measure_values WHERE measure_id = ? "
            "AND (? IS NULL OR indicator_id = ?) ORDER BY measured_on, created_at, id",
            (measure_id, indicator_id, indicator_id),
        )
        return [_stored_value(r) for r in rows]

    async def delete_value(self, measure_id: str, value_id: int, created_at: float) -> bool:
        """Delete one recorded value; False if it is gone already.

        The time it was recorded is matched too: SQLite hands a deleted row's id to the next
        row, so a value that replaced it since may carry the same id.
        """
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "DELETE FROM measure_values WHERE id = ? AND measure_id = ? AND created_at = ?",
                (value_id, measure_id, created_at),
            )
            return cursor.rowcount > 0

    async def record_milestone(
        self,
        measure_id: str,
        number: int,
        author: str,
        done: bool | None = None,
        due: datetime.date | None = None,
    ) -> None:
        """Append a milestone change: done/open, or a new due date (or both)."""
        await self._db.execute(
            "INSERT INTO measure_milestones (measure_id, number, done, due, author, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (
                measure_id,
                number,
                None if done is None else int(done),
                None if due is None else due.isoformat(),
                author,
                time.time(),
            ),
        )

    async def milestone_changes(self, measure_id: str) -> list[MilestoneChange]:
        """Every milestone change of a measure, oldest first (replay them for the state)."""
        rows = await self._db.fetchall(
            "SELECT number, done, due, author, created_at FROM measure_milestones "
            "WHERE measure_id = ? ORDER BY created_at, id",
            (measure_id,),
        )
        return [
            MilestoneChange(
                int(r["number"]),
                None if r["done"] is None else bool(r["done"]),
                None if r["due"] is None else datetime.date.fromisoformat(str(r["due"])),
                str(r["author"]),
                float(r["created_at"]),
            )
            for r in rows
        ]


_VALUE_COLUMNS = "id, indicator_id, value, measured_on, source, author, created_at"


def _stored_value(row: sqlite3.Row) -> StoredValue:
    return StoredValue(
        str(row["indicator_id"]),
        float(row["value"]),
        datetime.date.fromisoformat(str(row["measured_on"])),
        row["source"],
        str(row["author"]),
        float(row["created_at"]),
        int(row["id"]),
    )
