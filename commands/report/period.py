"""The report's period from chat words: `[von] [bis]`, each a day, a month or a year.

"2026-01-01", "1.1.2026", "Januar 2026", "Jan 2026", "2026-01", "01.2026", "2026"; "heute";
"letztes Jahr", "dieses Jahr", "letzten Monat", "diesen Monat", "Vorjahr" (calendar ones).
One month or year alone is that whole month or year; one day alone runs until today; two give
from the start of the first to the end of the second ("bis" or "-" between them is allowed).
Nothing given: the last 12 months up to today. A period reaching past today ends today.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from types import MappingProxyType

from commands.errors import CommandError
from commands.measurevalues import parse_date
from commands.report.model import Period

__all__ = ["MAX_DAYS", "default_period", "parse_period", "parse_span"]

MAX_DAYS = 366 * 20
_YEARS = range(2000, 2101)
_MONTHS = MappingProxyType(
    {
        name: number
        for number, names in enumerate(
            (
                ("januar", "jan", "january", "jänner", "jaenner"),
                ("februar", "feb", "february"),
                ("märz", "maerz", "mär", "mrz", "march", "mar"),
                ("april", "apr"),
                ("mai", "may"),
                ("juni", "jun", "june"),
                ("juli", "jul", "july"),
                ("august", "aug"),
                ("september", "sep", "sept"),
                ("oktober", "okt", "october", "oct"),
                ("november", "nov"),
                ("dezember", "dez", "december", "dec"),
            ),
            start=1,
        )
        for name in names
    }
)
_SEPARATORS = frozenset({"bis", "to", "until", "-", "–", "—", "von", "from", "ab"})
_ISO_MONTH = re.compile(r"([0-9]{4})-([0-9]{1,2})")
_GERMAN_MONTH = re.compile(r"([0-9]{1,2})[./]([0-9]{4})")
_YEAR = re.compile(r"[0-9]{4}")


def default_period(today: date) -> Period:
    """The last 12 months up to today."""
    first = _year_before(today) + timedelta(days=1)
    return Period(first, today)


def _year_before(today: date) -> date:
    try:
        return today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        return today.replace(year=today.year - 1, day=28)


def _month(year: int, month: int) -> tuple[date, date] | None:
    if year not in _YEARS or not 1 <= month <= 12:
        return None
    after = date(year + month // 12, month % 12 + 1, 1)
    return date(year, month, 1), after - timedelta(days=1)


# "letztes Jahr", "dieser Monat" …: a calendar year or month counted back from today's.
_THIS = frozenset({"dieses", "diesem", "dieser", "diesen", "laufendes", "laufenden", "this"})
_LAST = frozenset(
    {
        "letztes", "letzten", "letzter", "letztem", "vergangenes", "vergangenen", "vergangener",
        "voriges", "vorigen", "voriger", "last", "previous",
    }
)  # fmt: skip
_UNITS = MappingProxyType({"jahr": "year", "year": "year", "monat": "month", "month": "month"})


def _relative(words: list[str], today: date) -> tuple[date, date] | None:
    """The calendar year or month two words name relative to today ("letztes Jahr")."""
    if len(words) < 2 or words[1] not in _UNITS or words[0] not in _THIS | _LAST:
        return None
    back = 1 if words[0] in _LAST else 0
    if _UNITS[words[1]] == "year":
        return date(today.year - back, 1, 1), date(today.year - back, 12, 31)
    month = today.month - back
    return _month(today.year if month else today.year - 1, month or 12)


def _span(words: list[str], today: date) -> tuple[tuple[date, date] | None, int]:
    """The span the first word(s) name and how many words it took; (None, 1) if none."""
    word = words[0].casefold().rstrip(",")
    if word == "vorjahr":  # one word for last year
        return _relative(["letztes", "jahr"], today), 1
    relative = _relative([w.casefold().rstrip(",") for w in words[:2]], today)
    if relative is not None:
        return relative, 2
    if word in _MONTHS and len(words) > 1 and _YEAR.fullmatch(words[1].rstrip(",")):
        return _month(int(words[1].rstrip(",")), _MONTHS[word]), 2
    day = parse_date(word, today)
    if day is not None:
        return ((day, day) if day.year in _YEARS else None), 1
    for pattern, year_at, month_at in ((_ISO_MONTH, 1, 2), (_GERMAN_MONTH, 2, 1)):
        found = pattern.fullmatch(word)
        if found:
            return _month(int(found[year_at]), int(found[month_at])), 1
    if _YEAR.fullmatch(word) and int(word) in _YEARS:
        return (date(int(word), 1, 1), date(int(word), 12, 31)), 1
    return None, 1


def parse_span(text: str, today: date) -> tuple[date, date] | None:
    """The first and last day one date, month or year names ("1.1.2026", "Januar 2026"), or None."""
    words = text.split()
    if not words:
        return None
    span, used = _span(words, today)
    return span if used == len(words) else None


def parse_period(args: str, today: date, prefix: str = "!") -> Period:
    """The period the words name (see the module docstring); a polite CommandError if not."""
    words = [w for w in args.replace("–", " – ").split() if w.casefold() not in _SEPARATORS]
    if not words:
        return default_period(today)
    spans: list[tuple[date, date]] = []
    while words and len(spans) < 3:
        span, used = _span(words, today)
        if span is None:
            raise CommandError("report.bad_date", text=" ".join(words[:used])[:40], prefix=prefix)
        spans.append(span)
        words = words[used:]
    if words or len(spans) > 2:
        raise CommandError("report.bad_period", prefix=prefix)
    first = spans[0][0]
    if len(spans) == 2:
        last = spans[1][1]
    else:
        # One day alone runs until today (a future one stays itself, so it reads as future).
        last = spans[0][1] if spans[0][0] != spans[0][1] else max(today, spans[0][0])
    return check_period(first, last, today)


def check_period(first: date, last: date, today: date) -> Period:
    """Refuse a reversed, future or overlong period; clip its end to today."""
    # Order first: "31.12.2026 1.1.2026" is a swap, whatever today is.
    if first > last:
        raise CommandError(
            "report.reversed", first=first.strftime("%d.%m.%Y"), last=last.strftime("%d.%m.%Y")
        )
    if first > today:
        raise CommandError("report.future", first=first.strftime("%d.%m.%Y"))
    last = min(last, today)
    if (last - first).days + 1 > MAX_DAYS:
        raise CommandError("report.too_long", years=MAX_DAYS // 366)
    return Period(first, last)
