"""Scheduled announcements: planned in chat, kept as rows, fired by the bot's scheduler."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Protocol

from commands.broadcast import MAX_ANNOUNCEMENT, Broadcaster, split_topic
from commands.context import Context, Role
from commands.errors import CommandError, UsageError
from commands.formatting import Markup
from commands.i18n import Catalog
from commands.quiet import BERLIN
from commands.registry import command
from commands.services import require
from commands.when import Schedule, parse_when
from store.schedules import ScheduledPost, ScheduleStore

__all__ = ["Planner", "ScheduleService", "geplant", "planen", "planung_loeschen"]

log = logging.getLogger(__name__)

Notify = Callable[[str, str], Awaitable[None]]  # (room, text)


class Planner(Protocol):
    """The bot's timer (APScheduler in bot/jobs.py): calls ScheduleService.fire at `due`."""

    def plan(self, post_id: int, due: datetime) -> None:
        """Fire post `post_id` at `due` (replacing an earlier plan for it)."""

    def unplan(self, post_id: int) -> None:
        """Forget post `post_id`."""


def _local(ts: float) -> str:
    return datetime.fromtimestamp(ts, BERLIN).strftime("%d.%m.%Y %H:%M")


class ScheduleService:
    """Stores posts, fires them once, and applies the grace rule after downtime."""

    def __init__(
        self,
        store: ScheduleStore,
        broadcaster: Broadcaster,
        catalog: Catalog,
        notify: Notify,
        grace: timedelta,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.broadcaster = broadcaster
        self.catalog = catalog
        self.notify = notify
        self.grace = grace
        self.clock = clock
        self.planner: Planner | None = None

    async def add(
        self, schedule: Schedule, topic: str, body: str, author: str, report_room: str
    ) -> int:
        """Store a post and plan it."""
        post_id = await self.store.add(
            topic,
            body,
            author,
            report_room,
            schedule.first.timestamp(),
            schedule.weekday,
            schedule.hour,
            schedule.minute,
        )
        if self.planner is not None:
            self.planner.plan(post_id, schedule.first)
        return post_id

    async def start(self) -> None:
        """Plan every stored post; posts missed while down go out late or are reported."""
        now = self.clock()
        for post in await self.store.active():
            if post.due_at > now:
                self._plan(post.id, post.due_at)
            elif now - post.due_at <= self.grace.total_seconds():
                await self._say(
                    post.report_room, "schedule.late", id=post.id, when=_local(post.due_at)
                )
                await self.fire(post.id)
            else:
                await self._say(
                    post.report_room,
                    "schedule.skipped",
                    id=post.id,
                    when=_local(post.due_at),
                    grace=round(self.grace.total_seconds() / 60),
                )
                await self._advance(post, now)

    async def fire(self, post_id: int) -> None:
        """Send a due post exactly once, then plan its next time if it repeats.

        The broadcast is created first under a key naming this post and due time, then the
        post is advanced: a crash in between fires it again, and the key makes that a no-op.
        """
        post = await self.store.get(post_id)
        if post is None:
            return
        await self.broadcaster.send(
            None,
            "scheduled",
            post.topic,
            post.body,
            author=post.author,
            report_room=post.report_room,
            dedup_key=f"post-{post.id}-{post.due_at:.0f}",
        )
        await self._advance(post, max(self.clock(), post.due_at))
        log.info("scheduled post %d sent", post_id)

    async def _advance(self, post: ScheduledPost, after: float) -> bool:
        """Retire a one-off or move a weekly post past `after`; False if already done."""
        following = self._next(post, after)
        if not await self.store.advance(post.id, following):
            return False
        if following is not None:
            self._plan(post.id, following)
        return True

    def _next(self, post: ScheduledPost, after: float) -> float | None:
        if post.weekday is None:
            return None
        first = datetime.fromtimestamp(post.due_at, BERLIN)
        schedule = Schedule(first, post.weekday, post.hour, post.minute)
        moment = datetime.fromtimestamp(after, BERLIN)
        following = schedule.next_after(moment)
        return None if following is None else following.timestamp()

    def _plan(self, post_id: int, due_at: float) -> None:
        if self.planner is not None:
            self.planner.plan(post_id, datetime.fromtimestamp(due_at, UTC))

    async def _say(self, room: str, key: str, **params: object) -> None:
        await self.notify(room, self.catalog.text("de", key, **params))


def _service(ctx: Context) -> ScheduleService:
    return require(ctx.services.schedules)


@command("planen", aliases=("schedule",), role=Role.MANAGER)
async def planen(ctx: Context, args: str) -> None:
    """Schedule an announcement: <when> <topic> <text>."""
    if not args.strip():
        raise UsageError
    service = _service(ctx)
    schedule, rest = parse_when(args, datetime.fromtimestamp(service.clock(), BERLIN))
    topic, text = split_topic(ctx, service.broadcaster.topics, rest)
    if len(text) > MAX_ANNOUNCEMENT:
        raise CommandError("broadcast.too_long", length=len(text), limit=MAX_ANNOUNCEMENT)
    post_id = await service.add(schedule, topic.slug, text, ctx.message.sender, ctx.message.room_id)
    # The text is shown as it will be posted, so a wrongly split topic is seen at once.
    await ctx.reply_key(
        "schedule.planned",
        id=post_id,
        topic=service.broadcaster.topics.name(topic.slug, ctx.language),
        when=_local(schedule.first.timestamp()),
        repeat=ctx.t("schedule.repeat") if schedule.weekday is not None else "",
        text=Markup(text),
        prefix=ctx.prefix,
    )


@command("geplant", aliases=("scheduled",), role=Role.MANAGER)
async def geplant(ctx: Context, args: str) -> None:
    """List scheduled announcements."""
    service = _service(ctx)
    posts = await service.store.active()
    if not posts:
        await ctx.reply_key("schedule.none")
        return
    lines = [ctx.t("schedule.list_title")]
    for post in posts:
        text = post.body if len(post.body) <= 60 else post.body[:57] + "…"
        lines.append(
            ctx.t(
                "schedule.line",
                id=post.id,
                when=_local(post.due_at),
                repeat=ctx.t("schedule.repeat") if post.weekday is not None else "",
                topic=service.broadcaster.topics.name(post.topic, ctx.language),
                text=text,
            )
        )
    await ctx.reply("\n".join(lines))


@command("planung-loeschen", aliases=("unschedule",), role=Role.MANAGER)
async def planung_loeschen(ctx: Context, args: str) -> None:
    """Delete a scheduled announcement by number."""
    word = args.strip().lstrip("#").lower().removeprefix("nr.").strip()
    if not word.isdigit():
        raise UsageError
    service = _service(ctx)
    if not await service.store.delete(int(word)):
        raise CommandError("schedule.unknown", id=word)
    if service.planner is not None:
        service.planner.unplan(int(word))
    await ctx.reply_key("schedule.deleted", id=word)
