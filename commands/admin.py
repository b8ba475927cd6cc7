"""Commands for the climate management (role: manager)."""

from __future__ import annotations

from commands.context import Context, Role
from commands.i18n import plural
from commands.quiet import clock_time
from commands.registry import command

__all__ = ["botstatus"]

# Quiet-hour groups listed one by one in !botstatus; later ones are summed up.
_HELD_LINES = 3


@command("botstatus", aliases=("health", "status-bot"), role=Role.MANAGER)
async def botstatus(ctx: Context, args: str) -> None:
    """Report version, rooms, sync, cross-signing, undecryptable messages and pending sends."""
    h = await ctx.services.health.health()
    lines = [ctx.t("status.title", version=h.version), ctx.t("status.rooms", rooms=h.rooms_joined)]
    if h.seconds_since_sync is None:
        lines.append(ctx.t("status.never_synced"))
    else:
        lines.append(ctx.t("status.last_sync", seconds=round(h.seconds_since_sync)))
    if not h.encryption:
        lines.append(ctx.t("status.cross_signed_off"))
    elif h.cross_signed:
        lines.append(ctx.t("status.cross_signed_yes", device=h.device_id))
    else:
        lines.append(ctx.t("status.cross_signed_no", device=h.device_id))
    lines.append(ctx.t("status.undecryptable", count=h.undecryptable))
    lines += await _waiting(ctx, h.pending_sends)
    lines.append(ctx.t("status.uptime", span=_span(ctx, h.uptime_seconds)))
    await ctx.reply("\n".join(lines))


async def _waiting(ctx: Context, pending: int) -> list[str]:
    """What waits to be sent: held for quiet hours (until when), and the rest."""
    if pending == 0:
        return [ctx.t("status.pending_none")]
    lines = [ctx.t(plural("status.pending", pending), count=pending)]
    broadcaster = ctx.services.broadcaster
    if broadcaster is None:
        return lines
    now = ctx.services.clock()
    groups = await broadcaster.broadcasts.held(now)
    shown = groups[:_HELD_LINES]
    for when, count in shown:
        until = clock_time(when, now)
        lines.append(ctx.t(plural("status.held", count), count=count, until=until))
    rest = sum(count for _, count in groups[_HELD_LINES:])
    if rest:
        lines.append(ctx.t(plural("status.held_later", rest), count=rest))
    return lines


def _span(ctx: Context, seconds: float) -> str:
    """A time span in words, to the two largest units: "3 Tagen und 4 Stunden", "5 Minuten"."""
    minutes = max(int(seconds), 0) // 60
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    units = [
        (days, "status.span_days"),
        (hours, "status.span_hours"),
        (minutes, "status.span_minutes"),
    ]
    while units and units[0][0] == 0:
        units.pop(0)
    words = [ctx.t(plural(key, n), count=n) for n, key in units[:2] if n]
    if not words:
        return ctx.t("status.span_moment")
    if len(words) == 1:
        return words[0]
    return ctx.t("status.span_and", first=words[0], second=words[1])
