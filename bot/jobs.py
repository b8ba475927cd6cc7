"""Periodic housekeeping on APScheduler (3.x, asyncio scheduler)."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from commands.ratelimit import RateLimiter
from store.events import HandledEvents

__all__ = ["Jobs"]

log = logging.getLogger(__name__)


class Jobs:
    """Owns the scheduler; jobs are coroutines that run on the bot's event loop."""

    def __init__(self, handled: HandledEvents, limiter: RateLimiter, max_age: timedelta) -> None:
        self._handled = handled
        self._limiter = limiter
        self._max_age = max_age
        self.scheduler = AsyncIOScheduler(timezone="Europe/Berlin")

    def start(self) -> None:
        """Register the housekeeping jobs and start the scheduler."""
        # First prune right away, then every six hours.
        self.scheduler.add_job(
            self.prune_handled,
            "interval",
            hours=6,
            id="prune-handled",
            next_run_time=datetime.now(UTC),
        )
        self.scheduler.add_job(self._limiter.forget_idle, "interval", minutes=10, id="rate-gc")
        self.scheduler.start()

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
