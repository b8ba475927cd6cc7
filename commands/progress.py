"""`!fortschritt [thema]`: the measures by status and progress as a chart; indicator charts.

The drawing functions are pure: they take plain data (labels already in the user's language) and
return a `Chart` (PNG bytes and pixel size). They block, so handlers call them in a thread.
matplotlib is used through its object API (Figure + Agg canvas), as in commands/faqchart.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, Protocol

from commands.context import Context
from commands.errors import CommandError
from commands.faqchart import Chart, png_chart
from commands.formatting import Markup, to_plain
from commands.i18n import plural
from commands.registry import command
from commands.services import require
from config.measures import STATUSES, Measure
from store.measures import StoredValue

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "STATUS_ORDER",
    "Bar",
    "IndicatorSeries",
    "Speaker",
    "fortschritt",
    "indicator_alt",
    "indicator_chart",
    "indicator_series",
    "progress_alt",
    "progress_chart",
    "send_indicator_chart",
    "status_counts",
]

CHART_NAME = "fortschritt.png"
# Reading order of the groups, top to bottom: what is moving first, then what waits, then done.
STATUS_ORDER: tuple[str, ...] = ("in Umsetzung", "geplant", "zurückgestellt", "abgeschlossen")
# Okabe-Ito colours (colour-blind safe), each with a hatch so the status also shows without
# colour; bars get a dark edge, so even the lighter colours stand out from the white background.
_STYLE: Mapping[str, tuple[str, str]] = {
    "in Umsetzung": ("#0072B2", ""),
    "geplant": ("#E69F00", "//"),
    "zurückgestellt": ("#CC79A7", ".."),
    "abgeschlossen": ("#009E73", "xx"),
}
_OTHER_STYLE = ("#999999", "--")
_EDGE = "#222222"
_LABEL_CHARS = 38
_INCH_PER_BAR = 0.42
_DPI = 100
_GROUP_GAP = 0.6
assert set(STATUS_ORDER) == set(STATUSES)


class Speaker(Protocol):
    """What the alt texts need of a Context: a language and its catalog texts (so the public
    page, which has no chat message, describes its charts with the same words)."""

    language: str

    def t(self, key: str, **params: Any) -> str:
        """The catalog text for `key` in `language`."""


@dataclass(frozen=True)
class Bar:
    """One measure in the progress chart: its label, canonical (German) status and progress."""

    label: str
    status: str
    progress: int


@dataclass(frozen=True)
class IndicatorSeries:
    """One indicator of a measure over time, with its baseline and target (if set)."""

    name: str
    unit: str
    baseline: float | None
    target: float | None
    points: tuple[tuple[date, float], ...]
    baseline_year: int | None = None
    target_year: int | None = None


def _rank(status: str) -> int:
    return STATUS_ORDER.index(status) if status in STATUS_ORDER else len(STATUS_ORDER)


def sort_bars(bars: Sequence[Bar]) -> list[Bar]:
    """Grouped by status (STATUS_ORDER, unknown last), most progress first, then by label."""
    return sorted(bars, key=lambda b: (_rank(b.status), -b.progress, b.label.casefold()))


def status_counts(bars: Sequence[Bar]) -> list[tuple[str, int]]:
    """(status, count) in STATUS_ORDER, only statuses that occur (unknown ones after)."""
    counts: dict[str, int] = {}
    for bar in sort_bars(bars):
        counts[bar.status] = counts.get(bar.status, 0) + 1
    return list(counts.items())


def _positions(ordered: Sequence[Bar]) -> list[float]:
    """One row per bar, with a gap between status groups."""
    positions: list[float] = []
    at = 0.0
    for index, bar in enumerate(ordered):
        if index and bar.status != ordered[index - 1].status:
            at += _GROUP_GAP
        positions.append(at)
        at += 1
    return positions


def _literal(text: str) -> str:
    """Text as typed: a `$` in a name would start matplotlib's maths notation (and an unpaired
    one fails the drawing), so it is escaped."""
    return text.replace("$", r"\$")


def _short(label: str) -> str:
    label = " ".join(label.split())
    return label if len(label) <= _LABEL_CHARS else label[: _LABEL_CHARS - 1].rstrip() + "…"


def progress_chart(
    title: str, bars: Sequence[Bar], status_labels: Mapping[str, str], x_label: str
) -> Chart:
    """Horizontal bars, one per measure, grouped by status (blocking: run it in a thread).

    The figure grows with the number of measures, so labels keep their size on a phone.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    ordered = sort_bars(bars)
    height = 1.9 + _INCH_PER_BAR * (max(1, len(ordered)) + _GROUP_GAP * len(STATUS_ORDER))
    figure = Figure(figsize=(8, height), dpi=_DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = _positions(ordered)
    for position, bar in zip(positions, ordered, strict=True):
        colour, hatch = _STYLE.get(bar.status, _OTHER_STYLE)
        value = max(0, min(100, bar.progress))
        # A faint track in the status colour: the group shows even at 0 %, and what remains.
        axes.barh(position, 100, color=colour, alpha=0.18, linewidth=0)
        axes.barh(position, value, color=colour, hatch=hatch, edgecolor=_EDGE, linewidth=0.8)
        axes.text(value + 1.5, position, f"{value} %", va="center", fontsize=11, color="#000000")
    axes.set_yticks(positions, [_literal(_short(b.label)) for b in ordered], fontsize=11)
    axes.invert_yaxis()  # the first group on top
    axes.set_xlim(0, 112)  # room for "100 %" after a full bar
    axes.set_xticks([0, 25, 50, 75, 100])
    axes.set_xlabel(_literal(x_label), fontsize=11)
    axes.set_title(_literal(title), fontsize=13, loc="left")
    axes.grid(axis="x", alpha=0.3)
    axes.set_axisbelow(True)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    present = [status for status, _ in status_counts(ordered)]
    handles = [
        Patch(
            facecolor=_STYLE.get(s, _OTHER_STYLE)[0],
            hatch=_STYLE.get(s, _OTHER_STYLE)[1],
            edgecolor=_EDGE,
            label=_literal(status_labels.get(s, s)),
        )
        for s in present
    ]
    figure.legend(
        handles=handles,
        loc="lower center",
        ncols=min(4, len(handles)),
        fontsize=10,
        frameon=False,
    )
    figure.tight_layout(rect=(0, 0.35 / height, 1, 1))  # leave the bottom strip to the legend
    return png_chart(figure)


def indicator_chart(
    title: str,
    series: Sequence[IndicatorSeries],
    baseline_word: str,
    target_word: str,
    number: Callable[[float], str] = lambda value: f"{value:g}",
) -> Chart:
    """One panel per indicator: its values over time as a line, baseline (dotted) and target
    (dashed) as horizontal lines; the figure grows with the number of indicators (blocking)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    panels = max(1, len(series))
    figure = Figure(figsize=(8, 0.6 + 3.6 * panels), dpi=_DPI)
    FigureCanvasAgg(figure)
    figure.suptitle(_literal(title), fontsize=13, x=0.02, ha="left")
    for index, one in enumerate(series):
        axes = figure.add_subplot(panels, 1, index + 1)
        _indicator_panel(axes, one, baseline_word, target_word, number)
    figure.tight_layout()
    return png_chart(figure)


def _indicator_panel(
    axes: Axes,
    series: IndicatorSeries,
    baseline_word: str,
    target_word: str,
    number: Callable[[float], str],
) -> None:
    def amount(value: float) -> str:
        return _literal(f"{number(value)} {series.unit}".rstrip())

    def label(word: str, value: float, year: int | None) -> str:
        return f"{word} {year}: {amount(value)}" if year else f"{word}: {amount(value)}"

    points = sorted(series.points)
    dates = [d for d, _ in points]
    values = [v for _, v in points]
    name = _literal(series.name)
    axes.plot(dates, values, color="#0072B2", marker="o", linewidth=2.2, label=name)  # type: ignore[arg-type]
    if series.baseline is not None:
        axes.axhline(
            series.baseline,
            color="#555555",
            linestyle=":",
            linewidth=2,
            label=label(baseline_word, series.baseline, series.baseline_year),
        )
    if series.target is not None:
        axes.axhline(
            series.target,
            color="#009E73",
            linestyle="--",
            linewidth=2,
            label=label(target_word, series.target, series.target_year),
        )
    _date_axis(axes, dates)
    axes.set_title(_literal(series.name), fontsize=12, loc="left")
    if series.unit:
        axes.set_ylabel(_literal(series.unit), fontsize=11)
    axes.grid(alpha=0.3)
    axes.legend(loc="best", fontsize=10)


def _date_axis(axes: Axes, dates: Sequence[date]) -> None:
    """Numeric date ticks (no English month names): years over long spans, else month.year."""
    from matplotlib.dates import DateFormatter, MonthLocator, YearLocator

    if not dates:
        return
    first, last = min(dates), max(dates)
    if (last - first).days < 90:  # one value or a few close ones: give the axis some room
        middle = first + (last - first) / 2
        first, last = middle - timedelta(days=60), middle + timedelta(days=60)
        axes.set_xlim(first, last)  # type: ignore[arg-type]
    months = (last.year - first.year) * 12 + last.month - first.month
    if months > 30:
        axes.xaxis.set_major_locator(YearLocator(max(1, months // 96)))  # type: ignore[no-untyped-call]
        axes.xaxis.set_major_formatter(DateFormatter("%Y"))  # type: ignore[no-untyped-call]
    else:
        axes.xaxis.set_major_locator(MonthLocator(interval=max(1, months // 6)))  # type: ignore[no-untyped-call]
        axes.xaxis.set_major_formatter(DateFormatter("%m.%Y"))  # type: ignore[no-untyped-call]


def _status_name(status: str, language: str) -> str:
    from commands.measures import status_name

    return status_name(status, language)


def progress_alt(ctx: Speaker, bars: Sequence[Bar], topic: str) -> str:
    """What the chart shows, in words (the image's body for screen readers)."""
    return to_plain(
        ctx.t(
            "progress.chart_alt",
            count=len(bars),
            topic=f" – {topic}" if topic else "",
            statuses=_counts_text(ctx, bars),
            average=_average(bars),
        )
    )


def _counts_text(ctx: Speaker, bars: Sequence[Bar]) -> str:
    return ", ".join(
        f"{count} {_status_name(status, ctx.language)}" for status, count in status_counts(bars)
    )


def _average(bars: Sequence[Bar]) -> int:
    return round(sum(b.progress for b in bars) / len(bars)) if bars else 0


def _topic_list(ctx: Context) -> str:
    broadcaster = ctx.services.broadcaster
    if broadcaster is None:
        return ""
    return ", ".join(
        broadcaster.topics.name(t.slug, ctx.language) for t in broadcaster.topics.topics
    )


@command("fortschritt", aliases=("progress",))
async def fortschritt(ctx: Context, args: str) -> None:
    """The measures by status and progress: a short text and a chart, optionally for one topic."""
    from commands.measures import MeasureService

    service: MeasureService = require(ctx.services.measures)
    measures = list(service.catalogue.measures)
    wanted = args.strip()
    topic_name = ""
    if wanted:
        broadcaster = ctx.services.broadcaster
        topic = broadcaster.topics.find(wanted) if broadcaster is not None else None
        if broadcaster is None or topic is None:
            raise CommandError("progress.unknown_topic", name=wanted[:60], topics=_topic_list(ctx))
        topic_name = broadcaster.topics.name(topic.slug, ctx.language)
        measures = [m for m in measures if m.topic == topic.slug]
    if not measures:
        await ctx.reply_key("progress.none", topic=f" – {topic_name}" if topic_name else "")
        return
    states = await service.store.states()
    bars = []
    for m in measures:
        state = states.get(m.id)
        bars.append(
            Bar(
                m.title.get(ctx.language, m.title["de"]),
                state.status if state else m.status,
                state.progress if state else m.progress,
            )
        )
    await ctx.reply_key(
        "progress.summary",
        count=len(bars),
        topic=f" – {topic_name}" if topic_name else "",
        statuses=_counts_text(ctx, bars),
        average=_average(bars),
        prefix=ctx.prefix,
    )
    labels = {s: _status_name(s, ctx.language) for s in STATUS_ORDER}
    # A chart is drawn text, not Markdown: catalog text keeps escape placeholders (U+E000…)
    # for "-", "(" and the like until rendered, so turn it into plain text first.
    title = to_plain(ctx.t("progress.chart_title", topic=f" – {topic_name}" if topic_name else ""))
    axis = to_plain(ctx.t("progress.chart_x"))
    drawn = await asyncio.to_thread(progress_chart, title, bars, labels, axis)
    await ctx.send_image(
        CHART_NAME,
        drawn.data,
        "image/png",
        drawn.width,
        drawn.height,
        progress_alt(ctx, bars, topic_name),
    )


INDICATOR_CHART_NAME = "kennzahlen.png"


def indicator_series(measure: Measure, stored: Sequence[StoredValue]) -> list[IndicatorSeries]:
    """Each indicator with at least one value: catalogue values, then chat values (a chat value
    wins on the same day, as in `!massnahme`'s last value)."""
    result = []
    for indicator in measure.indicators:
        by_day = {v.date: v.value for v in indicator.values}
        for s in stored:  # oldest first, so the last one recorded for a day wins
            if s.indicator_id == indicator.id:
                by_day[s.measured_on] = s.value
        if not by_day:
            continue
        baseline, target = indicator.baseline, indicator.target
        result.append(
            IndicatorSeries(
                indicator.name,
                indicator.unit,
                None if baseline is None else baseline[0],
                None if target is None else target[0],
                tuple(sorted(by_day.items())),
                None if baseline is None else baseline[1],
                None if target is None else target[1],
            )
        )
    return result


def indicator_alt(ctx: Speaker, title: str, series: Sequence[IndicatorSeries]) -> str:
    """The indicator chart in words: per indicator its span, last value and target."""
    from commands.measurevalues import format_number

    def amount(value: float, unit: str) -> str:
        return f"{format_number(value, ctx.language)} {unit}".rstrip()

    parts = []
    for one in series:
        (first, _), (last, value) = one.points[0], one.points[-1]
        part = ctx.t(
            "progress.indicator_alt_part",
            name=one.name,
            values=ctx.t(plural("progress.values", len(one.points)), count=len(one.points)),
            first=first.strftime("%d.%m.%Y"),
            last=last.strftime("%d.%m.%Y"),
            value=amount(value, one.unit),
        )
        if one.target is not None:
            part += ctx.t(
                "progress.indicator_alt_target",
                target=amount(one.target, one.unit),
                year=one.target_year or "",
            )
        parts.append(str(part))
    # Plain text: the guards that keep catalogue text from becoming markup are undone.
    return to_plain(ctx.t("progress.indicator_alt", title=title, parts=Markup("; ".join(parts))))


async def send_indicator_chart(
    ctx: Context, measure: Measure, stored: Sequence[StoredValue]
) -> None:
    """After `!massnahme`: its indicators over time as one image, if any has values."""
    from commands.measurevalues import format_number

    series = indicator_series(measure, stored)
    if not series:
        return
    title = measure.title.get(ctx.language, measure.title["de"])
    drawn = await asyncio.to_thread(
        indicator_chart,
        to_plain(ctx.t("progress.indicator_chart_title", title=title)),  # plain: see above
        series,
        to_plain(ctx.t("progress.baseline")),
        to_plain(ctx.t("progress.target")),
        lambda value: format_number(value, ctx.language),
    )
    await ctx.send_image(
        INDICATOR_CHART_NAME,
        drawn.data,
        "image/png",
        drawn.width,
        drawn.height,
        indicator_alt(ctx, title, series),
    )
