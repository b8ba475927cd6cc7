"""Read one period's report from the stores (the chat command and the CLI share this)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from commands.progress import STATUS_ORDER
from commands.quiet import BERLIN
from commands.report.history import build_measures, status_counts
from commands.report.model import (
    BroadcastStats,
    MeasureRow,
    Period,
    QuestionStats,
    Report,
    broadcast_stats,
    network_stats,
    question_stats,
)
from commands.services import Services, require
from config.measures import Catalogue
from store.report import ReportStore

__all__ = ["OPEN_SAMPLE", "ReportSources", "collect"]

# Unanswered questions placed in a topic by the FAQ engine (each is one lookup on the loop, as
# for !statistik); the rest of a busy year counts as "no topic".
OPEN_SAMPLE = 300


@dataclass(frozen=True)
class ReportSources:
    """What the report reads: the catalogue, the rows, and how to name topics."""

    catalogue: Catalogue
    store: ReportStore
    topic_name: Callable[[str | None], str]
    topic_of_entry: Callable[[str], str | None]
    topic_of_text: Callable[[str], str | None]
    unanswered: Callable[[float, float, int], Awaitable[list[str]]]
    ready: Callable[[], Awaitable[None]]

    @classmethod
    def of(cls, services: Services) -> ReportSources:
        """The sources of a bot's services; without an FAQ the questions have no topics."""
        measures = require(services.measures)
        store = require(services.reports)
        broadcaster = services.broadcaster
        faq = services.faq
        watch = faq.watch if faq is not None else None

        def topic_name(slug: str | None) -> str:
            if not slug:
                return ""
            return broadcaster.topics.name(slug, "de") if broadcaster is not None else slug

        def topic_of_entry(entry_id: str) -> str | None:
            entry = faq.data.entry(entry_id) if faq is not None else None
            return None if entry is None else entry.topic

        async def unanswered(start: float, end: float, limit: int) -> list[str]:
            return [] if watch is None else await watch.stats.unanswered(start, end, limit)

        async def ready() -> None:
            if faq is not None:
                await faq.ready()

        return cls(
            measures.catalogue,
            store,
            topic_name,
            topic_of_entry,
            watch.topic if watch is not None else lambda text: None,
            unanswered,
            ready,
        )


async def collect(sources: ReportSources, period: Period, now: float) -> Report:
    """Everything the report shows for `period`, read now."""
    await sources.ready()
    start, end = period.start, period.end
    store = sources.store
    measures = build_measures(
        sources.catalogue,
        period,
        await store.history_until(end),
        await store.values_until(end),
        await store.milestones_until(end),
    )
    asked = await store.questions(start, end)
    texts = await sources.unanswered(start, end, OPEN_SAMPLE)
    questions = question_stats(
        asked, sources.topic_of_entry, [sources.topic_of_text(t) for t in texts]
    )
    broadcasts = broadcast_stats(
        await store.broadcasts(start, end), await store.distinct_users_reached(start, end)
    )
    network = network_stats(
        await store.actor_types(end),
        await store.new_actors(start, end),
        await store.introductions(start, end),
    )
    return Report(
        period,
        datetime.fromtimestamp(now, BERLIN),
        sources.catalogue.example,
        measures,
        questions,
        broadcasts,
        network,
        status_counts(measures, STATUS_ORDER),
        _names(sources, measures, questions, broadcasts),
    )


def _names(
    sources: ReportSources,
    measures: tuple[MeasureRow, ...],
    questions: QuestionStats,
    broadcasts: BroadcastStats,
) -> dict[str, str]:
    slugs = {m.topic for m in measures}
    slugs.update(t for t, _ in questions.topics if t)
    slugs.update(t for t, _ in broadcasts.by_topic if t)
    return {slug: sources.topic_name(slug) for slug in slugs}
