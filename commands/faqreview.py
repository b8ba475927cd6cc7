"""Keeping the FAQ alive: the weekly review for the manager room and the spike notice.

The weekly review (`!faq-pruefung`, and every Monday at 08:00 in the manager room) lists entries
past their review date, volatile entries not checked for six months, entries with more 👎 than
👍, and the week's open questions with their `!offen` numbers. A spike — many questions the FAQ
could not answer, or many 👎, on one topic within a day — is posted at once, once a day per topic.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from commands import faqgroups
from commands.context import Context, Message, Replier, Role
from commands.faqedit import review_after, review_date
from commands.faqmatch import Outcome
from commands.i18n import Catalog
from commands.quiet import BERLIN
from commands.registry import command
from commands.services import require
from config.faq import FaqEntry
from store.faqstats import FaqStatsStore

if TYPE_CHECKING:
    from commands.faq import FaqService
    from commands.services import Services

__all__ = ["FaqWatch", "ReviewItems", "faq_pruefung", "topic_of", "watch_of", "weekly_job"]

log = logging.getLogger(__name__)

DAY = 86400.0
WEEK = 7 * DAY
# Volatile entries (rules that are changing) are due for a look this many months after `checked`.
VOLATILE_MONTHS = 6
# Entries shown per part of the review; the rest is counted.
SHOWN = 10
# Questions of the last day placed in a topic for the spike count (more means a flood anyway).
SPIKE_SAMPLE = 300
# Question texts whose topic is remembered (each placement is one engine lookup).
TOPIC_CACHE = 2000


def topic_of(service: FaqService, text: str) -> str | None:
    """The topic the engine places a question in; None where it found no topic."""
    return _outcome_topic(service, service.guess(text))


def _outcome_topic(service: FaqService, outcome: Outcome) -> str | None:
    # Only an entry the engine offered ("on topic", "did you mean") or answered with names
    # the topic: the best of weak matches behind a "don't know" is often about something else.
    guess = outcome.entry_id or (outcome.candidates[0] if outcome.candidates else None)
    entry = service.data.entry(guess) if guess else None
    return None if entry is None else entry.topic


@dataclass(frozen=True)
class ReviewItems:
    """What the weekly review lists."""

    overdue: tuple[tuple[FaqEntry, date], ...]
    volatile: tuple[FaqEntry, ...]
    disliked: tuple[tuple[FaqEntry, int, int], ...]
    groups: tuple[faqgroups.OpenGroup, ...]

    @property
    def empty(self) -> bool:
        """True if there is nothing to look at."""
        return not (self.overdue or self.volatile or self.disliked or self.groups)


class FaqWatch:
    """Spike notices and the weekly review, on top of the FAQ service (built in bot/wiring.py)."""

    def __init__(
        self,
        service: FaqService,
        stats: FaqStatsStore,
        catalog: Catalog,
        prefix: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.service = service
        self.stats = stats
        self.catalog = catalog
        self.prefix = prefix
        self.clock = clock
        self._topics: dict[str, str | None] = {}
        self._topics_of: object = None  # the FaqData the remembered topics were found in

    def topic(self, text: str) -> str | None:
        """The topic of a question text (remembered until the FAQ changes)."""
        data = self.service.data
        if data is not self._topics_of or len(self._topics) >= TOPIC_CACHE:
            self._topics, self._topics_of = {}, data
        if text not in self._topics:
            self._topics[text] = topic_of(self.service, text)
        return self._topics[text]

    # --- spikes ------------------------------------------------------------------------------

    async def unanswered(self, ctx: Context, outcome: Outcome) -> None:
        """A question the FAQ could not answer was stored: post a spike on its topic if due."""
        try:
            topic = _outcome_topic(self.service, outcome)
            if topic is None or not self.service.manager_room:
                return
            now = self.clock()
            if await self._posted_today(topic, now):
                return
            texts = await self.stats.unanswered(now - DAY, now + 1, SPIKE_SAMPLE)
            count = sum(1 for text in texts if self.topic(text) == topic)
            if count >= self.service.settings.spike_questions:
                await self._spike(ctx, topic, "faqreview.spike_questions", count, now)
        except Exception:  # a missed spike notice must never cost the citizen the answer
            log.exception("spike check failed")

    async def downvoted(self, ctx: Context, entry_id: str) -> None:
        """A 👎 was stored on an answer: post a spike on the entry's topic if due."""
        try:
            entry = self.service.data.entry(entry_id)
            if entry is None or not self.service.manager_room:
                return
            now = self.clock()
            ids = [e.id for e in self.service.data.entries if e.topic == entry.topic]
            count = await self.stats.downvotes_since(ids, now - DAY)
            if count >= self.service.settings.spike_downvotes:
                await self._spike(ctx, entry.topic, "faqreview.spike_downvotes", count, now)
        except Exception:
            log.exception("spike check failed")

    async def _posted_today(self, topic: str, now: float) -> bool:
        last = await self.stats.spike_posted(topic)
        return last is not None and now - last < DAY

    async def _spike(self, ctx: Context, topic: str, key: str, count: int, now: float) -> None:
        if await self._posted_today(topic, now):
            return  # once per topic a day
        room = self.service.manager_room
        assert room is not None
        name = self.topic_name(topic, "de")
        await self.stats.set_spike_posted(topic, now)
        text = self.catalog.text("de", key, topic=name, count=count, prefix=self.prefix)
        await ctx.notice(room, text)

    def topic_name(self, slug: str, language: str) -> str:
        """A topic's name in `language`, or its slug if the FAQ no longer has it."""
        return self.service.topic_name(slug, language)

    # --- weekly review -----------------------------------------------------------------------

    async def items(self) -> ReviewItems:
        """Collect what the review lists, as of now."""
        service = self.service
        await service.ready()
        now = self.clock()
        today = datetime.fromtimestamp(now, BERLIN).date()
        months = service.settings.review_months
        overdue = []
        volatile = []
        for entry in service.data.entries:
            due = review_date(entry, months)
            if due < today:
                overdue.append((entry, due))
            elif entry.volatile and review_after(entry.checked, VOLATILE_MONTHS) < today:
                volatile.append(entry)  # not listed twice: overdue says it already
        totals = await service.store.feedback_totals()
        disliked = []
        for entry_id, (up, down) in totals.items():
            rated = service.data.entry(entry_id)
            if rated is not None and down > up:
                disliked.append((rated, up, down))
        disliked.sort(key=lambda d: (d[1] - d[2], -d[2], d[0].id))
        groups = [
            g
            for g in await faqgroups.open_groups(service)
            if g.questions[-1].asked_at >= now - WEEK
        ]
        overdue.sort(key=lambda o: (o[1], o[0].id))
        volatile.sort(key=lambda e: (e.checked, e.id))
        return ReviewItems(tuple(overdue), tuple(volatile), tuple(disliked), tuple(groups))

    def render(self, ctx: Context, items: ReviewItems) -> str:
        """The review as light Markdown in the context's language."""
        lines = [ctx.t("faqreview.title")]
        if items.empty:
            lines.append(ctx.t("faqreview.nothing"))
            return "\n".join(lines)
        if items.overdue:
            lines.append(ctx.t("faqreview.overdue_title", count=len(items.overdue)))
            for entry, due in items.overdue[:SHOWN]:
                lines.append(
                    ctx.t(
                        "faqreview.overdue_line",
                        id=entry.id,
                        question=_question(ctx, entry),
                        due=due.strftime("%d.%m.%Y"),
                        owner=self._owner(ctx, entry),
                    )
                )
            lines += _more(ctx, len(items.overdue))
        if items.volatile:
            lines.append(ctx.t("faqreview.volatile_title", count=len(items.volatile)))
            for entry in items.volatile[:SHOWN]:
                checked = entry.checked.strftime("%d.%m.%Y")
                lines.append(ctx.t("faqreview.volatile_line", id=entry.id, checked=checked))
            lines += _more(ctx, len(items.volatile))
        if items.disliked:
            lines.append(ctx.t("faqreview.disliked_title", count=len(items.disliked)))
            for entry, up, down in items.disliked[:SHOWN]:
                lines.append(ctx.t("faqreview.disliked_line", id=entry.id, up=up, down=down))
            lines += _more(ctx, len(items.disliked))
        if items.groups:
            lines += self._group_lines(ctx, items.groups)
        return "\n".join(lines)

    def _group_lines(self, ctx: Context, groups: tuple[faqgroups.OpenGroup, ...]) -> list[str]:
        total = sum(len(g.questions) for g in groups)
        lines = [ctx.t("faqreview.open_title", total=total)]
        for group in groups[:SHOWN]:
            first = group.questions[0].text
            text = first if len(first) <= 120 else first[:117] + "…"
            count = len(group.questions)
            lines.append(ctx.t("faq.open_line", number=group.number, count=count, text=text))
        lines += _more(ctx, len(groups))
        lines.append(ctx.t("faqteach.open_hint", prefix=ctx.prefix))
        return lines

    def _owner(self, ctx: Context, entry: FaqEntry) -> str:
        return entry.owner or self.service.settings.default_owner or ctx.t("faqreview.no_owner")

    async def weekly(self, services: Services, replier: Replier) -> None:
        """Post the review to the manager room (the scheduler's job); skipped without one."""
        room = self.service.manager_room
        if not room:
            return
        ctx = _synthetic(room, self.clock(), self.catalog, self.prefix, services, replier)
        await faq_pruefung(ctx, "")


def _question(ctx: Context, entry: FaqEntry) -> str:
    return entry.question.get(ctx.language, entry.question["de"])


def _more(ctx: Context, count: int) -> list[str]:
    return [ctx.t("faqreview.more", more=count - SHOWN)] if count > SHOWN else []


@dataclass
class _RoomPoster:
    """A replier for scheduled work: its "reply" is a plain notice in the room (there is no
    message to answer)."""

    inner: Replier

    async def reply(self, message: Message, plain: str, html: str) -> str:
        return await self.inner.notice(message.room_id, plain, html)

    async def notice(self, room_id: str, plain: str, html: str) -> str:
        return await self.inner.notice(room_id, plain, html)

    async def send_file(self, message: Message, filename: str, data: bytes, mimetype: str) -> str:
        return await self.inner.send_file(message, filename, data, mimetype)

    async def send_image(
        self,
        message: Message,
        filename: str,
        data: bytes,
        mimetype: str,
        width: int,
        height: int,
        alt: str,
    ) -> str:
        return await self.inner.send_image(message, filename, data, mimetype, width, height, alt)


def _synthetic(
    room: str, now: float, catalog: Catalog, prefix: str, services: Services, replier: Replier
) -> Context:
    """A manager's context in the manager room, in German, for work nobody typed."""
    message = Message(
        event_id="",
        room_id=room,
        sender="",
        body="",
        is_direct=False,
        timestamp_ms=int(now * 1000),
        reply_to="",
    )
    return Context(message, Role.MANAGER, "de", prefix, catalog, _RoomPoster(replier), services)


def weekly_job(services: Services, replier: Replier) -> Callable[[], Awaitable[None]] | None:
    """The scheduler's weekly review job, or None where the bot has no FAQ."""
    watch = services.faq.watch if services.faq is not None else None
    if watch is None:
        return None

    async def job() -> None:
        await watch.weekly(services, replier)

    return job


def watch_of(ctx: Context) -> FaqWatch:
    """The FAQ watch of this bot, or the 'not available' user error."""
    faq = require(ctx.services.faq)
    return require(faq.watch)


@command("faq-pruefung", aliases=("faq-review",), role=Role.MANAGER)
async def faq_pruefung(ctx: Context, args: str) -> None:
    """Show the weekly FAQ review now: overdue, volatile and disliked entries, open questions."""
    watch = watch_of(ctx)
    items = await watch.items()
    await ctx.reply(watch.render(ctx, items))
