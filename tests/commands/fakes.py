"""A recording fake Replier and a router built on a real SQLite file, for fast handler tests."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from bot.wiring import ServiceSettings, build_services
from commands.context import Health, Message
from commands.i18n import Catalog
from commands.ratelimit import RateLimiter
from commands.router import Router, RouterSettings
from config.settings import FaqSettings
from store.db import Database

MANAGER = "@ksm:ochtrup.test"
CITIZEN = "@buerger:ochtrup.test"


@dataclass
class RecordingReplier:
    """Records what would be sent instead of sending it."""

    sent: list[tuple[Message, str, str]] = field(default_factory=list)
    notices: list[tuple[str, str, str]] = field(default_factory=list)
    files: list[tuple[str, bytes]] = field(default_factory=list)
    images: list[tuple[str, bytes, str, int, int, str]] = field(default_factory=list)

    async def reply(self, message: Message, plain: str, html: str) -> str:
        self.sent.append((message, plain, html))
        return f"$answer{len(self.sent)}"

    async def notice(self, room_id: str, plain: str, html: str) -> str:
        self.notices.append((room_id, plain, html))
        return f"$notice{len(self.notices)}"

    async def send_file(self, message: Message, filename: str, data: bytes, mimetype: str) -> str:
        self.files.append((filename, data))
        return f"$file{len(self.files)}"

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
        self.images.append((filename, data, mimetype, width, height, alt))
        return f"$image{len(self.images)}"

    @property
    def texts(self) -> list[str]:
        return [plain for _, plain, _ in self.sent]


@dataclass
class FakeMessenger:
    """Records DMs and new rooms of the actor network."""

    dms: list[tuple[str, str]] = field(default_factory=list)
    rooms: list[tuple[str, list[str], str]] = field(default_factory=list)

    async def direct(self, user_id: str, plain: str, html: str) -> tuple[str, str]:
        self.dms.append((user_id, plain))
        return f"!dm-{user_id}", f"$dm{len(self.dms)}"

    async def create_room(self, name: str, invite: list[str], plain: str, html: str) -> str:
        self.rooms.append((name, invite, plain))
        return f"!room{len(self.rooms)}:x"


@dataclass
class FixedHealth:
    pending: int = 0

    async def health(self) -> Health:
        return Health("1.2.3", 4, 2.0, "DEVICE", True, True, 1, self.pending, 3661.0)


@dataclass
class Clock:
    now: float = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


async def make_router(
    tmp_path: Path,
    limit: int = 100,
    max_len: int = 1000,
    faq: FaqSettings | None = None,
    manager_room: str | None = None,
) -> tuple[Router, RecordingReplier, Database, Clock]:
    db = await Database.open(tmp_path / "k.sqlite")
    replier = RecordingReplier()
    clock = Clock()

    async def notify(room: str, text: str) -> None:
        await replier.notice(room, text, text)

    settings = ServiceSettings.defaults(faq)
    settings = replace(settings, manager_room=manager_room)
    services = build_services(
        db, settings, Catalog.load(), FixedHealth(), notify, FakeMessenger(), clock
    )
    # Without FAQ settings the router has no conversation (plain text is not a question).
    service = services.faq if faq is not None else None
    services.faq = service
    router = Router(
        catalog=Catalog.load(),
        settings=RouterSettings("!", "de", max_len, frozenset({MANAGER})),
        replier=replier,
        limiter=RateLimiter(limit, 60.0, clock),
        services=services,
        conversation=service,
        reaction_handlers=(service.reaction,) if service else (),
    )
    return router, replier, db, clock


_counter = iter(range(1, 10**9))


def message(
    body: str,
    sender: str = CITIZEN,
    direct: bool = False,
    ts: float = 1_700_000_000.0,
    room: str = "!room:ochtrup.test",
    mention: bool = False,
) -> Message:
    n = next(_counter)
    return Message(
        event_id=f"$e{n}",
        room_id=room,
        sender=sender,
        body=body,
        is_direct=direct,
        timestamp_ms=int(ts * 1000),
        reply_to=f"$e{n}",
        mentions_bot=mention,
    )


def dm_speaker(
    router: Router, replier: RecordingReplier, default_sender: str = CITIZEN
) -> Callable[..., Awaitable[str]]:
    """`say(text, sender=…)`: send `text` in a DM and get the bot's replies to it, joined."""

    async def say(text: str, sender: str = default_sender) -> str:
        before = len(replier.texts)
        await router.dispatch(message(text, sender=sender, direct=True))
        return "\n".join(replier.texts[before:])

    return say
