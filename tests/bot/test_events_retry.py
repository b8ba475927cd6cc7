"""A reply whose send failed is tried again after a later sync, a bounded number of times."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.events import EventHandler
from commands.context import Message
from commands.router import Route
from store.db import Database
from store.events import HandledEvents, UndecryptableEvents


class FlakyRouter:
    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0

    async def dispatch(self, message: Message, route: Route) -> bool:
        self.calls += 1
        if self.calls <= self.failures:
            raise ConnectionError("homeserver gone")
        return True


class QuietReplier:
    def __init__(self) -> None:
        self.forgotten: list[str] = []

    async def typing(self, room_id: str, on: bool) -> None:
        return None

    def forget(self, event_id: str) -> None:
        self.forgotten.append(event_id)


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def make_handler(db: Database, router: FlakyRouter, clock: Clock) -> Any:
    return EventHandler(
        client=None,  # type: ignore[arg-type]
        router=router,  # type: ignore[arg-type]
        replier=QuietReplier(),  # type: ignore[arg-type]
        handled=HandledEvents(db),
        undecryptable=UndecryptableEvents(db),
        max_age=timedelta(hours=24),
        clock=clock,
    )


async def test_failed_reply_is_retried_after_a_pause_and_then_marked_handled(
    tmp_path: Path,
) -> None:
    db = await Database.open(tmp_path / "k.sqlite")
    try:
        router, clock = FlakyRouter(failures=1), Clock()
        handler = make_handler(db, router, clock)
        message = Message("$q", "!r:x", "@u:x", "!ping", False, int(clock.now * 1000), "$q")
        await handler._dispatch(message, Route("command", "ping"))
        assert not await handler.handled.is_handled("$q")
        await handler._retry_failed()
        assert router.calls == 1  # not at once: the next sync may come within milliseconds
        clock.now += 3
        await handler._retry_failed()
        assert router.calls == 2
        assert await handler.handled.is_handled("$q")
        clock.now += 100
        await handler._retry_failed()
        assert router.calls == 2  # nothing left to retry
    finally:
        await db.close()


async def test_a_reply_that_always_fails_is_given_up_and_recorded(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "k.sqlite")
    try:
        router, clock = FlakyRouter(failures=1000), Clock()
        handler = make_handler(db, router, clock)
        message = Message("$q", "!r:x", "@u:x", "!ping", False, int(clock.now * 1000), "$q")
        await handler._dispatch(message, Route("command", "ping"))
        for _ in range(20):
            clock.now += 60
            await handler._retry_failed()
        assert router.calls == 5
        assert await handler.handled.is_handled("$q"), "given up for good, also after a restart"
        assert not handler._failed
    finally:
        await db.close()
