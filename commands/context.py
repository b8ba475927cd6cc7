"""What a handler gets: the message, who sent it, and how to answer. No Matrix client in here."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from commands.formatting import render, to_plain
from commands.i18n import Catalog

if TYPE_CHECKING:
    from commands.services import Services

__all__ = ["Context", "Health", "HealthSource", "Message", "Reaction", "Replier", "Role"]


class Role(enum.IntEnum):
    """Who may run a command; a higher role may run everything a lower one may."""

    CITIZEN = 0
    MANAGER = 1


@dataclass(frozen=True)
class Message:
    """A text message addressed to the bot, already past the transport's gates."""

    event_id: str
    room_id: str
    sender: str
    body: str
    is_direct: bool
    timestamp_ms: int
    reply_to: str
    thread_root: str | None = None
    mentions_bot: bool = False
    # The event this message answers with a rich reply (Element's "Reply"), if any.
    in_reply_to: str | None = None


@dataclass(frozen=True)
class Reaction:
    """An emoji reaction (m.annotation) to an event."""

    event_id: str
    room_id: str
    sender: str
    target: str
    key: str


class Replier(Protocol):
    """Sends answers; implemented by bot/replies.py and by the tests' recording fake."""

    async def reply(self, message: Message, plain: str, html: str) -> str:
        """Answer `message` with a notice; return the answer's event ID."""

    async def notice(self, room_id: str, plain: str, html: str) -> str:
        """Post a notice that answers nothing (e.g. to the manager room); return its event ID."""

    async def send_file(self, message: Message, filename: str, data: bytes, mimetype: str) -> str:
        """Upload `data` and post it as a file in the message's room; return the event ID."""

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
        """Upload `data` and post it as an image (m.image, `alt` as its body); return the
        event ID."""


@dataclass(frozen=True)
class Health:
    """The facts !botstatus reports."""

    version: str
    rooms_joined: int
    seconds_since_sync: float | None
    device_id: str
    encryption: bool
    cross_signed: bool
    undecryptable: int
    pending_sends: int
    uptime_seconds: float


class HealthSource(Protocol):
    """Provides the bot's current health (implemented by the transport)."""

    async def health(self) -> Health:
        """Collect the current health facts."""


@dataclass
class Context:
    """One command invocation: message, sender's role and language, and services."""

    message: Message
    role: Role
    language: str
    prefix: str
    catalog: Catalog
    replier: Replier
    services: Services

    def t(self, key: str, **params: Any) -> str:
        """The catalog text for `key` in the user's language (a `Markup`); `params` show as
        typed."""
        return self.catalog.text(self.language, key, **params)

    async def reply(self, text: str) -> str:
        """Answer with `text`: our light Markdown, built from catalog texts (`t`), never a
        user's raw text; return the event ID."""
        return await self.replier.reply(self.message, to_plain(text), render(text))

    async def reply_key(self, key: str, **params: Any) -> str:
        """Answer with the catalog text for `key`."""
        return await self.reply(self.t(key, **params))

    async def send_file(self, filename: str, data: bytes, mimetype: str) -> str:
        """Send a file (e.g. a data export) into the conversation."""
        return await self.replier.send_file(self.message, filename, data, mimetype)

    async def send_image(
        self, filename: str, data: bytes, mimetype: str, width: int, height: int, alt: str
    ) -> str:
        """Send an image (e.g. a chart) into the conversation; `alt` says what it shows."""
        return await self.replier.send_image(
            self.message, filename, data, mimetype, width, height, alt
        )

    async def notice(self, room_id: str, text: str) -> str:
        """Post `text` to another room (e.g. the manager room)."""
        return await self.replier.notice(room_id, to_plain(text), render(text))
