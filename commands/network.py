"""Matchmaking with double opt-in: suggestions with reasons, requests by DM, shared rooms."""

from __future__ import annotations

from collections import Counter

from commands.actors import ActorService, current_actor, type_label
from commands.context import Context, Reaction, Role
from commands.errors import CommandError, require_direct
from commands.formatting import Markup
from commands.introductions import (
    MAX_OPEN_REQUESTS,
    NetworkService,
    may_answer,
    plain_profile,
    profile_of,
)
from commands.introductions import reason_text as phrase_reason
from commands.matching import MatchReason, Suggestion
from commands.registry import command
from commands.services import require
from store.actors import Actor, Introduction

__all__ = [
    "answer_by_reaction",
    "reason_text",
    "blockieren",
    "netzwerk",
    "neue_akteure",
    "vorschlagen",
    "pause",
    "vernetzen",
]


_ACCEPT = ("✅", "✔️", "👍")
_DECLINE = ("❌", "✖️", "👎")


def _network(ctx: Context) -> NetworkService:
    return require(ctx.services.network)


def reason_text(ctx: Context, me: Actor, other: Actor, s: Suggestion) -> Markup:
    """Why `other` fits `me`, in words for `me` (the reader)."""
    reason = MatchReason.of(profile_of(me), profile_of(other), s)
    topic_name = _network(ctx).topic_name
    return phrase_reason(ctx.catalog, ctx.language, reason, (me, other), me.user_id, topic_name)


def _stored_reason(me: Actor, other: Actor, s: Suggestion | None) -> str:
    """The reason to store with a request from `me` to `other` (each side reads it their way)."""
    return "" if s is None else MatchReason.of(profile_of(me), profile_of(other), s).to_json()


@command("vernetzen", aliases=("connect",))
async def vernetzen(ctx: Context, args: str) -> None:
    """Suggest matching actors, or ask suggestion <n> for contact."""
    require_direct(ctx.message.is_direct)
    me = await current_actor(ctx)
    if me.paused:
        raise CommandError("actors.paused_you", prefix=ctx.prefix)
    if args.strip():
        await _request(ctx, me, args.strip())
        return
    network = _network(ctx)
    excluded = await network.actors.store.excluded_for(me.user_id)
    suggestions = network.index.suggest(profile_of(me), frozenset(excluded), limit=5)
    # An empty list is remembered too: "1" after "nobody matches" must not pick from an older list.
    await network.actors.store.remember_suggestions(me.user_id, [s.user_id for s in suggestions])
    if not suggestions:
        await ctx.reply_key("actors.suggest_none")
        return
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
                type=type_label(ctx.catalog, ctx.language, other.actor_type),
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
    if not shown and not await _any_suggestion(network, me):
        raise CommandError("actors.pick_none", prefix=ctx.prefix)
    if not choice.isdigit() or not 1 <= int(choice) <= len(shown):
        raise CommandError("actors.pick_invalid", prefix=ctx.prefix)
    target = await store.get(shown[int(choice) - 1])
    excluded = await store.excluded_for(me.user_id)
    if target is None or target.user_id in excluded:
        raise CommandError("actors.pick_invalid", prefix=ctx.prefix)
    if await store.open_requests_to(target.user_id) >= MAX_OPEN_REQUESTS:
        raise CommandError("actors.target_busy")
    suggestion = network.index.explain(profile_of(me), target.user_id)
    reason = _stored_reason(me, target, suggestion)
    intro_id = await store.request(me.user_id, target.user_id, reason)
    language = await network.language_of(target.user_id)
    plain, html = await network.text(
        target.user_id,
        "actors.request_dm",
        profile=plain_profile(network.catalog, language, me),
        reason=network.reason_text(reason, language, me, target, reader=target.user_id),
        number=intro_id,
    )
    network.spawn(network.send_request(intro_id, target.user_id, plain, html))
    await ctx.reply_key("actors.requested", name=target.name)


async def _any_suggestion(network: NetworkService, me: Actor) -> bool:
    """True if `!vernetzen` would show `me` anyone now."""
    excluded = await network.actors.store.excluded_for(me.user_id)
    return bool(network.index.suggest(profile_of(me), frozenset(excluded), limit=1))


async def _answer(ctx: Context, network: NetworkService, intro: Introduction, yes: bool) -> None:
    key = await network.decide(intro, yes, ctx.message.sender)
    if key is not None:
        await ctx.reply_key(key)


async def answer_by_reaction(ctx: Context, reaction: Reaction) -> bool:
    """✅ / ❌ on the request DM answers it (and leaves the user's own dialogue alone).

    Answers by text ("ja", "ja <Nr.>", a reply to the request) go through
    `commands.dialogs.Dialogs`, which asks NetworkService for the open requests.
    """
    network = ctx.services.network
    if network is None:
        return False
    intro = await network.actors.store.by_request_event(reaction.target)
    key = reaction.key
    if intro is None or not may_answer(intro, reaction.sender) or intro.status != "open":
        return False
    if key.startswith(_ACCEPT) or key.startswith(_DECLINE):
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
    reason = _stored_reason(a, b, suggestion)
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
        types=", ".join(
            f"{type_label(ctx.catalog, ctx.language, k)} {v}" for k, v in by_type.most_common()
        )
        or "–",
        topics=", ".join(f"{topic_name(k)} {v}" for k, v in by_topic.most_common()) or "–",
        **stats,
    )
