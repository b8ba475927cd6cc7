"""Reading an event's fields, from the one-line form or the guided dialogue, with polite errors.

`titel=…; wann=…; ort=…; plätze=…; thema=…; text=…; bis=…` — the times as `!planen` reads
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
    "MAX_PLACES",
    "OPTIONAL",
    "STEPS",
    "FieldError",
    "FormError",
    "field_of",
    "parse_field",
    "parse_form",
    "check_times",
]

MAX_TITLE = 120
MAX_PLACE = 200
MAX_BODY = 2000
MAX_PLACES = 10_000

# The guided dialogue asks in this order; the one-line form knows the same fields.
STEPS: tuple[str, ...] = ("title", "starts_at", "place", "capacity", "topic", "body", "closes_at")
OPTIONAL = frozenset({"place", "capacity", "body", "closes_at"})
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
    values: dict[str, Any] = {"place": "", "capacity": None, "body": "", "closes_at": None}
    for part in args.split(";"):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        field = field_of(key)
        if field is None or not sep:
            raise FormError("", FieldError("termin.form_unknown_key", field=_excerpt(key)))
        try:
            values[field] = parse_field(field, value, now, topics)
        except FieldError as exc:
            raise FormError(_excerpt(key), exc) from None
    missing = [f for f in _REQUIRED if f not in values]
    if missing:
        raise FormError("", FieldError(f"termin.form_missing_{missing[0]}"))
    try:
        check_times(values)
    except FieldError as exc:
        raise FormError("", exc) from None
    return values
