"""The delivery worker: sends queued broadcast rows with bounded concurrency, exactly once.

Each delivery row has a stable transaction ID (`kb-d<row id>`), so a send that is retried after a
crash or a lost response is de-duplicated by the homeserver instead of shown twice. 429s are
waited out by nio (retry_after_ms); other transient errors are retried with backoff; recipients
who left or blocked the bot become undeliverable instead of being retried forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import ClientError
from nio import (
    AsyncClient,
    MembersSyncError,
    RoomCreateError,
    RoomPreset,
    RoomSendError,
    RoomSendResponse,
)

from bot.direct import DirectRooms
from bot.matrix import SyncPacer
from bot.replies import html_content
from store.broadcasts import BroadcastStore, Delivery, Progress, Withdrawn
from store.subscriptions import SubscriptionStore

__all__ = ["EventRenderer", "Outbox", "Renderer", "Reporter", "SentHook", "encryption_state"]


def encryption_state(encrypted: bool) -> list[dict[str, Any]]:
    """The initial state that makes a new room end-to-end encrypted (none if not `encrypted`)."""
    if not encrypted:
        return []
    return [
        {
            "type": "m.room.encryption",
            "state_key": "",
            "content": {"algorithm": "m.megolm.v1.aes-sha2"},
        }
    ]


log = logging.getLogger(__name__)

# (delivery) -> (plain body, html body) in the recipient's language
Renderer = Callable[[Delivery], Awaitable[tuple[str, str]]]
# (progress, final) -> (plain, html) of the manager's status message
Reporter = Callable[[Progress, bool], Awaitable[tuple[str, str]]]
# (delivery) -> (event type, content) for kinds sent as an event of their own (polls), else
# None (a message); raises Withdrawn for a row that must not go out any more
EventRenderer = Callable[[Delivery], Awaitable[tuple[str, dict[str, Any]] | None]]
# (delivery, room ID, event ID) of such an event, told before its row is marked sent
SentHook = Callable[[Delivery, str, str], Awaitable[None]]

_PERMANENT = ("M_FORBIDDEN", "M_NOT_FOUND", "M_UNKNOWN_ROOM")
_REPORT_EVERY = 2.0
_IDLE_WAIT = 30.0


@dataclass
class Outbox:
    """Sends due deliveries; wake() it when new rows were queued."""

    client: AsyncClient
    broadcasts: BroadcastStore
    subscriptions: SubscriptionStore
    render: Renderer
    report: Reporter
    encryption: bool
    ready: asyncio.Event
    concurrency: int = 8
    direct: DirectRooms | None = None  # None: every stored DM room is taken as one
    render_event: EventRenderer | None = None
    event_sent: SentHook | None = None
    # Spaces out the bot's syncs while sends are in flight (each send wakes the sync).
    pacer: SyncPacer = field(default_factory=SyncPacer)
    _wake: asyncio.Event = field(default_factory=asyncio.Event)
    _last_report: dict[int, float] = field(default_factory=dict)
    _room_locks: dict[str, asyncio.Lock] = field(default_factory=dict)
    in_flight: int = 0

    def wake(self) -> None:
        """New deliveries were queued: look at the queue now."""
        self._wake.set()

    async def run(self) -> None:
        """Work the queue until cancelled (after the first sync: rooms must be known).

        A continuous pipeline: up to `concurrency` sends are in flight at any time, and a free
        slot takes the next due row at once (no waiting for a whole batch's slowest send).
        """
        await self.ready.wait()
        for broadcast_id in await self.broadcasts.unfinished():
            await self._report(broadcast_id, force=True)
        running: dict[asyncio.Task[None], Delivery] = {}
        queued: deque[Delivery] = deque()
        try:
            while True:
                if not running:
                    await self._fill(running, queued)
                if not running:
                    await self._idle()
                    continue
                done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                finished = {running.pop(task).broadcast_id for task in done}
                await self._fill(running, queued)
                busy = {d.broadcast_id for d in (*running.values(), *queued)}
                for broadcast_id in sorted(finished):
                    await self._report(broadcast_id, settled=broadcast_id not in busy)
        finally:
            for task in running:
                task.cancel()
            await asyncio.gather(*running, return_exceptions=True)

    async def _fill(
        self, running: dict[asyncio.Task[None], Delivery], queued: deque[Delivery]
    ) -> None:
        """Start due deliveries until `concurrency` are in flight (rows are fetched 64 at once)."""
        if not queued and len(running) < self.concurrency:
            busy = {d.id for d in running.values()}
            due = await self.broadcasts.due(time.time(), limit=self.concurrency * 8 + len(busy))
            queued.extend(d for d in due if d.id not in busy)
        while queued and len(running) < self.concurrency:
            delivery = queued.popleft()
            running[asyncio.create_task(self._guarded(delivery))] = delivery

    async def _idle(self) -> None:
        next_due = await self.broadcasts.next_due_time()
        wait = (
            _IDLE_WAIT if next_due is None else max(0.05, min(_IDLE_WAIT, next_due - time.time()))
        )
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=wait)

    async def _guarded(self, delivery: Delivery) -> None:
        self.in_flight += 1
        try:
            with self.pacer.send():
                await self._deliver(delivery)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # one bad row must not stop the others
            log.exception("delivery %s failed unexpectedly", delivery.id)
            await self._retry(delivery, repr(exc))
        finally:
            self.in_flight -= 1

    async def _deliver(self, delivery: Delivery) -> None:
        try:
            # Asked first: a withdrawn row (a poll that ended) opens no DM room either.
            own = await self.render_event(delivery) if self.render_event else None
            room_id = await self._target_room(delivery)
        except (_Undeliverable, Withdrawn) as exc:
            await self.broadcasts.mark_undeliverable(delivery.id, str(exc))
            return
        event_type, content = own or await self._message(delivery)
        try:
            resp = await self.client.room_send(
                room_id,
                event_type,
                content,
                tx_id=f"kb-d{delivery.id}",
                ignore_unverified_devices=True,
            )
        except (ClientError, OSError, TimeoutError, MembersSyncError) as exc:
            # Nothing or the same transaction went out: retrying with the same txn ID is safe.
            await self._retry(delivery, repr(exc))
            return
        await self._record(delivery, resp, room_id, own is not None)

    async def _message(self, delivery: Delivery) -> tuple[str, dict[str, Any]]:
        plain, html = await self.render(delivery)
        return "m.room.message", {**html_content("m.text", plain, html), "m.mentions": {}}

    async def _record(self, delivery: Delivery, resp: Any, room_id: str, own: bool) -> None:
        if isinstance(resp, RoomSendResponse):
            if own and self.event_sent is not None:
                # Before the row is marked sent: after a crash in between, the retry's same
                # transaction ID gets the same event ID back, and the hook sees it again.
                await self.event_sent(delivery, room_id, resp.event_id)
            await self.broadcasts.mark_sent(delivery.id, resp.event_id)
            if delivery.recipient_kind == "room" and delivery.topic and not own:
                await self.broadcasts.remember_announcement(resp.event_id, delivery.topic)
        elif isinstance(resp, RoomSendError) and resp.status_code in _PERMANENT:
            await self.broadcasts.mark_undeliverable(delivery.id, str(resp.status_code))
        else:
            await self._retry(delivery, str(getattr(resp, "message", resp)))

    async def _retry(self, delivery: Delivery, error: str) -> None:
        attempts = delivery.attempts + 1
        delay = min(300.0, 2.0**attempts)
        log.warning(
            "delivery %s failed (%s); retry %d in %.0f s", delivery.id, error, attempts, delay
        )
        await self.broadcasts.retry_later(delivery.id, attempts, delay, error)

    async def dm_room_for(self, user_id: str) -> str:
        """The user's DM room, created on first need (shared with introductions)."""
        lock = self._room_locks.setdefault(user_id, asyncio.Lock())
        async with lock:
            try:
                return await self._dm_room(user_id)
            except _Undeliverable:
                # They left the old DM room: a direct request gets a fresh one.
                return await self._create_dm(user_id)

    async def _target_room(self, delivery: Delivery) -> str:
        if delivery.recipient_kind == "room":
            if delivery.recipient not in self.client.rooms:
                raise _Undeliverable("the bot is not in this room")
            return delivery.recipient
        lock = self._room_locks.setdefault(delivery.recipient, asyncio.Lock())
        async with lock:  # one DM room per user, even with concurrent deliveries
            return await self._dm_room(delivery.recipient)

    async def _dm_room(self, user_id: str) -> str:
        """The DM the user wrote in last; else their newest DM; else a new one."""
        stored = await self.subscriptions.dm_room(user_id)
        stored_is_dm = stored is not None and self._is_dm(stored, user_id)
        if stored is not None and stored_is_dm:
            await self.wait_for_room(stored)
            room = self.client.rooms[stored]
            if user_id in room.users and (self.direct is None or self.direct.is_direct(room)):
                return stored
        found = await self._known_dm(user_id)
        if found is not None:
            return found
        if stored is not None and stored_is_dm and user_id not in self.client.rooms[stored].users:
            raise _Undeliverable("the user left the DM room")
        # None; a DM someone else was invited to; or a room stored before DMs were told apart
        # from two-member rooms: personal content goes only to a DM of two.
        return await self._create_dm(user_id)

    def _is_dm(self, room_id: str, user_id: str) -> bool:
        return self.direct is None or self.direct.is_dm_with(room_id, user_id)

    async def _dm_from_sync(self, user_id: str, within: float = 10.0) -> str | None:
        """Wait a little for a DM with the user to show up in sync (None if none does)."""
        with self.pacer.wait():
            for _ in range(int(within * 10)):
                found = await self._known_dm(user_id)
                if found is not None:
                    return found
                await asyncio.sleep(0.1)
        return None

    async def _known_dm(self, user_id: str) -> str | None:
        """A DM with the user that sync showed (e.g. one created just before a crash)."""
        found = None if self.direct is None else self.direct.newest_with(user_id)
        if found is not None:
            await self.subscriptions.set_dm_room(user_id, found)
        return found

    async def _create_dm(self, user_id: str) -> str:
        found = await self._known_dm(user_id)
        if found is not None:
            return found
        try:
            resp = await self.client.room_create(
                is_direct=True,
                invite=[user_id],
                preset=RoomPreset.trusted_private_chat,
                initial_state=encryption_state(self.encryption),
            )
        except (ClientError, OSError, TimeoutError):
            # The answer may be lost although the room was made: then sync shows it soon.
            found = await self._dm_from_sync(user_id)
            if found is None:
                raise
            return found
        if isinstance(resp, RoomCreateError):
            if resp.status_code in _PERMANENT or resp.status_code == "M_UNKNOWN":
                raise _Undeliverable(f"cannot invite the user: {resp.status_code}")
            raise ClientError(f"room create failed: {resp.status_code} {resp.message}")
        # Stored at once: a crash after this point must not create a second room later (a
        # crash before it is covered by bot/direct.py finding the bot's DM invite in sync).
        if self.direct is not None:
            await self.direct.created(resp.room_id, user_id)
        await self.subscriptions.set_dm_room(user_id, resp.room_id)
        await self.wait_for_room(resp.room_id, members=[user_id])
        return str(resp.room_id)

    async def wait_for_room(self, room_id: str, members: Iterable[str] = ()) -> None:
        """nio can only encrypt for rooms the sync loop has seen (a transient error if not).

        nio shares the room key with the members it knows when the first message is sent; a
        room can show up in sync before its invites do, and an invitee missing then could
        never read that message. So a new room also waits for the `members` it invited.
        """
        members = list(members)
        if self._room_seen(room_id, members):
            return
        with self.pacer.wait():  # the next sync goes out at once, broadcast or not
            for _ in range(300):
                await asyncio.sleep(0.1)
                if self._room_seen(room_id, members):
                    return
        if room_id not in self.client.rooms:
            raise ClientError(f"room {room_id} has not appeared in sync yet")
        log.warning("invites to %s not seen in sync yet; sending anyway", room_id)

    def _room_seen(self, room_id: str, members: list[str]) -> bool:
        room = self.client.rooms.get(room_id)
        return room is not None and all(m in room.users for m in members)

    async def _report(self, broadcast_id: int, force: bool = False, settled: bool = True) -> None:
        """Edit the manager's status (every few seconds) or post the final one.

        `settled`: none of the broadcast's rows is in flight or fetched, so it may be finished.
        """
        now = time.monotonic()
        last = self._last_report.get(broadcast_id, 0.0)
        if not (force or settled or now - last >= _REPORT_EVERY):
            return  # cheap: no count query after every single send
        progress = await self.broadcasts.progress(broadcast_id)
        final = progress.pending == 0
        if not (final or force or now - last >= _REPORT_EVERY):
            return
        self._last_report[broadcast_id] = now
        if final and not await self.broadcasts.finish(broadcast_id):
            return
        if progress.report_room is None:
            return
        with contextlib.suppress(Exception):  # a report that fails must not stop deliveries
            await self._send_report(progress, final)

    async def _send_report(self, progress: Progress, final: bool) -> None:
        plain, html = await self.report(progress, False)
        assert progress.report_room is not None
        if progress.report_event:
            edit = {
                "msgtype": "m.notice",
                "body": f"* {plain}",
                "m.new_content": html_content("m.notice", plain, html),
                "m.relates_to": {"rel_type": "m.replace", "event_id": progress.report_event},
            }
            await self.client.room_send(
                progress.report_room, "m.room.message", edit, ignore_unverified_devices=True
            )
        if final:
            plain, html = await self.report(progress, True)
            content = html_content("m.notice", plain, html)
            await self.client.room_send(
                progress.report_room,
                "m.room.message",
                content,
                tx_id=f"kb-report-{progress.broadcast_id}",
                ignore_unverified_devices=True,
            )


class _Undeliverable(Exception):
    """The recipient cannot be reached (left, blocked, unknown)."""
