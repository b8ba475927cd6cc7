"""Quiet hours ("21:00-07:00", Europe/Berlin): when a DM due now may be sent."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from store.broadcasts import BroadcastStore

__all__ = ["BERLIN", "clock_time", "parse_quiet", "quiet_end", "reschedule_held"]

BERLIN = ZoneInfo("Europe/Berlin")
# A time of day as people write it: "22", "22:00", "6.30", "22 Uhr", "6h".
_TIME = r"(\d{1,2})(?:[:.](\d{2}))?\s*(?:uhr|h)?"
# "21:00-07:00", "21-7", "22.30 – 6.15 Uhr", "von 22 bis 6:30 Uhr", "from 10 to 7".
_RANGE = re.compile(rf"^\s*(?:von|ab|from)?\s*{_TIME}\s*(?:-|–|—|bis|to|until|till)\s*{_TIME}\s*$")


def parse_quiet(text: str) -> str | None:
    """Canonical 'HH:MM-HH:MM' for a range like '21-7' or '21:00 - 07:30'; None if invalid."""
    match = _RANGE.match(text.lower())
    if match is None:
        return None
    h1, m1, h2, m2 = (int(g) if g else 0 for g in match.groups())
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59 or (h1, m1) == (h2, m2):
        return None
    return f"{h1:02d}:{m1:02d}-{h2:02d}:{m2:02d}"


def _bounds(quiet: str) -> tuple[time, time]:
    start, end = quiet.split("-")
    return time.fromisoformat(start), time.fromisoformat(end)


def quiet_end(quiet: str, now: float, tz: ZoneInfo = BERLIN) -> float | None:
    """If `now` (UNIX time) falls in the quiet hours, when they end; else None."""
    if not quiet:
        return None
    start, end = _bounds(quiet)
    local = datetime.fromtimestamp(now, tz)
    clock = local.time().replace(tzinfo=None)
    overnight = start > end
    inside = (clock >= start or clock < end) if overnight else (start <= clock < end)
    if not inside:
        return None
    day = local.date() + timedelta(days=1) if overnight and clock >= start else local.date()
    # Built from the wall clock, so the end is right on days with a DST change.
    ends = datetime.combine(day, end, tzinfo=tz)
    return ends.astimezone(UTC).timestamp()


async def reschedule_held(store: BroadcastStore, user_id: str, quiet: str, now: float) -> int:
    """The user changed their quiet hours: what was held for the old ones goes out now, or when
    the new ones end (if they are in them now). Returns how many were held."""
    until = quiet_end(quiet, now) or now
    return await store.reschedule_held(user_id, until, now)


def clock_time(when: float, now: float, tz: ZoneInfo = BERLIN) -> str:
    """'07:00' within the next day, else '08.12. 07:00' (local time)."""
    local = datetime.fromtimestamp(when, tz)
    if when - now < 20 * 3600:
        return local.strftime("%H:%M")
    return local.strftime("%d.%m. %H:%M")
