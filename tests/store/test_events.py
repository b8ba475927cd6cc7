"""Handled and undecryptable event records."""

from __future__ import annotations

from pathlib import Path

from store.db import Database
from store.events import UndecryptableEvents


async def test_undecryptable_records_are_listed_pruned_and_resolved(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "k.sqlite")
    try:
        events = UndecryptableEvents(db)
        for event_id, seen_at in (("$old", 100.0), ("$new", 200.0), ("$newer", 300.0)):
            await events.record(event_id, "!room:x", "session")
            await db.execute(
                "UPDATE undecryptable_events SET seen_at = ? WHERE event_id = ?",
                (seen_at, event_id),
            )
        await events.record("$new", "!room:x", "session")  # seen again: still one record
        assert await events.count() == 3
        assert await events.waiting(since=150.0) == [("$new", "!room:x"), ("$newer", "!room:x")]
        assert await events.prune(older_than=150.0) == 1
        assert await events.count() == 2
        await events.resolve("$new")
        assert await events.waiting(since=0.0) == [("$newer", "!room:x")]
    finally:
        await db.close()
