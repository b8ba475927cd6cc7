"""store/nudges.py on a real SQLite file: activity, batches, replies, forgetting."""

from __future__ import annotations

import datetime
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from store.db import Database
from store.measures import MeasureStore
from store.nudges import NewItem, NudgeStore
from store.privacy import PrivacyStore

OWNER = "@owner:x"


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "k.sqlite")
    yield database
    await database.close()


async def test_last_activity_is_the_latest_change_of_any_kind(db: Database) -> None:
    measures = MeasureStore(db)
    await measures.seed({"a": ("geplant", 0), "b": ("geplant", 0)})
    await db.execute("UPDATE measure_state SET updated_at = 100")
    await measures.record_value("a", "i", 1.0, datetime.date(2026, 1, 1), OWNER)
    await db.execute("UPDATE measure_values SET created_at = 500")
    await measures.record_milestone("b", 1, OWNER, done=True)
    await db.execute("UPDATE measure_milestones SET created_at = 300")
    await measures.record("b", OWNER, text="news")
    await db.execute("UPDATE measure_updates SET created_at = 200")
    assert await NudgeStore(db).last_activity() == {"a": 500.0, "b": 300.0}


async def test_reply_lookup_tells_unknown_events_from_answered_batches(db: Database) -> None:
    store = NudgeStore(db)
    batch = await store.create_batch(OWNER, [NewItem("a", True), NewItem("b", False)], 10.0)
    await store.set_sent(batch, "!dm:x", "$nudge")
    items = await store.batch_items(OWNER, "$nudge")
    assert items is not None
    assert [(i.position, i.measure_id) for i in items] == [(1, "a"), (2, "b")]
    assert await store.batch_items("@someone-else:x", "$nudge") is None
    assert await store.batch_items(OWNER, "$other") is None
    await store.close([i.id for i in items], "answered", 20.0)
    assert await store.batch_items(OWNER, "$nudge") == []
    assert await store.open_items(OWNER) == []


async def test_undelivered_batch_counts_for_the_week_but_asked_nothing(db: Database) -> None:
    store = NudgeStore(db)
    due = NewItem("a", False, ((2, "2027-01-01"),))
    batch = await store.create_batch(OWNER, [due], 10.0)
    assert await store.nudged_milestones(OWNER) == {("a", 2, "2027-01-01")}
    await store.close_batch(batch, "undeliverable", 11.0)
    assert await store.last_batch_at(OWNER) == 10.0
    assert await store.nudged_milestones(OWNER) == set()
    assert await store.open_items(OWNER) == []


async def test_nudges_are_exported_and_forgotten_with_the_owner(db: Database) -> None:
    store = NudgeStore(db)
    batch = await store.create_batch(OWNER, [NewItem("kommunale-waermeplanung", True)], 10.0)
    await store.set_sent(batch, "!dm:x", "$nudge")
    privacy = PrivacyStore(db)
    data = await privacy.export(OWNER)
    assert data["nudge_items"][0]["measure_id"] == "kommunale-waermeplanung"
    assert data["nudge_batches"][0]["event_id"] == "$nudge"
    await privacy.forget(OWNER)
    assert await privacy.export(OWNER) == {}
    assert await db.fetchall("SELECT * FROM nudge_items") == []
    assert await db.fetchall("SELECT * FROM nudge_batches") == []
