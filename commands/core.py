"""Commands every user has: help, language, ping."""

from __future__ import annotations

from commands.context import Context, Role
from commands.errors import CommandError, UsageError
from commands.i18n import LANGUAGES
from commands.registry import Command, command
from commands.version import VERSION

__all__ = ["hilfe", "ping", "sprache"]


@command("hilfe", aliases=("help", "h", "?"))
async def hilfe(ctx: Context, args: str) -> None:
    """Show all commands the user may run, or the details of one."""
    if args:
        await ctx.reply(_detail(ctx, args.split()[0].lstrip(ctx.prefix)))
        return
    registry = ctx.services.registry
    lines = [ctx.t("help.header")]
    everyone = registry.visible_to(Role.CITIZEN)
    lines += [_line(ctx, cmd) for cmd in everyone if not cmd.for_owners]
    measures = ctx.services.measures
    owned = [cmd for cmd in everyone if cmd.for_owners]
    if owned and (
        ctx.role >= Role.MANAGER or (measures is not None and measures.owns_any(ctx.message.sender))
    ):
        lines.append(ctx.t("help.owner_header"))
        lines += [_line(ctx, cmd) for cmd in owned]
    managed = [cmd for cmd in registry.visible_to(ctx.role) if cmd.role > Role.CITIZEN]
    if managed:
        lines.append(ctx.t("help.manager_header"))
        lines += [_line(ctx, cmd) for cmd in managed]
    lines.append(ctx.t("help.footer", prefix=ctx.prefix))
    await ctx.reply("\n".join(lines))


def _line(ctx: Context, cmd: Command) -> str:
    usage = ctx.prefix + ctx.t(f"commands.{cmd.name}.usage")
    return ctx.t("help.line", usage=usage, text=ctx.t(f"commands.{cmd.name}.help"))


def _detail(ctx: Context, name: str) -> str:
    cmd = ctx.services.registry.get(name)
    if cmd is None or cmd.role > ctx.role:
        raise CommandError("help.unknown_topic", command=name[:40])
    usage = ctx.prefix + ctx.t(f"commands.{cmd.name}.usage")
    text = ctx.t("help.detail", usage=usage, text=ctx.t(f"commands.{cmd.name}.help"))
    aliases = ", ".join(f"{ctx.prefix}{n}" for n in cmd.names)
    return f"{text}\n{ctx.t('help.aliases', aliases=aliases)}"


@command("sprache", aliases=("language", "lang"))
async def sprache(ctx: Context, args: str) -> None:
    """Store the language the bot uses with this user."""
    if not args:
        raise UsageError
    language = args.split()[0].lower()
    if language not in LANGUAGES:
        raise CommandError("language.unknown", languages=", ".join(LANGUAGES))
    await ctx.services.users.set_language(ctx.message.sender, language)
    ctx.language = language
    await ctx.reply_key("language.set")


@command("ping")
async def ping(ctx: Context, args: str) -> None:
    """Answer with the version and how long the message took to arrive."""
    latency = max(0, round(ctx.services.clock() * 1000 - ctx.message.timestamp_ms))
    await ctx.reply_key("ping.reply", version=VERSION, latency=latency)
