"""Taking back the ✅ that registered someone for an event (a redaction) unregisters them."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nio import MatrixRoom
from nio.events import Event

from bot.events import _redaction
from commands.context import Reaction
from commands.termine import register_by_reaction, unregister_by_redaction
from tests.bot.test_events_fuzz import handler_for
from tests.commands.fakes import CITIZEN, MANAGER, make_router
from tests.commands.test_termine import NOW, OTHER, Env, FakeMailer, create

ROOM = "!room:ochtrup.test"


@pytest.fixture
async def env(tmp_path: Path) -> AsyncIterator[Env]:
    """As in tests/commands/test_termine.py (bot/app.py's reaction wiring)."""
    router, replier, db, clock = await make_router(tmp_path)
    clock.now = NOW
    mailer = FakeMailer()
    assert router.services.events is not None
    router.services.events.mailer = mailer
    router.reaction_handlers = (register_by_reaction,)
    yield Env(router, replier, db, clock, mailer)
    await db.close()


async def _announced(env: Env, places: int = 1) -> int:
    """An event announced in a topic room as '$room-ann'; return its number."""
    services = env.router.services
    assert services.broadcaster is not None
    services.broadcaster.topic_rooms = {"mobilitaet": (ROOM,)}
    number = await create(
        env, f"titel=Abend; wann=morgen 18 Uhr; plätze={places}; thema=mobilitaet"
    )
    broadcasts = services.broadcaster.broadcasts
    [delivery] = await broadcasts.due(env.clock.now + 10, 10)
    await broadcasts.mark_sent(delivery.id, "$room-ann")
    return number


async def _who(env: Env, number: int) -> list[tuple[str, bool]]:
    return [(r.user_id, r.waiting) for r in await env.events.store.registrations(number)]


async def test_taking_back_the_registering_check_unregisters_and_moves_the_waiting_list_up(
    env: Env,
) -> None:
    number = await _announced(env, places=1)
    await env.router.react(Reaction("$r1", ROOM, CITIZEN, "$room-ann", "✅"))
    await env.router.react(Reaction("$r2", ROOM, OTHER, "$room-ann", "✅"))
    assert await _who(env, number) == [(CITIZEN, False), (OTHER, True)]
    assert await unregister_by_redaction(env.events, "$r1", CITIZEN)
    assert await _who(env, number) == [(OTHER, False)]
    assert "Sie haben Ihr ✅ zurückgenommen" in env.mailer.to(CITIZEN)[-1]
    assert "abgemeldet" in env.mailer.to(CITIZEN)[-1]
    assert "Platz frei geworden" in env.mailer.to(OTHER)[-1]
    # Taken back twice (the redaction seen again): nothing more happens.
    assert not await unregister_by_redaction(env.events, "$r1", CITIZEN)


async def test_taking_back_a_check_on_the_waiting_list_leaves_the_waiting_list(env: Env) -> None:
    number = await _announced(env, places=1)
    await env.router.react(Reaction("$r1", ROOM, CITIZEN, "$room-ann", "✅"))
    await env.router.react(Reaction("$r2", ROOM, OTHER, "$room-ann", "✅"))
    assert await unregister_by_redaction(env.events, "$r2", OTHER)
    assert await _who(env, number) == [(CITIZEN, False)]
    assert "nicht mehr auf der Warteliste" in env.mailer.to(OTHER)[-1]


async def test_someone_elses_redaction_of_the_check_does_not_unregister(env: Env) -> None:
    number = await _announced(env)
    await env.router.react(Reaction("$r1", ROOM, CITIZEN, "$room-ann", "✅"))
    # A moderator removing the reaction is not the person withdrawing.
    assert not await unregister_by_redaction(env.events, "$r1", MANAGER)
    assert not await unregister_by_redaction(env.events, "$r1", OTHER)
    assert await _who(env, number) == [(CITIZEN, False)]


async def test_redacting_an_unrelated_event_or_a_check_that_registered_nobody_does_nothing(
    env: Env,
) -> None:
    number = await _announced(env, places=3)
    assert "angemeldet" in await env.say(f"!anmelden {number}")
    # A ✅ after `!anmelden` registered nobody ("schon angemeldet"): taking it back keeps it.
    await env.router.react(Reaction("$late", ROOM, CITIZEN, "$room-ann", "✅"))
    assert not await unregister_by_redaction(env.events, "$late", CITIZEN)
    assert not await unregister_by_redaction(env.events, "$room-ann", CITIZEN)
    assert not await unregister_by_redaction(env.events, "$nothing", CITIZEN)
    assert await _who(env, number) == [(CITIZEN, False)]


async def test_an_old_check_taken_back_after_leaving_and_joining_again_changes_nothing(
    env: Env,
) -> None:
    number = await _announced(env, places=3)
    await env.router.react(Reaction("$r1", ROOM, CITIZEN, "$room-ann", "✅"))
    await env.say(f"!abmelden {number}")
    await env.say(f"!anmelden {number}")
    assert not await unregister_by_redaction(env.events, "$r1", CITIZEN)
    assert await _who(env, number) == [(CITIZEN, False)]


async def test_a_redaction_from_the_sync_unregisters_its_sender_in_either_form(env: Env) -> None:
    number = await _announced(env, places=3)
    await env.router.react(Reaction("$r1", ROOM, CITIZEN, "$room-ann", "✅"))
    await env.router.react(Reaction("$r2", ROOM, OTHER, "$room-ann", "✅"))
    handler = handler_for(env.router, env.db)
    room = MatrixRoom(ROOM, "@klimabot:ochtrup.test")
    now = int(time.time() * 1000)
    by_moderator = _source(sender=MANAGER, redacts="$r1", origin_server_ts=now)
    await handler.on_event(room, Event.parse_event(by_moderator))
    assert len(await _who(env, number)) == 2
    await handler.on_event(room, Event.parse_event(_source(redacts="$r1", origin_server_ts=now)))
    v11 = _source(sender=OTHER, content={"redacts": "$r2"}, origin_server_ts=now)
    await handler.on_event(room, Event.parse_event(v11))
    assert await _who(env, number) == []


def _source(**fields: Any) -> dict[str, Any]:
    return {
        "type": "m.room.redaction",
        "event_id": "$red",
        "sender": CITIZEN,
        "origin_server_ts": 1000,
        "content": {},
        **fields,
    }


def test_redactions_are_read_in_both_room_version_forms_and_hostile_ones_are_skipped() -> None:
    old = Event.parse_event(_source(redacts="$r1"))
    new = Event.parse_event(_source(content={"redacts": "$r1"}))  # room version 11
    assert _redaction(old) == ("$r1", CITIZEN, 1000)
    assert _redaction(new) == ("$r1", CITIZEN, 1000)
    for hostile in (
        _source(redacts=5),
        _source(content={"redacts": ["$r1"]}),
        _source(content="$r1"),
        _source(redacts="r1"),
        _source(redacts="$r1", origin_server_ts=True),
        _source(redacts="$r1", origin_server_ts="1000"),
        _source(redacts="$r1", type="m.reaction"),
    ):
        # As the source nio keeps (it refuses some of these itself, which is fine too).
        event: Any = SimpleNamespace(source=hostile)
        assert _redaction(event) is None, hostile


def test_hostile_redactions_never_raise(
    tmp_path: Path,
) -> None:
    loop = asyncio.new_event_loop()
    try:
        router, _, db, _ = loop.run_until_complete(make_router(tmp_path, limit=10**6))
        handler = handler_for(router, db)
        room = MatrixRoom("!dm:ochtrup.test", "@klimabot:ochtrup.test")
        _json = st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=10),
            lambda inner: (
                st.lists(inner, max_size=3)
                | st.dictionaries(st.text(max_size=8), inner, max_size=3)
            ),
            max_leaves=8,
        )
        ids = st.sampled_from(["$r1", "$room-ann"]) | _json

        @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        @given(top=ids, inner=ids, content=_json, sender=st.sampled_from([CITIZEN, MANAGER]))
        def check(top: Any, inner: Any, content: Any, sender: str) -> None:
            source = _source(sender=sender, origin_server_ts=int(time.time() * 1000))
            source["redacts"] = top
            source["content"] = {"redacts": inner, "x": content}
            event = Event.parse_event(source)
            loop.run_until_complete(handler.on_event(room, event))

        check()
        loop.run_until_complete(db.close())
    finally:
        loop.close()
