"""A reply whose send failed is tried again after the next sync, and then marked handled."""

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


async def test_failed_reply_is_retried_once_the_next_sync_arrives(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "k.sqlite")
    try:
        router = FlakyRouter(failures=1)
        handled = HandledEvents(db)
        handler: Any = EventHandler(
            client=None,  # type: ignore[arg-type]
            router=router,  # type: ignore[arg-type]
            replier=QuietReplier(),  # type: ignore[arg-type]
            handled=handled,
            undecryptable=UndecryptableEvents(db),
            max_age=timedelta(hours=24),
        )
        message = Message("$q", "!r:x", "@u:x", "!ping", False, int(time.time() * 1000), "$q")
        await handler._dispatch(message, Route("command", "ping"))
        assert not await handled.is_handled("$q")
        await handler._retry_failed()
        assert router.calls == 2
        assert await handled.is_handled("$q")
        await handler._retry_failed()
        assert router.calls == 2  # nothing left to retry
    finally:
        await db.close()
