"""The council report's data for one period, built from plain rows (pure: no database, no clock).

Measures: the state at the start and at the end of the period (the catalogue's status replayed
with the chat's history), what changed in between, milestones met or missed, indicators against
baseline and target, CO₂. Then counts only: questions by outcome and topic, broadcasts and their
reach, the actor network. Nothing names a person; a measure shows its owners' department.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TypeVar

from commands.quiet import BERLIN
from config.measures import EEA_FIELDS, Catalogue, Measure, Milestone
from store.report import BroadcastRow, HistoryRow, MilestoneRow, ValueRow

__all__ = [
    "OUTCOMES",
    "BroadcastStats",
    "Change",
    "EeaGroup",
    "IndicatorRow",
    "MeasureRow",
    "NetworkStats",
    "Period",
    "QuestionStats",
    "Report",
    "broadcast_stats",
    "build_measures",
    "network_stats",
    "question_stats",
]

OUTCOMES = ("answer", "did_you_mean", "on_topic", "dont_know")
NO_FIELD = ""  # the group of measures without an eea field
T = TypeVar("T")


@dataclass(frozen=True)
class Period:
    """Whole local days (Europe/Berlin), both ends included."""

    first: date
    last: date

    @property
    def start(self) -> float:
        """Midnight at the start of `first`, local time, as a timestamp."""
        return datetime(
            self.first.year, self.first.month, self.first.day, tzinfo=BERLIN
        ).timestamp()

    @property
    def end(self) -> float:
        """Midnight after `last`, local time, as a timestamp (exclusive)."""
        after = self.last + timedelta(days=1)
        return datetime(after.year, after.month, after.day, tzinfo=BERLIN).timestamp()

    @property
    def days(self) -> int:
        """How many days the period has."""
        return (self.last - self.first).days + 1


def local_day(ts: float) -> date:
    """The local calendar day of a timestamp."""
    return datetime.fromtimestamp(ts, BERLIN).date()


@dataclass(frozen=True)
class Change:
    """One dated change of a measure in the period: new status/progress, news, a value, or a
    milestone (kind: status, news, value, milestone_done, milestone_open, milestone_moved)."""

    day: date
    kind: str
    status: str | None = None
    progress: int | None = None
    text: str | None = None
    name: str | None = None
    value: float | None = None
    unit: str = ""
    moved_to: date | None = None


@dataclass(frozen=True)
class IndicatorRow:
    """An indicator at the end of the period against its baseline and target."""

    name: str
    unit: str
    baseline: tuple[float, int] | None
    target: tuple[float, int] | None
    before: tuple[date, float] | None
    last: tuple[date, float] | None
    values_in_period: int
    points: tuple[tuple[date, float], ...]

    @property
    def share(self) -> int | None:
        """Percent of the way from baseline to target the last value has come, if known."""
        if self.baseline is None or self.target is None or self.last is None:
            return None
        span = self.target[0] - self.baseline[0]
        if span == 0:
            return None
        return round(100 * (self.last[1] - self.baseline[0]) / span)


@dataclass(frozen=True)
class MeasureRow:
    """One measure in the report."""

    id: str
    title: str
    topic: str
    department: str
    eea_field: str | None
    status_before: str
    progress_before: int
    status: str
    progress: int
    changes: tuple[Change, ...]
    milestones_met: tuple[Milestone, ...]
    milestones_missed: tuple[Milestone, ...]
    indicators: tuple[IndicatorRow, ...]
    co2_expected: float | None
    co2_achieved: float | None

    @property
    def changed(self) -> bool:
        """Something happened to this measure in the period."""
        return bool(self.changes or self.milestones_missed) or (
            self.status_before,
            self.progress_before,
        ) != (self.status, self.progress)


@dataclass(frozen=True)
class EeaGroup:
    """The measures of one eea field (slug "" for those without one)."""

    slug: str
    name: str
    measures: tuple[MeasureRow, ...]

    @property
    def co2_expected(self) -> float:
        """Expected saving of the group in t/a (measures without a figure count 0)."""
        return sum(m.co2_expected or 0 for m in self.measures)

    @property
    def co2_achieved(self) -> float:
        """Achieved saving of the group in t/a."""
        return sum(m.co2_achieved or 0 for m in self.measures)


@dataclass(frozen=True)
class QuestionStats:
    """Questions citizens asked: how many, how they went, on which topics (names of topics)."""

    total: int
    outcomes: Mapping[str, int]
    topics: tuple[tuple[str | None, int], ...]


@dataclass(frozen=True)
class BroadcastStats:
    """Announcements and measure news of the period and how many they reached."""

    count: int
    by_kind: tuple[tuple[str, int], ...]
    by_topic: tuple[tuple[str | None, int], ...]
    people: int
    direct: int
    rooms: int
    digest: int
    undeliverable: int
    pending: int


@dataclass(frozen=True)
class NetworkStats:
    """The actor network: how many actors (by type), new ones, introductions made."""

    actors: int
    new: int
    by_type: tuple[tuple[str, int], ...]
    introductions: Mapping[str, int]

    @property
    def requests(self) -> int:
        """Introduction requests made in the period."""
        return sum(self.introductions.values())


@dataclass(frozen=True)
class Report:
    """Everything the report shows, for one period."""

    period: Period
    created: datetime
    example: bool
    measures: tuple[MeasureRow, ...]
    questions: QuestionStats
    broadcasts: BroadcastStats
    network: NetworkStats
    status_counts: tuple[tuple[str, int], ...] = field(default=())
    topic_names: Mapping[str, str] = field(default_factory=dict)

    def topic(self, slug: str | None) -> str:
        """A topic's German name ('' for no topic; the slug if the name is unknown)."""
        return "" if not slug else self.topic_names.get(slug, slug)

    @property
    def changed(self) -> tuple[MeasureRow, ...]:
        """Measures with a change in the period."""
        return tuple(m for m in self.measures if m.changed)

    @property
    def groups(self) -> tuple[EeaGroup, ...]:
        """The measures by eea field, in the award's order; those without a field last."""
        groups = []
        for slug in (*EEA_FIELDS, NO_FIELD):
            chosen = tuple(m for m in self.measures if (m.eea_field or NO_FIELD) == slug)
            if chosen:
                groups.append(EeaGroup(slug, EEA_FIELDS.get(slug, ""), chosen))
        return tuple(groups)

    @property
    def co2_expected(self) -> float:
        """Expected saving of all measures in t/a."""
        return sum(m.co2_expected or 0 for m in self.measures)

    @property
    def co2_achieved(self) -> float:
        """Achieved saving of all measures in t/a."""
        return sum(m.co2_achieved or 0 for m in self.measures)

    @property
    def quiet(self) -> bool:
        """Nothing at all happened in the period."""
        return not (
            self.changed
            or self.questions.total
            or self.broadcasts.count
            or self.network.new
            or self.network.requests
        )


# --- measures --------------------------------------------------------------------------------


def _by_measure(rows: Iterable[T], key: Callable[[T], str]) -> dict[str, list[T]]:
    grouped: dict[str, list[T]] = {}
    for row in rows:
        grouped.setdefault(key(row), []).append(row)
    return grouped


def build_measures(
    catalogue: Catalogue,
    period: Period,
    history: Sequence[HistoryRow],
    values: Sequence[ValueRow],
    milestones: Sequence[MilestoneRow],
) -> tuple[MeasureRow, ...]:
    """Every measure of the catalogue with its state before/after and its period's changes."""
    history_of = _by_measure(history, lambda r: r.measure_id)
    values_of = _by_measure(values, lambda r: r.measure_id)
    milestones_of = _by_measure(milestones, lambda r: r.measure_id)
    return tuple(
        _measure_row(
            m,
            period,
            history_of.get(m.id, []),
            values_of.get(m.id, []),
            milestones_of.get(m.id, []),
        )
        for m in catalogue.measures
    )


def _state(measure: Measure, rows: Sequence[HistoryRow], before: float) -> tuple[str, int]:
    status, progress = measure.status, measure.progress
    for row in rows:
        if row.created_at >= before:
            break
        status = row.status if row.status is not None else status
        progress = row.progress if row.progress is not None else progress
    return status, progress


def _measure_row(
    measure: Measure,
    period: Period,
    history: Sequence[HistoryRow],
    values: Sequence[ValueRow],
    milestones: Sequence[MilestoneRow],
) -> MeasureRow:
    status_before, progress_before = _state(measure, history, period.start)
    status, progress = _state(measure, history, period.end)
    changes = [_history_change(r) for r in history if period.start <= r.created_at < period.end]
    changes += _value_changes(measure, values, period)
    met, missed, milestone_changes = _milestones(measure, milestones, period)
    changes += milestone_changes
    return MeasureRow(
        measure.id,
        measure.title["de"],
        measure.topic,
        measure.owners.department or measure.responsible,
        measure.eea_field,
        status_before,
        progress_before,
        status,
        progress,
        tuple(sorted(changes, key=lambda c: c.day)),
        met,
        missed,
        _indicators(measure, values, period),
        measure.co2_saving_t_per_year,
        measure.co2_achieved_t_per_year,
    )


def _history_change(row: HistoryRow) -> Change:
    kind = "news" if row.status is None and row.progress is None else "status"
    return Change(local_day(row.created_at), kind, row.status, row.progress, row.text)


def _value_changes(measure: Measure, values: Sequence[ValueRow], period: Period) -> list[Change]:
    names = {i.id: i for i in measure.indicators}
    changes = []
    for v in values:
        indicator = names.get(v.indicator_id)
        if indicator is not None and period.start <= v.created_at < period.end:
            changes.append(
                Change(
                    v.measured_on, "value", name=indicator.name, value=v.value, unit=indicator.unit
                )
            )
    return changes


def _milestones(
    measure: Measure, rows: Sequence[MilestoneRow], period: Period
) -> tuple[tuple[Milestone, ...], tuple[Milestone, ...], list[Change]]:
    """(met in the period, due in the period but open at its end, the period's changes)."""
    current = {m.number: m for m in measure.milestones}
    done_on: dict[int, date] = {}
    changes = []
    for row in rows:
        old = current.get(row.number)
        if old is None or row.created_at >= period.end:  # gone from the catalogue, or later
            continue
        new = Milestone(
            old.number,
            old.name,
            old.date if row.due is None else row.due,
            old.done if row.done is None else row.done,
        )
        current[row.number] = new
        if row.done:
            done_on[row.number] = local_day(row.created_at)
        if row.created_at >= period.start:
            changes.append(_milestone_change(new, row))
    met = tuple(
        m
        for m in current.values()
        if m.done and (period.first <= done_on.get(m.number, m.date) <= period.last)
    )
    missed = tuple(
        m for m in current.values() if not m.done and period.first <= m.date <= period.last
    )
    return met, missed, changes


def _milestone_change(milestone: Milestone, row: MilestoneRow) -> Change:
    day = local_day(row.created_at)
    if row.due is not None:
        return Change(day, "milestone_moved", name=milestone.name, moved_to=row.due)
    kind = "milestone_done" if row.done else "milestone_open"
    return Change(day, kind, name=milestone.name)


def _indicators(
    measure: Measure, values: Sequence[ValueRow], period: Period
) -> tuple[IndicatorRow, ...]:
    rows = []
    for indicator in measure.indicators:
        by_day = {v.date: v.value for v in indicator.values}
        for v in values:  # oldest first: the last one recorded for a day wins, as in !massnahme
            if v.indicator_id == indicator.id and v.created_at < period.end:
                by_day[v.measured_on] = v.value
        points = tuple(sorted((d, v) for d, v in by_day.items() if d <= period.last))
        before = [p for p in points if p[0] < period.first]
        inside = [p for p in points if p[0] >= period.first]
        rows.append(
            IndicatorRow(
                indicator.name,
                indicator.unit,
                indicator.baseline,
                indicator.target,
                before[-1] if before else None,
                points[-1] if points else None,
                len(inside),
                points,
            )
        )
    return tuple(rows)


def status_counts(
    measures: Sequence[MeasureRow], order: Sequence[str]
) -> tuple[tuple[str, int], ...]:
    """(status, count) at the end of the period, in `order` (unknown statuses after)."""
    counts = Counter(m.status for m in measures)
    known = [(s, counts[s]) for s in order if counts[s]]
    return tuple(known + sorted((s, n) for s, n in counts.items() if s not in order))


# --- counts ----------------------------------------------------------------------------------


def question_stats(
    rows: Sequence[tuple[str, str | None, int]],
    topic_of_entry: Callable[[str], str | None],
    open_topics: Sequence[str | None],
) -> QuestionStats:
    """Outcomes and topics of the period's questions.

    An answered question counts for its entry's topic; `open_topics` are the guessed topics of
    (a sample of) the unanswered ones; unanswered questions beyond the sample count as 'no topic'.
    """
    outcomes = Counter({kind: 0 for kind in OUTCOMES})
    topics: Counter[str | None] = Counter()
    unanswered = 0
    for kind, entry_id, count in rows:
        kind = kind if kind in OUTCOMES else "dont_know"
        outcomes[kind] += count
        if kind in ("dont_know", "on_topic") or entry_id is None:
            unanswered += count
        else:
            topics[topic_of_entry(entry_id)] += count
    placed = list(open_topics)[:unanswered]
    topics.update(placed)
    topics[None] += unanswered - len(placed)
    ordered = sorted(
        ((t, n) for t, n in topics.items() if n), key=lambda t: (-t[1], t[0] is None, t[0] or "")
    )
    return QuestionStats(sum(outcomes.values()), dict(outcomes), tuple(ordered))


def broadcast_stats(rows: Sequence[BroadcastRow], people: int) -> BroadcastStats:
    """Broadcasts by kind and topic with their deliveries summed."""
    kinds = Counter(r.kind for r in rows)
    topics = Counter(r.topic for r in rows)
    return BroadcastStats(
        len(rows),
        tuple(sorted(kinds.items(), key=lambda k: (-k[1], k[0]))),
        tuple(sorted(topics.items(), key=lambda t: (-t[1], t[0] or ""))),
        people,
        sum(r.users_sent for r in rows),
        sum(r.rooms_sent for r in rows),
        sum(r.digest for r in rows),
        sum(r.undeliverable for r in rows),
        sum(r.pending for r in rows),
    )


def network_stats(
    types: Mapping[str, int], new: int, introductions: Mapping[str, int]
) -> NetworkStats:
    """The actor network at the end of the period and its activity within."""
    by_type = tuple(sorted(types.items(), key=lambda t: (-t[1], t[0])))
    return NetworkStats(sum(types.values()), new, by_type, dict(introductions))
