"""FAQ usage over time: the rows behind !statistik, the weekly review and the spike notice."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from store.db import Database

__all__ = ["AskedRow", "FaqStatsStore", "Votes"]

_SPIKE_KEY = "faq-spike:"


@dataclass(frozen=True)
class AskedRow:
    """One asked question, as the statistics see it (no text, no asker)."""

    outcome: str
    entry_id: str | None
    asked_at: float


@dataclass(frozen=True)
class Votes:
    """👍 and 👎 on one entry's answers."""

    up: int
    down: int


class FaqStatsStore:
    """Read-only counts over faq_questions, faq_answers and faq_feedback; spike bookkeeping."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def asked(self, start: float, end: float) -> list[AskedRow]:
        """Questions asked in [start, end), oldest first."""
        rows = await self._db.fetchall(
            "SELECT CASE WHEN on_topic = 1 THEN 'on_topic' ELSE outcome END AS outcome, "
            "entry_id, asked_at FROM faq_questions "
            "WHERE asked_at >= ? AND asked_at < ? ORDER BY asked_at",
            (start, end),
        )
        return [AskedRow(str(r["outcome"]), r["entry_id"], float(r["asked_at"])) for r in rows]

    async def unanswered(self, start: float, end: float, limit: int = 500) -> list[str]:
        """The texts of questions in [start, end) the FAQ could not answer (don't know, or
        on topic but not this point), newest first; only to place them in a topic."""
        rows = await self._db.fetchall(
            "SELECT text FROM faq_questions WHERE asked_at >= ? AND asked_at < ? "
            "AND outcome IN ('dont_know', 'on_topic') ORDER BY asked_at DESC LIMIT ?",
            (start, end, limit),
        )
        return [str(r["text"]) for r in rows]

    async def answers_per_entry(self, start: float, end: float) -> dict[str, int]:
        """How often each entry was shown as an answer in [start, end) (picks included)."""
        rows = await self._db.fetchall(
            "SELECT entry_id, COUNT(*) AS n FROM faq_answers "
            "WHERE sent_at >= ? AND sent_at < ? GROUP BY entry_id",
            (start, end),
        )
        return {str(r["entry_id"]): int(r["n"]) for r in rows}

    async def votes_per_entry(self, start: float, end: float) -> dict[str, Votes]:
        """👍/👎 per entry given in [start, end) (a changed vote counts as its last one)."""
        rows = await self._db.fetchall(
            "SELECT entry_id, SUM(vote = 1) AS up, SUM(vote = -1) AS down FROM faq_feedback "
            "WHERE voted_at >= ? AND voted_at < ? GROUP BY entry_id",
            (start, end),
        )
        return {str(r["entry_id"]): Votes(int(r["up"]), int(r["down"])) for r in rows}

    async def downvotes_since(self, entry_ids: Iterable[str], since: float) -> int:
        """👎 on these entries' answers since `since`."""
        ids = list(entry_ids)
        if not ids:
            return 0
        marks = ",".join("?" * len(ids))
        row = await self._db.fetchone(
            "SELECT COUNT(*) AS n FROM faq_feedback "
            f"WHERE vote = -1 AND voted_at >= ? AND entry_id IN ({marks})",
            (since, *ids),
        )
        return 0 if row is None else int(row["n"])

    async def spike_posted(self, topic: str) -> float | None:
        """When a spike on `topic` was last posted to the manager room, if ever."""
        row = await self._db.fetchone(
            "SELECT value FROM bot_state WHERE key = ?", (_SPIKE_KEY + topic,)
        )
        return None if row is None else float(row["value"])

    async def set_spike_posted(self, topic: str, at: float) -> None:
        """Remember that a spike on `topic` was posted at `at` (survives restarts)."""
        await self._db.execute(
            "INSERT INTO bot_state (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (_SPIKE_KEY + topic, repr(at)),
        )
