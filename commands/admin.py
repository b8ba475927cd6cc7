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
    days, time = _duration(h.uptime_seconds)
    if days:
        lines.append(ctx.t(plural("status.uptime", days), count=days, time=time))
    else:
        lines.append(ctx.t("status.uptime_today", time=time))
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


def _duration(seconds: float) -> tuple[int, str]:
    """Whole days and the rest as hh:mm:ss."""
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    return days, f"{hours:02d}:{minutes:02d}:{secs:02d}"
