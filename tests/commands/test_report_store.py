"""store/report.py on a real SQLite file: the report's counts, and that nothing names a person."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from commands.report.model import broadcast_stats, network_stats
from store.db import Database
from store.report import ReportStore

START, END = 1_000.0, 2_000.0


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "k.sqlite")
    yield database
    await database.close()


async def _broadcast(
    db: Database, kind: str, topic: str | None, at: float, states: list[str]
) -> None:
    await db.execute(
        "INSERT INTO broadcasts (kind, topic, author, body, created_at) VALUES (?, ?, ?, ?, ?)",
        (kind, topic, "@ksm:x", "Text", at),
    )
    row = await db.fetchone("SELECT MAX(id) AS id FROM broadcasts")
    assert row is not None
    for n, state in enumerate(states):
        kind_of = "room" if state == "room" else "user"
        await db.execute(
            "INSERT INTO deliveries (broadcast_id, recipient, recipient_kind, state, updated_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (row["id"], f"@u{n}:x", kind_of, "sent" if state == "room" else state, at),
        )


async def test_broadcasts_of_the_period_with_their_reach(db: Database) -> None:
    await _broadcast(db, "announcement", "mobilitaet", 1_500, ["sent", "sent", "digest", "room"])
    await _broadcast(db, "measure_update", "waerme", 1_600, ["sent", "undeliverable", "pending"])
    await _broadcast(db, "announcement", "mobilitaet", 2_500, ["sent"])  # after the period
    await _broadcast(db, "digest", None, 1_700, ["sent"])  # a digest is no broadcast of its own
    store = ReportStore(db)
    stats = broadcast_stats(
        await store.broadcasts(START, END), await store.distinct_users_reached(START, END)
    )
    assert stats.count == 2
    assert stats.by_kind == (("announcement", 1), ("measure_update", 1))
    assert (stats.direct, stats.digest, stats.rooms) == (3, 1, 1)
    assert (stats.undeliverable, stats.pending) == (1, 1)
    assert stats.people == 3  # @u0 and @u1 got both, @u2 got one in the digest


async def _actor(db: Database, user: str, kind: str, at: float) -> None:
    await db.execute(
        "INSERT INTO actors (user_id, name, actor_type, district, topics, listed, "
        "consent_purpose, consent_version, consent_at, created_at, updated_at) "
        "VALUES (?, ?, ?, 'Ochtrup', 'mobilitaet', 1, 'p', '1', ?, ?, ?)",
        (user, f"Name {user}", kind, at, at, at),
    )


async def test_actor_network_counts_by_type_and_introductions(db: Database) -> None:
    await _actor(db, "@a:x", "Handwerk", 500)
    await _actor(db, "@b:x", "Handwerk", 1_200)
    await _actor(db, "@c:x", "Verein/Initiative", 1_300)
    await _actor(db, "@d:x", "Schule/Kita", 2_200)  # joined after the period
    for status, at in (("accepted", 1_400), ("declined", 1_500), ("open", 1_900), ("open", 900)):
        await db.execute(
            "INSERT INTO introductions (requester, target, reason, status, created_at) "
            "VALUES ('@a:x', '@b:x', 'r', ?, ?)",
            (status, at),
        )
    store = ReportStore(db)
    network = network_stats(
        await store.actor_types(END),
        await store.new_actors(START, END),
        await store.introductions(START, END),
    )
    assert network.actors == 3
    assert network.new == 2
    assert network.by_type == (("Handwerk", 2), ("Verein/Initiative", 1))
    assert network.introductions == {"accepted": 1, "declined": 1, "open": 1}
    assert network.requests == 3


async def test_questions_are_counted_by_outcome_and_entry_without_texts(db: Database) -> None:
    rows = (
        ("answer", "wp-kosten", 0, 1_100),
        ("answer", "wp-kosten", 0, 1_200),
        ("dont_know", None, 0, 1_300),
        ("dont_know", None, 1, 1_400),  # on topic, not this point
        ("answer", "pv", 0, 2_100),  # after the period
    )
    for outcome, entry, on_topic, at in rows:
        await db.execute(
            "INSERT INTO faq_questions (user_id, room_id, text, outcome, entry_id, confidence, "
            "asked_at, on_topic) VALUES ('@u:x', '!r:x', 'Geheime Frage', ?, ?, 0.5, ?, ?)",
            (outcome, entry, at, on_topic),
        )
    counted = await ReportStore(db).questions(START, END)
    assert sorted(counted, key=str) == sorted(
        [("answer", "wp-kosten", 2), ("dont_know", None, 1), ("on_topic", None, 1)], key=str
    )
    assert "Geheime Frage" not in repr(counted)
