"""nio events -> gates -> our own Message (bot/messages.py) -> router. Nothing from nio travels on.

The gates run in a fixed order: own message, not a text message, too old (older than
`bot.max_event_age`, or sent before the very first start, or before the bot was invited), empty,
not addressed to the bot, already handled.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from nio import (
    AsyncClient,
    EncryptionError,
    InviteMemberEvent,
    MatrixRoom,
    MegolmEvent,
    MessageDirection,
    ReactionEvent,
    RoomGetEventError,
    RoomGetEventResponse,
    RoomMessagesError,
    RoomMessageText,
    SyncResponse,
)
from nio.events import BadEvent, Event

from bot.content import as_dict, event_id_or_none, user_id_or_none
from bot.direct import DirectRooms
from bot.matrix import TRANSIENT_ERRORS
from bot.messages import edit_target, is_non_text, to_message
from bot.pollevents import poll_vote
from bot.replies import MatrixReplier
from commands.context import Message, Reaction
from commands.polls import PollVote
from commands.router import Route, Router
from commands.termine import unregister_by_redaction
from store.events import HandledEvents, UndecryptableEvents

__all__ = ["EventHandler"]


def _redaction(event: Event | BadEvent) -> tuple[str, str, int] | None:
    """(redacted event ID, sender, origin_server_ts) of an m.room.redaction, read defensively:
    `redacts` is top-level before room version 11 and in the content from then on (nio reads
    only the first and gives a BadEvent for the second)."""
    source = as_dict(getattr(event, "source", None))
    if source.get("type") != "m.room.redaction":
        return None
    redacts = event_id_or_none(source.get("redacts")) or event_id_or_none(
        as_dict(source.get("content")).get("redacts")
    )
    sender = user_id_or_none(source.get("sender"))
    ts = source.get("origin_server_ts")
    if redacts is None or sender is None or not isinstance(ts, int) or isinstance(ts, bool):
        return None
    return redacts, sender, ts


log = logging.getLogger(__name__)

_MAX_BACKFILL_PAGES = 20
# Answers to fetching an event that mean it will never be readable by the bot.
_GONE = frozenset({"M_NOT_FOUND", "M_FORBIDDEN"})
# Show "typing…" only when an answer takes longer than this (seconds).
_TYPING_DELAY = 0.3
# A reply that failed is tried this often in all (after 2, 4, 8 … s), then given up for good.
_MAX_ATTEMPTS = 5
# How many original senders of edited events are remembered (an edit's original is fetched once).
_SENDER_CACHE = 1000


@dataclass
class _Failed:
    """A message whose answer could not be sent, waiting for its next attempt."""

    message: Message
    route: Route
    attempts: int
    next_try: float


@dataclass
class EventHandler:
    """Turns sync responses into handled messages, exactly once each."""

    client: AsyncClient
    router: Router
    replier: MatrixReplier
    handled: HandledEvents
    undecryptable: UndecryptableEvents
    max_age: timedelta
    clock: Callable[[], float] = time.time
    direct: DirectRooms | None = None  # which rooms are DMs (bot/direct.py); None: none is
    _invited_at: dict[str, int] = field(default_factory=dict)
    _history_cutoff_ms: int = 0
    _pending: dict[str, tuple[str, MegolmEvent]] = field(default_factory=dict)
    _failed: dict[str, _Failed] = field(default_factory=dict)
    _restored: bool = False
    _senders: dict[str, str | None] = field(default_factory=dict)

    async def on_sync(self, resp: SyncResponse, first_start: bool) -> None:
        """Handle every new message of a sync response (none on the very first start)."""
        self._note_invites(resp)
        if first_start:
            # Everything before this moment is history the bot was never asked about.
            self._history_cutoff_ms = int(self.clock() * 1000)
            log.info("first start: not answering room history")
            return
        if not self._restored:
            await self._restore_undecryptable()
            self._restored = True
        for room_id, info in resp.rooms.join.items():
            room = self.client.rooms.get(room_id)
            if room is None:
                continue
            events: list[Event] = list(info.timeline.events)
            if info.timeline.limited and info.timeline.prev_batch:
                events = await self._backfill(room_id, info.timeline.prev_batch) + events
            for event in events:
                await self.guarded(room, event)
        await self._retry_undecryptable()
        await self._retry_failed()

    def _note_invites(self, resp: SyncResponse) -> None:
        for room_id, info in resp.rooms.invite.items():
            for ev in info.invite_state:
                if isinstance(ev, InviteMemberEvent) and ev.state_key == self.client.user_id:
                    ts = ev.source.get("origin_server_ts")
                    valid = isinstance(ts, int) and not isinstance(ts, bool) and ts > 0
                    self._invited_at[room_id] = ts if valid else int(self.clock() * 1000)

    async def _backfill(self, room_id: str, start: str) -> list[Event]:
        """Fetch the messages a limited sync left out, back to the age limit."""
        cutoff_ms = (self.clock() - self.max_age.total_seconds()) * 1000
        older: list[Event] = []
        for _ in range(_MAX_BACKFILL_PAGES):
            resp = await self.client.room_messages(
                room_id, start=start, direction=MessageDirection.back, limit=100
            )
            if isinstance(resp, RoomMessagesError) or not resp.chunk:
                break
            older.extend(resp.chunk)
            oldest = getattr(resp.chunk[-1], "server_timestamp", None)
            if not isinstance(oldest, int) or oldest < cutoff_ms or not resp.end:
                break
            start = resp.end
        older.reverse()
        return older

    async def guarded(self, room: MatrixRoom, event: Event | BadEvent) -> None:
        """on_event, but an event whose handling fails is logged with a reference and skipped.

        Whatever a room member sends must neither end the sync loop nor hold up the events after
        it, also not after a restart (the event is recorded as handled). Only a homeserver that
        went away is passed on: the sync loop then backs off and the same events come again.
        """
        event_id = getattr(event, "event_id", None)
        if not isinstance(event_id, str) or not isinstance(getattr(event, "sender", None), str):
            return  # nio could not even read its ID and sender (UnknownBadEvent)
        try:
            await self.on_event(room, event)
        except TRANSIENT_ERRORS:
            raise
        except Exception:
            ref = secrets.token_hex(4)
            log.exception("event %s in %s skipped [ref %s]", event_id, room.room_id, ref)
            await self._skip(event_id, room.room_id)

    async def _skip(self, event_id: str, room_id: str) -> None:
        try:
            await self.handled.mark_handled(event_id, room_id)
        except Exception:
            log.exception("could not record %s as skipped", event_id)

    async def on_event(self, room: MatrixRoom, event: Event | BadEvent) -> None:
        """Run one timeline event through the gates and, if it passes, the router."""
        if isinstance(event, MegolmEvent):
            await self._undecryptable(room, event)
            return
        if event.sender == self.client.user_id:
            return
        if (redaction := _redaction(event)) is not None:
            await self._redaction(room, *redaction)
            return
        if isinstance(event, ReactionEvent):
            await self._reaction(room, event)
            return
        if (vote := poll_vote(room.room_id, event)) is not None:
            await self._poll_vote(vote)
            return
        if is_non_text(event):
            await self._non_text(room, event)
            return
        if not isinstance(event, RoomMessageText):
            return
        if not self._fresh(room.room_id, event.server_timestamp):
            return
        message = to_message(room, event, self.client.user_id, self.is_direct(room))
        if message is None or not message.body.strip():
            return
        route = await self.router.route(message)
        if route is None or await self.handled.is_handled(message.event_id):
            return
        target = edit_target(event)
        if target is not None and await self._sender_of(room.room_id, target) != event.sender:
            # The spec: an edit by anyone but the original's sender is to be ignored.
            log.info("ignoring %s: edits an event %s did not send", event.event_id, event.sender)
            return
        await self._dispatch(message, route)

    def is_direct(self, room: MatrixRoom) -> bool:
        """Whether `room` is a direct chat between the bot and one person."""
        return self.direct is not None and self.direct.is_direct(room)

    async def _non_text(self, room: MatrixRoom, event: Event | BadEvent) -> None:
        """In a DM, answer an image, file, location or poll with "I can read text" (once)."""
        if not self._fresh(room.room_id, event.server_timestamp):
            return
        message = Message(
            event_id=event.event_id,
            room_id=room.room_id,
            sender=event.sender,
            body="",
            is_direct=self.is_direct(room),
            timestamp_ms=event.server_timestamp,
            reply_to=event.event_id,
        )
        if not message.is_direct or await self.handled.is_handled(event.event_id):
            return
        await self._dispatch(message, Route("non_text", ""))

    async def _sender_of(self, room_id: str, event_id: str) -> str | None:
        """Who sent `event_id` (None if the homeserver does not show it to the bot)."""
        if event_id not in self._senders:
            resp = await self.client.room_get_event(room_id, event_id)
            sender = resp.event.sender if isinstance(resp, RoomGetEventResponse) else None
            if len(self._senders) >= _SENDER_CACHE:
                self._senders.pop(next(iter(self._senders)))
            self._senders[event_id] = sender
        return self._senders[event_id]

    def _fresh(self, room_id: str, ts_ms: int) -> bool:
        if ts_ms < (self.clock() - self.max_age.total_seconds()) * 1000:
            return False
        return ts_ms >= max(self._history_cutoff_ms, self._invited_at.get(room_id, 0))

    async def _dispatch(self, message: Message, route: Route) -> None:
        typing = asyncio.create_task(self._typing_after(message.room_id, _TYPING_DELAY))
        try:
            await self.router.dispatch(message, route)
        except Exception:
            # The router already answers user-facing errors; this is transport trouble (the
            # send failed). The event stays unhandled and is tried again after a later sync,
            # a few times; the reply's transaction ID is fixed, so a send that did get through
            # is not doubled.
            await self._note_failure(message, route)
            return
        finally:
            await self._stop_typing(typing, message.room_id)
        self._failed.pop(message.event_id, None)
        await self.handled.mark_handled(message.event_id, message.room_id)
        self.replier.forget(message.event_id)

    async def _note_failure(self, message: Message, route: Route) -> None:
        previous = self._failed.pop(message.event_id, None)
        attempts = 1 if previous is None else previous.attempts + 1
        if attempts >= _MAX_ATTEMPTS:
            ref = secrets.token_hex(4)
            log.exception(
                "could not answer %s after %d attempts; giving up [ref %s]",
                message.event_id,
                attempts,
                ref,
            )
            await self._skip(message.event_id, message.room_id)
            self.replier.forget(message.event_id)
            return
        log.exception("could not answer %s (attempt %d); will retry", message.event_id, attempts)
        delay = 2.0**attempts
        self._failed[message.event_id] = _Failed(message, route, attempts, self.clock() + delay)

    async def _retry_failed(self) -> None:
        for event_id, failed in list(self._failed.items()):
            if not self._fresh(failed.message.room_id, failed.message.timestamp_ms):
                del self._failed[event_id]  # too old now: give up, as after a restart
                continue
            if failed.next_try > self.clock():
                continue
            self.replier.forget(event_id)  # same transaction IDs as the first attempt
            await self._dispatch(failed.message, failed.route)

    async def _typing_after(self, room_id: str, delay: float) -> None:
        await asyncio.sleep(delay)
        await self.replier.typing(room_id, True)

    async def _stop_typing(self, task: asyncio.Task[None], room_id: str) -> None:
        if not task.done():
            # Quick answers need no typing notice: the reply itself arrives first.
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            return
        await self.replier.typing(room_id, False)

    async def _reaction(self, room: MatrixRoom, event: ReactionEvent) -> None:
        if not self._fresh(room.room_id, event.server_timestamp):
            return
        if await self.handled.is_handled(event.event_id):
            return
        reaction = Reaction(
            event_id=event.event_id,
            room_id=room.room_id,
            sender=event.sender,
            target=event.reacts_to,
            key=event.key,
        )
        # A failure here is logged with a reference and skipped by guarded().
        await self.router.react(reaction)
        await self.handled.mark_handled(event.event_id, room.room_id)

    async def _redaction(self, room: MatrixRoom, redacts: str, sender: str, ts: int) -> None:
        """Something taken back by its sender: the ✅ that registered them for an event
        unregisters them, a poll response no longer counts."""
        events = self.router.services.events
        if events is not None and self._fresh(room.room_id, ts):
            await unregister_by_redaction(events, redacts, sender)
        polls = self.router.services.polls
        if polls is not None:
            await polls.withdraw(redacts, sender)

    async def _poll_vote(self, vote: PollVote) -> None:
        """Count a poll response. No age gate: a vote is counted at most once per person and
        poll (the latest wins), so one that arrives late or twice changes nothing wrongly."""
        polls = self.router.services.polls
        if polls is not None:
            await polls.vote(vote)

    async def _undecryptable(self, room: MatrixRoom, event: MegolmEvent) -> None:
        if event.event_id in self._pending or not self._fresh(room.room_id, event.server_timestamp):
            return
        log.warning("cannot decrypt %s in %s yet; asking for the key", event.event_id, room.room_id)
        self._pending[event.event_id] = (room.room_id, event)
        await self.undecryptable.record(event.event_id, room.room_id, event.session_id)
        await self._ask_for_key(event)

    async def _ask_for_key(self, event: MegolmEvent) -> None:
        try:
            await self.client.request_room_key(event)
        except Exception:  # a key request already in flight raises; the key may still come
            log.debug("room key request not sent", exc_info=True)

    async def _restore_undecryptable(self) -> None:
        """After a restart: fetch the events that were still waiting for their room key.

        The wait list lives in memory, the record of it in the store; without this a key that
        arrives after a restart would never get its message answered. Events past the age limit
        are dropped; an event that cannot be fetched any more (the room was left) is resolved.
        A homeserver that does not answer raises, and the sync loop tries again later.
        """
        cutoff = self.clock() - self.max_age.total_seconds()
        await self.undecryptable.prune(cutoff)
        for event_id, room_id in await self.undecryptable.waiting(cutoff):
            resp = await self.client.room_get_event(room_id, event_id)
            room = self.client.rooms.get(room_id)
            if isinstance(resp, RoomGetEventError) and resp.status_code not in _GONE:
                log.warning("undecryptable %s not fetched (%s); next start", event_id, resp)
            elif not isinstance(resp, RoomGetEventResponse) or room is None:
                log.info("undecryptable %s is gone (%s); forgetting it", event_id, resp)
                await self.undecryptable.resolve(event_id)
            elif isinstance(resp.event, MegolmEvent):
                self._pending[event_id] = (room_id, resp.event)
                await self._ask_for_key(resp.event)
            else:  # its key came while the bot was down
                await self.undecryptable.resolve(event_id)
                await self.guarded(room, resp.event)

    async def _retry_undecryptable(self) -> None:
        for event_id, (room_id, event) in list(self._pending.items()):
            room = self.client.rooms.get(room_id)
            if room is None:
                continue
            try:
                decrypted = self.client.decrypt_event(event)
            except EncryptionError:
                continue
            if isinstance(decrypted, MegolmEvent):
                continue
            del self._pending[event_id]
            await self.undecryptable.resolve(event_id)
            await self.guarded(room, decrypted)
