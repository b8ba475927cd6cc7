"""'On topic, not this point' is stored: open like a don't-know, and counted as its own outcome."""

from __future__ import annotations

import time
from pathlib import Path

from store.db import Database
from store.faq import FaqStore
from store.faqstats import FaqStatsStore


async def test_an_on_topic_question_is_open_and_counted_as_on_topic(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "k.sqlite")
    try:
        store = FaqStore(db)
        await store.record_question("@a:x", "!r:x", "Wie laut ist das?", "on_topic", None, 0.9)
        await store.record_question("@b:x", "!r:x", "Wer bist du", "dont_know", None, 0.1)
        await store.record_question("@c:x", "!r:x", "Was kostet PV?", "answer", "pv-kosten", 0.9)
        assert {q.text for q in await store.open_questions()} == {
            "Wie laut ist das?",
            "Wer bist du",
        }
        rows = await FaqStatsStore(db).asked(0, time.time() + 1)
        assert sorted(r.outcome for r in rows) == ["answer", "dont_know", "on_topic"]
    finally:
        await db.close()
