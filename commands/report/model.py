"""The council report's data for one period (pure: no database, no clock).

The types, and the counts built from plain rows: questions by outcome and topic, broadcasts and
their reach, the actor network. The measures' rows (state before and after, changes, milestones,
indicators) are built in commands/report/history.py. Nothing names a person; a measure shows
its owners' department.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from commands.quiet import BERLIN
from config.measures import EEA_FIELDS, Milestone
from store.report import BroadcastRow

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
    "network_stats",
    "question_stats",
]

OUTCOMES = ("answer", "did_you_mean", "on_topic", "dont_know")
NO_FIELD = ""  # the group of measures without an eea field


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
    at: float = 0.0  # when it was recorded: orders the entries of one day


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
        """Something was recorded for this measure in the period.

        A milestone that fell due and stayed open is no change (the milestones section lists
        it); counting it here put untouched measures under "Maßnahmen mit Änderungen".
        """
        return bool(self.changes) or (
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
