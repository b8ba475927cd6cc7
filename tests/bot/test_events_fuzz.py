"""Property: no event content, whatever JSON it holds, makes the event step or the router raise."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nio import MatrixRoom, RoomGetEventError
from nio.events import Event

from bot.events import EventHandler
from commands.router import Router
from config.settings import default_faq_settings
from store.db import Database
from store.events import HandledEvents, UndecryptableEvents
from tests.commands.fakes import CITIZEN, MANAGER, make_router

BOT = "@klimabot:ochtrup.test"
ROOM = "!dm:ochtrup.test"

_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
)
_json = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)
_bodies = (
    st.sampled_from(
        ["!ping", "!hilfe", "ja", "nein", "1", "!vergessen", "Was ist ein Balkonkraftwerk?", ""]
    )
    | st.text(max_size=60)
    | _json
)
_event_ids = st.sampled_from(["$original", "$other"]) | _json
_relation = st.fixed_dictionaries(
    {},
    optional={
        "rel_type": st.sampled_from(["m.replace", "m.thread", "m.annotation", "m.reference"])
        | _json,
        "event_id": _event_ids,
        "key": st.sampled_from(["👍", "👎", "✅", "❌"]) | _json,
        "m.in_reply_to": st.fixed_dictionaries({}, optional={"event_id": _event_ids}) | _json,
        "is_falling_back": _json,
    },
)
_extras = {
    "m.relates_to": _relation | _json,
    "m.new_content": st.fixed_dictionaries({}, optional={"body": _bodies}) | _json,
    "m.mentions": st.fixed_dictionaries({}, optional={"user_ids": _json}) | _json,
}
_words = st.sampled_from(["!ping", "ja", "1", "die zweite", "Hallo"]) | st.text(max_size=60)
# Mostly text messages that nio accepts (so they reach the router), with broken extras ...
_text_content = st.fixed_dictionaries(
    {"msgtype": st.just("m.text"), "body": _words},
    optional={"formatted_body": _words, "format": st.just("org.matrix.custom.html"), **_extras},
)
# ... and content of any shape at all.
_any_content = (
    st.fixed_dictionaries(
        {},
        optional={
            "msgtype": st.sampled_from(["m.text", "m.notice", "m.image", "m.location"]) | _json,
            "body": _bodies,
            "url": _json,
            "file": _json,
            **_extras,
        },
    )
    | _json
)
_content = st.one_of(_text_content, _text_content, _any_content)
_message = st.just("m.room.message")
_types = st.one_of(
    _message,
    _message,
    _message,
    st.sampled_from(["m.reaction", "m.sticker", "org.matrix.msc3381.poll.start", "m.poll.start"]),
)


class FakeClient:
    """The few parts of nio's client the event step uses; the original of an edit is unknown."""

    def __init__(self) -> None:
        self.user_id = BOT
        room = MatrixRoom(ROOM, BOT)
        room.add_member(BOT, "Klimabot", None)
        room.add_member(CITIZEN, "Bürger", None)
        self.rooms = {ROOM: room}

    async def room_get_event(self, room_id: str, event_id: str) -> Any:
        return RoomGetEventError("not found", "M_NOT_FOUND")


class QuietReplier:
    async def typing(self, room_id: str, on: bool) -> None:
        return None

    def forget(self, event_id: str) -> None:
        return None


def handler_for(router: Router, db: Database) -> EventHandler:
    return EventHandler(
        client=FakeClient(),  # type: ignore[arg-type]
        router=router,
        replier=QuietReplier(),  # type: ignore[arg-type]
        handled=HandledEvents(db),
        undecryptable=UndecryptableEvents(db),
        max_age=timedelta(hours=24),
        direct=TheDm(),  # type: ignore[arg-type]
    )


class TheDm:
    """bot/direct.py's judgement: the test room is a DM (so that plain text is answered)."""

    def is_direct(self, room: MatrixRoom) -> bool:
        return room.room_id == ROOM


def test_arbitrary_event_content_never_raises(tmp_path: Path) -> None:
    loop = asyncio.new_event_loop()
    try:
        router, replier, db, _ = loop.run_until_complete(
            make_router(tmp_path, limit=10**6, faq=default_faq_settings())
        )
        handler = handler_for(router, db)
        counter = iter(range(10**9))

        @settings(
            max_examples=400,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )
        @given(event_type=_types, content=_content, sender=st.sampled_from([CITIZEN, MANAGER]))
        def check(event_type: str, content: Any, sender: str) -> None:
            source = {
                "type": event_type,
                "event_id": f"$fuzz{next(counter)}",
                "sender": sender,
                "origin_server_ts": int(time.time() * 1000),
                "content": content,
            }
            event = Event.parse_event(source)
            room = handler.client.rooms[ROOM]
            # Not guarded(): the step itself must cope, the boundary is only the last resort.
            loop.run_until_complete(handler.on_event(room, event))

        check()
        text_only = "nur Textnachrichten"
        answered = [plain for _, plain, _ in replier.sent if text_only not in plain]
        assert len(answered) > 40, "the examples must reach the router and get answers"
        loop.run_until_complete(db.close())
    finally:
        loop.close()
