"""The public page's events: upcoming ones that are not cancelled, and their calendar files.

Only what an announcement says (title, time, place, topic, how many places are free) and never
who registered: the counts come from the store, no row of a person reaches this module. Matrix
IDs typed into a title, place or text are replaced as on the rest of the page.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from commands.broadcast import TopicIndex
from commands.monitor.data import scrub
from commands.quiet import BERLIN
from commands.termine_ics import event_end
from store.events_calendar import CalendarEvent

if TYPE_CHECKING:
    from commands.termine_service import EventService

__all__ = ["EventView", "parse_number", "public_event", "upcoming_views"]

# Event numbers are SQLite row ids; anything longer is not one of ours (and never reaches SQL).
_MAX_DIGITS = 12
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class EventView:
    """One upcoming event as the page shows it."""

    number: int
    title: str
    starts: datetime  # Europe/Berlin
    ends: datetime  # Europe/Berlin (two hours after the start if no duration was given)
    place: str
    topic_slug: str | None  # only a topic the page knows (it links to /themen#slug)
    topic_name: str
    body: str
    capacity: int | None  # None: no limit
    free: int
    waiting: int
    registration_open: bool

    @property
    def weekday(self) -> str:
        """The catalog key of the weekday ('mon' …)."""
        return WEEKDAYS[self.starts.weekday()]

    @property
    def end_weekday(self) -> str:
        """The catalog key of the weekday the event ends on."""
        return WEEKDAYS[self.ends.weekday()]

    @property
    def same_day(self) -> bool:
        """Whether it ends on the day it starts (then only the end's time is shown)."""
        return self.starts.date() == self.ends.date()


def parse_number(text: str) -> int | None:
    """The event number in a path ('3'), or None: only plain digits without a leading zero."""
    if not text.isascii() or not text.isdigit() or len(text) > _MAX_DIGITS:
        return None
    if text != str(int(text)):
        return None
    return int(text)


def public_event(event: CalendarEvent) -> CalendarEvent:
    """The event with Matrix IDs removed from its texts and no author (for the calendar files)."""
    return dataclasses.replace(
        event, title=scrub(event.title), place=scrub(event.place), body=scrub(event.body), author=""
    )


async def upcoming_views(
    service: EventService, topics: TopicIndex, now: float, limit: int | None = None
) -> list[EventView]:
    """Upcoming events that are not cancelled, soonest first (at most `limit`)."""
    events = await service.store.upcoming(now)
    chosen: Sequence[CalendarEvent] = events if limit is None else events[:limit]
    counts = await asyncio.gather(*(service.store.counts(e.id) for e in chosen))
    pairs = zip(chosen, counts, strict=True)
    return [_view(event, taken, waiting, topics, now) for event, (taken, waiting) in pairs]


def _view(
    event: CalendarEvent, taken: int, waiting: int, topics: TopicIndex, now: float
) -> EventView:
    topic = topics.get(event.topic)
    closes = event.closes_at if event.closes_at is not None else event.starts_at
    return EventView(
        number=event.id,
        title=scrub(event.title),
        starts=datetime.fromtimestamp(event.starts_at, BERLIN),
        ends=event_end(event, BERLIN),
        place=scrub(event.place),
        topic_slug=topic.slug if topic is not None else None,
        topic_name=topic.name_de if topic is not None else "",
        body=scrub(event.body),
        capacity=event.capacity,
        free=0 if event.capacity is None else max(0, event.capacity - taken),
        waiting=waiting,
        registration_open=now < closes,
    )
