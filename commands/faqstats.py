"""`!statistik`: how the FAQ did over 7, 30 or 365 days, as text and as a weekly chart.

Counts come from the stored questions, answers and 👍/👎 (store/faqstats.py); a citizen's
`!vergessen` removes their questions from these counts too. Weeks are ISO weeks in local time.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from commands.context import Context, Role
from commands.errors import CommandError
from commands.faqchart import Chart, ChartSeries, weekly_chart
from commands.faqreview import watch_of
from commands.quiet import BERLIN
from commands.registry import command
from store.faqstats import AskedRow, Votes

__all__ = ["OUTCOMES", "Statistics", "WeekCount", "compute", "statistik", "weeks_between"]

DAY = 86400.0
PERIODS = (7, 30, 365)
DEFAULT_DAYS = 30
OUTCOMES = ("answer", "did_you_mean", "on_topic", "dont_know")
TOP = 5
VOTES_SHOWN = 10
WEEKS_IN_TEXT = 8
# Unanswered questions placed in a topic for "top open topics" (the newest; each is one
# engine lookup, done on the loop).
OPEN_SAMPLE = 300
CHART_NAME = "faq-statistik.png"


@dataclass(frozen=True)
class WeekCount:
    """Questions of one ISO week, per outcome (in the order of OUTCOMES)."""

    year: int
    week: int
    counts: tuple[int, ...]

    @property
    def total(self) -> int:
        """All questions of the week."""
        return sum(self.counts)


@dataclass(frozen=True)
class Statistics:
    """Everything `!statistik` shows, for one period."""

    days: int
    first_day: date
    last_day: date
    outcomes: Mapping[str, int]
    top_entries: tuple[tuple[str, int], ...]
    open_topics: tuple[tuple[str | None, int], ...]
    votes: tuple[tuple[str, Votes], ...]
    weeks: tuple[WeekCount, ...]

    @property
    def total(self) -> int:
        """Questions asked in the period."""
        return sum(self.outcomes.values())


def _local_day(ts: float) -> date:
    return datetime.fromtimestamp(ts, BERLIN).date()


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def weeks_between(start: float, end: float) -> list[date]:
    """The Mondays of the local weeks from `start`'s week to `end`'s, oldest first."""
    monday, last = _monday(_local_day(start)), _monday(_local_day(end))
    weeks = []
    while monday <= last:
        weeks.append(monday)
        monday += timedelta(days=7)
    return weeks


def kind_of(outcome: str) -> str:
    """The outcome as the statistics count it (an unknown one counts as "don't know")."""
    return outcome if outcome in OUTCOMES else "dont_know"


def weekly(rows: Sequence[AskedRow], start: float, end: float) -> tuple[WeekCount, ...]:
    """Questions per week and outcome; weeks without questions are there with zeros."""
    mondays = weeks_between(start, end)
    counts = {monday: [0] * len(OUTCOMES) for monday in mondays}
    for row in rows:
        bucket = counts.get(_monday(_local_day(row.asked_at)))
        if bucket is not None:
            bucket[OUTCOMES.index(kind_of(row.outcome))] += 1
    result = []
    for monday in mondays:
        year, week, _ = monday.isocalendar()
        result.append(WeekCount(year, week, tuple(counts[monday])))
    return tuple(result)


def worst_first(votes: Mapping[str, Votes]) -> tuple[tuple[str, Votes], ...]:
    """Entries by their rating: most 👎 over 👍 first, then most 👎."""
    return tuple(sorted(votes.items(), key=lambda v: (v[1].up - v[1].down, -v[1].down, v[0])))


def compute(
    rows: Sequence[AskedRow],
    answers: Mapping[str, int],
    votes: Mapping[str, Votes],
    open_topics: Sequence[str | None],
    start: float,
    end: float,
    days: int,
) -> Statistics:
    """The statistics of a period from its rows (pure: no database, no clock)."""
    outcomes = Counter({kind: 0 for kind in OUTCOMES})
    outcomes.update(kind_of(r.outcome) for r in rows)
    top = sorted(answers.items(), key=lambda a: (-a[1], a[0]))[:TOP]
    topics = Counter(open_topics).most_common()
    topics.sort(key=lambda t: (-t[1], t[0] is None, t[0] or ""))  # "no topic" after ties
    return Statistics(
        days,
        _local_day(start),
        _local_day(end),
        dict(outcomes),
        tuple(top),
        tuple(topics[:TOP]),
        worst_first(votes),
        weekly(rows, start, end),
    )


async def collect(ctx: Context, days: int) -> Statistics:
    """Read the period ending now from the database."""
    watch = watch_of(ctx)
    service = watch.service
    await service.ready()
    end = watch.clock()
    start = end - days * DAY
    rows = await watch.stats.asked(start, end + 1)
    answers = await watch.stats.answers_per_entry(start, end + 1)
    votes = await watch.stats.votes_per_entry(start, end + 1)
    texts = await watch.stats.unanswered(start, end + 1, OPEN_SAMPLE)
    topics = [watch.topic(text) for text in texts]
    return compute(rows, answers, votes, topics, start, end, days)


def _share(count: int, total: int) -> int:
    return round(100 * count / total) if total else 0


def render(ctx: Context, stats: Statistics) -> str:
    """The statistics as light Markdown, short lines for a phone."""
    first, last = stats.first_day.strftime("%d.%m.%Y"), stats.last_day.strftime("%d.%m.%Y")
    lines = [ctx.t("faqstats.title", days=stats.days, first=first, last=last)]
    if not stats.total:
        lines.append(ctx.t("faqstats.none"))
        return "\n".join(lines)
    lines.append(ctx.t("faqstats.asked", total=stats.total))
    for kind in OUTCOMES:
        count = stats.outcomes[kind]
        share = _share(count, stats.total)
        lines.append(ctx.t(f"faqstats.outcome_{kind}", count=count, share=share))
    lines += _top_lines(ctx, stats) + _topic_lines(ctx, stats) + _vote_lines(ctx, stats)
    lines += _week_lines(ctx, stats)
    return "\n".join(lines)


def _top_lines(ctx: Context, stats: Statistics) -> list[str]:
    if not stats.top_entries:
        return []
    faq = watch_of(ctx).service
    lines = ["", ctx.t("faqstats.top_title")]
    for rank, (entry_id, count) in enumerate(stats.top_entries, start=1):
        entry = faq.data.entry(entry_id)
        question = entry_id if entry is None else entry.question.get(ctx.language)
        question = question or (entry.question["de"] if entry is not None else entry_id)
        lines.append(
            ctx.t("faqstats.top_line", rank=rank, question=question, id=entry_id, count=count)
        )
    return lines


def _topic_lines(ctx: Context, stats: Statistics) -> list[str]:
    if not stats.open_topics:
        return []
    watch = watch_of(ctx)
    lines = ["", ctx.t("faqstats.open_title")]
    for slug, count in stats.open_topics:
        name = ctx.t("faqstats.no_topic") if slug is None else watch.topic_name(slug, ctx.language)
        lines.append(ctx.t("faqstats.open_line", topic=name, count=count))
    return lines


def _vote_lines(ctx: Context, stats: Statistics) -> list[str]:
    lines = ["", ctx.t("faqstats.votes_title")]
    if not stats.votes:
        return [*lines, ctx.t("faqstats.votes_none")]
    for entry_id, votes in stats.votes[:VOTES_SHOWN]:
        lines.append(ctx.t("faqstats.votes_line", id=entry_id, up=votes.up, down=votes.down))
    if len(stats.votes) > VOTES_SHOWN:
        lines.append(ctx.t("faqstats.more", more=len(stats.votes) - VOTES_SHOWN))
    return lines


def _week_lines(ctx: Context, stats: Statistics) -> list[str]:
    lines = ["", ctx.t("faqstats.weeks_title")]
    for week in stats.weeks[-WEEKS_IN_TEXT:][::-1]:  # newest first: what a phone shows first
        answered = week.counts[OUTCOMES.index("answer")]
        lines.append(
            ctx.t(
                "faqstats.week_line",
                week=week.week,
                year=week.year,
                total=week.total,
                answered=answered,
            )
        )
    if len(stats.weeks) > WEEKS_IN_TEXT:
        lines.append(ctx.t("faqstats.weeks_in_chart", more=len(stats.weeks) - WEEKS_IN_TEXT))
    return lines


def chart(ctx: Context, stats: Statistics) -> Chart:
    """The weekly trend by outcome as a PNG (blocking: call it in a thread)."""
    labels = [ctx.t("faqstats.chart_week", week=w.week, year=w.year % 100) for w in stats.weeks]
    series = [
        ChartSeries(
            str(ctx.t(f"faqstats.chart_{kind}")),
            tuple(w.counts[i] for w in stats.weeks),
        )
        for i, kind in enumerate(OUTCOMES)
    ]
    title = ctx.t("faqstats.chart_title", days=stats.days)
    return weekly_chart(
        str(title), [str(label) for label in labels], series, ctx.t("faqstats.chart_y")
    )


def alt_text(ctx: Context, stats: Statistics) -> str:
    """What the chart shows, for screen readers and text-only clients."""
    first, last = stats.weeks[0], stats.weeks[-1]
    return str(
        ctx.t(
            "faqstats.chart_alt",
            first=ctx.t("faqstats.chart_week", week=first.week, year=first.year % 100),
            last=ctx.t("faqstats.chart_week", week=last.week, year=last.year % 100),
            total=stats.total,
            answered=stats.outcomes["answer"],
        )
    )


def parse_days(args: str, prefix: str = "!") -> int:
    """7, 30 or 365 (default 30); the 'bad period' user error for anything else."""
    words = args.split()
    if not words:
        return DEFAULT_DAYS
    if len(words) == 1 and words[0].isdigit() and int(words[0][:4]) in PERIODS:
        return int(words[0])
    raise CommandError("faqstats.bad_period", prefix=prefix)


@command("statistik", aliases=("stats",), role=Role.MANAGER)
async def statistik(ctx: Context, args: str) -> None:
    """FAQ statistics for the last 7, 30 or 365 days: text, and the weekly trend as a chart."""
    days = parse_days(args, ctx.prefix)
    stats = await collect(ctx, days)
    await ctx.reply(render(ctx, stats))
    if stats.total:
        drawn = await asyncio.to_thread(chart, ctx, stats)  # matplotlib must not block the loop
        await ctx.send_image(
            CHART_NAME, drawn.data, "image/png", drawn.width, drawn.height, alt_text(ctx, stats)
        )
