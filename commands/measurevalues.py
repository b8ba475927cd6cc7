"""Indicator values and milestones of measures: `!wert`, `!meilenstein`, and their display.

Registered through commands/measures.py (which imports the handlers), so the feature list stays
one module. Only the manager and a measure's owners may record (commands.measures.require_edit).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from commands.context import Context, Role
from commands.errors import CommandError, UsageError
from commands.measurelookup import measure_not_found
from commands.quiet import BERLIN
from commands.registry import command
from commands.services import require
from commands.valuerange import check_range
from config.measures import Indicator, Measure, Milestone
from store.measures import MilestoneChange, StoredValue

if TYPE_CHECKING:
    from commands.measures import MeasureService

__all__ = [
    "LastValue",
    "berlin_today",
    "date_text",
    "find_indicator",
    "find_measure",
    "format_number",
    "indicator_lines",
    "last_values",
    "may_edit",
    "measure_service",
    "meilenstein",
    "milestone_lines",
    "milestones_now",
    "parse_date",
    "parse_number",
    "require_edit",
    "value_history",
    "wert",
]

_NUMBER = re.compile(r"[+-]?[0-9]+(?:[.,][0-9]+)?")
_GERMAN_THOUSANDS = re.compile(r"[+-]?[0-9]{1,3}(?:\.[0-9]{3})+(?:,[0-9]+)?")
_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})")
_GERMAN_DATE = re.compile(r"([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4})")
_TODAY = {"heute": 0, "today": 0, "gestern": 1, "yesterday": 1}
_DONE_WORDS = {"erledigt", "fertig", "done", "abgeschlossen", "erreicht"}
_OPEN_WORDS = {"offen", "open", "unerledigt"}
_MAX_ABS = 1e12


class BadNumber(ValueError):
    """The text is not a number we can read."""


# Climate plans count from 1990 (the Kyoto base year); nothing is measured before it, and a
# milestone more than 50 years ahead is a typing error ("1.1.9999").
EARLIEST = datetime.date(1990, 1, 1)
LATEST_YEARS = 50


def parse_number(text: str) -> tuple[float, bool]:
    """A German or plain number: '1.234,5', '45 %', '12.5', '-3'; returns (value, had_percent).

    A dot followed by groups of three digits is a thousands separator ("1.234" is 1234); a
    comma is the decimal mark. Raises BadNumber for anything else.
    """
    compact = "".join(text.split())
    percent = compact.endswith("%")
    compact = compact.removesuffix("%")
    if _GERMAN_THOUSANDS.fullmatch(compact):
        compact = compact.replace(".", "")
    elif not _NUMBER.fullmatch(compact):
        raise BadNumber(text)
    value = float(compact.replace(",", "."))
    if abs(value) > _MAX_ABS:
        raise BadNumber(text)
    return value, percent


def parse_date(text: str, today: datetime.date) -> datetime.date | None:
    """'heute', 'gestern', '2026-11-30' or '30.11.2026'; None if it is not a date."""
    word = text.strip().casefold()
    if word in _TODAY:
        return today - datetime.timedelta(days=_TODAY[word])
    iso = _ISO_DATE.fullmatch(word)
    german = _GERMAN_DATE.fullmatch(word)
    try:
        if iso:
            return datetime.date(int(iso[1]), int(iso[2]), int(iso[3]))
        if german:
            return datetime.date(int(german[3]), int(german[2]), int(german[1]))
    except ValueError:
        return None
    return None


def looks_like_date(text: str) -> bool:
    """True for words that were meant as a date (so a wrong one gets a date error)."""
    word = text.strip().casefold()
    return word in _TODAY or bool(re.fullmatch(r"[0-9]{1,4}[-.][0-9]{1,2}[-.][0-9]{1,4}", word))


def format_number(value: float, language: str) -> str:
    """1234.5 → '1.234,5' (de) or '1,234.5' (en); whole numbers without decimals."""
    text = f"{value:,.0f}" if value == int(value) else f"{value:,.2f}".rstrip("0")
    if language == "de":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def _today(ctx: Context) -> datetime.date:
    return datetime.datetime.fromtimestamp(ctx.services.clock(), BERLIN).date()


def date_text(day: datetime.date) -> str:
    """30.11.2026: the date as the chat shows it."""
    return day.strftime("%d.%m.%Y")


def berlin_today(ctx: Context) -> datetime.date:
    """Today in Berlin by the bot's clock."""
    return _today(ctx)


def measure_service(ctx: Context) -> MeasureService:
    """The measures service (the command is refused politely when it is not set up)."""
    return require(ctx.services.measures)


def find_measure(ctx: Context, text: str, command: str = "massnahme") -> Measure:
    """The measure with this id (or a title word that fits only it), or a CommandError that
    suggests the closest ones, each with `<prefix><command> <id>`."""
    found = measure_service(ctx).lookup(text)
    if found.measure is None:
        raise measure_not_found(ctx, text, found, command)
    return found.measure


def find_indicator(measure: Measure, text: str) -> Indicator:
    """The measure's indicator with this id, or a CommandError naming the ones it has."""
    indicator = measure.indicator(text)
    if indicator is None:
        known = ", ".join(f"`{i.id}`" for i in measure.indicators)
        raise CommandError(
            "measures.indicator_unknown" if known else "measures.no_indicators",
            indicator=text[:40],
            id=measure.id,
            known=known,
        )
    return indicator


def may_edit(ctx: Context, measure: Measure) -> bool:
    """The manager may change every measure; an owner (catalogue `owners.users`) their own."""
    return ctx.role >= Role.MANAGER or ctx.message.sender in measure.owners.users


def require_edit(ctx: Context, measure: Measure) -> None:
    """Refuse, with a message naming who may, unless `may_edit`."""
    if not may_edit(ctx, measure):
        department = measure.owners.department or measure.responsible
        raise CommandError(
            "measures.not_owner",
            title=measure.title.get(ctx.language, measure.title["de"]),
            department=department,
        )


@command("wert", aliases=("value",), for_owners=True)
async def wert(ctx: Context, args: str) -> None:
    """Record a value of one of a measure's indicators (manager and the measure's owners)."""
    words = args.split()
    if len(words) < 3:
        raise UsageError
    measure = find_measure(ctx, words[0], "wert")
    indicator = find_indicator(measure, words[1])
    require_edit(ctx, measure)
    rest = words[2:]
    today = _today(ctx)
    day = today
    if len(rest) > 1 and (parse_date(rest[-1], today) or looks_like_date(rest[-1])):
        parsed = parse_date(rest.pop(), today)
        if parsed is None:
            raise CommandError("measures.date_invalid", date=words[-1][:40])
        day = parsed
    if day > today:
        raise CommandError("measures.date_future", date=date_text(day))
    if day < EARLIEST:
        raise CommandError("measures.date_too_old", date=date_text(day))
    if len(rest) > 1 and rest[-1].casefold() == indicator.unit.casefold() != "%":
        rest.pop()  # "12 km" for an indicator in km
    number = " ".join(rest)
    try:
        value, percent = parse_number(number)
    except BadNumber:
        raise CommandError("measures.number_invalid", number=number[:40]) from None
    if percent and indicator.unit != "%":
        raise CommandError("measures.unit_mismatch", name=indicator.name, unit=indicator.unit)
    check_range(ctx, indicator, value)
    replaced = await measure_service(ctx).store.record_value(
        measure.id, indicator.id, value, day, ctx.message.sender
    )
    await ctx.reply_key(
        "measures.value_recorded" if replaced is None else "measures.value_replaced",
        name=indicator.name,
        value=format_number(value, ctx.language),
        unit=indicator.unit,
        date=date_text(day),
        title=measure.title.get(ctx.language, measure.title["de"]),
        old=format_number(replaced.value, ctx.language) if replaced else "",
    )


@command("meilenstein", aliases=("milestone",), for_owners=True)
async def meilenstein(ctx: Context, args: str) -> None:
    """Mark a milestone done or open, or give it a new date (manager and the owners)."""
    words = args.split()
    if len(words) < 3:
        raise UsageError
    measure = find_measure(ctx, words[0], "meilenstein")
    milestone = _find_milestone(measure, " ".join(words[1:-1]))
    require_edit(ctx, measure)
    action = words[-1].casefold().rstrip("!.")
    done: bool | None = None
    due: datetime.date | None = None
    if action in _DONE_WORDS:
        done = True
    elif action in _OPEN_WORDS:
        done = False
    else:
        due = parse_date(words[-1], _today(ctx))
        if due is None:
            raise CommandError("measures.milestone_action", action=words[-1][:40])
        if not EARLIEST <= due <= datetime.date(_today(ctx).year + LATEST_YEARS, 12, 31):
            raise CommandError("measures.due_out_of_range", date=date_text(due))
    await measure_service(ctx).store.record_milestone(
        measure.id, milestone.number, ctx.message.sender, done=done, due=due
    )
    if due is not None:
        await ctx.reply_key(
            "measures.milestone_moved", number=milestone.number, name=milestone.name,
            date=date_text(due),
        )  # fmt: skip
    else:
        key = "measures.milestone_done" if done else "measures.milestone_open"
        await ctx.reply_key(key, number=milestone.number, name=milestone.name)


def _find_milestone(measure: Measure, text: str) -> Milestone:
    """By number ('2', 'Nr. 2', '#2') or by (a unique part of) its name."""
    if not measure.milestones:
        raise CommandError("measures.no_milestones", id=measure.id)
    wanted = text.strip().casefold()
    number = re.fullmatch(r"(?:nr\.?\s*|#)?([0-9]{1,4})", wanted)
    if number:
        found = [m for m in measure.milestones if m.number == int(number[1])]
    else:
        found = [m for m in measure.milestones if m.name.casefold() == wanted] or [
            m for m in measure.milestones if wanted and wanted in m.name.casefold()
        ]
    if len(found) != 1:
        known = ", ".join(f"{m.number}. {m.name}" for m in measure.milestones)
        raise CommandError("measures.milestone_unknown", milestone=text[:40], known=known)
    return found[0]


# --- what !massnahme shows -------------------------------------------------------------------


@dataclass(frozen=True)
class LastValue:
    """The latest value of an indicator, from the catalogue or recorded in chat."""

    value: float
    date: datetime.date


def last_values(measure: Measure, stored: list[StoredValue]) -> dict[str, LastValue]:
    """The latest value per indicator id (by day; on the same day a chat value wins)."""
    latest: dict[str, LastValue] = {}
    for indicator in measure.indicators:
        for v in indicator.values:
            if indicator.id not in latest or v.date >= latest[indicator.id].date:
                latest[indicator.id] = LastValue(v.value, v.date)
    for s in stored:  # oldest first, so the last one recorded for a day wins
        if s.indicator_id not in latest or s.measured_on >= latest[s.indicator_id].date:
            latest[s.indicator_id] = LastValue(s.value, s.measured_on)
    return latest


def milestones_now(measure: Measure, changes: list[MilestoneChange]) -> list[Milestone]:
    """The catalogue's milestones with the chat changes applied in order."""
    current = {m.number: m for m in measure.milestones}
    for change in changes:
        old = current.get(change.number)
        if old is None:  # the catalogue lost this milestone since
            continue
        current[change.number] = Milestone(
            old.number,
            old.name,
            old.date if change.due is None else change.due,
            old.done if change.done is None else change.done,
        )
    return [current[n] for n in sorted(current)]


def indicator_lines(ctx: Context, measure: Measure, latest: dict[str, LastValue]) -> list[str]:
    """'- LED-Anteil: 74 % (30.08.2020) · Ausgangswert 20 % (2015) · Ziel 100 % (2030)'."""
    lines = []
    for indicator in measure.indicators:
        lines.append(ctx.t("measures.indicator_line", name=indicator.name, parts=_parts(
            ctx, indicator, latest.get(indicator.id)
        )))  # fmt: skip
    return [ctx.t("measures.indicators_title"), *lines] if lines else []


def _parts(ctx: Context, indicator: Indicator, last: LastValue | None) -> str:
    def amount(value: float) -> str:
        return f"{format_number(value, ctx.language)} {indicator.unit}"

    parts = [
        ctx.t("measures.indicator_none")
        if last is None
        else ctx.t("measures.indicator_last", value=amount(last.value), date=date_text(last.date))
    ]
    if indicator.baseline is not None:
        value, year = indicator.baseline
        parts.append(ctx.t("measures.indicator_baseline", value=amount(value), year=year))
    if indicator.target is not None:
        value, year = indicator.target
        parts.append(ctx.t("measures.indicator_target", value=amount(value), year=year))
    return " · ".join(parts)


def milestone_lines(ctx: Context, milestones: list[Milestone]) -> list[str]:
    """'- 1. Planung – 31.01.2025 – erledigt' (overdue open ones say so)."""
    if not milestones:
        return []
    today = _today(ctx)
    lines = [ctx.t("measures.milestones_title")]
    for m in milestones:
        state = "done" if m.done else "overdue" if m.date < today else "open"
        lines.append(
            ctx.t(
                "measures.milestone_line",
                number=m.number,
                name=m.name,
                date=date_text(m.date),
                state=ctx.t(f"measures.milestone_{state}_state"),
            )
        )
    return lines


def value_history(
    ctx: Context,
    measure: Measure,
    values: list[StoredValue],
    changes: list[MilestoneChange],
) -> list[tuple[float, str]]:
    """(when recorded, text) for the chat's values and milestone changes, for the history."""
    names = {i.id: i for i in measure.indicators}
    titles = {m.number: m.name for m in measure.milestones}
    entries = []
    for v in values:
        indicator = names.get(v.indicator_id)
        if indicator is not None:
            text = ctx.t(
                "measures.history_value",
                name=indicator.name,
                value=f"{format_number(v.value, ctx.language)} {indicator.unit}",
                date=date_text(v.measured_on),
            )
            entries.append((v.created_at, text))
    for c in changes:
        name = titles.get(c.number, "")
        if c.due is not None:
            text = ctx.t("measures.history_milestone_moved", name=name, date=date_text(c.due))
        else:
            key = "done" if c.done else "open"
            text = ctx.t(f"measures.history_milestone_{key}", name=name)
        entries.append((c.created_at, text))
    return entries
