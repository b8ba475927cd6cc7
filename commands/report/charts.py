"""The report's charts, drawn with commands/progress.py's functions (blocking: run in a thread).

The progress chart shows every measure at the end of the period; indicator charts are drawn for
the measures whose indicators got values in the period, the busiest first, at most
MAX_INDICATOR_CHARTS (each chart costs a few hundred milliseconds).
"""

from __future__ import annotations

from commands.progress import STATUS_ORDER, Bar, IndicatorSeries, indicator_chart, progress_chart
from commands.report.blocks import Figure, Texts, clean
from commands.report.model import MeasureRow, Report

__all__ = ["MAX_INDICATOR_CHARTS", "MAX_PROGRESS_BARS", "figures"]

MAX_INDICATOR_CHARTS = 4
# Beyond this many bars the chart is a tall strip nobody reads and matplotlib takes seconds to
# draw it; the measures that changed come first, and the tables list every measure.
MAX_PROGRESS_BARS = 60


def _label(value: object) -> str:
    """Text for matplotlib: a '$' would start mathtext (and an unpaired one fails to draw)."""
    return clean(value).replace("$", r"\$")


def figures(report: Report, t: Texts) -> list[Figure]:
    """The progress chart first, then the indicator charts (none without measures)."""
    if not report.measures:
        return []
    result = [_progress(report, t)]
    busy = [m for m in report.measures if any(i.values_in_period for i in m.indicators)]
    busy.sort(key=lambda m: -sum(i.values_in_period for i in m.indicators))
    result += [_indicators(m, t) for m in busy[:MAX_INDICATOR_CHARTS]]
    return result


def _progress(report: Report, t: Texts) -> Figure:
    shown = sorted(report.measures, key=lambda m: not m.changed)[:MAX_PROGRESS_BARS]
    bars = [Bar(_label(m.title), m.status, m.progress) for m in shown]
    title = t("chart_progress_title", date=t.day(report.period.last))
    part = ""
    if len(shown) < len(report.measures):
        part = t("chart_progress_part", shown=len(shown), count=len(report.measures))
    chart = progress_chart(
        t("chart_progress_short", date=t.day(report.period.last)),
        bars,
        {s: s for s in STATUS_ORDER},
        t("chart_progress_x"),
    )
    statuses = ", ".join(f"{count} {status}" for status, count in report.status_counts)
    average = round(sum(m.progress for m in report.measures) / len(report.measures))
    alt = t("chart_progress_alt", count=len(report.measures), statuses=statuses, average=average,
            date=t.day(report.period.last))  # fmt: skip
    return Figure(chart, alt + part, title + part)


def _indicators(measure: MeasureRow, t: Texts) -> Figure:
    series = [
        IndicatorSeries(
            _label(i.name),
            _label(i.unit),
            None if i.baseline is None else i.baseline[0],
            None if i.target is None else i.target[0],
            i.points,
            None if i.baseline is None else i.baseline[1],
            None if i.target is None else i.target[1],
        )
        for i in measure.indicators
        if i.points
    ]
    title = t("chart_indicator_title", title=clean(measure.title))
    chart = indicator_chart(
        _label(title), series, _label(t("baseline")), _label(t("target")), t.number
    )
    parts = []
    for i in measure.indicators:
        if not i.points:
            continue
        last_day, last_value = i.points[-1]
        part = t.count("chart_indicator_part", len(i.points), name=clean(i.name),
                       value=t.amount(last_value, i.unit), date=t.day(last_day))  # fmt: skip
        if i.target is not None:
            part += t("chart_indicator_target", target=t.amount(i.target[0], i.unit),
                      year=i.target[1])  # fmt: skip
        parts.append(part)
    return Figure(chart, t("chart_indicator_alt", title=title, parts="; ".join(parts)), title)
