"""`klimabot chat`: talk to the bot in the terminal — same router and store code, no homeserver.

Meant for the climate manager while editing the FAQ: every line is handled as a DM to the bot.
The conversation uses a throwaway database, so trying questions never fills the real open list.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from commands import FEATURE_MODULES
from commands.context import Health, Message
from commands.faq import FaqService
from commands.i18n import Catalog
from commands.ratelimit import RateLimiter
from commands.registry import Registry
from commands.router import Router, RouterSettings
from commands.services import Services
from commands.version import VERSION
from config.settings import FaqSettings
from store.db import Database
from store.faq import FaqStore
from store.users import UserSettings

__all__ = ["ConsoleReplier", "run_chat"]

CONSOLE_USER = "@konsole:localhost"
CONSOLE_ROOM = "!konsole:localhost"


@dataclass
class ConsoleReplier:
    """Prints answers instead of sending them."""

    out: TextIO = sys.stdout
    catalog: Catalog = field(default_factory=Catalog.load)
    language: str = "de"
    count: int = field(default=0)

    async def reply(self, message: Message, plain: str, html: str) -> str:
        """Print an answer."""
        return self._print(plain)

    async def notice(self, room_id: str, plain: str, html: str) -> str:
        """Print what would go to another room (e.g. the manager room)."""
        return self._print(
            self.catalog.text(self.language, "console.to_room", room=room_id, text=plain)
        )

    async def send_file(self, message: Message, filename: str, data: bytes, mimetype: str) -> str:
        """Say what file would be sent."""
        return self._print(
            self.catalog.text(self.language, "console.file", name=filename, size=len(data))
        )

    def _print(self, text: str) -> str:
        self.count += 1
        for line in text.splitlines() or [""]:
            print(f"  Klimabot: {line}", file=self.out)
        return f"$console{self.count}"


class _ConsoleHealth:
    def __init__(self) -> None:
        self.started = time.monotonic()

    async def health(self) -> Health:
        return Health(
            VERSION, 0, None, "KONSOLE", False, False, 0, 0, time.monotonic() - self.started
        )


async def run_chat(faq: FaqSettings, lines: TextIO = sys.stdin, out: TextIO = sys.stdout) -> int:
    """Read lines until EOF (Ctrl-D) and answer each like a DM."""
    with tempfile.TemporaryDirectory(prefix="klimabot-chat-") as tmp:
        db = await Database.open(Path(tmp) / "chat.sqlite")
        try:
            replier = ConsoleReplier(out)
            router = _router(db, faq, replier)
            print(replier.catalog.text(replier.language, "console.banner"), file=out)
            await _loop(router, lines, out)
        finally:
            await db.close()
    return 0


def _router(db: Database, faq: FaqSettings, replier: ConsoleReplier) -> Router:
    service = FaqService(faq, FaqStore(db), manager_room="!manager-room:localhost")
    services = Services(
        registry=Registry.from_modules(FEATURE_MODULES),
        users=UserSettings(db),
        health=_ConsoleHealth(),
        clock=time.time,
        faq=service,
    )
    return Router(
        catalog=replier.catalog,  # loaded once, for the replies and the router
        settings=RouterSettings("!", "de", 4000, frozenset({CONSOLE_USER})),
        replier=replier,
        limiter=RateLimiter(10_000, 1.0, time.monotonic),
        services=services,
        conversation=service,
    )


async def _loop(router: Router, lines: TextIO, out: TextIO) -> None:
    n = 0
    while True:
        print("> ", end="", file=out, flush=True)
        line = await asyncio.to_thread(lines.readline)
        if not line:
            print("", file=out)
            return
        if not line.strip():
            continue
        n += 1
        message = Message(
            event_id=f"$konsole{n}",
            room_id=CONSOLE_ROOM,
            sender=CONSOLE_USER,
            body=line.rstrip("\n"),
            is_direct=True,
            timestamp_ms=int(time.time() * 1000),
            reply_to=f"$konsole{n}",
        )
        await router.dispatch(message)
