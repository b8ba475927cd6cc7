"""Introductions between actors: the matching index, requests, answers and shared rooms.

The chat commands that use this service are in commands/network.py.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any, Protocol

from commands.actors import ActorService, type_label
from commands.dialogs import Request
from commands.formatting import Markup, literal, render, to_plain
from commands.i18n import Catalog
from commands.matching import ActorIndex, ActorProfile, MatchReason
from store.actors import Actor, Introduction
from store.users import UserSettings

__all__ = [
    "INACTIVE_GRACE_SECONDS",
    "MAX_OPEN_REQUESTS",
    "REQUEST_TTL_SECONDS",
    "Messenger",
    "NetworkService",
    "plain_profile",
    "may_answer",
    "profile_of",
    "reason_text",
]

log = logging.getLogger(__name__)

MAX_OPEN_REQUESTS = 5
REQUEST_TTL_SECONDS = 14 * 24 * 3600.0
INACTIVE_GRACE_SECONDS = 30 * 24 * 3600.0


class Messenger(Protocol):
    """Talks to one person (implemented in bot/messenger.py)."""

    async def direct(self, user_id: str, plain: str, html: str) -> tuple[str, str]:
        """Send a DM; return (room ID, event ID)."""

    async def create_room(self, name: str, invite: list[str], plain: str, html: str) -> str:
        """Create a private room with `invite`, post the text; return the room ID."""


def profile_of(actor: Actor) -> ActorProfile:
    """The matching engine's view of an actor."""
    return ActorProfile(
        actor.user_id,
        actor.name,
        actor.actor_type,
        actor.district,
        frozenset(actor.topics),
        actor.offers,
        actor.needs,
    )


class NetworkService:
    """The matching index plus introductions."""

    def __init__(
        self,
        actors: ActorService,
        index: ActorIndex,
        messenger: Messenger,
        users: UserSettings,
        catalog: Catalog,
        prefix: str,
        clock: Callable[[], float] = time.time,
        topic_name: Callable[[str, str], str] = lambda slug, language: slug,
    ) -> None:
        self.actors = actors
        self.index = index
        self.messenger = messenger
        self.users = users
        self.catalog = catalog
        self.prefix = prefix
        self.clock = clock
        self.topic_name = topic_name  # (slug, language) -> the topic's display name
        self._tasks: set[asyncio.Task[None]] = set()
        actors.on_change = self.refresh

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Run `work` in the background: creating rooms needs the sync loop, which is busy
        handling the very message that asked for it."""
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    async def wait_background(self) -> None:
        """Wait until the background work started so far has ended."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def stop_background(self) -> None:
        """Cancel the background work still running and wait until it has ended: the bot is
        stopping, and a send after its client closed would open a new connection nobody closes.
        Work cut off here is not redone after a restart, as after a crash."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("introduction work failed", exc_info=task.exception())

    async def send_request(self, intro_id: int, target: str, plain: str, html: str) -> None:
        """DM the target; the request waits in its own row, never in the target's dialogue
        slot, so it cannot take over a "ja" the target owes to their own confirmation."""
        _, event_id = await self.messenger.direct(target, plain, html)
        await self.actors.store.set_request_event(intro_id, event_id)

    async def load(self) -> None:
        """Build the index from the stored profiles."""
        for actor in await self.actors.store.all():
            self.index.add(profile_of(actor))

    def refresh(self, actor: Actor | None, user_id: str) -> None:
        """Keep the index in step with a saved or deleted profile."""
        if actor is None:
            self.index.remove(user_id)
        else:
            self.index.add(profile_of(actor))

    async def language_of(self, user_id: str) -> str:
        """The user's chosen language, or German."""
        return await self.users.language(user_id) or "de"

    async def text(self, user_id: str, key: str, **params: object) -> tuple[str, str]:
        """A catalog text in `user_id`'s language, as (plain, html)."""
        text = self.catalog.text(await self.language_of(user_id), key, **params)
        return to_plain(text), render(text)

    async def decide(self, intro: Introduction, accept: bool, responder: str) -> str | None:
        """Apply one side's answer; on both yes a shared room follows in the background.

        Returns the catalog key to answer the responder with (None if nothing changed).
        """
        store = self.actors.store
        other = intro.requester if responder == intro.target else intro.target
        if not accept:
            if not await store.decide(intro.id, "declined"):
                return None
            self.spawn(self._tell(other, _declined_key(intro)))
            return "actors.declined_target"
        side = "target" if responder == intro.target else "requester"
        if not await store.agree(intro.id, side):
            return "actors.waiting_other"
        requester, target = await store.get(intro.requester), await store.get(intro.target)
        if requester is None or target is None or not await store.decide(intro.id, "accepted"):
            return None
        self.spawn(self._introduce(intro, requester, target, responder))
        return "actors.accepted_target"

    async def _introduce(
        self, intro: Introduction, requester: Actor, target: Actor, responder: str
    ) -> None:
        chosen = {await self.language_of(intro.requester), await self.language_of(intro.target)}
        languages: list[str] = [lang for lang in ("de", "en") if lang in chosen] or ["de"]
        plain, html = self._introduction(requester, target, intro.reason, languages)
        name = to_plain(  # a room name is plain text, not Markdown
            self.catalog.text(
                languages[0], "actors.intro_room_name", a=requester.name, b=target.name
            )
        )
        await self.messenger.create_room(name, [intro.requester, intro.target], plain, html)
        if responder == intro.target:
            await self._tell(intro.requester, "actors.accepted_requester", name=target.name)
        else:
            await self._tell(intro.target, "actors.accepted_requester", name=requester.name)

    def _introduction(
        self, a: Actor, b: Actor, reason: str, languages: list[str]
    ) -> tuple[str, str]:
        """The shared room's first message in the languages its two members chose (German
        first); the reason is said of both, in the third person."""
        text = "\n\n---\n\n".join(
            self.catalog.text(
                language,
                "actors.intro_text",
                a_profile=plain_profile(self.catalog, language, a),
                b_profile=plain_profile(self.catalog, language, b),
                reason=self.reason_text(reason, language, a, b, reader=None),
            )
            for language in languages
        )
        return to_plain(text), render(text)

    def reason_text(
        self, stored: str, language: str, a: Actor, b: Actor, reader: str | None
    ) -> Markup:
        """Why `a` (who asked) and `b` fit, phrased for `reader` (one of them, or None for
        both in their shared room); `stored` is `MatchReason.to_json()` or older free text."""
        reason = MatchReason.from_json(stored)
        if reason is None:
            return literal(stored)
        return reason_text(self.catalog, language, reason, (a, b), reader, self.topic_name)

    async def _tell(self, user_id: str, key: str, **params: object) -> None:
        plain, html = await self.text(user_id, key, prefix=self.prefix, **params)
        await self.messenger.direct(user_id, plain, html)

    async def send_proposal(self, intro_id: int, a: Actor, b: Actor, reason: str) -> None:
        """A manager's proposal: ask both sides, each with the other's profile."""
        for me, other, side in ((a, b, "requester"), (b, a, "target")):
            language = await self.language_of(me.user_id)
            plain, html = await self.text(
                me.user_id,
                "actors.request_dm",
                profile=plain_profile(self.catalog, language, other),
                reason=self.reason_text(reason, language, a, b, reader=me.user_id),
                number=intro_id,
            )
            _, event_id = await self.messenger.direct(me.user_id, plain, html)
            store = self.actors.store
            if side == "requester":
                await store.set_requester_event(intro_id, event_id)
            else:
                await store.set_request_event(intro_id, event_id)

    async def requests_waiting(self, user_id: str) -> list[Request]:
        """Requests DMed to the user that still wait for their answer, oldest first."""
        waiting = await self.actors.store.awaiting_answer(user_id)
        return [await self._as_request(intro, user_id) for intro in waiting]

    async def request_numbered(self, user_id: str, number: int) -> Request | None:
        """The request with this number, if it is the user's to answer (open or not)."""
        intro = await self.actors.store.get_intro(number)
        if intro is None or not may_answer(intro, user_id):
            return None
        return await self._as_request(intro, user_id)

    async def request_at(self, user_id: str, event_id: str) -> Request | None:
        """The request whose DM to the user is `event_id` (open or not)."""
        intro = await self.actors.store.by_request_event(event_id)
        if intro is None or not may_answer(intro, user_id):
            return None
        return await self._as_request(intro, user_id)

    async def answer_request(self, request: Request, yes: bool, responder: str) -> str | None:
        """The responder's ja/nein by text; the catalog key to reply with, None if the
        request is no longer open."""
        intro = await self.actors.store.get_intro(request.number)
        if intro is None or intro.status != "open" or not may_answer(intro, responder):
            return None
        return await self.decide(intro, yes, responder)

    async def _as_request(self, intro: Introduction, user_id: str) -> Request:
        other = await self.actors.store.get(
            intro.requester if user_id == intro.target else intro.target
        )
        return Request(intro.id, other.name if other is not None else "–")

    async def weekly_new_actors(self) -> int:
        """DM opted-in actors the new actors of the past week who match them; none if none."""
        store = self.actors.store
        new = await store.created_since(self.clock() - 7 * 24 * 3600)
        sent = 0
        for user_id in await store.weekly_subscribers() if new else []:
            me = await store.get(user_id)
            if me is None:
                continue
            excluded = await store.excluded_for(user_id) | (self._all_ids() - new)
            found = self.index.suggest(profile_of(me), frozenset(excluded), limit=5)
            names = [a.name for a in [await store.get(s.user_id) for s in found] if a]
            if names:
                plain, html = await self.text(
                    user_id, "actors.weekly_dm", names=", ".join(names), prefix=self.prefix
                )
                self.spawn(self._direct(user_id, plain, html))
                sent += 1
        return sent

    def _all_ids(self) -> set[str]:
        return set(self.index.user_ids())

    async def _direct(self, user_id: str, plain: str, html: str) -> None:
        await self.messenger.direct(user_id, plain, html)

    async def inactivity(self, inactive_after: float, forget: Callable[[str], Any]) -> int:
        """Warn actors inactive for `inactive_after` seconds; delete them 30 days after that."""
        store = self.actors.store
        now = self.clock()
        cutoff = now - inactive_after
        for user_id in await store.to_warn(cutoff):
            plain, html = await self.text(user_id, "actors.inactive_warning", prefix=self.prefix)
            await store.mark_warned(user_id)
            self.spawn(self._direct(user_id, plain, html))
        deleted = 0
        for user_id in await store.to_delete(cutoff, now - INACTIVE_GRACE_SECONDS):
            await self.withdraw(user_id)
            await forget(user_id)
            self.refresh(None, user_id)
            deleted += 1
        return deleted

    async def withdraw(self, user_id: str) -> int:
        """Before `user_id`'s data is erased: those who asked them for contact were promised
        an answer, so each hears politely, without detail, that none came about."""
        count = 0
        for intro in await self.actors.store.open_for(user_id):
            # Also a manager's proposal: its other side was asked and may be waiting.
            if await self.actors.store.decide(intro.id, "declined"):
                self.spawn(self._tell(intro.requester, _declined_key(intro)))
                count += 1
        return count

    async def expire(self) -> int:
        """Open requests older than 14 days: tell the requester politely, without detail."""
        count = 0
        for intro in await self.actors.store.expired(self.clock() - REQUEST_TTL_SECONDS):
            if await self.actors.store.decide(intro.id, "expired"):
                # Both sides of a manager's proposal were asked and may be waiting.
                proposal = intro.proposed_by is not None
                for user_id in (intro.requester, intro.target) if proposal else (intro.requester,):
                    self.spawn(self._tell(user_id, _declined_key(intro)))
                count += 1
        return count


def _declined_key(intro: Introduction) -> str:
    """What to tell a side that no contact came about: their own request, or a proposal the
    climate management made to both (nobody there asked for anything)."""
    return "actors.declined_requester" if intro.proposed_by is None else "actors.declined_proposal"


def may_answer(intro: Introduction, user_id: str) -> bool:
    """The target answers a request; for a manager's proposal the requester side does too."""
    return user_id == intro.target or (intro.proposed_by is not None and user_id == intro.requester)


def plain_profile(catalog: Catalog, language: str, actor: Actor) -> Markup:
    """An actor's name, type, district, offers and needs, marked as their own description."""
    organisation = f" ({actor.organisation})" if actor.organisation else ""
    parts: list[str] = [
        catalog.text(
            language,
            "actors.profile_head",
            name=actor.name,
            organisation=organisation,
            type=type_label(catalog, language, actor.actor_type),
            district=actor.district,
        )
    ]
    if actor.offers:
        parts.append(catalog.text(language, "actors.profile_offers", what=actor.offers))
    if actor.needs:
        parts.append(catalog.text(language, "actors.profile_needs", what=actor.needs))
    return Markup("\n").join(parts)


def _quoted(t: Callable[..., Markup], items: tuple[str, ...]) -> Markup:
    """The seeker's own words, each in quotation marks: „A“, „B“ und „C“."""
    quoted = [t("actors.reason_quote", text=item) for item in items]
    if len(quoted) == 1:
        return quoted[0]
    return Markup(Markup(", ").join(quoted[:-1]) + t("actors.reason_and") + quoted[-1])


def reason_text(
    catalog: Catalog,
    language: str,
    reason: MatchReason,
    actors: tuple[Actor, Actor],
    reader: str | None,
    topic_name: Callable[[str, str], str],
) -> Markup:
    """`reason` for the pair `actors` (a, b) in words, phrased for `reader`: the one who reads
    it is "Sie" ("X sucht …, Sie bieten …"); with no reader both are named."""
    a, b = actors

    def t(key: str, **params: object) -> Markup:
        return Markup(catalog.text(language, key, **params))

    parts: list[Markup] = []
    if reason.topics:
        names = ", ".join(topic_name(slug, language) for slug in reason.topics)
        parts.append(t("actors.reason_topics", topics=names))
    needs = [(a, b, reason.a_wants, reason.a_needs), (b, a, reason.b_wants, reason.b_needs)]
    if reader == b.user_id:
        needs.reverse()  # the reader's own wish first
    for seeker, offerer, wants, words in needs:
        if not wants and not words:
            continue
        # Older stored reasons have only the matched words: shown without quotation marks,
        # which would claim they are the seeker's own words.
        what = _quoted(t, wants) if wants else literal(", ".join(words))
        if reader is None:
            parts.append(
                t("actors.reason_needs", seeker=seeker.name, what=what, offerer=offerer.name)
            )
        elif reader == seeker.user_id:
            parts.append(t("actors.reason_they_offer", what=what, name=offerer.name))
        else:
            parts.append(t("actors.reason_i_offer", what=what, name=seeker.name))
    if reason.types:
        first, second = reason.types[::-1] if reader == b.user_id else reason.types
        labels = (type_label(catalog, language, first), type_label(catalog, language, second))
        parts.append(t("actors.reason_types", a=labels[0], b=labels[1]))
    if reason.district:
        parts.append(t("actors.reason_district", district=reason.district))
    return Markup("; ").join(parts)
