"""Commands for the climate management (role: manager)."""

from __future__ import annotations

from commands.context import Context, Role
from commands.registry import command

__all__ = ["botstatus"]


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
    lines.append(ctx.t("status.pending", count=h.pending_sends))
    lines.append(ctx.t("status.uptime", uptime=_duration(h.uptime_seconds)))
    await ctx.reply("\n".join(lines))


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    return f"{days}d {hours:02d}:{minutes:02d}:{secs:02d}"
