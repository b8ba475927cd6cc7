"""Native Matrix polls: the poll, its start events (one per room it went to), and the votes.

One vote per person and poll, whichever room they voted in: the response with the latest
origin_server_ts counts (ties broken by event ID, so the outcome never depends on arrival
order). The tally is frozen into the poll row when it ends, so a later `!vergessen` of a voter
does not change a published result.

A poll to a topic goes out through the durable outbox (store/broadcasts.py): one broadcast whose
`dedup_key` is `broadcast_key(poll id)`, written with all its delivery rows at once, so the
poll of a delivery is found by that key from the first moment on. Its end goes out the same
way: ending a poll writes, in the same transaction, a broadcast of kind `END_KIND` (key
`end_key(poll id)`) with one row per room its start event went to, so a restart while the ends
go out leaves no room showing the poll as open.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass

import aiosqlite

from store.db import Database

__all__ = ["END_KIND", "WITHDRAWN", "Poll", "PollPost", "PollStore", "broadcast_key", "end_key"]

# Why a queued delivery of a poll was not sent (the error of its row).
WITHDRAWN = "withdrawn: the poll ended before it was sent"


def broadcast_key(poll_id: int) -> str:
    """The dedup key of the broadcast that carries a topic poll to its recipients."""
    return f"poll:{poll_id}"


def end_key(poll_id: int) -> str:
    """The dedup key of the broadcast that carries a poll's end events to its rooms."""
    return f"pollend:{poll_id}"


# The broadcast kind of a poll's end events (one row per room the start event went to).
END_KIND = "poll_end"


@dataclass(frozen=True)
class Poll:
    """A poll as the manager created it; `result` is set once it has ended."""

    id: int
    question: str
    answers: tuple[tuple[str, str], ...]  # (answer ID, text)
    disclosed: bool
    topic: str | None
    created_by: str
    report_room: str
    created_at: float
    ended_at: float | None
    result: dict[str, int] | None

    @property
    def answer_ids(self) -> frozenset[str]:
        """The IDs a vote may name."""
        return frozenset(answer_id for answer_id, _ in self.answers)


@dataclass(frozen=True)
class PollPost:
    """One m.poll.start event of a poll in one room."""

    poll_id: int
    room_id: str
    event_id: str


class PollStore:
    """Polls, where they were posted, and who voted for what."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(
        self,
        question: str,
        answers: tuple[tuple[str, str], ...],
        disclosed: bool,
        topic: str | None,
        created_by: str,
        report_room: str,
    ) -> int:
        """Store a new poll (not posted yet); return its number."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO polls (question, answers, disclosed, topic, created_by, report_room,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    question,
                    json.dumps([list(a) for a in answers]),
                    int(disclosed),
                    topic,
                    created_by,
                    report_room,
                    time.time(),
                ),
            )
            assert cursor.lastrowid is not None
            return cursor.lastrowid

    async def add_post(self, poll_id: int, room_id: str, event_id: str) -> None:
        """Remember that the poll's start event `event_id` went to `room_id`."""
        await self._db.execute(
            "INSERT OR IGNORE INTO poll_posts (event_id, poll_id, room_id) VALUES (?, ?, ?)",
            (event_id, poll_id, room_id),
        )

    async def get(self, poll_id: int) -> Poll | None:
        """The poll with this number."""
        row = await self._db.fetchone("SELECT * FROM polls WHERE id = ?", (poll_id,))
        return None if row is None else _poll(row)

    async def by_broadcast(self, broadcast_id: int) -> Poll | None:
        """The poll that the broadcast `broadcast_id` carries (None: not a poll's)."""
        row = await self._db.fetchone(
            # The poll's number from the key, so the poll is found by its primary key.
            "SELECT polls.* FROM broadcasts JOIN polls "
            "ON polls.id = CAST(substr(broadcasts.dedup_key, 6) AS INTEGER) "
            "WHERE broadcasts.id = ? AND substr(broadcasts.dedup_key, 1, 5) = 'poll:'",
            (broadcast_id,),
        )
        return None if row is None else _poll(row)

    async def by_end_broadcast(self, broadcast_id: int) -> Poll | None:
        """The poll whose end events the broadcast `broadcast_id` carries (None: not one)."""
        row = await self._db.fetchone(
            "SELECT polls.* FROM broadcasts JOIN polls "
            "ON polls.id = CAST(substr(broadcasts.dedup_key, 9) AS INTEGER) "
            "WHERE broadcasts.id = ? AND substr(broadcasts.dedup_key, 1, 8) = 'pollend:'",
            (broadcast_id,),
        )
        return None if row is None else _poll(row)

    async def start_in(self, poll_id: int, room_id: str) -> str | None:
        """The start event of the poll in `room_id` (the first, if it went there twice)."""
        row = await self._db.fetchone(
            "SELECT event_id FROM poll_posts WHERE poll_id = ? AND room_id = ? "
            "ORDER BY rowid LIMIT 1",
            (poll_id, room_id),
        )
        return None if row is None else str(row["event_id"])

    async def queue_end(self, poll_id: int, room_id: str) -> None:
        """Add `room_id` to the ended poll's end events (a start that arrived after the end);
        nothing if it is there already."""
        await self._db.execute(
            "INSERT OR IGNORE INTO deliveries (broadcast_id, recipient, recipient_kind, state, "
            "not_before, updated_at) SELECT id, ?, 'room', 'pending', 0, ? FROM broadcasts "
            "WHERE dedup_key = ?",
            (room_id, time.time(), end_key(poll_id)),
        )

    async def recent(self, limit: int = 20) -> list[Poll]:
        """Running polls first, then the latest ended ones; newest first within each."""
        rows = await self._db.fetchall(
            "SELECT * FROM polls ORDER BY ended_at IS NOT NULL, id DESC LIMIT ?", (limit,)
        )
        return [_poll(r) for r in rows]

    async def posts(self, poll_id: int) -> list[PollPost]:
        """Every start event of the poll."""
        rows = await self._db.fetchall(
            "SELECT * FROM poll_posts WHERE poll_id = ? ORDER BY rowid", (poll_id,)
        )
        return [PollPost(int(r["poll_id"]), str(r["room_id"]), str(r["event_id"])) for r in rows]

    async def dm_offers(self, user_id: str, room_id: str, limit: int = 5) -> list[Poll]:
        """The polls the outbox sent to `user_id` as a DM into `room_id` that the person has
        not moved on from, the last one shown first (ended ones too, to say so).

        Moved on: a question to the FAQ or a FAQ "Meinten Sie …?" offer in that room since the
        poll arrived, so a number answers whichever was shown last. A poll in a topic room or
        another person's DM is never one: the delivery row names the person, its start event
        the room."""
        rows = await self._db.fetchall(
            "SELECT polls.* FROM deliveries d "
            "JOIN broadcasts b ON b.id = d.broadcast_id "
            "JOIN poll_posts pp ON pp.event_id = d.event_id "
            "JOIN polls ON polls.id = pp.poll_id AND b.dedup_key = 'poll:' || polls.id "
            "WHERE d.recipient = ? AND d.recipient_kind = 'user' AND d.state = 'sent' "
            "AND pp.room_id = ? "
            "AND NOT EXISTS (SELECT 1 FROM faq_questions q WHERE q.user_id = d.recipient "
            "AND q.room_id = pp.room_id AND q.asked_at > d.updated_at) "
            "AND NOT EXISTS (SELECT 1 FROM faq_choices c WHERE c.user_id = d.recipient "
            "AND c.room_id = pp.room_id AND c.offered_at > d.updated_at) "
            "ORDER BY d.updated_at DESC, d.id DESC LIMIT ?",
            (user_id, room_id, limit),
        )
        return [_poll(r) for r in rows]

    async def post_of(self, event_id: str, room_id: str) -> Poll | None:
        """The poll whose start event `event_id` was posted in `room_id` (else None: a
        response in another room that names our event is no vote)."""
        row = await self._db.fetchone(
            "SELECT polls.* FROM poll_posts JOIN polls ON polls.id = poll_posts.poll_id "
            "WHERE poll_posts.event_id = ? AND poll_posts.room_id = ?",
            (event_id, room_id),
        )
        return None if row is None else _poll(row)

    async def vote(
        self, poll_id: int, user_id: str, answer: str, sent_ms: int, event_id: str
    ) -> bool:
        """Record a vote unless the user has a later one or the poll has ended (its result
        is frozen then: a vote arriving later, however old, changes nothing); return whether
        it is now the user's vote."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO poll_votes (poll_id, user_id, answer, sent_ms, event_id) "
                "SELECT ?, ?, ?, ?, ? FROM polls WHERE id = ? AND ended_at IS NULL "
                "ON CONFLICT (poll_id, user_id) DO UPDATE SET answer = excluded.answer, "
                "sent_ms = excluded.sent_ms, event_id = excluded.event_id "
                "WHERE excluded.sent_ms > poll_votes.sent_ms OR (excluded.sent_ms = "
                "poll_votes.sent_ms AND excluded.event_id > poll_votes.event_id)",
                (poll_id, user_id, answer, sent_ms, event_id, poll_id),
            )
            return cursor.rowcount == 1

    async def withdraw(self, event_id: str, user_id: str) -> bool:
        """Drop the vote that `event_id` cast, if `user_id` cast it and its poll still runs
        (the sender took the response back); return whether a vote went."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "DELETE FROM poll_votes WHERE event_id = ? AND user_id = ? AND poll_id IN "
                "(SELECT id FROM polls WHERE ended_at IS NULL)",
                (event_id, user_id),
            )
            return cursor.rowcount > 0

    async def tally(self, poll_id: int) -> dict[str, int]:
        """Votes per answer ID (answers nobody chose are missing)."""
        rows = await self._db.fetchall(
            "SELECT answer, COUNT(*) AS n FROM poll_votes WHERE poll_id = ? GROUP BY answer",
            (poll_id,),
        )
        return {str(r["answer"]): int(r["n"]) for r in rows}

    async def end(self, poll_id: int, now: float | None = None) -> dict[str, int] | None:
        """End a running poll and freeze its tally; None if it had ended already.

        In the same transaction its deliveries still queued (held for quiet hours, waiting for
        a retry) are withdrawn and its broadcast finished: a poll that has ended is not sent.
        """
        ended = time.time() if now is None else now
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "SELECT answer, COUNT(*) FROM poll_votes WHERE poll_id = ? GROUP BY answer",
                (poll_id,),
            )
            result = {str(a): int(n) for a, n in await cursor.fetchall()}
            cursor = await conn.execute(
                "UPDATE polls SET ended_at = ?, result = ? WHERE id = ? AND ended_at IS NULL",
                (ended, json.dumps(result), poll_id),
            )
            if cursor.rowcount != 1:
                return None
            key = broadcast_key(poll_id)
            await conn.execute(
                "UPDATE deliveries SET state = 'undeliverable', error = ?, updated_at = ? "
                "WHERE state IN ('pending', 'digest') AND broadcast_id = "
                "(SELECT id FROM broadcasts WHERE dedup_key = ?)",
                (WITHDRAWN, ended, key),
            )
            await conn.execute(
                "UPDATE broadcasts SET finished_at = ? WHERE dedup_key = ? AND finished_at IS NULL",
                (ended, key),
            )
            await _queue_ends(conn, poll_id, ended)
            return result


async def _queue_ends(conn: aiosqlite.Connection, poll_id: int, now: float) -> None:
    """The end events' broadcast: one row per room the start went to, not held by quiet hours
    (an end pings nobody; held, a vote cast meanwhile would silently not count)."""
    cursor = await conn.execute(
        "INSERT INTO broadcasts (kind, topic, author, body, dedup_key, created_at) "
        "SELECT ?, topic, created_by, '', ?, ? FROM polls WHERE id = ?",
        (END_KIND, end_key(poll_id), now, poll_id),
    )
    rows = await conn.execute(
        "INSERT OR IGNORE INTO deliveries (broadcast_id, recipient, recipient_kind, state, "
        "not_before, updated_at) SELECT ?, room_id, 'room', 'pending', 0, ? FROM poll_posts "
        "WHERE poll_id = ? ORDER BY rowid",
        (cursor.lastrowid, now, poll_id),
    )
    if rows.rowcount <= 0:  # it was nowhere yet: nothing to finish later
        await conn.execute(
            "UPDATE broadcasts SET finished_at = ? WHERE id = ?", (now, cursor.lastrowid)
        )


def _poll(row: sqlite3.Row) -> Poll:
    answers = tuple((str(a), str(t)) for a, t in json.loads(row["answers"]))
    result = json.loads(row["result"]) if row["result"] is not None else None
    return Poll(
        id=int(row["id"]),
        question=str(row["question"]),
        answers=answers,
        disclosed=bool(row["disclosed"]),
        topic=row["topic"],
        created_by=str(row["created_by"]),
        report_room=str(row["report_room"]),
        created_at=float(row["created_at"]),
        ended_at=None if row["ended_at"] is None else float(row["ended_at"]),
        result=None if result is None else {str(k): int(v) for k, v in result.items()},
    )
