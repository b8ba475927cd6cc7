"""Event notices that respect quiet hours: a place free, a change, a cancellation.

Each notice is first kept as a row (store/event_notices.py), then sent when its reader is not in
their quiet hours — at once, or by the minute job (`EventService.tick`) when they end. It is
written in the reader's language from the event as it is when sent, with its calendar file, and
deleted only after sending: a restart or crash loses nothing (at worst one is sent twice).
Whether someone is in their quiet hours is asked when sending, not fixed when holding, so a
changed `!ruhezeit` counts at once. Only news of an event that starts before the quiet hours
end (or within the hour after) goes at once: later it would be too late. Answers to what
someone just did themselves (their own registration) are not notices and go at once
(commands/termine.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from commands.quiet import quiet_end
from store.event_notices import EventNoticeStore, HeldNotice
from store.events_calendar import CalendarEvent, Registration

if TYPE_CHECKING:
    from commands.termine_service import EventService

__all__ = ["SHOWN", "EventNotices", "snapshot"]

HOUR = 3600.0

# The fields a change notice compares, in the order the card shows them.
SHOWN = ("title", "starts_at", "duration", "place", "capacity", "closes_at", "topic", "body")


def snapshot(event: CalendarEvent) -> dict[str, Any]:
    """The fields a change notice compares, as they are before the change."""
    return {field: getattr(event, field) for field in SHOWN}


def _keys(regs: Iterable[Registration]) -> list[tuple[int, int, str]]:
    return [(reg.id, reg.event_id, reg.user_id) for reg in regs]


class EventNotices:
    """Hold event notices and send them when their readers are not in quiet hours."""

    def __init__(self, service: EventService, store: EventNoticeStore) -> None:
        self.service = service
        self.store = store
        # One sender at a time: the minute job and a command must not both send one row.
        self._sending = asyncio.Lock()

    async def hold(
        self, kind: str, regs: Iterable[Registration], old: CalendarEvent | None = None
    ) -> None:
        """Keep a notice of `kind` for these registrations (sent by `send_due`)."""
        await self.store.hold(_keys(regs), kind, None if old is None else snapshot(old))

    async def change(
        self, event: CalendarEvent, changes: dict[str, Any]
    ) -> tuple[CalendarEvent, int, int]:
        """Store a change and tell everyone registered or waiting: (the event now, sent, held)."""
        regs = await self.service.store.registrations(event.id)
        # Held before the change: after a crash in between, they tell no difference and go.
        await self.hold("changed", regs, old=event)
        await self.service.store.update(event.id, changes)
        changed = await self.service.store.get(event.id)
        assert changed is not None
        sent, held = await self.send_due([r.user_id for r in regs], (event.id, "changed"))
        return changed, sent, held

    async def cancel(self, number: int) -> tuple[CalendarEvent | None, int, int]:
        """Cancel the event and tell everyone: (the event, sent, held); None if unknown or
        cancelled before."""
        if not await self.store.cancel(number):
            return None, 0, 0
        event = await self.service.store.get(number)
        regs = await self.service.store.registrations(number)
        sent, held = await self.send_due([r.user_id for r in regs], (number, "cancelled"))
        return event, sent, held

    async def send_due(
        self, users: Iterable[str] | None = None, about: tuple[int, str] | None = None
    ) -> tuple[int, int]:
        """Send the held notices (of `users`) whose readers are not in quiet hours, oldest
        first; return (sent, still held), counting only those of `about` (event ID, kind)."""
        async with self._sending:
            if users is None:
                notices = await self.store.pending()
            else:
                notices = [
                    n for user in dict.fromkeys(users) for n in await self.store.pending(user)
                ]
            sent = held = 0
            quiet: dict[str, float | None] = {}
            for notice in notices:
                if notice.user_id not in quiet:
                    quiet[notice.user_id] = await self._quiet_end(notice.user_id)
                outcome = await self._send(notice, quiet[notice.user_id])
                if about is None or (notice.event_id, notice.kind) == about:
                    sent += outcome is True
                    held += outcome is None
            return sent, held

    async def _quiet_end(self, user_id: str) -> float | None:
        prefs = await self.service.broadcaster.subscriptions.prefs(user_id)
        return quiet_end(prefs.quiet, self.service.clock())

    async def _send(self, notice: HeldNotice, quiet_until: float | None) -> bool | None:
        """Send one notice and delete it: True if sent, False if no longer true (dropped),
        None if it waits (for quiet hours to end, or moved up but still waiting: see
        EventService.fill)."""
        event = await self.service.store.get(notice.event_id)
        reg = await self.service.store.registration(notice.event_id, notice.user_id)
        if event is None or reg is None or reg.id != notice.registration_id:
            await self.store.done(notice.id)  # e.g. unregistered and registered anew
            return False
        if quiet_until is not None and not _too_late(notice, event, quiet_until):
            return None
        if notice.kind == "cancelled":
            ics = "" if reg.waiting else "cancel"
            sent = event.cancelled and await self.service.tell(
                notice.user_id, "termin.cancelled_dm", event, ics=ics
            )
        elif not self._current(event):
            sent = False
        elif notice.kind == "moved_up" and reg.waiting:
            return None
        else:
            sent = await self._deliver(notice, event, reg)
        await self.store.done(notice.id)
        return sent

    def _current(self, event: CalendarEvent) -> bool:
        """Neither cancelled (the cancellation says it all) nor begun."""
        return not event.cancelled and event.starts_at > self.service.clock()

    async def _deliver(self, notice: HeldNotice, event: CalendarEvent, reg: Registration) -> bool:
        """A place free or a change, as the event is now; False if there is nothing to tell."""
        service = self.service
        if notice.kind == "moved_up":
            return await service.tell(notice.user_id, "termin.moved_up", event, ics="update")
        if notice.kind != "changed" or notice.old is None:
            return False
        old = replace(event, **{k: v for k, v in notice.old.items() if k in SHOWN})
        if not service.differences(old, event, "de"):  # changed back meanwhile
            return False
        ics = "" if reg.waiting else "update"
        return await service.tell_changed(notice.user_id, old, event, ics=ics)


def _too_late(notice: HeldNotice, event: CalendarEvent, quiet_until: float) -> bool:
    """True if the event (before or after a change) starts before the quiet hours end or
    within the hour after: then the notice goes now, as the hour-before reminder does."""
    starts = [event.starts_at]
    if notice.old is not None and isinstance(notice.old.get("starts_at"), int | float):
        starts.append(float(notice.old["starts_at"]))
    return min(starts) < quiet_until + HOUR
