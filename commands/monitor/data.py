"""What the public page shows, read from the catalogue and the store: no Matrix IDs, no authors.

Everything here is plain data (frozen dataclasses); pages.py turns it into HTML, opendata.py into
CSV and JSON. Free text from the database (news, chat sources) goes through `scrub`, so a Matrix
ID typed into `!update` never reaches the public page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from commands.formatting import to_plain
from commands.measurevalues import format_number
from commands.progress import Speaker
from commands.quiet import BERLIN
from config.measures import EEA_FIELDS, Indicator, Measure, Milestone
from store.measures import MeasureState, StoredValue

__all__ = [
    "HISTORY_KINDS",
    "HistoryEntry",
    "MeasureDetail",
    "MeasureView",
    "ValueRow",
    "department",
    "history_entries",
    "scrub",
    "value_rows",
    "views",
]

# A Matrix user ID anywhere in a text (also inside words such as "(@anna:ochtrup.de)").
_MATRIX_ID = re.compile(r"@[A-Za-z0-9._=\-/+]+:[A-Za-z0-9.\-]+(?::[0-9]+)?")
HISTORY_KINDS = ("status", "meldung", "wert", "meilenstein")


def scrub(text: str) -> str:
    """`text` without Matrix IDs (the public page never names a person's account)."""
    return _MATRIX_ID.sub("[…]", text)


def department(measure: Measure) -> str:
    """Who answers for the measure, as an office: the owners' department, else `responsible`."""
    return scrub(measure.owners.department or measure.responsible)


@dataclass(frozen=True)
class MeasureView:
    """One measure with its live status and the names the page shows."""

    measure: Measure
    status: str
    progress: int
    topic_name: str
    department: str
    eea_field: str

    @property
    def id(self) -> str:
        """The measure's stable id (also its page's name)."""
        return self.measure.id

    @property
    def title(self) -> str:
        """The German title."""
        return self.measure.title["de"]


@dataclass(frozen=True)
class ValueRow:
    """One value of an indicator: from the catalogue or recorded in chat (`!wert`)."""

    indicator: Indicator
    day: date
    value: float
    source: str
    origin: str  # "katalog" or "chat"


@dataclass(frozen=True)
class HistoryEntry:
    """One line of a measure's history; `kind` is one of HISTORY_KINDS."""

    at: datetime
    kind: str
    text: str
    status: str | None = None
    progress: int | None = None


@dataclass(frozen=True)
class MeasureDetail:
    """Everything the measure's own page shows."""

    view: MeasureView
    values: tuple[ValueRow, ...]
    stored: tuple[StoredValue, ...]
    milestones: tuple[Milestone, ...]
    history: tuple[HistoryEntry, ...]


def views(
    measures: tuple[Measure, ...], states: dict[str, MeasureState], topic_name: dict[str, str]
) -> list[MeasureView]:
    """The measures in catalogue order with their live state (the YAML's where none is stored)."""
    result = []
    for m in measures:
        state = states.get(m.id)
        result.append(
            MeasureView(
                m,
                state.status if state else m.status,
                state.progress if state else m.progress,
                topic_name.get(m.topic, m.topic),
                department(m),
                EEA_FIELDS.get(m.eea_field or "", ""),
            )
        )
    return result


def value_rows(measure: Measure, stored: list[StoredValue]) -> list[ValueRow]:
    """Every value of every indicator, catalogue and chat, by indicator then day."""
    rows = []
    for indicator in measure.indicators:
        for v in indicator.values:
            rows.append(ValueRow(indicator, v.date, v.value, v.source or "", "katalog"))
        for s in stored:
            if s.indicator_id == indicator.id:
                rows.append(
                    ValueRow(indicator, s.measured_on, s.value, scrub(s.source or ""), "chat")
                )
    order = {i.id: n for n, i in enumerate(measure.indicators)}
    return sorted(rows, key=lambda r: (order[r.indicator.id], r.day))


def _when(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, BERLIN).replace(microsecond=0)


Update = tuple[float, str | None, int | None, str | None]  # when, status, progress, text
Change = tuple[float, int, bool | None, date | None]  # when, milestone number, done, due


def history_entries(
    speaker: Speaker,
    measure: Measure,
    updates: list[Update],
    stored: list[StoredValue],
    changes: list[Change],
) -> list[HistoryEntry]:
    """News, status changes, chat values and milestone changes, newest first, without authors.

    `updates` and `changes` are the store's rows minus who made them, so nothing here can leak
    an author; of `stored` only indicator, value, day and time are read.
    """
    entries = [
        *_update_entries(speaker, updates),
        *_value_entries(speaker, measure, stored),
        *_milestone_entries(speaker, measure, changes),
    ]
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries


def _update_entries(speaker: Speaker, updates: list[Update]) -> list[HistoryEntry]:
    entries = []
    for at, status, progress, text in updates:
        if text:
            entries.append(HistoryEntry(_when(at), "meldung", scrub(to_plain(text))))
            continue
        line = speaker.t(
            "monitor.history_status",
            status=status or "–",
            progress="–" if progress is None else progress,
        )
        entries.append(HistoryEntry(_when(at), "status", to_plain(line), status, progress))
    return entries


def _value_entries(
    speaker: Speaker, measure: Measure, stored: list[StoredValue]
) -> list[HistoryEntry]:
    names = {i.id: i for i in measure.indicators}
    entries = []
    for s in stored:
        indicator = names.get(s.indicator_id)
        if indicator is None:  # the catalogue lost this indicator since
            continue
        line = speaker.t(
            "measures.history_value",
            name=indicator.name,
            value=f"{format_number(s.value, 'de')} {indicator.unit}",
            date=s.measured_on.strftime("%d.%m.%Y"),
        )
        entries.append(HistoryEntry(_when(s.created_at), "wert", to_plain(line)))
    return entries


def _milestone_entries(
    speaker: Speaker, measure: Measure, changes: list[Change]
) -> list[HistoryEntry]:
    titles = {m.number: m.name for m in measure.milestones}
    entries = []
    for at, number, done, due in changes:
        if number not in titles:  # the catalogue lost this milestone since
            continue
        if due is not None:
            date_text = due.strftime("%d.%m.%Y")
            line = speaker.t(
                "measures.history_milestone_moved", name=titles[number], date=date_text
            )
        else:
            key = f"measures.history_milestone_{'done' if done else 'open'}"
            line = speaker.t(key, name=titles[number])
        entries.append(HistoryEntry(_when(at), "meilenstein", to_plain(line)))
    return entries
