"""Matchmaking with double opt-in: suggestions with reasons, requests by DM, shared rooms."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Callable, Coroutine
from typing import Any, Protocol

from commands.actors import ActorService, current_actor
from commands.context import Context, Reaction, Role
from commands.dialogs import is_no, is_yes
from commands.errors import CommandError
from commands.formatting import render, to_plain
from commands.i18n import Catalog
from commands.matching import ActorIndex, ActorProfile, Suggestion
from commands.registry import command
from commands.services import require
from store.actors import Actor, Introduction
from store.dialogs import Dialog, DialogStore
from store.users import UserSettings

__all__ = [
    "ANSWER_KIND",
    "Messenger",
    "answer_by_reaction",
    "reason_text",
    "NetworkService",
    "answer_step",
    "blockieren",
    "netzwerk",
    "neue_akteure",
    "vorschlagen",
    "pause",
    "vernetzen",
]

log = logging.getLogger(__name__)

ANSWER_KIND = "intro_answer"
MAX_OPEN_REQUESTS = 5
REQUEST_TTL_SECONDS = 14 * 24 * 3600.0
INACTIVE_GRACE_SECONDS = 30 * 24 * 3600.0
_ACCEPT = ("✅", "✔️", "👍")
_DECLINE = ("❌", "✖️", "👎")


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
        dialogs: DialogStore,
        users: UserSettings,
        catalog: Catalog,
        prefix: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.actors = actors
        self.index = index
        self.messenger = messenger
        self.dialogs = dialogs
        self.users = users
        self.catalog = catalog
        self.prefix = prefix
        self.clock = clock
        self._tasks: set[asyncio.Task[None]] = set()
        actors.on_change = self.refresh

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Run `work` in the background: creating rooms needs the sync loop, which is busy
        handling the very message that asked for it."""
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("introduction work failed", exc_info=task.exception())

    async def send_request(self, intro_id: int, target: str, plain: str, html: str) -> None:
        """DM the target and wait for their yes/no there (or a reaction on the DM)."""
        room_id, event_id = await self.messenger.direct(target, plain, html)
        await self.actors.store.set_request_event(intro_id, event_id)
        await self.dialogs.open(target, room_id, ANSWER_KIND, {"intro": intro_id})

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

    async def text(self, user_id: str, key: str, **params: object) -> tuple[str, str]:
        """A catalog text in `user_id`'s language, as (plain, html)."""
        language = await self.users.language(user_id) or "de"
        text = self.catalog.text(language, key, **params)
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
            self.spawn(self._tell(other, "actors.declined_requester"))
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
        plain, html = await self._introduction(requester, target, intro.reason)
        name = self.catalog.text("de", "actors.intro_room_name", a=requester.name, b=target.name)
        await self.messenger.create_room(name, [intro.requester, intro.target], plain, html)
        if responder == intro.target:
            await self._tell(intro.requester, "actors.accepted_requester", name=target.name)
        else:
            await self._tell(intro.target, "actors.accepted_requester", name=requester.name)

    async def _introduction(self, a: Actor, b: Actor, reason: str) -> tuple[str, str]:
        text = self.catalog.text(
            "de",
            "actors.intro_text",
            a_profile=_plain_profile(self.catalog, a),
            b_profile=_plain_profile(self.catalog, b),
            reason=reason,
        )
        return to_plain(text), render(text)

    async def _tell(self, user_id: str, key: str, **params: object) -> None:
        plain, html = await self.text(user_id, key, prefix=self.prefix, **params)
        await self.messenger.direct(user_id, plain, html)

    async def send_proposal(self, intro_id: int, a: Actor, b: Actor, reason: str) -> None:
        """A manager's proposal: ask both sides, each with the other's profile."""
        for me, other, side in ((a, b, "requester"), (b, a, "target")):
            plain, html = await self.text(
                me.user_id,
                "actors.request_dm",
                profile=_plain_profile(self.catalog, other),
                reason=reason,
            )
            room_id, event_id = await self.messenger.direct(me.user_id, plain, html)
            store = self.actors.store
            if side == "requester":
                await store.set_requester_event(intro_id, event_id)
            else:
                await store.set_request_event(intro_id, event_id)
            await self.dialogs.open(me.user_id, room_id, ANSWER_KIND, {"intro": intro_id})

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
            await forget(user_id)
            self.refresh(None, user_id)
            deleted += 1
        return deleted

    async def expire(self) -> int:
        """Open requests older than 14 days: tell the requester politely, without detail."""
        count = 0
        for intro in await self.actors.store.expired(self.clock() - REQUEST_TTL_SECONDS):
            if await self.actors.store.decide(intro.id, "expired"):
                self.spawn(self._tell(intro.requester, "actors.declined_requester"))
                count += 1
        return count


def _plain_profile(catalog: Catalog, actor: Actor) -> str:
    organisation = f" ({actor.organisation})" if actor.organisation else ""
    parts = [f"**{actor.name}**{organisation} – {actor.actor_type}, {actor.district}"]
    if actor.offers:
        parts.append(f"Bietet: {actor.offers}")
    if actor.needs:
        parts.append(f"Sucht: {actor.needs}")
    return "\n".join(parts)


def _network(ctx: Context) -> NetworkService:
    return require(ctx.services.network)


def reason_text(ctx: Context, me: Actor, other: Actor, s: Suggestion) -> str:
    """Why two actors match, in words."""
    broadcaster = ctx.services.broadcaster
    parts: list[str] = []
    if s.shared_topics:
        names = [
            broadcaster.topics.name(t, ctx.language) if broadcaster else t for t in s.shared_topics
        ]
        parts.append(ctx.t("actors.reason_topics", topics=", ".join(names)))
    if s.they_offer_what_i_need:
        what = ", ".join(s.they_offer_what_i_need)
        parts.append(ctx.t("actors.reason_they_offer", what=what, name=other.name))
    if s.i_offer_what_they_need:
        what = ", ".join(s.i_offer_what_they_need)
        parts.append(ctx.t("actors.reason_i_offer", what=what, name=other.name))
    if s.complementary_types:
        parts.append(ctx.t("actors.reason_types", a=me.actor_type, b=other.actor_type))
    if s.same_district:
        parts.append(ctx.t("actors.reason_district", district=me.district))
    return "; ".join(parts)


@command("vernetzen", aliases=("connect",))
async def vernetzen(ctx: Context, args: str) -> None:
    """Suggest matching actors, or ask suggestion <n> for contact."""
    me = await current_actor(ctx)
    if me.paused:
        raise CommandError("actors.paused_you", prefix=ctx.prefix)
    if args.strip():
        await _request(ctx, me, args.strip())
        return
    network = _network(ctx)
    excluded = await network.actors.store.excluded_for(me.user_id)
    suggestions = network.index.suggest(profile_of(me), frozenset(excluded), limit=5)
    if not suggestions:
        await ctx.reply_key("actors.suggest_none")
        return
    await network.actors.store.remember_suggestions(me.user_id, [s.user_id for s in suggestions])
    lines = [ctx.t("actors.suggest_title")]
    for n, s in enumerate(suggestions, start=1):
        other = await network.actors.store.get(s.user_id)
        assert other is not None
        lines.append(
            ctx.t(
                "actors.suggest_line",
                number=n,
                name=other.name,
                organisation=f" ({other.organisation})" if other.organisation else "",
                type=other.actor_type,
                district=other.district,
                reason=reason_text(ctx, me, other, s),
            )
        )
    lines.append(ctx.t("actors.suggest_hint", prefix=ctx.prefix))
    await ctx.reply("\n".join(lines))


async def _request(ctx: Context, me: Actor, choice: str) -> None:
    network = _network(ctx)
    store = network.actors.store
    shown = await store.suggestions(me.user_id)
    if not choice.isdigit() or not 1 <= int(choice) <= len(shown):
        raise CommandError("actors.pick_invalid", prefix=ctx.prefix)
    target = await store.get(shown[int(choice) - 1])
    excluded = await store.excluded_for(me.user_id)
    if target is None or target.user_id in excluded:
        raise CommandError("actors.pick_invalid", prefix=ctx.prefix)
    if await store.open_requests_to(target.user_id) >= MAX_OPEN_REQUESTS:
        raise CommandError("actors.target_busy")
    suggestion = next(
        (
            s
            for s in network.index.suggest(profile_of(me), frozenset(), limit=50)
            if s.user_id == target.user_id
        ),
        None,
    )
    reason = reason_text(ctx, me, target, suggestion) if suggestion else ""
    intro_id = await store.request(me.user_id, target.user_id, reason)
    plain, html = await network.text(
        target.user_id,
        "actors.request_dm",
        profile=_plain_profile(network.catalog, me),
        reason=reason,
    )
    network.spawn(network.send_request(intro_id, target.user_id, plain, html))
    await ctx.reply_key("actors.requested", name=target.name)


async def answer_step(ctx: Context, dialog: Dialog, text: str) -> None:
    """The target's 'ja'/'nein' to an introduction request (in their DM)."""
    network = _network(ctx)
    intro = await network.actors.store.get_intro(int(dialog.data["intro"]))
    if intro is None or intro.status != "open" or not _may_answer(intro, ctx.message.sender):
        await network.dialogs.close(ctx.message.sender, ctx.message.room_id)
        await ctx.reply_key("actors.no_open_request")
        return
    if not (is_yes(text) or is_no(text)):
        await ctx.reply_key("dialog.yes_or_no", prefix=ctx.prefix)
        return
    await network.dialogs.close(ctx.message.sender, ctx.message.room_id)
    await _answer(ctx, network, intro, is_yes(text))


def _may_answer(intro: Introduction, user_id: str) -> bool:
    """The target answers a request; for a manager's proposal the requester side does too."""
    return user_id == intro.target or (intro.proposed_by is not None and user_id == intro.requester)


async def _answer(ctx: Context, network: NetworkService, intro: Introduction, yes: bool) -> None:
    key = await network.decide(intro, yes, ctx.message.sender)
    if key is not None:
        await ctx.reply_key(key)


async def answer_by_reaction(ctx: Context, reaction: Reaction) -> bool:
    """✅ / ❌ on the request DM answers it."""
    network = ctx.services.network
    if network is None:
        return False
    intro = await network.actors.store.by_request_event(reaction.target)
    key = reaction.key
    if intro is None or not _may_answer(intro, reaction.sender) or intro.status != "open":
        return False
    if key.startswith(_ACCEPT) or key.startswith(_DECLINE):
        await network.dialogs.close(reaction.sender, reaction.room_id)
        await _answer(ctx, network, intro, key.startswith(_ACCEPT))
        return True
    return False


@command("neue-akteure", aliases=("new-actors",))
async def neue_akteure(ctx: Context, args: str) -> None:
    """Opt in or out of the weekly DM about new actors who match you."""
    me = await current_actor(ctx)
    answer = args.strip().lower()
    if answer not in ("an", "on", "ja", "aus", "off", "nein"):
        raise CommandError("actors.weekly_usage", prefix=ctx.prefix)
    on = answer in ("an", "on", "ja")
    await _network(ctx).actors.store.set_weekly(me.user_id, on)
    await ctx.reply_key("actors.weekly_on" if on else "actors.weekly_off", prefix=ctx.prefix)


@command("pause")
async def pause(ctx: Context, args: str) -> None:
    """Switch suggestions and requests off, or back on."""
    me = await current_actor(ctx)
    service: ActorService = _network(ctx).actors
    await service.store.set_paused(me.user_id, not me.paused)
    await ctx.reply_key("actors.paused_off" if me.paused else "actors.paused_on", prefix=ctx.prefix)


@command("blockieren", aliases=("block",))
async def blockieren(ctx: Context, args: str) -> None:
    """Never suggest this actor again (both ways)."""
    me = await current_actor(ctx)
    store = _network(ctx).actors.store
    choice = args.strip()
    target_id = choice
    if choice.isdigit():
        shown = await store.suggestions(me.user_id)
        target_id = shown[int(choice) - 1] if 1 <= int(choice) <= len(shown) else ""
    target = await store.get(target_id) if target_id else None
    if target is None or target.user_id == me.user_id:
        raise CommandError("actors.block_unknown", prefix=ctx.prefix)
    await store.block(me.user_id, target.user_id)
    await ctx.reply_key("actors.blocked", name=target.name)


@command("vorschlagen", aliases=("propose",), role=Role.MANAGER)
async def vorschlagen(ctx: Context, args: str) -> None:
    """Propose an introduction of two actors; both must still agree (double opt-in)."""
    ids = args.split()
    if len(ids) != 2 or ids[0] == ids[1]:
        raise CommandError("actors.propose_usage", prefix=ctx.prefix)
    network = _network(ctx)
    store = network.actors.store
    a, b = await store.get(ids[0]), await store.get(ids[1])
    if a is None or b is None:
        raise CommandError("actors.propose_unknown")
    if a.paused or b.paused or b.user_id in await store.excluded_for(a.user_id):
        raise CommandError("actors.propose_excluded")
    suggestion = next(
        (
            s
            for s in network.index.suggest(profile_of(a), frozenset(), 50)
            if s.user_id == b.user_id
        ),
        None,
    )
    reason = reason_text(ctx, a, b, suggestion) if suggestion else ""
    intro_id = await store.request(a.user_id, b.user_id, reason, proposed_by=ctx.message.sender)
    network.spawn(network.send_proposal(intro_id, a, b, reason))
    await ctx.reply_key("actors.proposed", a=a.name, b=b.name)


@command("netzwerk", aliases=("network",), role=Role.MANAGER)
async def netzwerk(ctx: Context, args: str) -> None:
    """Counts for the manager: actors by type and topic, requests and their outcomes."""
    store = _network(ctx).actors.store
    actors = await store.all()
    stats = await store.stats()
    by_type = Counter(a.actor_type for a in actors)
    by_topic = Counter(t for a in actors for t in a.topics)
    broadcaster = ctx.services.broadcaster
    topic_name = (lambda s: broadcaster.topics.name(s, ctx.language)) if broadcaster else str
    await ctx.reply_key(
        "actors.stats",
        types=", ".join(f"{k} {v}" for k, v in by_type.most_common()) or "–",
        topics=", ".join(f"{topic_name(k)} {v}" for k, v in by_topic.most_common()) or "–",
        **stats,
    )
