"""Reading an event's fields, from the one-line form or the guided dialogue, with polite errors.

`titel=…; wann=…; dauer=…; ort=…; plätze=…; thema=…; text=…; bis=…` — the times as `!planen` reads
them (commands/when.py: "morgen 18 Uhr", "freitag 19:30", "2027-03-28T10:00"), local time in
Europe/Berlin.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import datetime
from types import MappingProxyType
from typing import Any

from commands.errors import CommandError
from commands.when import BERLIN, WhenError, parse_when

__all__ = [
    "DEFAULT_DURATION",
    "MAX_DURATION",
    "MAX_PLACES",
    "OPTIONAL",
    "STEPS",
    "FieldError",
    "FormError",
    "field_of",
    "parse_changes",
    "parse_field",
    "parse_form",
    "check_times",
    "duration_of",
    "parse_duration",
]

MAX_TITLE = 120
MAX_PLACE = 200
MAX_BODY = 2000
MAX_PLACES = 10_000
# An event without `dauer=` is taken to last two hours; longer than two weeks is a typo.
DEFAULT_DURATION = 2 * 3600.0
MAX_DURATION = 14 * 24 * 3600.0

# The guided dialogue asks in this order; the one-line form knows the same fields.
STEPS: tuple[str, ...] = (
    "title",
    "starts_at",
    "duration",
    "place",
    "capacity",
    "topic",
    "body",
    "closes_at",
)
OPTIONAL = frozenset({"duration", "place", "capacity", "body", "closes_at"})
_REQUIRED = ("title", "starts_at", "topic")

_KEYS = MappingProxyType(
    {
        "titel": "title",
        "title": "title",
        "name": "title",
        "wann": "starts_at",
        "when": "starts_at",
        "datum": "starts_at",
        "date": "starts_at",
        "dauer": "duration",
        "duration": "duration",
        "länge": "duration",
        "ort": "place",
        "place": "place",
        "where": "place",
        "wo": "place",
        "plaetze": "capacity",
        "plätze": "capacity",
        "platze": "capacity",
        "places": "capacity",
        "seats": "capacity",
        "thema": "topic",
        "topic": "topic",
        "text": "body",
        "beschreibung": "body",
        "description": "body",
        "bis": "closes_at",
        "until": "closes_at",
        "anmeldeschluss": "closes_at",
        "deadline": "closes_at",
    }
)
_SKIP = frozenset({"", "-", "–", "—", "keine", "keiner", "none", "no", "nein"})
_UNLIMITED = frozenset({"unbegrenzt", "unlimited", "beliebig", "offen", "open"})
_DIGITS = re.compile(r"[0-9]{1,9}")

# "2 Std.", "90 min", "1,5 h", "2h30", "1 Tag 2 Stunden": numbers with a unit each.
_AMOUNT = re.compile(r"([0-9]{1,5}(?:[.,][0-9]{1,2})?) ?([a-zäöü]+)\.?")
_CLOCK = re.compile(r"([0-9]{1,3}):([0-5][0-9])")  # "1:30" hours and minutes
_UNITS = MappingProxyType(
    {
        **dict.fromkeys(("min", "mins", "minute", "minuten", "minutes", "m"), 60.0),
        **dict.fromkeys(("h", "std", "stunde", "stunden", "hour", "hours", "hr", "hrs"), 3600.0),
        **dict.fromkeys(("d", "tag", "tage", "tagen", "day", "days"), 86400.0),
    }
)

# "zwei Stunden", "eine Stunde", "anderthalb Stunden": people write the number as a word.
_NUMBER_WORDS = MappingProxyType(
    {
        **dict.fromkeys(("ein", "eine", "einen", "einer", "one", "an", "a"), "1"),
        **dict.fromkeys(("anderthalb", "eineinhalb"), "1,5"),
        **{
            word: str(n)
            for n, words in enumerate(
                (
                    ("zwei", "two"),
                    ("drei", "three"),
                    ("vier", "four"),
                    ("fünf", "fuenf", "five"),
                    ("sechs", "six"),
                    ("sieben", "seven"),
                    ("acht", "eight"),
                    ("neun", "nine"),
                    ("zehn", "ten"),
                    ("elf", "eleven"),
                    ("zwölf", "zwoelf", "twelve"),
                ),
                start=2,
            )
            for word in words
        },
    }
)

TopicFinder = Callable[[str], str | None]  # a topic's name or slug -> its slug


class FieldError(CommandError):
    """One field cannot be used; the catalog text `key` says why."""


class FormError(Exception):
    """The one-line form is wrong: `label` is the key as typed ("" if none), `error` says why."""

    def __init__(self, label: str, error: FieldError) -> None:
        super().__init__(error.key)
        self.label = label
        self.error = error


def field_of(key: str) -> str | None:
    """The field a form key names ('plätze' -> 'capacity'), None if unknown."""
    return _KEYS.get(key.strip().lower())


def _clean(text: str) -> str:
    """One line, no control or format characters (bidi overrides, zero-width …)."""
    kept = "".join(c for c in text if unicodedata.category(c) not in ("Cc", "Cf") or c == "\n")
    return " ".join(kept.split())


def _text(text: str, limit: int, key: str) -> str:
    cleaned = _clean(text)
    if len(cleaned) > limit:
        raise FieldError(key, limit=limit)
    return cleaned


def _time(text: str, now: float) -> float:
    try:
        schedule, rest = parse_when(text, datetime.fromtimestamp(now, BERLIN))
    except WhenError as exc:
        raise FieldError(exc.key, **exc.params) from None
    if schedule.weekday is not None:
        raise FieldError("termin.no_repeat")
    if rest:
        raise FieldError("when.invalid", text=_excerpt(text))
    return schedule.first.timestamp()


def _excerpt(text: str) -> str:
    text = _clean(text)
    return text if len(text) <= 40 else text[:39] + "…"


def _capacity(text: str) -> int | None:
    word = text.strip().lower().rstrip(".")
    if word in _UNLIMITED or word in _SKIP:
        return None
    if not _DIGITS.fullmatch(word) or not 1 <= int(word) <= MAX_PLACES:
        raise FieldError("termin.invalid_places", value=_excerpt(text), limit=MAX_PLACES)
    return int(word)


def parse_duration(text: str) -> float:
    """'2 Std.', 'zwei Stunden', '90 min', '1,5 h', '1:30' -> seconds; FieldError unless
    1 minute to 14 days."""
    word = " ".join(_NUMBER_WORDS.get(w, w) for w in _clean(text).lower().split())
    clock = _CLOCK.fullmatch(word)
    if clock:
        seconds = int(clock[1]) * 3600.0 + int(clock[2]) * 60.0
    else:
        seconds = _amounts(word)
    seconds = round(seconds / 60.0) * 60.0  # whole minutes, as the texts show them
    if not 0 < seconds <= MAX_DURATION:
        raise FieldError("termin_dauer.invalid", value=_excerpt(text), days=14)
    return seconds


def _amounts(word: str) -> float:
    """The sum of 'number unit' parts; -1 (refused) if anything is left over or unknown."""
    total, pos = 0.0, 0
    while pos < len(word):
        if word[pos] == " ":
            pos += 1
            continue
        match = _AMOUNT.match(word, pos)
        if match is None or match[2] not in _UNITS:
            return -1.0
        total += float(match[1].replace(",", ".")) * _UNITS[match[2]]
        pos = match.end()
    return total if pos else -1.0


def duration_of(value: object) -> float | None:
    """A stored duration (dialogue data is JSON: any type) as seconds, None if not a sane one."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if not 0 < value <= MAX_DURATION:  # NaN fails this too; a huge int is never made a float
        return None
    return float(value)


def parse_field(field: str, text: str, now: float, topics: TopicFinder) -> Any:
    """The value of one field as stored; raise FieldError with a polite explanation."""
    if field in OPTIONAL and text.strip().lower() in _SKIP:
        return "" if field in ("place", "body") else None
    if field == "title":
        title = _text(text, MAX_TITLE, "termin.invalid_title")
        if sum(c.isalnum() for c in title) < 2:
            raise FieldError("termin.invalid_title", limit=MAX_TITLE)
        return title
    if field in ("starts_at", "closes_at"):
        return _time(text, now)
    if field == "duration":
        return parse_duration(text)
    if field == "place":
        return _text(text, MAX_PLACE, "termin.invalid_place")
    if field == "capacity":
        return _capacity(text)
    if field == "topic":
        slug = topics(text.strip())
        if slug is None:
            raise FieldError("termin.invalid_topic", name=_excerpt(text))
        return slug
    return _text(text, MAX_BODY, "termin.invalid_body")


def check_times(values: dict[str, Any]) -> None:
    """Registration must close before the event starts."""
    closes, starts = values.get("closes_at"), values.get("starts_at")
    if closes is not None and starts is not None and float(closes) > float(starts):
        raise FieldError("termin.closes_after_start")


def parse_form(args: str, now: float, topics: TopicFinder) -> dict[str, Any]:
    """`titel=…; wann=…; …` -> the fields; raise FieldError naming the field that is wrong."""
    values: dict[str, Any] = {
        "duration": None,
        "place": "",
        "capacity": None,
        "body": "",
        "closes_at": None,
    }
    values.update(parse_changes(args, now, topics))
    missing = [f for f in _REQUIRED if f not in values]
    if missing:
        raise FormError("", FieldError(f"termin.form_missing_{missing[0]}"))
    try:
        check_times(values)
    except FieldError as exc:
        raise FormError("", exc) from None
    return values


def parse_changes(form: str, now: float, topics: TopicFinder) -> dict[str, Any]:
    """`ort=…; plätze=…` for `!termin-aendern` -> the changed fields; FormError names the wrong
    one. Empty if no field is given."""
    changes: dict[str, Any] = {}
    for part in form.split(";"):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        field = field_of(key)
        if field is None or not sep:
            raise FormError("", FieldError("termin.form_unknown_key", field=_excerpt(key)))
        try:
            changes[field] = parse_field(field, value, now, topics)
        except FieldError as exc:
            raise FormError(_excerpt(key), exc) from None
    return changes
