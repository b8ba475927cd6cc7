"""Broadcast planning without a homeserver: quiet hours, digest, scheduled posts and DST."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from commands.broadcast import Broadcaster, TopicIndex
from commands.i18n import Catalog
from commands.quiet import BERLIN
from commands.schedule import ScheduleService
from commands.when import Schedule
from config.faq import load_topics
from config.settings import default_faq_settings
from store.broadcasts import BroadcastStore
from store.db import Database
from store.schedules import ScheduleStore
from store.subscriptions import DeliveryPrefs, SubscriptionStore
from store.users import UserSettings


def _ts(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=BERLIN).timestamp()


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def parts(tmp_path: Path) -> AsyncIterator[Any]:
    db = await Database.open(tmp_path / "k.sqlite")
    clock = Clock(_ts("2026-11-25T22:30"))  # inside the default quiet hours
    topics = TopicIndex(load_topics(default_faq_settings().topics_file))
    woken: list[int] = []
    broadcaster = Broadcaster(
        BroadcastStore(db),
        SubscriptionStore(db),
        UserSettings(db),
        Catalog.load(),
        topics,
        {"mobilitaet": ("!radroom:x",)},
        "!",
        wake=lambda: woken.append(1),
        clock=clock,
    )
    yield broadcaster, clock, db, woken
    await db.close()


async def test_quiet_hours_defer_dms_until_morning(parts: Any) -> None:
    broadcaster, clock, _, _ = parts
    subs = broadcaster.subscriptions
    for user in ("@a:x", "@b:x"):
        await subs.subscribe(user, "topic", "mobilitaet")
    await subs.set_prefs("@b:x", DeliveryPrefs("sofort", ""))
    audience = await broadcaster.audience("mobilitaet")
    by_target = {r.target: r for r in audience.recipients}
    assert by_target["@a:x"].not_before == _ts("2026-11-26T07:00")
    assert by_target["@b:x"].not_before == 0.0
    assert by_target["!radroom:x"].kind == "room"
    assert (audience.users, audience.deferred, audience.rooms) == (2, 1, 1)


async def test_weekly_subscribers_are_collected_into_one_digest(parts: Any) -> None:
    broadcaster, _, _, woken = parts
    subs = broadcaster.subscriptions
    await subs.subscribe("@w:x", "topic", "mobilitaet")
    await subs.subscribe("@w:x", "topic", "waerme-heizung")
    await subs.set_prefs("@w:x", DeliveryPrefs("woechentlich", ""))
    await broadcaster.send(None, "announcement", "mobilitaet", "Radtour am Sonntag")
    await broadcaster.send(None, "announcement", "waerme-heizung", "Neue Förderung")
    store = broadcaster.broadcasts
    # Nothing goes to the weekly subscriber directly: it waits for the digest.
    assert all(d.recipient != "@w:x" for d in await store.due(10**12, 100))
    assert await broadcaster.send_digests() == 1
    [digest] = [d for d in await store.due(10**12, 100) if d.recipient == "@w:x"]
    assert "Radtour am Sonntag" in digest.body
    assert "Neue Förderung" in digest.body
    assert await broadcaster.send_digests() == 0  # nothing new, nothing sent
    assert woken


async def _service(broadcaster: Broadcaster, db: Database, clock: Clock) -> Any:
    notes: list[tuple[str, str]] = []

    async def notify(room: str, text: str) -> None:
        notes.append((room, text))

    service = ScheduleService(
        ScheduleStore(db), broadcaster, Catalog.load(), notify, timedelta(hours=1), clock
    )
    return service, notes


async def test_post_missed_within_grace_is_sent_late_and_reported(parts: Any) -> None:
    broadcaster, clock, db, _ = parts
    service, notes = await _service(broadcaster, db, clock)
    due = datetime.fromtimestamp(clock.now - 600, BERLIN)
    await service.add(
        Schedule(due, None, due.hour, due.minute), "mobilitaet", "Hallo", "@m:x", "!t:x"
    )
    await service.start()
    assert "verspätet" in notes[0][1]
    assert len(await broadcaster.broadcasts.unfinished()) == 1
    assert await service.store.active() == []


async def test_post_missed_beyond_grace_is_skipped_and_reported(parts: Any) -> None:
    broadcaster, clock, db, _ = parts
    service, notes = await _service(broadcaster, db, clock)
    due = datetime.fromtimestamp(clock.now - 3 * 3600, BERLIN)
    await service.add(
        Schedule(due, None, due.hour, due.minute), "mobilitaet", "Hallo", "@m:x", "!t:x"
    )
    await service.start()
    assert "NICHT gesendet" in notes[0][1]
    assert await broadcaster.broadcasts.unfinished() == []
    assert await service.store.active() == []


async def test_firing_twice_sends_once(parts: Any) -> None:
    broadcaster, clock, db, _ = parts
    service, _ = await _service(broadcaster, db, clock)
    due = datetime.fromtimestamp(clock.now + 60, BERLIN)
    post_id = await service.add(
        Schedule(due, None, due.hour, due.minute), "mobilitaet", "Hallo", "@m:x", "!t:x"
    )
    clock.now += 61
    await service.fire(post_id)
    await service.fire(post_id)
    assert len(await broadcaster.broadcasts.unfinished()) == 1


async def test_weekly_post_keeps_local_time_across_dst(parts: Any) -> None:
    broadcaster, clock, db, _ = parts
    service, _ = await _service(broadcaster, db, clock)
    first = datetime(2027, 3, 22, 9, 0, tzinfo=BERLIN)  # Monday before the spring change
    clock.now = first.timestamp() - 60
    post_id = await service.add(
        Schedule(first, 0, 9, 0), "mobilitaet", "Wochenpost", "@m:x", "!t:x"
    )
    clock.now = first.timestamp()
    await service.fire(post_id)
    [post] = await service.store.active()
    following = datetime.fromtimestamp(post.due_at, BERLIN)
    assert (following.date().isoformat(), following.hour, following.minute) == ("2027-03-29", 9, 0)
    assert post.due_at - first.timestamp() == 7 * 24 * 3600 - 3600


async def test_thumbs_up_on_a_topic_announcement_subscribes(parts: Any, tmp_path: Path) -> None:
    from commands.context import Reaction
    from commands.subscriptions import subscribe_by_reaction
    from tests.commands.fakes import make_router, message

    broadcaster, _, _, _ = parts
    router, replier, db, _ = await make_router(tmp_path / "r")
    try:
        router.services.broadcaster = broadcaster
        await broadcaster.broadcasts.remember_announcement("$ann", "mobilitaet")
        ctx = await router._context(message("👍"))
        assert await subscribe_by_reaction(ctx, Reaction("$r", "!room:x", "@fan:x", "$ann", "👍"))
        assert await broadcaster.subscriptions.of_user("@fan:x") == [("topic", "mobilitaet")]
        assert "abonniert" in replier.texts[0]
        other = Reaction("$r2", "!room:x", "@fan:x", "$not-an-announcement", "👍")
        assert not await subscribe_by_reaction(ctx, other)
    finally:
        await db.close()
