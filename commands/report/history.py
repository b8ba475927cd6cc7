"""The measures of a period: the catalogue's state replayed with the chat's history (pure).

Status and progress at the start and the end of the period, the period's changes (updates,
news, indicator values, milestone changes), milestones met or missed, indicators against
baseline and target.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import TypeVar

from commands.report.model import Change, IndicatorRow, MeasureRow, Period, local_day
from config.measures import Catalogue, Measure, Milestone
from store.report import HistoryRow, MilestoneRow, ValueRow

__all__ = ["build_measures", "status_counts"]

T = TypeVar("T")


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
        tuple(sorted(changes, key=lambda c: (c.day, c.at))),
        met,
        missed,
        _indicators(measure, values, period),
        measure.co2_saving_t_per_year,
        measure.co2_achieved_t_per_year,
    )


def _history_change(row: HistoryRow) -> Change:
    kind = "news" if row.status is None and row.progress is None else "status"
    return Change(
        local_day(row.created_at), kind, row.status, row.progress, row.text, at=row.created_at
    )


def _value_changes(measure: Measure, values: Sequence[ValueRow], period: Period) -> list[Change]:
    names = {i.id: i for i in measure.indicators}
    changes = []
    for v in values:
        indicator = names.get(v.indicator_id)
        if indicator is not None and period.start <= v.created_at < period.end:
            changes.append(
                Change(
                    v.measured_on,
                    "value",
                    name=indicator.name,
                    value=v.value,
                    unit=indicator.unit,
                    at=v.created_at,
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
        return Change(
            day, "milestone_moved", name=milestone.name, moved_to=row.due, at=row.created_at
        )
    kind = "milestone_done" if row.done else "milestone_open"
    return Change(day, kind, name=milestone.name, at=row.created_at)


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
