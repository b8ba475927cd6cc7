"""Which poll a person's typed answer in a DM may count for (PollStore.dm_offers)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from store.broadcasts import BroadcastStore, Recipient
from store.db import Database
from store.faq import FaqStore
from store.polls import PollStore, broadcast_key

ANNA, BERT = "@anna:o", "@bert:o"
DM_ANNA, DM_BERT, TEAM = "!dm-anna:o", "!dm-bert:o", "!team:o"
ANSWERS = (("a1", "Ja"), ("a2", "Nein"))


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "k.sqlite")
    yield database
    await database.close()


async def _sent_poll(db: Database, question: str) -> int:
    """A topic poll the outbox has sent to Anna's and Bert's DMs and to the team room."""
    polls, broadcasts = PollStore(db), BroadcastStore(db)
    poll_id = await polls.create(question, ANSWERS, True, "t", "@m:o", "!m:o")
    recipients = [Recipient(ANNA, "user"), Recipient(BERT, "user"), Recipient(TEAM, "room")]
    await broadcasts.create("poll", "@m:o", question, recipients, dedup_key=broadcast_key(poll_id))
    rooms = {ANNA: DM_ANNA, BERT: DM_BERT, TEAM: TEAM}
    for delivery in await broadcasts.due(10**10, 100):
        event_id = f"$start-{poll_id}-{delivery.recipient}"
        await polls.add_post(poll_id, rooms[delivery.recipient], event_id)
        await broadcasts.mark_sent(delivery.id, event_id)
    return poll_id


async def _offered(db: Database, user: str, room: str) -> list[int]:
    return [p.id for p in await PollStore(db).dm_offers(user, room)]


async def test_a_poll_is_offered_only_to_its_recipient_in_the_dm_it_went_to(db: Database) -> None:
    first = await _sent_poll(db, "Radweg?")
    second = await _sent_poll(db, "Parken?")
    assert await _offered(db, ANNA, DM_ANNA) == [second, first]
    assert await _offered(db, ANNA, DM_BERT) == []  # someone else's DM
    assert await _offered(db, BERT, DM_ANNA) == []
    assert await _offered(db, ANNA, TEAM) == []  # a room is no DM of anyone


async def test_a_question_or_faq_offer_after_the_poll_ends_its_offer_there(db: Database) -> None:
    await _sent_poll(db, "Radweg?")
    faq = FaqStore(db)
    await faq.record_question(ANNA, DM_ANNA, "Was kostet eine Wärmepumpe?", "answer", "wp", 0.9)
    await faq.offer_choice(BERT, DM_BERT, ("pv-dach",), None)
    assert await _offered(db, ANNA, DM_ANNA) == []
    assert await _offered(db, BERT, DM_BERT) == []
    newer = await _sent_poll(db, "Parken?")  # a poll shown after them is offered again
    assert await _offered(db, ANNA, DM_ANNA) == [newer]
