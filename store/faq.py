"""FAQ usage: questions asked (open ones for the manager), answers sent, feedback, choices."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

from store.db import Database

__all__ = ["FaqStore", "GroupQuestion", "OpenQuestion", "PendingChoice"]


@dataclass(frozen=True)
class OpenQuestion:
    """A question the FAQ could not answer confidently."""

    id: int
    text: str
    asked_at: float


@dataclass(frozen=True)
class GroupQuestion:
    """A question of an open-question group, with where it was asked (to answer it there)."""

    id: int
    group_id: int
    user_id: str
    room_id: str
    text: str
    asked_at: float
    entry_id: str | None
    event_id: str | None
    thread_root: str | None
    direct: bool
    open: bool


@dataclass(frozen=True)
class PendingChoice:
    """The numbered candidates offered to a user in a room ("did you mean")."""

    candidates: tuple[str, ...]
    question_id: int | None
    offered_at: float
    # The question the offer answered, while it is stored (!vergessen deletes it).
    question: str | None = None


class FaqStore:
    """All FAQ-related rows."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def record_question(
        self,
        user_id: str,
        room_id: str,
        text: str,
        outcome: str,
        entry_id: str | None,
        confidence: float,
        event_id: str | None = None,
        thread_root: str | None = None,
        direct: bool = False,
    ) -> int:
        """Store an asked question (and where: the manager's answer goes back there);
        unanswered and low-confidence ones stay open."""
        is_open = 1 if outcome != "answer" else 0
        # "On topic, not this point" is an open don't-know with a flag (migration 16).
        on_topic = int(outcome == "on_topic")
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO faq_questions (user_id, room_id, text, outcome, entry_id, "
                "confidence, open, asked_at, event_id, thread_root, direct, on_topic) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    user_id,
                    room_id,
                    text,
                    "dont_know" if on_topic else outcome,
                    entry_id,
                    confidence,
                    is_open,
                    time.time(),
                    event_id,
                    thread_root,
                    int(direct),
                    on_topic,
                ),
            )
            return int(cursor.lastrowid or 0)

    async def close_question(self, question_id: int, entry_id: str) -> None:
        """Mark a question as answered after the user picked a candidate (an answered one
        keeps its entry: a pick among the related questions under an answer changes nothing)."""
        await self._db.execute(
            "UPDATE faq_questions SET open = 0, entry_id = ? WHERE id = ? AND open = 1",
            (entry_id, question_id),
        )

    async def open_questions(self, limit: int = 500) -> list[OpenQuestion]:
        """Open questions, newest first."""
        rows = await self._db.fetchall(
            "SELECT id, text, asked_at FROM faq_questions WHERE open = 1 "
            "ORDER BY asked_at DESC LIMIT ?",
            (limit,),
        )
        return [OpenQuestion(int(r["id"]), str(r["text"]), float(r["asked_at"])) for r in rows]

    async def dismiss_open(self, question_ids: list[int]) -> int:
        """Close open questions (the manager has dealt with them); return how many."""
        if not question_ids:
            return 0
        marks = ",".join("?" * len(question_ids))
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                f"UPDATE faq_questions SET open = 0 WHERE open = 1 AND id IN ({marks})",
                question_ids,
            )
            return cursor.rowcount

    async def record_answer(
        self, answer_event_id: str, entry_id: str, user_id: str, question_id: int | None = None
    ) -> None:
        """Remember which entry an answer event showed, and for which question (reactions)."""
        await self._db.execute(
            "INSERT OR IGNORE INTO faq_answers "
            "(answer_event_id, entry_id, user_id, sent_at, question_id) VALUES (?, ?, ?, ?, ?)",
            (answer_event_id, entry_id, user_id, time.time(), question_id),
        )

    async def reopen_answered(self, answer_event_id: str) -> OpenQuestion | None:
        """Put the question behind an answer back on the open list; None if there is none
        (forgotten, never stored) or it is open already."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE faq_questions SET open = 1 WHERE open = 0 AND id = "
                "(SELECT question_id FROM faq_answers WHERE answer_event_id = ?) "
                "RETURNING id, text, asked_at",
                (answer_event_id,),
            )
            rows = list(await cursor.fetchall())  # read to the end before the commit
        if not rows:
            return None
        row = rows[0]
        return OpenQuestion(int(row["id"]), str(row["text"]), float(row["asked_at"]))

    async def answered_entry(self, answer_event_id: str) -> str | None:
        """The FAQ entry an answer event showed, if it was one."""
        row = await self._db.fetchone(
            "SELECT entry_id FROM faq_answers WHERE answer_event_id = ?", (answer_event_id,)
        )
        return None if row is None else str(row["entry_id"])

    async def record_feedback(
        self, answer_event_id: str, user_id: str, entry_id: str, vote: int
    ) -> None:
        """Store a 👍 (+1) or 👎 (-1); a later reaction of the same user replaces it."""
        await self._db.execute(
            "INSERT INTO faq_feedback (answer_event_id, user_id, entry_id, vote, voted_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (answer_event_id, user_id) "
            "DO UPDATE SET vote = excluded.vote, voted_at = excluded.voted_at",
            (answer_event_id, user_id, entry_id, vote, time.time()),
        )

    async def feedback_totals(self) -> dict[str, tuple[int, int]]:
        """Per entry: (👍 count, 👎 count), including votes of users who were forgotten."""
        rows = await self._db.fetchall(
            "SELECT entry_id, SUM(up) AS up, SUM(down) AS down FROM ("
            "SELECT entry_id, SUM(vote = 1) AS up, SUM(vote = -1) AS down "
            "FROM faq_feedback GROUP BY entry_id "
            "UNION ALL SELECT entry_id, up, down FROM faq_feedback_aggregate) GROUP BY entry_id"
        )
        return {str(r["entry_id"]): (int(r["up"]), int(r["down"])) for r in rows}

    async def offer_choice(
        self, user_id: str, room_id: str, candidates: tuple[str, ...], question_id: int | None
    ) -> None:
        """Remember the candidates offered, replacing an older offer in the same room."""
        await self._db.execute(
            "INSERT INTO faq_choices (user_id, room_id, candidates, question_id, offered_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id, room_id) DO UPDATE SET "
            "candidates = excluded.candidates, question_id = excluded.question_id, "
            "offered_at = excluded.offered_at",
            (user_id, room_id, json.dumps(candidates), question_id, time.time()),
        )

    async def pending_choice(self, user_id: str, room_id: str) -> PendingChoice | None:
        """The last offer to this user in this room, if any."""
        row = await self._db.fetchone(
            "SELECT c.candidates, c.question_id, c.offered_at, q.text FROM faq_choices c "
            "LEFT JOIN faq_questions q ON q.id = c.question_id "
            "WHERE c.user_id = ? AND c.room_id = ?",
            (user_id, room_id),
        )
        if row is None:
            return None
        qid = row["question_id"]
        return PendingChoice(
            tuple(json.loads(row["candidates"])),
            None if qid is None else int(qid),
            float(row["offered_at"]),
            row["text"],
        )

    async def clear_choice(self, user_id: str, room_id: str) -> None:
        """Forget the offer (it was used or replaced)."""
        await self._db.execute(
            "DELETE FROM faq_choices WHERE user_id = ? AND room_id = ?", (user_id, room_id)
        )

    async def room_mode(self, room_id: str) -> str | None:
        """The room's FAQ mode (mention, auto, off), or None for the default."""
        row = await self._db.fetchone(
            "SELECT faq_mode FROM room_settings WHERE room_id = ?", (room_id,)
        )
        return None if row is None else str(row["faq_mode"])

    async def set_room_mode(self, room_id: str, mode: str) -> None:
        """Store the room's FAQ mode."""
        await self._db.execute(
            "INSERT INTO room_settings (room_id, faq_mode) VALUES (?, ?) "
            "ON CONFLICT (room_id) DO UPDATE SET faq_mode = excluded.faq_mode",
            (room_id, mode),
        )

    # --- open-question groups (stable numbers for !offen) and their notices -----------------

    async def ungrouped_open(self) -> list[OpenQuestion]:
        """Open questions in no open group (asked before groups existed, just now, or open
        again after a 👎 on the answer)."""
        rows = await self._db.fetchall(
            "SELECT id, text, asked_at FROM faq_questions WHERE open = 1 AND (group_id IS NULL "
            "OR group_id IN (SELECT id FROM faq_groups WHERE closed_at IS NOT NULL)) "
            "ORDER BY asked_at, id"
        )
        return [OpenQuestion(int(r["id"]), str(r["text"]), float(r["asked_at"])) for r in rows]

    async def group_members(self, group_id: int | None = None) -> list[GroupQuestion]:
        """The questions of one group (open or answered), or the open ones of every open
        group; oldest first."""
        where = "q.group_id = ?" if group_id is not None else "q.open = 1 AND g.closed_at IS NULL"
        rows = await self._db.fetchall(
            "SELECT q.id, q.group_id, q.user_id, q.room_id, q.text, q.asked_at, q.entry_id, "
            "q.event_id, q.thread_root, q.direct, q.open FROM faq_questions q "
            f"JOIN faq_groups g ON g.id = q.group_id WHERE {where} ORDER BY q.asked_at, q.id",
            () if group_id is None else (group_id,),
        )
        return [
            GroupQuestion(
                int(r["id"]),
                int(r["group_id"]),
                str(r["user_id"]),
                str(r["room_id"]),
                str(r["text"]),
                float(r["asked_at"]),
                r["entry_id"],
                r["event_id"],
                r["thread_root"],
                bool(r["direct"]),
                bool(r["open"]),
            )
            for r in rows
        ]

    async def group_is_open(self, group_id: int) -> bool:
        """True if the group exists, is not closed and still has an open question."""
        row = await self._db.fetchone(
            "SELECT 1 FROM faq_groups g JOIN faq_questions q ON q.group_id = g.id "
            "WHERE g.id = ? AND g.closed_at IS NULL AND q.open = 1 LIMIT 1",
            (group_id,),
        )
        return row is not None

    async def add_to_group(self, question_id: int, group_id: int | None) -> int:
        """Put a question into `group_id`, or into a new group (None); return the group."""
        async with self._db.transaction() as conn:
            if group_id is None:
                cursor = await conn.execute(
                    "INSERT INTO faq_groups (created_at) VALUES (?)", (time.time(),)
                )
                group_id = int(cursor.lastrowid or 0)
            await conn.execute(
                "UPDATE faq_questions SET group_id = ? WHERE id = ?", (group_id, question_id)
            )
        return group_id

    async def close_group(self, group_id: int) -> int:
        """Close a group and its open questions (answered or dealt with); return how many."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE faq_groups SET closed_at = ? WHERE id = ? AND closed_at IS NULL",
                (time.time(), group_id),
            )
            cursor = await conn.execute(
                "UPDATE faq_questions SET open = 0 WHERE group_id = ? AND open = 1", (group_id,)
            )
            return cursor.rowcount

    async def record_notice(self, event_id: str, question_id: int) -> None:
        """Remember the manager-room notice of a question (a reply to it answers the group)."""
        await self._db.execute(
            "INSERT OR IGNORE INTO faq_notices (event_id, question_id) VALUES (?, ?)",
            (event_id, question_id),
        )

    async def notice_group(self, event_id: str) -> int | None:
        """The group of the question a manager-room notice was about, if any."""
        row = await self._db.fetchone(
            "SELECT q.group_id FROM faq_notices n JOIN faq_questions q ON q.id = n.question_id "
            "WHERE n.event_id = ?",
            (event_id,),
        )
        return None if row is None or row["group_id"] is None else int(row["group_id"])
