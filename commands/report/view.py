"""The report as a document of plain blocks (headings, paragraphs, lists, tables, figures).

Built once, in German, from the report data and the catalog's `report.*` texts; the HTML and the
PDF writer render the same blocks, so both files say the same. Every text here is plain (no
markup): the HTML template escapes it, the PDF draws it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from commands.report.blocks import (
    LANGUAGE,
    Block,
    Document,
    Figure,
    Heading,
    Items,
    Paragraph,
    Table,
    Texts,
    clean,
)
from commands.report.model import (
    OUTCOMES,
    Change,
    IndicatorRow,
    MeasureRow,
    Report,
)

__all__ = ["CHANGES_SHOWN", "build_document"]

# Entries listed per measure (the latest); a busy measure's older ones are counted.
CHANGES_SHOWN = 30


def build_document(report: Report, t: Texts, figures: Sequence[Figure] = ()) -> Document:
    """The report's blocks; `figures` are the charts (the first one the progress chart)."""
    period = t("period", first=t.day(report.period.first), last=t.day(report.period.last))
    doc = Document(t("title", period=period), LANGUAGE)
    add = doc.blocks.extend
    add(_intro(report, t, period))
    add(_overview(report, t))
    add(_changes(report, t))
    add(_milestones(report, t))
    add(_indicators(report, t, figures[1:]))
    add(_co2(report, t))
    add(_fields(report, t, figures[:1]))
    add(_questions(report, t))
    add(_broadcasts(report, t))
    add(_network(report, t))
    add([Paragraph(t("privacy"), note=True)])
    return doc


def _intro(report: Report, t: Texts, period: str) -> list[Block]:
    blocks: list[Block] = [
        Heading(1, t("title", period=period), "bericht"),
        Paragraph(t("created", date=t.day(report.created), time=report.created.strftime("%H:%M"))),
    ]
    if report.example:
        blocks.append(Paragraph(t("example_note"), note=True))
    return blocks


def _average(measures: Sequence[MeasureRow]) -> int:
    return round(sum(m.progress for m in measures) / len(measures)) if measures else 0


def _overview(report: Report, t: Texts) -> list[Block]:
    statuses = ", ".join(f"{count} {status}" for status, count in report.status_counts)
    items = [
        t.count("overview_measures", len(report.measures), statuses=statuses or "–",
                average=_average(report.measures)),
        t.count("overview_changed", len(report.changed)),
        t("overview_co2", expected=t.number(report.co2_expected),
          achieved=t.number(report.co2_achieved)),
        t.count("overview_questions", report.questions.total),
        t.count("overview_broadcasts", report.broadcasts.count, people=report.broadcasts.people),
        t.count("overview_actors", report.network.actors, new=report.network.new,
                requests=report.network.requests),
    ]  # fmt: skip
    blocks: list[Block] = [Heading(2, t("overview_title"), "ueberblick"), Items(tuple(items))]
    if report.quiet:
        blocks.insert(1, Paragraph(t("quiet")))
    return blocks


def _status_text(t: Texts, status: str, progress: int) -> str:
    return t("state", status=clean(status), progress=progress)


def _change_text(t: Texts, change: Change) -> str:
    day = t.day(change.day)
    if change.kind == "status":
        text = t("change_status", date=day, status=clean(change.status or "–"),
                 progress="–" if change.progress is None else change.progress)  # fmt: skip
        return text + (t("change_with_text", text=clean(change.text)) if change.text else "")
    if change.kind == "news":
        return t("change_news", date=day, text=clean(change.text or ""))
    if change.kind == "value":
        return t("change_value", date=day, name=clean(change.name),
                 value=t.amount(change.value, change.unit))  # fmt: skip
    if change.kind == "milestone_moved" and change.moved_to is not None:
        return t("change_milestone_moved", date=day, name=clean(change.name),
                 due=t.day(change.moved_to))  # fmt: skip
    key = "change_milestone_done" if change.kind == "milestone_done" else "change_milestone_open"
    return t(key, date=day, name=clean(change.name))


def _changes(report: Report, t: Texts) -> list[Block]:
    blocks: list[Block] = [Heading(2, t("changes_title"), "aenderungen")]
    changed = report.changed
    if not changed:
        return [*blocks, Paragraph(t("changes_none"))]
    rows = tuple(
        (
            clean(m.title),
            _status_text(t, m.status_before, m.progress_before),
            _status_text(t, m.status, m.progress),
            str(len(m.changes)),
        )
        for m in changed
    )
    blocks.append(
        Table(
            t("changes_caption"),
            (t("col_measure"), t("col_before"), t("col_after"), t("col_entries")),
            rows,
            (False, False, False, True),
            (5, 3, 3, 2),
        )
    )
    for m in changed:
        if m.changes:
            blocks.append(Heading(3, clean(m.title)))
            shown = [_change_text(t, c) for c in m.changes[-CHANGES_SHOWN:]]
            if len(m.changes) > CHANGES_SHOWN:
                shown.insert(0, t("changes_more", more=len(m.changes) - CHANGES_SHOWN))
            blocks.append(Items(tuple(shown)))
    return blocks


def _milestones(report: Report, t: Texts) -> list[Block]:
    blocks: list[Block] = [Heading(2, t("milestones_title"), "meilensteine")]
    met = [(m, s) for m in report.measures for s in m.milestones_met]
    missed = [(m, s) for m in report.measures for s in m.milestones_missed]
    if not met and not missed:
        return [*blocks, Paragraph(t("milestones_none"))]
    headers = (t("col_measure"), t("col_milestone"), t("col_due"))
    for caption, pairs in ((t("milestones_met"), met), (t("milestones_missed"), missed)):
        if not pairs:
            blocks.append(
                Paragraph(t("milestones_no_met" if pairs is met else "milestones_no_missed"))
            )
            continue
        rows = tuple((clean(m.title), clean(s.name), t.day(s.date)) for m, s in pairs)
        blocks.append(Table(caption, headers, rows, (False, False, True), (5, 4, 2)))
    return blocks


def _indicator_cells(t: Texts, row: IndicatorRow) -> tuple[str, ...]:
    def year_value(pair: tuple[float, int] | None) -> str:
        return "–" if pair is None else t("year_value", value=t.amount(pair[0], row.unit),
                                              year=pair[1])  # fmt: skip

    def dated(pair: tuple[Any, float] | None) -> str:
        return "–" if pair is None else t("dated_value", value=t.amount(pair[1], row.unit),
                                              date=t.day(pair[0]))  # fmt: skip

    share = row.share
    return (
        clean(row.name),
        year_value(row.baseline),
        dated(row.before),
        dated(row.last),
        year_value(row.target),
        "–" if share is None else f"{share} %",
        str(row.values_in_period),
    )


def _indicators(report: Report, t: Texts, figures: Sequence[Figure]) -> list[Block]:
    blocks: list[Block] = [Heading(2, t("indicators_title"), "kennzahlen")]
    with_indicators = [m for m in report.measures if m.indicators]
    if not with_indicators:
        return [*blocks, Paragraph(t("indicators_none"))]
    blocks.append(Paragraph(t("indicators_intro")))
    headers = (
        t("col_indicator"), t("col_baseline"), t("col_start_value"), t("col_last_value"),
        t("col_target"), t("col_share"), t("col_values"),
    )  # fmt: skip
    for m in with_indicators:
        rows = tuple(_indicator_cells(t, i) for i in m.indicators)
        blocks.append(
            Table(
                t("indicators_caption", title=clean(m.title)),
                headers,
                rows,
                (False, True, True, True, True, True, True),
                (4, 3, 3, 3, 3, 2, 2),
            )
        )
    blocks.extend(figures)
    return blocks


def _co2(report: Report, t: Texts) -> list[Block]:
    rows = tuple(
        (
            clean(g.name) or t("no_field"),
            str(len(g.measures)),
            t.number(g.co2_expected),
            t.number(g.co2_achieved),
        )
        for g in report.groups
    )
    total = (
        t("total"),
        str(len(report.measures)),
        t.number(report.co2_expected),
        t.number(report.co2_achieved),
    )
    return [
        Heading(2, t("co2_title"), "co2"),
        Paragraph(t("co2_intro")),
        Table(
            t("co2_caption"),
            (t("col_field"), t("col_count"), t("col_co2_expected"), t("col_co2_achieved")),
            rows,
            (False, True, True, True),
            (5, 2, 3, 3),
            total,
        ),
    ]


def _fields(report: Report, t: Texts, figures: Sequence[Figure]) -> list[Block]:
    blocks: list[Block] = [Heading(2, t("fields_title"), "handlungsfelder"), *figures]
    headers = (
        t("col_measure"), t("col_department"), t("col_status"), t("col_progress"),
        t("col_co2_expected"), t("col_co2_achieved"),
    )  # fmt: skip
    for group in report.groups:
        name = clean(group.name) or t("no_field")
        rows = tuple(
            (
                clean(m.title),
                clean(m.department),
                clean(m.status),
                f"{m.progress} %",
                t.number(m.co2_expected),
                t.number(m.co2_achieved),
            )
            for m in group.measures
        )
        blocks.append(Heading(3, name))
        blocks.append(
            Table(
                t("fields_caption", field=name),
                headers,
                rows,
                (False, False, False, True, True, True),
                (5, 5, 3, 3, 3, 3),
            )
        )
    return blocks


def _share(count: int, total: int) -> str:
    return f"{round(100 * count / total)} %" if total else "–"


def _questions(report: Report, t: Texts) -> list[Block]:
    q = report.questions
    blocks: list[Block] = [Heading(2, t("questions_title"), "fragen")]
    if not q.total:
        return [*blocks, Paragraph(t("questions_none"))]
    blocks.append(Paragraph(t.count("questions_intro", q.total)))
    outcome_rows = tuple(
        (
            t(f"outcome_{kind}"),
            str(q.outcomes.get(kind, 0)),
            _share(q.outcomes.get(kind, 0), q.total),
        )
        for kind in OUTCOMES
    )
    topic_rows = tuple(
        (clean(report.topic(slug)) or t("no_topic"), str(n), _share(n, q.total))
        for slug, n in q.topics
    )
    headers = (t("col_count"), t("col_share_of_all"))
    blocks.append(Table(t("questions_outcomes"), (t("col_outcome"), *headers), outcome_rows,
                        (False, True, True), (6, 2, 2)))  # fmt: skip
    blocks.append(Table(t("questions_topics"), (t("col_topic"), *headers), topic_rows,
                        (False, True, True), (6, 2, 2)))  # fmt: skip
    return blocks


def _broadcasts(report: Report, t: Texts) -> list[Block]:
    b = report.broadcasts
    blocks: list[Block] = [Heading(2, t("broadcasts_title"), "ankuendigungen")]
    if not b.count:
        return [*blocks, Paragraph(t("broadcasts_none"))]
    items = (
        t.count("broadcasts_count", b.count),
        t("broadcasts_reach", people=b.people, direct=b.direct, digest=b.digest, rooms=b.rooms),
        t("broadcasts_failed", undeliverable=b.undeliverable, pending=b.pending),
    )
    kinds = tuple((_kind(t, k), str(n)) for k, n in b.by_kind)
    topics = tuple((clean(report.topic(s)) or t("no_topic"), str(n)) for s, n in b.by_topic)
    return [
        *blocks,
        Items(items),
        Table(t("broadcasts_kinds"), (t("col_kind"), t("col_count")), kinds, (False, True), (6, 2)),
        Table(
            t("broadcasts_topics"), (t("col_topic"), t("col_count")), topics, (False, True), (6, 2)
        ),
    ]


def _kind(t: Texts, kind: str) -> str:
    named = ("announcement", "measure_update", "scheduled", "termin", "pledge_milestone", "poll")
    if kind in named:
        return t(f"kind_{kind}")
    return t("kind_other", kind=clean(kind))


def _network(report: Report, t: Texts) -> list[Block]:
    n = report.network
    blocks: list[Block] = [Heading(2, t("network_title"), "netzwerk")]
    intro = n.introductions
    items = (
        t.count("network_actors", n.actors, new=n.new),
        t("network_requests", requests=n.requests, accepted=intro.get("accepted", 0),
          declined=intro.get("declined", 0), open=intro.get("open", 0),
          expired=intro.get("expired", 0)),
    )  # fmt: skip
    blocks.append(Items(items))
    if n.by_type:
        rows = tuple((clean(kind), str(count)) for kind, count in n.by_type)
        blocks.append(
            Table(t("network_types"), (t("col_type"), t("col_count")), rows, (False, True), (6, 2))
        )
    return blocks
