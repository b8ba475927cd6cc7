"""Files that come with events: the calendar file (.ics, RFC 5545) and the participants' CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from commands.termine_form import DEFAULT_DURATION
from commands.when import BERLIN
from store.events_calendar import CalendarEvent, Registration

__all__ = [
    "ICS_MIMETYPE",
    "event_end",
    "event_uid",
    "ics_filename",
    "participants_csv",
    "to_ics",
    "to_ics_feed",
]

ICS_MIMETYPE = "text/calendar"
_PRODID = "-//Klimabot//Termine//DE"
# Spreadsheet programs run cells starting with these as formulas (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def event_uid(event: CalendarEvent) -> str:
    """The same UID for every file of one event, so calendars update instead of duplicating.

    The creation time is part of it: numbers restart in a new database, UIDs must not repeat.
    """
    return f"termin-{event.id}-{int(event.created_at)}@klimabot"


def event_end(event: CalendarEvent, tz: ZoneInfo = BERLIN) -> datetime:
    """When the event ends, in local time (two hours after the start if no duration was given).

    As RFC 5545 reads a DURATION: whole days are calendar days (Friday 18:00 plus 2 days is
    Sunday 18:00 even across a DST change), the rest is exact time (2 hours are 2 hours).
    """
    seconds = DEFAULT_DURATION if event.duration is None else event.duration
    days, rest = divmod(seconds, 86400.0)
    start = datetime.fromtimestamp(event.starts_at, tz)
    # Arithmetic on an aware datetime is wall-clock arithmetic; the offset is found afresh.
    same_time = (start + timedelta(days=days)).replace(fold=0).astimezone(UTC)
    return (same_time + timedelta(seconds=rest)).astimezone(tz)


def ics_filename(event: CalendarEvent) -> str:
    """'termin-3.ics'."""
    return f"termin-{event.id}.ics"


def to_ics(
    event: CalendarEvent, now: float, cancelled: bool = False, tz: ZoneInfo = BERLIN
) -> bytes:
    """The event as a calendar file in local time with its VTIMEZONE.

    SEQUENCE is the event's change counter; a cancellation says METHOD:CANCEL and
    STATUS:CANCELLED, which calendar programs apply to the entry with the same UID.
    """
    return _calendar([event], now, "CANCEL" if cancelled else "PUBLISH", cancelled, tz)


def to_ics_feed(events: Sequence[CalendarEvent], now: float, tz: ZoneInfo = BERLIN) -> bytes:
    """Several events in one calendar (e.g. all upcoming ones for a public page): nothing in it
    names a person, only what the announcements said."""
    return _calendar(events, now, "PUBLISH", False, tz)


def _calendar(
    events: Sequence[CalendarEvent], now: float, method: str, cancelled: bool, tz: ZoneInfo
) -> bytes:
    cal = Calendar()
    cal.add("prodid", _PRODID)
    cal.add("version", "2.0")
    cal.add("method", method)
    for event in events:
        cal.add_component(_entry(event, now, cancelled or event.cancelled, tz))
    if events:
        cal.add_missing_timezones()
    return bytes(cal.to_ical())


def _entry(event: CalendarEvent, now: float, cancelled: bool, tz: ZoneInfo) -> Event:
    entry = Event()
    entry.add("uid", event_uid(event))
    entry.add("dtstamp", datetime.fromtimestamp(now, UTC))
    entry.add("dtstart", datetime.fromtimestamp(event.starts_at, tz))
    entry.add("dtend", _unambiguous(event_end(event, tz)))
    entry.add("summary", event.title)
    if event.place:
        entry.add("location", event.place)
    if event.body:
        entry.add("description", event.body)
    entry.add("sequence", event.sequence)
    entry.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    return entry


def _unambiguous(local: datetime) -> datetime:
    """A local time calendars read back as meant; in UTC if it lies in the repeated hour of
    the autumn change (RFC 5545 takes a local time there as the first, summer-time one)."""
    return local.astimezone(UTC) if local.fold else local


def participants_csv(event: CalendarEvent, rows: Iterable[Registration]) -> bytes:
    """One line per person: number, Matrix ID, registered or waiting, when (local time).

    UTF-8 with BOM and ';' so that a German spreadsheet program opens it as columns.
    """
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["nr", "matrix_id", "status", "angemeldet_am"])
    for number, reg in enumerate(rows, start=1):
        when = datetime.fromtimestamp(reg.created_at, BERLIN).strftime("%d.%m.%Y %H:%M")
        status = "warteliste" if reg.waiting else "angemeldet"
        writer.writerow([number, _cell(reg.user_id), status, when])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _cell(value: str) -> str:
    """A value a spreadsheet shows as text, never runs (Matrix IDs start with '@')."""
    return "'" + value if value.startswith(_FORMULA_START) else value
