"""Announcements to topic subscribers: preview, confirmation, durable queueing, reports, digest."""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from commands.context import Context, Role
from commands.dialogs import confirmed
from commands.errors import CommandError, UsageError
from commands.faqmatch.normalize import name_key
from commands.formatting import Markup, render, to_plain
from commands.i18n import Catalog, plural
from commands.quiet import quiet_end
from commands.registry import command
from commands.services import require
from config.faq import Topic
from store.broadcasts import BroadcastStore, Delivery, DigestItem, Progress, Recipient
from store.dialogs import Dialog
from store.subscriptions import SubscriptionStore
from store.users import UserSettings

__all__ = [
    "Audience",
    "Broadcaster",
    "EventKind",
    "TopicIndex",
    "ankuendigen",
    "confirm_announcement",
    "recipient_lines",
    "split_topic",
]

MAX_ANNOUNCEMENT = 3000
MAX_TOPIC_WORDS = 6  # longer than any topic name or synonym
_WORD = re.compile(r"\S+")
CONFIRM_KIND = "announce_confirm"


class TopicIndex:
    """Finds a topic by slug, alias or name (case and umlauts do not matter)."""

    def __init__(self, topics: tuple[Topic, ...]) -> None:
        self.topics = topics
        self._by_key: dict[str, Topic] = {}
        self._by_name: dict[str, Topic] = {}
        for topic in topics:
            for key in (topic.slug, topic.name_de, topic.name_en):
                self._by_name.setdefault(name_key(key), topic)
            for key in (topic.slug, topic.name_de, topic.name_en, *topic.aliases):
                self._by_key.setdefault(name_key(key), topic)

    def find(self, text: str) -> Topic | None:
        """The topic called `text`, if any."""
        return self._by_key.get(name_key(text))

    def split(self, text: str) -> tuple[Topic, str] | None:
        """The topic named at the start of `text` and the text after it; the longest known
        name wins, so "Bauen & Sanieren Sprechstunde" is the topic Bauen & Sanieren, not
        the synonym "bauen" followed by "& Sanieren …"."""
        ends = [m.end() for m in _WORD.finditer(text)][:MAX_TOPIC_WORDS]
        for end in reversed(ends):
            key = name_key(text[:end])
            if key and key in self._by_key:
                return self._by_key[key], text[end:].strip()
        return None

    def named(self, text: str) -> Topic | None:
        """The topic whose slug or name is `text` (not a synonym)."""
        return self._by_name.get(name_key(text))

    def get(self, slug: str | None) -> Topic | None:
        """The topic with this slug."""
        return next((t for t in self.topics if t.slug == slug), None)

    def name(self, slug: str | None, language: str) -> str:
        """The topic's display name in `language` (the slug if unknown)."""
        topic = self.get(slug)
        if topic is None:
            return slug or ""
        return topic.name_en if language == "en" else topic.name_de


class EventKind(Protocol):
    """A broadcast kind sent as an event of its own type, not a message (polls)."""

    async def event(self, delivery: Delivery) -> tuple[str, dict[str, Any]]:
        """The event type and content to send; raises store.broadcasts.Withdrawn if the row
        must not go out any more."""

    async def sent(self, delivery: Delivery, room_id: str, event_id: str) -> None:
        """The event went out into `room_id` as `event_id` (called again after a crash)."""

    async def report(self, progress: Progress, final: bool) -> str:
        """The manager's status text of the broadcast."""


@dataclass(frozen=True)
class Audience:
    """The recipients of a broadcast and how many of each kind."""

    recipients: list[Recipient]
    users: int
    weekly: int
    deferred: int
    rooms: int


class Broadcaster:
    """Turns announcements into durable broadcast rows and wakes the delivery worker."""

    def __init__(
        self,
        broadcasts: BroadcastStore,
        subscriptions: SubscriptionStore,
        users: UserSettings,
        catalog: Catalog,
        topics: TopicIndex,
        topic_rooms: Mapping[str, tuple[str, ...]],
        prefix: str,
        wake: Callable[[], None] = lambda: None,
        clock: Callable[[], float] = time.time,
        measure_title: Callable[[str, str], str | None] = lambda measure_id, language: None,
    ) -> None:
        self.broadcasts = broadcasts
        self.subscriptions = subscriptions
        self.users = users
        self.catalog = catalog
        self.topics = topics
        self.topic_rooms = topic_rooms
        self.prefix = prefix
        self.wake = wake
        self.clock = clock
        self.measure_title = measure_title  # (measure id, language) -> title, for its news
        # Broadcast kinds that render themselves per recipient (events: commands/termine_service).
        self.renderers: dict[str, Callable[[str, Delivery], Awaitable[str | None]]] = {}
        # Broadcast kinds sent as events of their own type (polls: commands/pollservice.py).
        self.event_kinds: dict[str, EventKind] = {}

    async def audience(
        self, topic: str, measure_id: str | None = None, digest: bool = True
    ) -> Audience:
        """Followers of the topic (and measure) by DM, plus the topic's rooms; `digest=False`:
        weekly readers get it at once too (quiet hours still hold it)."""
        targets = [("topic", topic)] + ([("measure", measure_id)] if measure_id else [])
        now = self.clock()
        recipients: list[Recipient] = []
        weekly = deferred = 0
        for user_id, prefs in await self.subscriptions.followers(targets):
            if prefs.mode == "woechentlich" and digest:
                weekly += 1
                recipients.append(Recipient(user_id, "user", digest=True))
                continue
            until = quiet_end(prefs.quiet, now)
            deferred += until is not None
            recipients.append(Recipient(user_id, "user", not_before=until or 0.0))
        users = len(recipients)
        rooms = [Recipient(room, "room") for room in self.topic_rooms.get(topic, ())]
        return Audience(recipients + rooms, users, weekly, deferred, len(rooms))

    async def send(
        self,
        ctx: Context | None,
        kind: str,
        topic: str,
        body: str,
        measure_id: str | None = None,
        author: str = "",
        report_room: str | None = None,
        dedup_key: str | None = None,
    ) -> int:
        """Queue a broadcast durably, post the status message, and wake the worker."""
        audience = await self.audience(topic, measure_id)
        broadcast_id = await self.broadcasts.create(
            kind,
            author or (ctx.message.sender if ctx else ""),
            body,
            audience.recipients,
            topic=topic,
            measure_id=measure_id,
            report_room=report_room or (ctx.message.room_id if ctx else None),
            dedup_key=dedup_key,
        )
        if ctx is not None:
            event_id = await ctx.reply_key("broadcast.queued", total=len(audience.recipients))
            await self.broadcasts.set_report_event(broadcast_id, event_id)
        self.wake()
        return broadcast_id

    async def render_delivery(self, delivery: Delivery) -> tuple[str, str]:
        """A delivery's message in the recipient's language (plain, html)."""
        language = "de"
        if delivery.recipient_kind == "user":
            language = await self.users.language(delivery.recipient) or "de"
        custom = self.renderers.get(delivery.kind)
        text = await custom(language, delivery) if custom is not None else None
        if text is None:
            follows = await self._follows(delivery)
            text = self.compose(
                language, delivery.kind, delivery.topic, delivery.body, delivery.measure_id, follows
            )
        return to_plain(text), render(text)

    async def _follows(self, delivery: Delivery) -> tuple[bool, bool]:
        """(follows the topic, follows the measure) for the unsubscribe hint: a measure's news
        reach followers of either, and each must be shown the command that fits them."""
        if delivery.measure_id is None or delivery.recipient_kind != "user":
            return True, False
        mine = set(await self.subscriptions.of_user(delivery.recipient))
        return ("topic", delivery.topic or "") in mine, ("measure", delivery.measure_id) in mine

    async def render_event(self, delivery: Delivery) -> tuple[str, dict[str, Any]] | None:
        """(event type, content) of a kind sent as its own event type; None for a message."""
        kind = self.event_kinds.get(delivery.kind)
        return None if kind is None else await kind.event(delivery)

    async def event_sent(self, delivery: Delivery, room_id: str, event_id: str) -> None:
        """Tell the delivery's kind where its event went (the outbox calls this)."""
        kind = self.event_kinds.get(delivery.kind)
        if kind is not None:
            await kind.sent(delivery, room_id, event_id)

    def compose(
        self,
        language: str,
        kind: str,
        topic: str | None,
        body: str,
        measure_id: str | None = None,
        follows: tuple[bool, bool] = (True, False),
    ) -> str:
        """Header, the manager's text, and how to unsubscribe from what brought it (`follows`:
        whether the recipient follows the topic, the measure)."""
        if kind == "digest":
            return body
        t = self.catalog.text
        name = self.topics.name(topic, language)
        if measure_id is not None:
            measure = self._measure_name(measure_id, language)
            header = t(language, "broadcast.header_measure", measure=measure, topic=name)
        else:
            header = t(language, "broadcast.header_announcement", topic=name)
        footer = self._footer(language, topic or "", name, measure_id, follows)
        return "\n\n".join(part for part in (header, body, footer) if part)

    def _measure_name(self, measure_id: str, language: str) -> str:
        """A measure's title in `language` (its id if the catalogue no longer has it)."""
        return self.measure_title(measure_id, language) or measure_id

    def _footer(
        self,
        language: str,
        topic: str,
        name: str,
        measure_id: str | None,
        follows: tuple[bool, bool],
    ) -> str:
        """The unsubscribe command(s) for what the recipient follows; none if neither any more
        (`name`: the topic's name in `language`)."""
        t, prefix = self.catalog.text, self.prefix
        by_topic, by_measure = follows if measure_id is not None else (True, False)
        if by_topic and by_measure:
            return t(
                language,
                "broadcast.footer_both",
                prefix=prefix,
                measure=measure_id,
                slug=topic,
                topic=name,
            )
        if by_measure or by_topic:
            slug = measure_id if by_measure else topic
            return t(language, "broadcast.footer", prefix=prefix, slug=slug or "")
        return ""

    async def report(self, progress: Progress, final: bool) -> tuple[str, str]:
        """The manager's status message (plain, html)."""
        own = self.event_kinds.get(progress.kind)
        if own is not None:
            text = await own.report(progress, final)
            return to_plain(text), render(text)
        key = "broadcast.final" if final else "broadcast.progress"
        text = self.catalog.text(
            "de",
            key,
            id=progress.broadcast_id,
            sent=progress.sent,
            total=progress.total,
            undeliverable=progress.undeliverable,
            digest=progress.digest,
        )
        return to_plain(text), render(text)

    async def send_digests(self) -> int:
        """One weekly DM per user with everything collected for them; none if nothing new."""
        sent = 0
        for user_id in await self.broadcasts.digest_users():
            items = await self.broadcasts.digest_items(user_id)
            if not items:
                continue
            language = await self.users.language(user_id) or "de"
            body = self._digest_body(language, items)
            digest_id = await self.broadcasts.create(
                "digest", "klimabot", body, [Recipient(user_id, "user")]
            )
            await self.broadcasts.close_digest([i.delivery_id for i in items], digest_id)
            sent += 1
        if sent:
            self.wake()
        return sent

    def _digest_body(self, language: str, items: list[DigestItem]) -> str:
        t = self.catalog.text
        lines = [t(language, plural("broadcast.digest_title", len(items)), count=len(items))]
        for item in items:
            name = self.topics.name(item.topic, language)
            # The manager's own text: Markdown is meant, as in the announcement itself.
            text = Markup(item.body)
            if item.measure_id is None:
                line = t(language, "broadcast.digest_item", topic=name, text=text)
            else:
                measure = self._measure_name(item.measure_id, language)
                line = t(
                    language,
                    "broadcast.digest_item_measure",
                    measure=measure,
                    topic=name,
                    text=text,
                )
            lines.append("- " + line)
        return "\n".join(lines)


def _broadcaster(ctx: Context) -> Broadcaster:
    return require(ctx.services.broadcaster)


@command("ankuendigen", aliases=("announce", "ankündigen"), role=Role.MANAGER)
async def ankuendigen(ctx: Context, args: str) -> None:
    """Preview an announcement with its recipient count and wait for 'ja'."""
    broadcaster = _broadcaster(ctx)
    topic, text = split_topic(ctx, broadcaster.topics, args)
    if len(text) > MAX_ANNOUNCEMENT:
        raise CommandError("broadcast.too_long", length=len(text), limit=MAX_ANNOUNCEMENT)
    audience = await broadcaster.audience(topic.slug)
    display = broadcaster.topics.name(topic.slug, ctx.language)
    if not audience.recipients:
        raise CommandError("broadcast.no_recipients", topic=display)
    assert ctx.services.dialogs is not None
    await ctx.services.dialogs.open(ctx, CONFIRM_KIND, {"topic": topic.slug, "text": text})
    await ctx.reply_key(
        "broadcast.preview",
        topic=display,
        text=Markup(text),  # the manager's own Markdown, shown as it will be sent
        recipients=recipient_lines(ctx, audience),
    )


def split_topic(ctx: Context, topics: TopicIndex, args: str) -> tuple[Topic, str]:
    """`<topic> <text>` with the topic given by slug, shown name or synonym (longest wins);
    a usage error without text, a user error naming the first word if no topic fits."""
    if not args.strip():
        raise UsageError
    found = topics.split(args)
    if found is None:
        name = args.split()[0]
        raise CommandError("topics.unknown", name=name[:60], prefix=ctx.prefix)
    topic, text = found
    if not text:
        raise UsageError
    return topic, text


def recipient_lines(ctx: Context, audience: Audience) -> str:
    """'- 3 Personen per Direktnachricht (davon 1 im Wochenüberblick)', '- 1 Themenraum'."""
    lines = []
    if audience.users:
        parts = [
            ctx.t(key, count=count)
            for key, count in (
                ("broadcast.recipients_weekly", audience.weekly),
                ("broadcast.recipients_deferred", audience.deferred),
            )
            if count
        ]
        details = ctx.t("broadcast.recipients_details", parts=Markup(", ").join(parts))
        key = plural("broadcast.recipients_dm", audience.users)
        lines.append(ctx.t(key, count=audience.users, details=details if parts else ""))
    if audience.rooms:
        lines.append(
            ctx.t(plural("broadcast.recipients_rooms", audience.rooms), count=audience.rooms)
        )
    return Markup("\n").join(lines)


async def confirm_announcement(ctx: Context, dialog: Dialog, text: str) -> None:
    """The manager's answer to the preview: 'ja' sends, 'nein' cancels."""
    if await confirmed(ctx, text, "broadcast.cancelled", Role.MANAGER):
        data = dialog.data
        await _broadcaster(ctx).send(ctx, "announcement", data["topic"], data["text"])
