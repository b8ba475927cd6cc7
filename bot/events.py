"""nio events -> gates -> our own Message -> router. Nothing from nio travels past this module.

The gates run in a fixed order: own message, not a text message, too old (older than
`bot.max_event_age`, or sent before the very first start, or before the bot was invited), empty,
not addressed to the bot, already handled.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

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
from nio.events import Event

from bot.replies import MatrixReplier
from commands.context import Message, Reaction
from commands.router import Route, Router
from store.events import HandledEvents, UndecryptableEvents

__all__ = ["EventHandler", "strip_mention", "strip_reply_fallback", "to_message"]

log = logging.getLogger(__name__)

_MAX_BACKFILL_PAGES = 20
# Answers to fetching an event that mean it will never be readable by the bot.
_GONE = frozenset({"M_NOT_FOUND", "M_FORBIDDEN"})
# Show "typing…" only when an answer takes longer than this (seconds).
_TYPING_DELAY = 0.3


def strip_reply_fallback(body: str) -> str:
    """Remove the quoted '> <@user> …' block that clients put in front of replies."""
    lines = body.split("\n")
    if not lines or not lines[0].startswith("> "):
        return body
    while lines and lines[0].startswith(">"):
        lines.pop(0)
    return "\n".join(lines).strip()


def strip_mention(room: MatrixRoom, bot_id: str, body: str) -> tuple[str, bool]:
    """Remove a leading mention of the bot ("Klimabot: …"); report whether there was one."""
    names = {bot_id, bot_id.split(":", 1)[0].lstrip("@"), room.user_name(bot_id) or ""}
    for name in sorted((n for n in names if n), key=len, reverse=True):
        match = re.match(rf"^\s*@?{re.escape(name)}\s*[:,]?\s*", body, re.IGNORECASE)
        if match:
            return body[match.end() :], True
    return body, False


def to_message(room: MatrixRoom, event: RoomMessageText, bot_id: str = "") -> Message:
    """Our own Message from a nio text event; edits carry their new text."""
    content: dict[str, Any] = event.source.get("content", {})
    relates = content.get("m.relates_to") or {}
    body = event.body
    reply_to = event.event_id
    thread_root = None
    if relates.get("rel_type") == "m.replace" and isinstance(content.get("m.new_content"), dict):
        body = str(content["m.new_content"].get("body", ""))
        reply_to = str(relates.get("event_id", event.event_id))
    elif relates.get("rel_type") == "m.thread":
        thread_root = str(relates.get("event_id"))
    body, named = (
        strip_mention(room, bot_id, strip_reply_fallback(body)) if bot_id else (body, False)
    )
    mentions = content.get("m.mentions") or {}
    mentioned = isinstance(mentions, dict) and bot_id in (mentions.get("user_ids") or [])
    return Message(
        event_id=event.event_id,
        room_id=room.room_id,
        sender=event.sender,
        body=body,
        is_direct=len(room.users) <= 2,
        timestamp_ms=event.server_timestamp,
        reply_to=reply_to,
        thread_root=thread_root,
        mentions_bot=named or mentioned,
    )


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
    _invited_at: dict[str, int] = field(default_factory=dict)
    _history_cutoff_ms: int = 0
    _pending: dict[str, tuple[str, MegolmEvent]] = field(default_factory=dict)
    _failed: dict[str, tuple[Message, Route]] = field(default_factory=dict)
    _restored: bool = False

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
                await self.on_event(room, event)
        await self._retry_undecryptable()
        await self._retry_failed()

    def _note_invites(self, resp: SyncResponse) -> None:
        for room_id, info in resp.rooms.invite.items():
            for ev in info.invite_state:
                if isinstance(ev, InviteMemberEvent) and ev.state_key == self.client.user_id:
                    ts = ev.source.get("origin_server_ts") or int(self.clock() * 1000)
                    self._invited_at[room_id] = int(ts)

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
            if resp.chunk[-1].server_timestamp < cutoff_ms or not resp.end:
                break
            start = resp.end
        older.reverse()
        return older

    async def on_event(self, room: MatrixRoom, event: Event) -> None:
        """Run one timeline event through the gates and, if it passes, the router."""
        if isinstance(event, MegolmEvent):
            await self._undecryptable(room, event)
            return
        if event.sender == self.client.user_id:
            return
        if isinstance(event, ReactionEvent):
            await self._reaction(room, event)
            return
        if not isinstance(event, RoomMessageText):
            return
        if not self._fresh(room.room_id, event.server_timestamp):
            return
        message = to_message(room, event, self.client.user_id)
        if not message.body.strip():
            return
        route = await self.router.route(message)
        if route is None or await self.handled.is_handled(message.event_id):
            return
        await self._dispatch(message, route)

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
            # send failed). The event stays unhandled and is tried again after the next sync;
            # the reply's transaction ID is fixed, so a send that did get through is not doubled.
            log.exception("could not answer %s; will retry", message.event_id)
            self._failed[message.event_id] = (message, route)
            return
        finally:
            await self._stop_typing(typing, message.room_id)
        self._failed.pop(message.event_id, None)
        await self.handled.mark_handled(message.event_id, message.room_id)
        self.replier.forget(message.event_id)

    async def _retry_failed(self) -> None:
        for event_id, (message, route) in list(self._failed.items()):
            if not self._fresh(message.room_id, message.timestamp_ms):
                del self._failed[event_id]  # too old now: give up, as after a restart
                continue
            self.replier.forget(event_id)  # same transaction IDs as the first attempt
            await self._dispatch(message, route)

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
        try:
            await self.router.react(reaction)
        except Exception:
            log.exception("could not handle reaction %s", event.event_id)
            return
        await self.handled.mark_handled(event.event_id, room.room_id)

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
                await self.on_event(room, resp.event)

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
            await self.on_event(room, decrypted)
