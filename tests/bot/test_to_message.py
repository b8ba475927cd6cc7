"""The event-to-message step: invisible characters in front of a command do not hide it."""

from __future__ import annotations

from nio import MatrixRoom
from nio.events import Event

from bot.messages import strip_invisible, to_message


def test_zero_width_and_bidi_marks_in_front_of_a_command_are_dropped() -> None:
    assert strip_invisible("\u200b!vergessen") == "!vergessen"
    assert strip_invisible("\u202e\ufeff!ping") == "!ping"
    assert strip_invisible("Hallo\u200b") == "Hallo\u200b"  # only in front


def test_a_command_behind_a_zero_width_space_reaches_the_router_as_a_command() -> None:
    room = MatrixRoom("!r:x", "@bot:x")
    event = Event.parse_event(
        {
            "type": "m.room.message",
            "event_id": "$e",
            "sender": "@u:x",
            "origin_server_ts": 1,
            "content": {"msgtype": "m.text", "body": "\u200b!vergessen"},
        }
    )
    message = to_message(room, event, "@bot:x", is_direct=True)
    assert message is not None
    assert message.body == "!vergessen"
