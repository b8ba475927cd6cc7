"""Parse when a scheduled post is due: `morgen 9:00`, `jeden montag 9 uhr`, `2026-12-01T18:30`.

Every wall-clock time is local time in `tz` (Europe/Berlin). Across daylight-saving changes:
a time in the spring gap (2027-03-28 02:30) moves forward by the gap to 03:30, because the
post should still go out that day and as close as possible to the time asked for; an ambiguous
autumn time (2026-10-25 02:30) means its first occurrence (summer time, fold=0).

Message-catalog keys raised with WhenError (texts live in config/i18n):
  when.missing   no time given                     (no params)
  when.invalid   the words cannot be understood    text: the words looked at, shortened
  when.past      a one-off time is already past    time: "dd.mm.yyyy HH:MM" (local)
  when.too_far   more than 366 days ahead          time: "dd.mm.yyyy HH:MM", days: 366
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from itertools import islice
from types import MappingProxyType
from zoneinfo import ZoneInfo

from commands.errors import CommandError

__all__ = [
    "BERLIN",
    "INVALID",
    "MAX_AHEAD",
    "MESSAGE_KEYS",
    "MISSING",
    "PAST",
    "TOO_FAR",
    "Schedule",
    "WhenError",
    "parse_when",
]

BERLIN = ZoneInfo("Europe/Berlin")
MAX_AHEAD = timedelta(days=366)

MISSING = "when.missing"
INVALID = "when.invalid"
PAST = "when.past"
TOO_FAR = "when.too_far"
MESSAGE_KEYS: tuple[str, ...] = (MISSING, INVALID, PAST, TOO_FAR)

# Enough words for the longest form: "jeden montag um 9 uhr".
_MAX_WORDS = 6
_EXCERPT_CHARS = 40
# Years outside this range are typos; it also keeps UTC conversions far from datetime's limits.
_YEARS = range(1900, 3000)
_TIME_FORMAT = "%d.%m.%Y %H:%M"

_UMLAUTS = MappingProxyType(str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"}))
_REPEAT = frozenset({"jeden", "every"})
_AT = frozenset({"um", "at"})
_OCLOCK = "uhr"
_RELATIVE_DAYS = MappingProxyType(
    {"heute": 0, "today": 0, "morgen": 1, "tomorrow": 1, "uebermorgen": 2, "ubermorgen": 2}
)
_WEEKDAY_NAMES = (
    ("montag", "mo", "monday", "mon"),
    ("dienstag", "di", "tuesday", "tue", "tues"),
    ("mittwoch", "mi", "wednesday", "wed"),
    ("donnerstag", "do", "thursday", "thu", "thur", "thurs"),
    ("freitag", "fr", "friday", "fri"),
    ("samstag", "sa", "sonnabend", "saturday", "sat"),
    ("sonntag", "so", "sunday", "sun"),
)
_WEEKDAYS = MappingProxyType(
    {name: day for day, names in enumerate(_WEEKDAY_NAMES) for name in names}
)

_TIME_RE = re.compile(r"(?P<h>[0-9]{1,2})(?:[:.](?P<m>[0-9]{2}))?(?:uhr)?")
_TIME_LIKE_RE = re.compile(r"[0-9][0-9:.]*(?:uhr)?")
_GERMAN_DATE_RE = re.compile(
    r"(?P<d>[0-9]{1,2})\.(?P<mo>[0-9]{1,2})(?:\.(?P<y>[0-9]{4}|[0-9]{2})?)?"
)
_ISO_RE = re.compile(
    r"(?P<y>[0-9]{4})-(?P<mo>[0-9]{2})-(?P<d>[0-9]{2})"
    r"(?:t(?P<h>[0-9]{2}):(?P<m>[0-9]{2})(?::(?P<s>[0-9]{2})(?:\.[0-9]{1,6})?)?"
    r"(?P<off>z|[+-][0-9]{2}(?::?[0-9]{2})?)?)?"
)


class WhenError(CommandError, ValueError):
    """The due time cannot be used; `key` names the catalog message, `params` fill it in."""


@dataclass(frozen=True)
class Schedule:
    """When a post is due: once at `first`, or every week on `weekday` at `hour:minute`.

    For a repeat, hour:minute is the wall-clock time asked for, even when `first` had to move
    out of the spring gap; for a one-off it is simply `first`'s local time.
    """

    first: datetime
    weekday: int | None
    hour: int
    minute: int

    def __post_init__(self) -> None:
        if self.first.tzinfo is None:
            raise ValueError("Schedule.first must be timezone-aware")
        if self.weekday is not None and not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday must be 0-6, got {self.weekday}")
        if not (0 <= self.hour <= 23 and 0 <= self.minute <= 59):
            raise ValueError(f"invalid time {self.hour}:{self.minute}")

    def next_after(self, moment: datetime) -> datetime | None:
        """The next due time strictly after `moment`; None for a one-off post."""
        if self.weekday is None:
            return None
        tz = self.first.tzinfo
        assert tz is not None  # checked in __post_init__
        return _next_weekly(self.weekday, self.hour, self.minute, _aware(moment), tz)


@dataclass(frozen=True)
class _Word:
    """One whitespace-separated word: normalised for matching, as typed, and where it ends."""

    text: str
    raw: str
    end: int


def parse_when(text: str, now: datetime, tz: ZoneInfo = BERLIN) -> tuple[Schedule, str]:
    """Parse the due time at the start of `text`; return the schedule and the rest of the text."""
    local_now = _aware(now).astimezone(tz)
    words = _words(text)
    if not words:
        raise WhenError(MISSING)
    schedule, used = _parse(words, local_now, tz)
    return schedule, text[words[used - 1].end :].strip()


def _aware(moment: datetime) -> datetime:
    """Refuse naive datetimes: they would silently mean the server's local time."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("a timezone-aware datetime is required")
    return moment


def _words(text: str) -> list[_Word]:
    """The first few words of `text`; the rest is never looked at, however long it is."""
    found = islice(re.finditer(r"\S+", text), _MAX_WORDS)
    return [_Word(_normalize(m.group()), m.group(), m.end()) for m in found]


def _normalize(word: str) -> str:
    """Lower case, umlauts spelled out, trailing commas dropped."""
    return unicodedata.normalize("NFC", word).lower().translate(_UMLAUTS).rstrip(",;")


def _parse(words: Sequence[_Word], now: datetime, tz: ZoneInfo) -> tuple[Schedule, int]:
    """Dispatch on the first word; return the schedule and how many words it used."""
    head = words[0].text
    if head in _REPEAT:
        return _parse_repeat(words, now, tz)
    if iso := _ISO_RE.fullmatch(head):
        return _parse_iso(iso, words, now, tz)
    if german := _GERMAN_DATE_RE.fullmatch(head):
        return _parse_german_date(german, words, now, tz)
    if head in _RELATIVE_DAYS:
        hour, minute, used = _time_at(words, 1)
        day = now.date() + timedelta(days=_RELATIVE_DAYS[head])
        return _one_off(_wall(day, hour, minute, tz), now), used
    weekday = _weekday(head)
    if weekday is not None:
        hour, minute, used = _time_at(words, 1)
        return _one_off(_next_weekly(weekday, hour, minute, now, tz), now), used
    raise _invalid(words, 1)


def _parse_repeat(words: Sequence[_Word], now: datetime, tz: ZoneInfo) -> tuple[Schedule, int]:
    """`jeden montag 9:00` / `every monday 9:00`."""
    if len(words) < 2:
        raise WhenError(MISSING)
    weekday = _weekday(words[1].text)
    if weekday is None:
        raise _invalid(words, 2)
    hour, minute, used = _time_at(words, 2)
    return Schedule(_next_weekly(weekday, hour, minute, now, tz), weekday, hour, minute), used


def _parse_iso(
    match: re.Match[str], words: Sequence[_Word], now: datetime, tz: ZoneInfo
) -> tuple[Schedule, int]:
    """`2026-12-01T18:30`, `2026-12-01T18:30+01:00` or `2026-12-01 18:30`."""
    day = _date(int(match["y"]), int(match["mo"]), int(match["d"]))
    if day is None:
        raise _invalid(words, 1)
    if match["h"] is None:
        hour, minute, used = _time_at(words, 1)
        return _one_off(_wall(day, hour, minute, tz), now), used
    hour, minute = int(match["h"]), int(match["m"])
    if hour > 23 or minute > 59 or int(match["s"] or 0) > 59:
        raise _invalid(words, 1)
    if match["off"] is None:
        return _one_off(_wall(day, hour, minute, tz), now), 1
    offset = _offset(match["off"])
    if offset is None:
        raise _invalid(words, 1)
    first = datetime(day.year, day.month, day.day, hour, minute, tzinfo=offset).astimezone(tz)
    return _one_off(first, now), 1


def _parse_german_date(
    match: re.Match[str], words: Sequence[_Word], now: datetime, tz: ZoneInfo
) -> tuple[Schedule, int]:
    """`1.12.2026 18:30`, `1.12.26 18:30` or, without a year, `01.12. 18:30` (next such day)."""
    day_of_month, month = int(match["d"]), int(match["mo"])
    hour, minute, used = _time_at(words, 1)
    if match["y"] is None:
        first = _next_date(day_of_month, month, hour, minute, now, tz)
    else:
        year = int(match["y"])
        day = _date(year + 2000 if year < 100 else year, month, day_of_month)
        first = None if day is None else _wall(day, hour, minute, tz)
    if first is None:
        raise _invalid(words, 1)
    return _one_off(first, now), used


def _time_at(words: Sequence[_Word], index: int) -> tuple[int, int, int]:
    """Read `[um] 9[:00|.00][ uhr]` from words[index]; return hour, minute, words used."""
    if index < len(words) and words[index].text in _AT:
        index += 1
    if index >= len(words) or not _TIME_LIKE_RE.fullmatch(words[index].text):
        raise WhenError(MISSING)
    match = _TIME_RE.fullmatch(words[index].text)
    if match is None or int(match["h"]) > 23 or int(match["m"] or 0) > 59:
        raise _invalid(words, index + 1)
    hour, minute = int(match["h"]), int(match["m"] or 0)
    used = index + 1
    if used < len(words) and words[used].text == _OCLOCK:
        used += 1
    return hour, minute, used


def _weekday(word: str) -> int | None:
    """0 for `montag`/`mo`/`monday`/`mon.` … 6 for Sunday, else None."""
    return _WEEKDAYS.get(word.rstrip("."))


def _date(year: int, month: int, day: int) -> date | None:
    """The calendar date, or None if there is no such day (or the year is absurd)."""
    if year not in _YEARS:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _offset(text: str) -> tzinfo | None:
    """A fixed UTC offset from `z`, `+01`, `+0100` or `+01:00`; None if out of range."""
    if text == "z":
        return UTC
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if hours > 23 or minutes > 59:
        return None
    sign = -1 if text[0] == "-" else 1
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _wall(day: date, hour: int, minute: int, tz: tzinfo) -> datetime:
    """The real moment of a wall-clock time; gap times move forward, ambiguous ones come first."""
    wall_fold0 = datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)
    return wall_fold0.astimezone(UTC).astimezone(tz)


def _next_weekly(weekday: int, hour: int, minute: int, after: datetime, tz: tzinfo) -> datetime:
    """The first `weekday` at `hour:minute` local time strictly after `after`."""
    today = after.astimezone(tz).date()
    day = today + timedelta(days=(weekday - today.weekday()) % 7)
    candidate = _wall(day, hour, minute, tz)
    if _utc(candidate) <= _utc(after):
        candidate = _wall(day + timedelta(days=7), hour, minute, tz)
    return candidate


def _next_date(
    day: int, month: int, hour: int, minute: int, now: datetime, tz: tzinfo
) -> datetime | None:
    """The next `day.month.` at `hour:minute` after `now` (29.02. waits for a leap year)."""
    for year in range(now.year, now.year + 9):
        calendar_day = _date(year, month, day)
        candidate = None if calendar_day is None else _wall(calendar_day, hour, minute, tz)
        if candidate is not None and _utc(candidate) > _utc(now):
            return candidate
    return None


def _one_off(first: datetime, now: datetime) -> Schedule:
    """A one-off schedule at `first`, refused if it is not in the future or too far ahead."""
    if _utc(first) <= _utc(now):
        raise WhenError(PAST, time=first.strftime(_TIME_FORMAT))
    if _utc(first) - _utc(now) > MAX_AHEAD:
        raise WhenError(TOO_FAR, time=first.strftime(_TIME_FORMAT), days=MAX_AHEAD.days)
    return Schedule(first, None, first.hour, first.minute)


def _utc(moment: datetime) -> datetime:
    """Compare in UTC: aware datetimes sharing a tzinfo compare by wall clock, ignoring fold."""
    return moment.astimezone(UTC)


def _invalid(words: Sequence[_Word], count: int) -> WhenError:
    """when.invalid quoting the first `count` words as typed, shortened for the reply."""
    text = " ".join(word.raw for word in words[:count])
    if len(text) > _EXCERPT_CHARS:
        text = text[: _EXCERPT_CHARS - 1] + "…"
    return WhenError(INVALID, text=text)
