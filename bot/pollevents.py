"""Polls on the wire: reading poll responses from nio events, and sending poll events.

nio 0.26 knows no poll events: an `m.poll.response` arrives as an `UnknownEvent` whose `type` is
the event type and whose `source` is the whole event — in encrypted rooms too, where nio
decrypts the `m.room.encrypted` event and parses the plaintext the same way (until the room key
arrives it is a `MegolmEvent`, which bot/events.py waits out as for any message). Every field of
the content may be any JSON type or missing (bot/content.py).
"""

from __future__ import annotations

from typing import Any

from nio import AsyncClient, RoomSendError, UnknownEvent
from nio.events import BadEvent, Event

from bot.content import as_dict, as_str, event_id_or_none
from bot.outbox import Outbox
from bot.replies import SendFailedError
from commands.polls import PollVote

__all__ = ["MatrixPollTransport", "poll_vote", "selections"]

RESPONSE_TYPES = frozenset({"m.poll.response", "org.matrix.msc3381.poll.response"})
# Where the answer IDs are: Element's (and its unstable) form, then MSC3381's newer m.selections.
_RESPONSE_KEYS = ("m.poll.response", "org.matrix.msc3381.poll.response")
_MAX_SELECTIONS = 20
_MAX_ID_LENGTH = 100
_MAX_TS = 2**53


def selections(content: dict[str, Any]) -> tuple[str, ...]:
    """The answer IDs a response names (strings of sane length only, at most 20)."""
    for key in _RESPONSE_KEYS:
        answers = as_dict(content.get(key)).get("answers")
        if isinstance(answers, list):
            return _ids(answers)
    chosen = content.get("m.selections")
    return _ids(chosen) if isinstance(chosen, list) else ()


def _ids(values: list[Any]) -> tuple[str, ...]:
    found = (as_str(v) for v in values[:_MAX_SELECTIONS])
    return tuple(v for v in found if v and len(v) <= _MAX_ID_LENGTH)


def poll_vote(room_id: str, event: Event | BadEvent) -> PollVote | None:
    """The vote in `event` if it is a poll response (a reference to a start event), else None."""
    if not isinstance(event, UnknownEvent) or event.type not in RESPONSE_TYPES:
        return None
    source = as_dict(event.source)
    content = as_dict(source.get("content"))
    relates = as_dict(content.get("m.relates_to"))
    start = event_id_or_none(relates.get("event_id"))
    sent = source.get("origin_server_ts")
    if relates.get("rel_type") != "m.reference" or start is None:
        return None
    if not isinstance(sent, int) or isinstance(sent, bool) or not 0 <= sent <= _MAX_TS:
        return None
    event_id, sender = getattr(event, "event_id", None), getattr(event, "sender", None)
    if not isinstance(event_id, str) or not isinstance(sender, str):
        return None
    return PollVote(event_id, room_id, sender, start, selections(content), sent)


class MatrixPollTransport:
    """Implements commands.polls.PollTransport on the nio client and the outbox's DM rooms."""

    def __init__(self, client: AsyncClient, outbox: Outbox) -> None:
        self._client = client
        self._outbox = outbox

    async def post(self, room_id: str, event_type: str, content: dict[str, Any]) -> str:
        """Send one event (encrypted in encrypted rooms, as nio does for any type)."""
        resp = await self._client.room_send(
            room_id, event_type, content, ignore_unverified_devices=True
        )
        if isinstance(resp, RoomSendError):
            raise SendFailedError(f"{resp.status_code}: {resp.message}")
        return str(resp.event_id)

    async def dm_room(self, user_id: str) -> str:
        """The user's DM room with the bot (the outbox creates it if needed)."""
        return await self._outbox.dm_room_for(user_id)
