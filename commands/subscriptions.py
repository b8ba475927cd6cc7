"""Topics and measures people follow, and how they want news delivered."""

from __future__ import annotations

from commands.broadcast import Broadcaster
from commands.context import Context, Reaction
from commands.errors import CommandError, UsageError
from commands.i18n import plural
from commands.measurelookup import Lookup, measure_not_found
from commands.quiet import parse_quiet, quiet_end, reschedule_held
from commands.registry import command
from commands.services import require
from store.subscriptions import DeliveryPrefs

__all__ = [
    "abbestellen",
    "abonnieren",
    "abos",
    "resolve_target",
    "ruhezeit",
    "subscribe_by_reaction",
    "target_name",
    "themen",
    "zustellung",
]

_MODES = {
    "sofort": "sofort",
    "now": "sofort",
    "woechentlich": "woechentlich",
    "wöchentlich": "woechentlich",
    "weekly": "woechentlich",
}
_ALL = ("alle", "all")
_OFF = ("aus", "off", "keine", "none")


def _broadcaster(ctx: Context) -> Broadcaster:
    return require(ctx.services.broadcaster)


def resolve_target(ctx: Context, text: str, command: str = "abonnieren") -> tuple[str, str, str]:
    """(kind, id, display name) of a topic or measure named `text`; a measure's exact id wins
    over a topic's synonym ("stadtradeln"), a topic's slug or name over a measure's id; failing
    both, title words that fit one measure. The error suggests `<command> <id>` of close ones."""
    topics = _broadcaster(ctx).topics
    topic = topics.find(text)
    measures = ctx.services.measures
    measure = measures.find(text) if measures is not None else None
    if measure is not None and (topic is None or topics.named(text) is None):
        return "measure", measure.id, target_name(ctx, "measure", measure.id)
    if topic is not None:
        return "topic", topic.slug, target_name(ctx, "topic", topic.slug)
    found = measures.lookup(text) if measures is not None else Lookup(None, [])
    if found.measure is not None:
        return "measure", found.measure.id, target_name(ctx, "measure", found.measure.id)
    if found.near:
        raise measure_not_found(ctx, text, found, command)
    raise CommandError("topics.unknown", name=text[:60], prefix=ctx.prefix)


def target_name(ctx: Context, kind: str, target: str) -> str:
    """The display name of a subscription: a topic's or measure's name in the user's language
    (the stored id if the catalogue no longer has it)."""
    if kind == "topic":
        broadcaster = ctx.services.broadcaster
        return target if broadcaster is None else broadcaster.topics.name(target, ctx.language)
    measures = ctx.services.measures
    title = measures.title(target, ctx.language) if measures is not None else None
    return title or target


@command("themen", aliases=("topics",))
async def themen(ctx: Context, args: str) -> None:
    """List topics with subscriber counts."""
    broadcaster = _broadcaster(ctx)
    counts = await broadcaster.subscriptions.counts("topic")
    lines = [ctx.t("topics.title", prefix=ctx.prefix)]
    for topic in broadcaster.topics.topics:
        name = broadcaster.topics.name(topic.slug, ctx.language)
        count = counts.get(topic.slug, 0)
        subscribers = ctx.t(plural("topics.subscribers", count), count=count)
        lines.append(ctx.t("topics.line", name=name, slug=topic.slug, subscribers=subscribers))
    await ctx.reply("\n".join(lines))


@command("abonnieren", aliases=("subscribe", "abo"))
async def abonnieren(ctx: Context, args: str) -> None:
    """Follow a topic or a measure."""
    if not args:
        raise UsageError
    kind, target, name = resolve_target(ctx, args.strip())
    await _subscribe(ctx, kind, target, name)


async def _subscribe(ctx: Context, kind: str, target: str, name: str) -> None:
    subs = _broadcaster(ctx).subscriptions
    if not await subs.subscribe(ctx.message.sender, kind, target):
        await ctx.reply_key("topics.already", name=name)
        return
    prefs = await subs.prefs(ctx.message.sender)
    mode = ctx.t(f"topics.mode_{prefs.mode}")
    await ctx.reply_key("topics.subscribed", name=name, mode=mode, prefix=ctx.prefix, slug=target)


@command("abbestellen", aliases=("unsubscribe",))
async def abbestellen(ctx: Context, args: str) -> None:
    """Stop following one topic/measure, or all."""
    if not args:
        raise UsageError
    subs = _broadcaster(ctx).subscriptions
    if args.strip().lower() in _ALL:
        count = await subs.unsubscribe(ctx.message.sender, None, None)
        key = plural("topics.unsubscribed_all", count) if count else "topics.none_to_end"
        await ctx.reply_key(key, count=count, prefix=ctx.prefix)
        return
    kind, target, name = resolve_target(ctx, args.strip(), "abbestellen")
    if await subs.unsubscribe(ctx.message.sender, kind, target):
        await ctx.reply_key("topics.unsubscribed", name=name)
    else:
        await ctx.reply_key("topics.not_subscribed", name=name)


@command("abos", aliases=("subscriptions",))
async def abos(ctx: Context, args: str) -> None:
    """Show the user's subscriptions and delivery settings."""
    subs = _broadcaster(ctx).subscriptions
    mine = await subs.of_user(ctx.message.sender)
    if not mine:
        await ctx.reply_key("topics.none", prefix=ctx.prefix)
        return
    prefs = await subs.prefs(ctx.message.sender)
    lines = [ctx.t("topics.mine_title")]
    lines += [ctx.t("topics.mine_line", name=target_name(ctx, k, t)) for k, t in mine]
    quiet = prefs.quiet or ctx.t("topics.quiet_off")
    mode = ctx.t(f"topics.mode_{prefs.mode}")
    lines.append(ctx.t("topics.mine_delivery", mode=mode, quiet=quiet))
    await ctx.reply("\n".join(lines))


@command("zustellung", aliases=("delivery",))
async def zustellung(ctx: Context, args: str) -> None:
    """Choose immediate DMs or a weekly digest."""
    mode = _MODES.get(args.strip().lower())
    if mode is None:
        raise CommandError("topics.delivery_unknown")
    subs = _broadcaster(ctx).subscriptions
    prefs = await subs.prefs(ctx.message.sender)
    await subs.set_prefs(ctx.message.sender, DeliveryPrefs(mode, prefs.quiet))
    await ctx.reply_key("topics.delivery_set", mode=ctx.t(f"topics.mode_{mode}"))


@command("ruhezeit", aliases=("quiethours",))
async def ruhezeit(ctx: Context, args: str) -> None:
    """Set quiet hours (no DMs then) or switch them off."""
    text = args.strip().lower()
    if not text:  # what is set now, and how to change it
        prefs = await _broadcaster(ctx).subscriptions.prefs(ctx.message.sender)
        quiet_now = prefs.quiet or ctx.t("topics.quiet_off")
        await ctx.reply_key("topics.quiet_current", quiet=quiet_now, prefix=ctx.prefix)
        return
    quiet = "" if text in _OFF else parse_quiet(text)
    if quiet is None:
        raise CommandError("topics.quiet_invalid")
    broadcaster = _broadcaster(ctx)
    subs = broadcaster.subscriptions
    prefs = await subs.prefs(ctx.message.sender)
    await subs.set_prefs(ctx.message.sender, DeliveryPrefs(prefs.mode, quiet))
    answer = ctx.t("topics.quiet_set", quiet=quiet) if quiet else ctx.t("topics.quiet_cleared")
    now = ctx.services.clock()
    held = await reschedule_held(broadcaster.broadcasts, ctx.message.sender, quiet, now)
    if held and quiet_end(quiet, now) is None:  # held messages are due now
        broadcaster.wake()
        answer += "\n" + ctx.t(plural("topics.quiet_released", held), count=held)
    await ctx.reply(answer)


async def subscribe_by_reaction(ctx: Context, reaction: Reaction) -> bool:
    """A 👍 on a topic announcement subscribes the reacting user to that topic."""
    broadcaster = _broadcaster(ctx)
    topic = await broadcaster.broadcasts.announcement_topic(reaction.target)
    if topic is None or not reaction.key.startswith("👍"):
        return False
    if await broadcaster.subscriptions.subscribe(reaction.sender, "topic", topic):
        name = broadcaster.topics.name(topic, ctx.language)
        await ctx.reply_key(
            "topics.subscribed_by_reaction", name=name, prefix=ctx.prefix, slug=topic
        )
    return True
