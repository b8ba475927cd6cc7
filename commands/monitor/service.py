"""The public page's content: HTML pages, charts and open data, built from the store.

The transport (bot/web.py) maps each route to one method here and sends the `WebReply` as it
is; nothing here sees aiohttp. Every page is German; every text comes from the catalogs.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from commands.broadcast import TopicIndex
from commands.faqchart import Chart
from commands.formatting import to_plain
from commands.i18n import Catalog
from commands.measurevalues import format_number, milestones_now
from commands.monitor.charts import ChartCache, data_version
from commands.monitor.data import (
    HistoryEntry,
    MeasureView,
    ValueRow,
    history_entries,
    value_rows,
    views,
)
from commands.monitor.events import EventView, parse_number, public_event, upcoming_views
from commands.monitor.opendata import (
    DATASETS,
    history_records,
    measure_records,
    to_csv,
    to_json,
    value_records,
)
from commands.monitor.pages import Pages
from commands.progress import (
    STATUS_ORDER,
    Bar,
    indicator_alt,
    indicator_chart,
    indicator_series,
    progress_alt,
    progress_chart,
    status_counts,
)
from commands.quiet import BERLIN
from commands.termine_ics import to_ics, to_ics_feed
from config.measures import Indicator, Measure
from store.measures import StoredValue

if TYPE_CHECKING:
    from commands.measures import MeasureService
    from commands.pledges import PledgeService
    from commands.termine_service import EventService

__all__ = ["MonitorService", "MonitorSettings", "WebReply"]

HTML = "text/html; charset=utf-8"
ICS = "text/calendar; charset=utf-8"
INDEX_EVENTS = 3  # the overview's "Nächste Termine"
PNG = "image/png"
HISTORY_LIMIT = 500  # per measure; the page shows the newest PAGE_HISTORY of them
PAGE_HISTORY = 50


@dataclass(frozen=True)
class WebReply:
    """What the transport sends: status, Content-Type and body; `open_data` allows CORS."""

    status: int
    content_type: str
    body: bytes
    open_data: bool = False
    cache_seconds: int = 0


@dataclass(frozen=True)
class MonitorSettings:
    """What the page needs from the config: the bot (for the DM link), its public address."""

    bot_user_id: str
    public_url: str | None = None
    contact: str = ""


class _German:
    """The catalogs in German, as the alt-text functions of commands/progress.py want them."""

    language = "de"

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog

    def t(self, key: str, **params: Any) -> str:
        """The German catalog text (light Markdown, as Context.t returns it)."""
        return self._catalog.text("de", key, **params)


class MonitorService:
    """Builds every page, chart and data file of the Klimaschutz-Monitor."""

    def __init__(
        self,
        measures: MeasureService,
        topics: TopicIndex,
        catalog: Catalog,
        settings: MonitorSettings,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._measures = measures
        self._topics = topics
        self._speaker = _German(catalog)
        self._settings = settings
        self._clock = clock
        self._pages = Pages(catalog)
        self.charts = ChartCache()
        self.pledges: PledgeService | None = None  # running campaigns on the overview
        self.events: EventService | None = None  # upcoming events (/termine, the overview)

    # --- pages -------------------------------------------------------------------------------

    async def index(self) -> WebReply:
        """The overview: summary, progress chart, every measure with status and progress."""
        all_views = await self._views()
        bars = _bars(all_views)
        counts = ", ".join(f"{n} {status}" for status, n in status_counts(bars))
        average = round(sum(b.progress for b in bars) / len(bars)) if bars else 0
        return self._html(
            "index.html",
            "./",
            views=all_views,
            statuses=counts,
            average=average,
            chart_alt=progress_alt(self._speaker, bars, ""),
            campaigns=await self._campaigns(),
            next_events=await self._upcoming(INDEX_EVENTS),
            has_events=self.events is not None,
        )

    async def _campaigns(self) -> list[str]:
        if self.pledges is None:
            return []
        return await self.pledges.public_lines(datetime.fromtimestamp(self._clock(), BERLIN).date())

    async def events_page(self) -> WebReply:
        """Upcoming events with free places, how to register and their calendar files."""
        prefix = self.events.prefix if self.events is not None else "!"
        return self._html("termine.html", "./", events=await self._upcoming(), prefix=prefix)

    async def _upcoming(self, limit: int | None = None) -> list[EventView]:
        if self.events is None:
            return []
        return await upcoming_views(self.events, self._topics, self._clock(), limit)

    async def events_ics(self) -> WebReply:
        """All upcoming events that are not cancelled as one calendar file (RFC 5545)."""
        events = [] if self.events is None else await self.events.store.upcoming(self._clock())
        feed = to_ics_feed([public_event(e) for e in events], self._clock())
        return WebReply(200, ICS, feed)

    async def event_ics(self, number: str) -> WebReply:
        """One upcoming event's calendar file; 404 if unknown, cancelled or already begun."""
        event_id = parse_number(number)
        if self.events is None or event_id is None:
            return self.not_found()
        event = await self.events.store.get(event_id)
        now = self._clock()
        if event is None or event.cancelled or event.starts_at <= now:
            return self.not_found()
        return WebReply(200, ICS, to_ics(public_event(event), now))

    async def measure_page(self, measure_id: str) -> WebReply:
        """One measure: facts, indicators with values and chart, milestones, history."""
        measure = self._find(measure_id)
        if measure is None:
            return self.not_found()
        view = (await self._views((measure,)))[0]
        store = self._measures.store
        stored = await store.values(measure.id)
        series = indicator_series(measure, stored)
        title = measure.title["de"]
        return self._html(
            "measure.html",
            "../",
            view=view,
            indicators=_by_indicator(measure, value_rows(measure, stored)),
            milestones=milestones_now(measure, await store.milestone_changes(measure.id)),
            history=(await self._history(measure, stored))[:PAGE_HISTORY],
            chart_alt=indicator_alt(self._speaker, title, series) if series else "",
            today=datetime.fromtimestamp(self._clock(), BERLIN).date(),
        )

    async def topics_page(self) -> WebReply:
        """The topics with their measures and how to subscribe to each."""
        all_views = await self._views()
        groups = [
            (topic, [v for v in all_views if v.measure.topic == topic.slug])
            for topic in self._topics.topics
        ]
        return self._html("topics.html", "./", groups=groups)

    def data_page(self) -> WebReply:
        """The open data files and their columns."""
        return self._html("data.html", "./", datasets=DATASETS)

    def accessibility_page(self) -> WebReply:
        """The accessibility statement (BITV 2.0): what was checked and how to give feedback."""
        return self._html("barrierefreiheit.html", "./", contact=self._settings.contact)

    def not_found(self) -> WebReply:
        """The 404 page (also for unknown measure ids and files)."""
        return self._html(
            "error.html", self._site_root(), status=404, heading="monitor.not_found_title"
        )

    def server_error(self, reference: str) -> WebReply:
        """A 500 page naming only the reference number under which the error was logged."""
        return self._html(
            "error.html",
            self._site_root(),
            status=500,
            heading="monitor.error_title",
            reference=reference,
        )

    def stylesheet(self) -> WebReply:
        """The one stylesheet (no inline styles: the CSP allows only our own)."""
        return WebReply(
            200, "text/css; charset=utf-8", self._pages.stylesheet(), cache_seconds=3600
        )

    # --- charts ------------------------------------------------------------------------------

    async def progress_png(self) -> WebReply:
        """The measures by status and progress (commands/progress.py's chart)."""
        bars = _bars(await self._views())
        title = to_plain(self._speaker.t("progress.chart_title", topic=""))
        labels = {s: s for s in STATUS_ORDER}
        x_label = to_plain(self._speaker.t("progress.chart_x"))
        key = data_version("progress", title, tuple(bars), x_label)
        chart = await self.charts.get(key, lambda: progress_chart(title, bars, labels, x_label))
        return _png(chart)

    async def indicator_png(self, measure_id: str) -> WebReply:
        """A measure's indicators over time; 404 if it has none with values."""
        measure = self._find(measure_id)
        if measure is None:
            return self.not_found()
        series = indicator_series(measure, await self._measures.store.values(measure.id))
        if not series:
            return self.not_found()
        t = self._speaker.t
        title = to_plain(t("progress.indicator_chart_title", title=measure.title["de"]))
        words = to_plain(t("progress.baseline")), to_plain(t("progress.target"))
        key = data_version("indicator", measure.id, title, tuple(series), words)
        chart = await self.charts.get(
            key,
            lambda: indicator_chart(title, series, *words, lambda v: format_number(v, "de")),
        )
        return _png(chart)

    # --- open data ---------------------------------------------------------------------------

    async def open_data(self, name: str) -> WebReply:
        """`massnahmen.csv`, `kennzahlen.json` …: one dataset in one format; else 404."""
        dataset, _, kind = name.partition(".")
        if dataset not in DATASETS or kind not in ("csv", "json"):
            return self.not_found()
        records = await self._records(dataset)
        if kind == "csv":
            body = await asyncio.to_thread(to_csv, dataset, records)
            return WebReply(200, "text/csv; charset=utf-8; header=present", body, True)
        return WebReply(
            200, "application/json", await asyncio.to_thread(to_json, dataset, records), True
        )

    async def _records(self, dataset: str) -> list[dict[str, Any]]:
        all_views = await self._views()
        if dataset == "massnahmen":
            return measure_records(all_views, self._page_base())
        # Every measure's queries at once: aiosqlite runs them in turn on its thread, but the
        # file is read without a round trip through the event loop between each two.
        return [
            record
            for one in await asyncio.gather(*(self._measure_records(dataset, v) for v in all_views))
            for record in one
        ]

    async def _measure_records(self, dataset: str, view: MeasureView) -> list[dict[str, Any]]:
        stored = await self._measures.store.values(view.id)
        if dataset == "kennzahlen":
            return value_records(view.id, value_rows(view.measure, stored))
        return history_records(view.id, await self._history(view.measure, stored))

    # --- helpers -----------------------------------------------------------------------------

    def _find(self, measure_id: str) -> Measure | None:
        """Only the exact id: one address per measure, and nothing else reaches a lookup."""
        measure = self._measures.catalogue.get(measure_id)
        return measure if measure is not None and measure.id == measure_id else None

    async def _views(self, measures: Sequence[Measure] | None = None) -> list[MeasureView]:
        chosen = tuple(measures) if measures is not None else self._measures.catalogue.measures
        names = {t.slug: t.name_de for t in self._topics.topics}
        return views(chosen, await self._measures.store.states(), names)

    async def _history(self, measure: Measure, stored: Sequence[StoredValue]) -> list[HistoryEntry]:
        store = self._measures.store
        updates = [
            (u.created_at, u.status, u.progress, u.text)
            for u in await store.history(measure.id, limit=HISTORY_LIMIT)
        ]
        changes = [
            (c.created_at, c.number, c.done, c.due)
            for c in await store.milestone_changes(measure.id)
        ]
        # Python work of a few ms per measure with a long history: in a worker thread, so that
        # the loop stays free for the bot's answers meanwhile (tests/bench/web_bench.py).
        return await asyncio.to_thread(
            history_entries, self._speaker, measure, updates, list(stored), changes
        )

    def _site_root(self) -> str:
        """The page's root as an absolute address (for pages at any depth, such as a 404)."""
        base = self._settings.public_url
        return f"{base}/" if base else "/"

    def _page_base(self) -> str:
        """The address measure pages are under, for the open data's `seite` column."""
        return f"{self._site_root()}massnahmen/"

    def _html(self, template: str, root: str, status: int = 200, **values: Any) -> WebReply:
        catalogue = self._measures.catalogue
        body = self._pages.render(
            template,
            root=root,
            subscribe_url="https://matrix.to/#/" + quote(self._settings.bot_user_id, safe="@:"),
            bot_user_id=self._settings.bot_user_id,
            example=catalogue.example,
            checked=catalogue.checked,
            now=datetime.fromtimestamp(self._clock(), BERLIN),
            **values,
        )
        return WebReply(status, HTML, body)


def _bars(all_views: Sequence[MeasureView]) -> list[Bar]:
    return [Bar(v.title, v.status, v.progress) for v in all_views]


def _by_indicator(
    measure: Measure, rows: Sequence[ValueRow]
) -> list[tuple[Indicator, list[ValueRow]]]:
    """Each indicator of the measure with its values (none: an empty list)."""
    return [(i, [r for r in rows if r.indicator.id == i.id]) for i in measure.indicators]


def _png(chart: Chart) -> WebReply:
    return WebReply(200, PNG, chart.data)
