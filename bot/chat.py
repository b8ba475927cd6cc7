"""`klimabot chat`: talk to the whole bot in the terminal — same router, services and store code.

Every line is handled as a DM to the bot. All features work (FAQ, topics and announcements,
measures, the actor network, data rights); messages the bot would send to others (DMs,
announcements, new rooms, the manager room) are printed with a marker. `/rolle manager` and
`/rolle buerger` switch the role, `/als <name>` speaks as another citizen. The conversation uses
a throwaway database, so trying things never touches the real one.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TextIO

from bot.wiring import ServiceSettings, build_services
from commands.context import Health, Message
from commands.formatting import to_plain
from commands.i18n import Catalog
from commands.network import answer_by_reaction
from commands.ratelimit import RateLimiter
from commands.router import Router, RouterSettings
from commands.services import Services, require
from commands.subscriptions import subscribe_by_reaction
from commands.version import VERSION
from store.broadcasts import BroadcastStore
from store.db import Database

__all__ = ["ConsoleReplier", "ConsoleSession", "run_chat"]

SERVER = "konsole"
MANAGER_USER = f"@klimaschutz:{SERVER}"
MANAGER_ROOM = f"!klimaschutz-team:{SERVER}"
_MANAGER_WORDS = {"manager", "klimaschutz", "klimaschutzmanagement", "management"}
_CITIZEN_WORDS = {"buerger", "bürger", "buergerin", "bürgerin", "citizen", "user"}


@dataclass
class ConsoleReplier:
    """Prints answers instead of sending them."""

    out: TextIO = sys.stdout
    catalog: Catalog = field(default_factory=Catalog.load)
    language: str = "de"
    count: int = field(default=0)

    def t(self, key: str, **params: object) -> str:
        """A console marker text from the catalog, as plain text."""
        return to_plain(self.catalog.text(self.language, key, **params))

    async def reply(self, message: Message, plain: str, html: str) -> str:
        """Print an answer."""
        return self.print(plain)

    async def notice(self, room_id: str, plain: str, html: str) -> str:
        """Print what would go to another room (e.g. the manager room)."""
        return self.print(self.t("console.to_room", room=_room_name(room_id)) + "\n" + plain)

    async def send_file(self, message: Message, filename: str, data: bytes, mimetype: str) -> str:
        """Say what file would be sent."""
        return self.print(self.t("console.file", name=filename, size=len(data)))

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
        """Say that an image would be sent, with its alt text (nothing is saved)."""
        return self.print(self.t("console.image", alt=alt))

    def print(self, text: str) -> str:
        """Print bot text line by line; return a made-up event ID."""
        self.count += 1
        for line in text.splitlines() or [""]:
            print(f"  Klimabot: {line}", file=self.out)
        return f"$console{self.count}"


def _room_name(room_id: str) -> str:
    if room_id == MANAGER_ROOM:
        return "Klimaschutz-Team"
    if room_id.startswith("!dm-") and room_id.endswith(f":{SERVER}"):
        return "@" + room_id.removeprefix("!dm-")  # the DM room of a console user
    return room_id


def _dm_room(user_id: str) -> str:
    return f"!dm-{user_id.lstrip('@').split(':')[0]}:{SERVER}"


@dataclass
class ConsoleMessenger:
    """The introductions' messenger: prints DMs to others and new shared rooms."""

    replier: ConsoleReplier

    async def direct(self, user_id: str, plain: str, html: str) -> tuple[str, str]:
        """Print a DM to `user_id`."""
        event = self.replier.print(self.replier.t("console.dm", user=user_id) + "\n" + plain)
        return _dm_room(user_id), event

    async def direct_file(self, user_id: str, filename: str, data: bytes, mimetype: str) -> str:
        """Say what file would go to `user_id` (an event's calendar file)."""
        header = self.replier.t("console.dm", user=user_id)
        return self.replier.print(
            header + "\n" + self.replier.t("console.file", name=filename, size=len(data))
        )

    async def create_room(self, name: str, invite: list[str], plain: str, html: str) -> str:
        """Print the first message of a new shared room."""
        people = ", ".join(invite)
        header = self.replier.t("console.new_room", name=name, users=people)
        self.replier.print(header + "\n" + plain)
        return f"!raum{self.replier.count}:{SERVER}"


@dataclass
class ConsolePollTransport:
    """Polls in the console: a poll's start and end print their text fallback."""

    replier: ConsoleReplier

    async def post(self, room_id: str, event_type: str, content: dict[str, Any]) -> str:
        """Print the event's plain-text fallback, marked with the room it would go to."""
        text = str(content.get("org.matrix.msc1767.text", ""))
        return self.replier.print(
            self.replier.t("console.to_room", room=_room_name(room_id)) + "\n" + text
        )

    async def dm_room(self, user_id: str) -> str:
        """The console user's DM room."""
        return _dm_room(user_id)


class ConsoleHealth:
    """What !botstatus reports in the console: no homeserver, the queue of the throwaway db."""

    def __init__(self, broadcasts: BroadcastStore) -> None:
        self.started = time.monotonic()
        self.broadcasts = broadcasts

    async def health(self) -> Health:
        """Console facts; the waiting deliveries are real."""
        pending = await self.broadcasts.pending_count()
        uptime = time.monotonic() - self.started
        return Health(VERSION, 0, None, "KONSOLE", False, False, 0, pending, uptime)


@dataclass
class ConsoleSession:
    """Who is speaking, the router, and a delivery loop that prints instead of sending."""

    router: Router
    services: Services
    replier: ConsoleReplier
    citizen: str = f"@buerger:{SERVER}"
    sender: str = f"@buerger:{SERVER}"
    lines_seen: int = 0

    async def handle(self, line: str) -> None:
        """One typed line: a console command (/rolle, /als) or a DM to the bot."""
        if line.startswith("/"):
            self.console_command(line[1:].split())
            return
        self.lines_seen += 1
        await self.router.dispatch(self._message(line))
        await self.settle()

    def console_command(self, words: list[str]) -> None:
        """Switch the role or the citizen speaking."""
        command = words[0].lower() if words else ""
        value = words[1].lower() if len(words) > 1 else ""
        if command in ("rolle", "role") and value in _MANAGER_WORDS:
            self.sender = MANAGER_USER
        elif command in ("rolle", "role") and value in _CITIZEN_WORDS:
            self.sender = self.citizen
        elif command in ("als", "as") and value.isalnum():
            self.citizen = self.sender = f"@{value}:{SERVER}"
        else:
            self.replier.print(self.replier.t("console.usage"))
            return
        manager = self.sender == MANAGER_USER
        role = self.replier.t("console.role_manager" if manager else "console.role_citizen")
        self.replier.print(self.replier.t("console.speaking_as", user=self.sender, role=role))

    async def settle(self) -> None:
        """Finish background work, then print what the outbox would deliver now."""
        network = self.services.network
        if network is not None:
            await network.wait_background()
        await deliver_due(self.services, self.replier)

    def _message(self, body: str) -> Message:
        n = self.lines_seen
        return Message(
            event_id=f"$konsole{n}",
            room_id=_dm_room(self.sender),
            sender=self.sender,
            body=body,
            is_direct=True,
            timestamp_ms=int(time.time() * 1000),
            reply_to=f"$konsole{n}",
        )


async def deliver_due(services: Services, replier: ConsoleReplier) -> None:
    """The console's outbox: print every due delivery and the manager's final report."""
    broadcaster = require(services.broadcaster)
    store = broadcaster.broadcasts
    touched: set[int] = set()
    while due := await store.due(time.time(), limit=100):
        for delivery in due:
            plain, _ = await broadcaster.render_delivery(delivery)
            event = replier.print(replier.t("console.dm", user=delivery.recipient) + "\n" + plain)
            # As the outbox does: a poll learns where its event went (a typed vote finds it).
            user = delivery.recipient_kind == "user"
            room = _dm_room(delivery.recipient) if user else delivery.recipient
            await broadcaster.event_sent(delivery, room, event)
            await store.mark_sent(delivery.id, event)
            touched.add(delivery.broadcast_id)
    for broadcast_id in sorted(touched):
        progress = await store.progress(broadcast_id)
        if progress.pending == 0 and await store.finish(broadcast_id):
            plain, _ = await broadcaster.report(progress, True)
            if progress.report_room is not None:
                await replier.notice(progress.report_room, plain, plain)


async def open_session(db: Database, settings: ServiceSettings, out: TextIO) -> ConsoleSession:
    """Build the whole bot on `db`, printing to `out`."""
    replier = ConsoleReplier(out)
    if settings.manager_room is None:
        settings = replace(settings, manager_room=MANAGER_ROOM)

    async def notify(room: str, text: str) -> None:
        await replier.notice(room, to_plain(text), to_plain(text))

    health = ConsoleHealth(BroadcastStore(db))
    services = build_services(db, settings, replier.catalog, health, notify)
    network = require(services.network)
    network.messenger = ConsoleMessenger(replier)
    if services.polls is not None:
        services.polls.transport = ConsolePollTransport(replier)
    if services.events is not None:  # moved up, changed, cancelled: printed as DMs
        services.events.mailer = network.messenger
    await require(services.measures).seed()
    await network.load()
    faq = require(services.faq)
    router = Router(
        catalog=replier.catalog,  # loaded once, for the replies and the router
        settings=RouterSettings(settings.prefix, "de", 4000, frozenset({MANAGER_USER})),
        replier=replier,
        limiter=RateLimiter(10_000, 1.0, time.monotonic),
        services=services,
        conversation=faq,
        reaction_handlers=(faq.reaction, subscribe_by_reaction, answer_by_reaction),
    )
    return ConsoleSession(router, services, replier)


async def run_chat(
    settings: ServiceSettings, lines: TextIO = sys.stdin, out: TextIO = sys.stdout
) -> int:
    """Read lines until EOF (Ctrl-D) and answer each like a DM."""
    with tempfile.TemporaryDirectory(prefix="klimabot-chat-") as tmp:
        db = await Database.open(Path(tmp) / "chat.sqlite")
        try:
            session = await open_session(db, settings, out)
            print(session.replier.t("console.banner"), file=out)
            await _loop(session, lines, out)
        finally:
            await db.close()
    return 0


async def _loop(session: ConsoleSession, lines: TextIO, out: TextIO) -> None:
    while True:
        print("> ", end="", file=out, flush=True)
        line = await asyncio.to_thread(lines.readline)
        if not line:
            print("", file=out)
            return
        if line.strip():
            await session.handle(line.strip())
