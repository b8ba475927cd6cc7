"""Timed work on APScheduler (3.x, asyncio scheduler): scheduled posts, digest, housekeeping."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger

from commands.broadcast import Broadcaster
from commands.introductions import NetworkService
from commands.ratelimit import RateLimiter
from commands.schedule import ScheduleService
from config.settings import BroadcastSettings
from store.events import HandledEvents

__all__ = ["Jobs"]

log = logging.getLogger(__name__)
_TZ = "Europe/Berlin"


class Jobs:
    """Owns the scheduler; implements commands.schedule.Planner. Jobs run on the bot's loop.

    The rows in SQLite are the truth: APScheduler keeps no store of its own and its jobs are
    rebuilt from the rows at every start (ScheduleService.start).
    """

    def __init__(
        self,
        handled: HandledEvents,
        limiter: RateLimiter,
        max_age: timedelta,
        schedules: ScheduleService,
        broadcaster: Broadcaster,
        settings: BroadcastSettings,
        network: NetworkService | None = None,
        forget: Callable[[str], Awaitable[object]] | None = None,
        inactive_after: timedelta = timedelta(days=730),
        faq_review: Callable[[], Awaitable[None]] | None = None,
        nudges: Callable[[float], Awaitable[int]] | None = None,
        events_tick: Callable[[], Awaitable[object]] | None = None,
    ) -> None:
        self._handled = handled
        self._limiter = limiter
        self._max_age = max_age
        self._schedules = schedules
        self._broadcaster = broadcaster
        self._settings = settings
        self._network = network
        self._forget = forget
        self._inactive_after = inactive_after
        self._faq_review = faq_review
        self._nudges = nudges
        self._events_tick = events_tick
        self.scheduler = AsyncIOScheduler(timezone=_TZ)

    def start(self) -> None:
        """Register the recurring jobs and start the scheduler."""
        # First prune right away, then every six hours.
        self.scheduler.add_job(
            self.prune_handled,
            "interval",
            hours=6,
            id="prune-handled",
            next_run_time=datetime.now(UTC),
        )
        self.scheduler.add_job(self._limiter.forget_idle, "interval", minutes=10, id="rate-gc")
        s = self._settings
        digest = CronTrigger(
            day_of_week=s.digest_weekday, hour=s.digest_hour, minute=s.digest_minute, timezone=_TZ
        )
        self.scheduler.add_job(self.digest, digest, id="weekly-digest", misfire_grace_time=3600)
        if self._network is not None:
            self.scheduler.add_job(self._network.expire, "interval", hours=1, id="expire-intros")
            self.scheduler.add_job(
                self._network.weekly_new_actors,
                digest,
                id="weekly-new-actors",
                misfire_grace_time=3600,
            )
            self.scheduler.add_job(self.inactivity, "interval", hours=24, id="inactive-actors")
        if self._faq_review is not None:
            # The FAQ review for the manager room: every Monday at 08:00 local time.
            review = CronTrigger(day_of_week="mon", hour=8, minute=0, timezone=_TZ)
            self.scheduler.add_job(
                self._faq_review, review, id="weekly-faq-review", misfire_grace_time=3600
            )
        if self._events_tick is not None:
            # Event reminders and waiting lists: what is due is read from the rows every minute
            # (commands/termine_service.EventService.tick), so a restart loses nothing.
            self.scheduler.add_job(
                self._events_tick, "interval", minutes=1, id="event-reminders", max_instances=1
            )
        if self._nudges is not None:
            # Nudges to measure owners: hourly, so a DM held by quiet hours goes out soon after.
            hourly = CronTrigger(minute=0, timezone=_TZ)
            self.scheduler.add_job(
                self.nudge, hourly, id="nudge-owners", misfire_grace_time=3600, max_instances=1
            )
        self.scheduler.start()

    def plan(self, post_id: int, due: datetime) -> None:
        """Fire scheduled post `post_id` at `due`."""
        self.scheduler.add_job(
            self._schedules.fire,
            DateTrigger(run_date=due),
            args=(post_id,),
            id=f"post-{post_id}",
            replace_existing=True,
            # Missed runs are handled by ScheduleService.start's grace rule, not here.
            misfire_grace_time=None,
        )

    def unplan(self, post_id: int) -> None:
        """Forget scheduled post `post_id`."""
        try:
            self.scheduler.remove_job(f"post-{post_id}")
        except JobLookupError:
            pass

    async def inactivity(self) -> None:
        """Warn inactive actors and delete those warned long enough ago."""
        assert self._network is not None
        assert self._forget is not None
        seconds = self._inactive_after.total_seconds()
        deleted = await self._network.inactivity(seconds, self._forget)
        if deleted:
            log.info("deleted %d inactive actor profile(s)", deleted)

    async def nudge(self) -> None:
        """Ask owners about their measures (commands/nudges.py)."""
        assert self._nudges is not None
        sent = await self._nudges(time.time())
        if sent:
            log.info("nudged %d measure owner(s)", sent)

    async def digest(self) -> None:
        """Send the weekly digests."""
        sent = await self._broadcaster.send_digests()
        log.info("weekly digest: %d DM(s) queued", sent)

    async def prune_handled(self) -> None:
        """Forget handled-event records well past the age limit (they can never recur)."""
        cutoff = time.time() - 2 * self._max_age.total_seconds()
        removed = await self._handled.prune(cutoff)
        if removed:
            log.info("pruned %d handled-event records", removed)

    def shutdown(self) -> None:
        """Stop the scheduler without waiting for running jobs."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
