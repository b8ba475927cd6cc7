"""Events with registration: announcing, seats and the waiting list, notices and reminders.

The rows in SQLite are the truth (store/events_calendar.py). The reminder job (bot/jobs.py)
only calls `EventService.tick` every minute; what is due is read from the rows each time, so
nothing is lost over a restart and a reminder goes out at most once. Notices of a place free, a
change or a cancellation wait for the end of quiet hours as rows too (commands/termine_notices.py).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from commands.broadcast import Broadcaster
from commands.formatting import Markup, render, to_plain
from commands.i18n import Catalog
from commands.quiet import quiet_end
from commands.termine_form import DEFAULT_DURATION
from commands.termine_ics import ICS_MIMETYPE, event_end, ics_filename, to_ics, to_ics_feed
from commands.termine_notices import SHOWN, EventNotices
from commands.when import BERLIN
from store.broadcasts import Delivery
from store.event_notices import EventNoticeStore
from store.events_calendar import CalendarEvent, EventStore, Registration
from store.users import UserSettings

__all__ = ["DAY", "HOUR", "EVENT_KIND", "EventService", "Mailer"]

log = logging.getLogger(__name__)

DAY = 24 * 3600.0
HOUR = 3600.0
# The broadcast kind of an announcement (rendered per recipient language by the service).
EVENT_KIND = "termin"


class Mailer(Protocol):
    """DMs to people other than the one speaking (implemented in bot/messenger.py)."""

    async def direct(self, user_id: str, plain: str, html: str) -> tuple[str, str]:
        """Send a DM; return (room ID, event ID)."""

    async def direct_file(self, user_id: str, filename: str, data: bytes, mimetype: str) -> str:
        """Send a file by DM; return its event ID."""


class _NoMailer:
    """Stands in until the transport attaches the real one (bot/app.py)."""

    async def direct(self, user_id: str, plain: str, html: str) -> tuple[str, str]:
        raise RuntimeError("no mailer attached")

    async def direct_file(self, user_id: str, filename: str, data: bytes, mimetype: str) -> str:
        raise RuntimeError("no mailer attached")


class EventService:
    """Everything about events that is not a chat command."""

    def __init__(
        self,
        store: EventStore,
        broadcaster: Broadcaster,
        catalog: Catalog,
        users: UserSettings,
        prefix: str,
        clock: Callable[[], float] = time.time,
        notices: EventNoticeStore | None = None,
    ) -> None:
        self.store = store
        self.broadcaster = broadcaster
        self.catalog = catalog
        self.users = users
        self.prefix = prefix
        self.clock = clock
        self.mailer: Mailer = _NoMailer()
        # None only where no notice is ever sent (e.g. the monitor page's tests).
        self._notices = None if notices is None else EventNotices(self, notices)

    @property
    def notices(self) -> EventNotices:
        """Notices that wait for the end of quiet hours."""
        if self._notices is None:
            raise RuntimeError("no event notice store attached")
        return self._notices

    def t(self, language: str, key: str, **params: Any) -> str:
        """A catalog text."""
        return self.catalog.text(language, key, **params)

    def when(self, ts: float, language: str) -> str:
        """'28.03.2027, 10:00 Uhr' in local time."""
        local = datetime.fromtimestamp(ts, BERLIN)
        return self.t(
            language, "termin.when", date=local.strftime("%d.%m.%Y"), time=local.strftime("%H:%M")
        )

    def span(self, event: CalendarEvent, language: str) -> str:
        """'28.03.2027, 18:00–20:00 Uhr', or start and end with their dates across days."""
        start, end = datetime.fromtimestamp(event.starts_at, BERLIN), event_end(event)
        if start.date() == end.date():
            return self.t(
                language,
                "termin_dauer.span_same_day",
                date=start.strftime("%d.%m.%Y"),
                start=start.strftime("%H:%M"),
                end=end.strftime("%H:%M"),
            )
        return self.t(
            language,
            "termin_dauer.span_days",
            start=self.when(event.starts_at, language),
            end=self.when(end.timestamp(), language),
        )

    async def describe(self, event: CalendarEvent, language: str) -> str:
        """Title, time, place, places, text: the block shown in announcements and notices."""
        lines: list[str] = [
            # A draft in the preview has no number yet.
            self.t(language, "termin.show_title", title=event.title, number=event.id)
            if event.id
            else self.t(language, "termin.show_title_draft", title=event.title),
            self.t(language, "termin.show_when", when=self.span(event, language)),
        ]
        if event.place:
            lines.append(self.t(language, "termin.show_place", place=event.place))
        if event.cancelled:  # no places or registration deadline for an event that is off
            return Markup("\n").join(lines + self._body(event, language))
        lines.append(await self.places(event, language))
        if event.closes_at is not None:
            closes = self.when(event.closes_at, language)
            lines.append(self.t(language, "termin.show_closes", when=closes))
        return Markup("\n").join(lines + self._body(event, language))

    def _body(self, event: CalendarEvent, language: str) -> list[str]:
        return ["", self.t(language, "termin.show_body", text=event.body)] if event.body else []

    async def places(self, event: CalendarEvent, language: str) -> str:
        """'3 von 10 Plätzen frei', 'ausgebucht – 2 auf der Warteliste', 'keine Begrenzung'."""
        taken, waiting = await self.store.counts(event.id)
        if event.capacity is None:
            if not taken:  # not "(0 angemeldet)"
                return self.t(language, "termin.places_unlimited_nobody")
            return self.t(language, "termin.places_unlimited", taken=taken)
        free = max(0, event.capacity - taken)
        if free:
            return self.t(language, "termin.places_free", free=free, capacity=event.capacity)
        if not waiting:
            return self.t(language, "termin.places_full_nobody_waits")
        return self.t(language, "termin.places_full", waiting=waiting)

    async def announcement(self, event: CalendarEvent, language: str, react: bool = True) -> str:
        """The announcement's body: the event and how to register (by ✅ only where the message
        is an announcement the bot knows, not inside the weekly digest)."""
        key = "termin.how_to_register" if react else "termin.how_to_register_command"
        how = self.t(language, key, prefix=self.prefix, number=event.id)
        return Markup("\n\n").join([await self.describe(event, language), how])

    async def render_delivery(self, language: str, delivery: Delivery) -> str | None:
        """An announcement in the recipient's language, as it is now (Broadcaster hook)."""
        event = await self.store.by_broadcast(delivery.broadcast_id)
        if event is None:
            return None
        if event.cancelled:  # held by quiet hours until after the cancellation
            body = self.t(
                language, "termin.announced_cancelled", title=event.title, number=event.id
            )
        else:
            body = await self.announcement(event, language)
        return self.broadcaster.compose(language, "announcement", delivery.topic, body)

    async def public_calendar(self, topic: str | None = None) -> bytes:
        """All upcoming events (of one topic) as one .ics file, e.g. for the public page."""
        return to_ics_feed(await self.store.upcoming(self.clock(), topic), self.clock())

    async def language(self, user_id: str) -> str:
        """The user's language (German unless they chose English)."""
        return await self.users.language(user_id) or "de"

    async def tell(
        self, user_id: str, key: str, event: CalendarEvent, ics: str = "", **params: Any
    ) -> bool:
        """DM `key` about `event` (with the calendar file: ics='update' or 'cancel').

        A DM that fails is logged, not raised: the registration itself is already stored.
        """
        language = await self.language(user_id)
        text = self.t(
            language, key, title=event.title, number=event.id, prefix=self.prefix, **params
        )
        text = Markup("\n\n").join([text, await self.describe(event, language)])
        try:
            await self.mailer.direct(user_id, to_plain(text), render(text))
            if ics:
                data = to_ics(event, self.clock(), cancelled=ics == "cancel")
                await self.mailer.direct_file(user_id, ics_filename(event), data, ICS_MIMETYPE)
        except Exception:
            log.exception("event %d: DM %s to a participant failed", event.id, key)
            return False
        return True

    def differences(self, old: CalendarEvent, new: CalendarEvent, language: str) -> list[str]:
        """'- Ort: Rathaus → Aula', one line per field that differs, in `language`."""
        lines = []
        for field in _SHOWN:
            before, after = _shown(old, field), _shown(new, field)
            if before == after:
                continue
            lines.append(
                self.t(
                    language,
                    "termin.change_line",
                    field=self.t(language, f"termin.field_{field}"),
                    old=self._value(field, before, language),
                    new=self._value(field, after, language),
                )
            )
        return lines

    def _value(self, field: str, value: Any, language: str) -> str:
        """A field's value as people read it ('unbegrenzt', '04.12.2026, 18:00 Uhr' …)."""
        if value is None or value == "":
            return self.t(language, f"termin.value_none_{field}")
        if field in ("starts_at", "closes_at"):
            return self.when(float(value), language)
        if field == "duration":
            hours, minutes = divmod(round(float(value) / 60), 60)
            return self.t(language, "termin.value_duration", hours=hours, minutes=f"{minutes:02d}")
        if field == "topic":
            return self.broadcaster.topics.name(str(value), language)
        text = str(value)
        return text if len(text) <= 80 else text[:79] + "…"

    async def tell_changed(
        self, user_id: str, old: CalendarEvent, new: CalendarEvent, ics: str = ""
    ) -> bool:
        """DM what changed (old → new, in the person's language) and how the event looks now."""
        language = await self.language(user_id)
        changes = Markup("\n").join(self.differences(old, new, language))
        return await self.tell(user_id, "termin.changed", new, ics=ics, changes=changes)

    async def fill(self, event: CalendarEvent) -> list[str]:
        """Move people up into free places and tell them (with the calendar file), now or
        when their quiet hours end."""
        regs = await self.store.registrations(event.id)
        # Held before the move, so a crash in between loses no notice: one for someone
        # still waiting waits with them, and the next tick moves them up.
        await self.notices.hold("moved_up", _next_up(regs, event.capacity))
        moved = await self.store.promote(event.id, event.capacity)
        await self.notices.hold("moved_up", [r for r in regs if r.user_id in moved])
        await self.notices.send_due(moved)
        return moved

    async def tick(self) -> int:
        """The minute job: fill places that opened (e.g. after !vergessen), send the notices
        whose quiet hours ended, send reminders; return how many reminders went out."""
        now = self.clock()
        for event in await self.store.with_waiting_list(now):
            await self.fill(event)
        if self._notices is not None:
            await self._notices.send_due()
        return await self.remind(now)

    async def remind(self, now: float) -> int:
        """Send the reminders that are due; return how many went out.

        The day-before one waits for the end of the person's quiet hours (and is dropped once
        the hour-before one is due); the hour-before one goes out at once, quiet hours or not.
        """
        sent = 0
        for event, user_id, registered_at in await self.store.reminders_due(now, DAY):
            # Registered within the last day, the confirmation was their reminder.
            if now >= event.starts_at - HOUR or registered_at >= event.starts_at - DAY:
                await self.store.mark_reminded(event.id, user_id, DAY)
                continue
            prefs = await self.broadcaster.subscriptions.prefs(user_id)
            if quiet_end(prefs.quiet, now) is not None:
                continue  # a later tick sends it
            sent += await self._remind(event, user_id, DAY, _day_key(event, now))
        for event, user_id, _ in await self.store.reminders_due(now, HOUR):
            sent += await self._remind(event, user_id, HOUR, "termin.reminder_hour")
        return sent

    async def _remind(self, event: CalendarEvent, user_id: str, lead: float, key: str) -> int:
        # Marked first: at most one reminder each, even if the bot stops in between.
        if not await self.store.mark_reminded(event.id, user_id, lead):
            return 0
        at = datetime.fromtimestamp(event.starts_at, BERLIN).strftime("%H:%M")
        return int(await self.tell(user_id, key, event, time=at))


_SHOWN = SHOWN


def _next_up(regs: list[Registration], capacity: int | None) -> list[Registration]:
    """The waiting who fit into the free places, first come first (as the store promotes)."""
    waiting = [r for r in regs if r.waiting]
    if capacity is None:
        return waiting
    return waiting[: max(0, capacity - (len(regs) - len(waiting)))]


def _shown(event: CalendarEvent, field: str) -> Any:
    """A field as the card shows it: no duration given is the two hours assumed."""
    value = getattr(event, field)
    return DEFAULT_DURATION if field == "duration" and value is None else value


def _day_key(event: CalendarEvent, now: float) -> str:
    """'Morgen findet … statt' only when it is tomorrow: quiet hours may hold the reminder
    into the day of the event itself."""
    starts = datetime.fromtimestamp(event.starts_at, BERLIN).date()
    today = datetime.fromtimestamp(now, BERLIN).date()
    return "termin.reminder_day" if starts > today else "termin.reminder_today"
