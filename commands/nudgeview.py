"""`!nachfragen`: the nudges to measure owners as the manager sees them.

Read-only. The hourly job (commands/nudges.py) sends the DMs; this shows which questions wait for
an owner's answer (and whether the manager room was told), and what the next run would ask and
what holds it back (the weekly limit, quiet hours). With a measure: its owners and its nudges.
"""

from __future__ import annotations

import datetime

from commands.context import Context, Role
from commands.formatting import Markup
from commands.i18n import plural
from commands.measurelookup import look_up, measure_not_found
from commands.nudges import DONE_STATUS, DueOwner, NudgeService, local_day
from commands.registry import command
from commands.services import require
from config.measures import Measure
from store.nudges import NewItem, NudgeItem

__all__ = ["nachfragen"]

# Lines of the overview's two lists (owner headings included); the rest is counted.
OPEN_LINES = 11
DUE_LINES = 5
_DAY = datetime.timedelta(days=1)


@command("nachfragen", aliases=("nudges",), role=Role.MANAGER)
async def nachfragen(ctx: Context, args: str) -> None:
    """Show the open nudges to measure owners, or one measure's owners and nudges."""
    nudges = require(ctx.services.nudges)
    now = ctx.services.clock()
    wanted = args.strip()
    if not wanted:
        await ctx.reply("\n".join(await _overview(ctx, nudges, now)))
        return
    found = look_up(nudges.measures.catalogue.measures, wanted)
    if found.measure is None:
        raise measure_not_found(ctx, wanted, found, "nachfragen")
    await ctx.reply("\n".join(await _one(ctx, nudges, found.measure, now)))


# --- the overview ------------------------------------------------------------------------


async def _overview(ctx: Context, nudges: NudgeService, now: float) -> list[str]:
    waiting = await nudges.waiting()
    due = await nudges.due_now(now)
    if not waiting and not due:
        return _nothing(ctx, nudges)
    lines = [ctx.t("nudgeview.title")]
    if waiting:
        lines.append(ctx.t("nudgeview.waiting_title", count=len(waiting)))
        lines += _capped(ctx, _waiting_groups(ctx, nudges, waiting), OPEN_LINES)
    else:
        lines.append(ctx.t("nudgeview.waiting_none"))
    if due:
        count = sum(len(d.items) for d in due)
        lines.append(ctx.t("nudgeview.due_title", count=count))
        lines += _capped(ctx, _due_groups(ctx, nudges, due), DUE_LINES)
    lines.append(ctx.t("nudgeview.hint", prefix=ctx.prefix))
    return lines


def _nothing(ctx: Context, nudges: NudgeService) -> list[str]:
    """Nothing open, nothing due: how the job works, and whether anyone can be asked at all."""
    settings = nudges.settings
    lines = [
        ctx.t(
            "nudgeview.nothing",
            after=_duration(ctx, settings.nudge_after),
            escalate=_duration(ctx, settings.nudge_escalate_after),
        )
    ]
    if not any(m.owners.users for m in nudges.measures.catalogue.measures):
        lines.append(ctx.t("nudgeview.no_owners"))
    return lines


def _waiting_groups(
    ctx: Context, nudges: NudgeService, items: list[NudgeItem]
) -> list[tuple[str, list[str]]]:
    """Per owner, their open questions, oldest first; the owner asked longest ago first."""
    owners: dict[str, list[NudgeItem]] = {}
    for item in sorted(items, key=lambda i: (i.asked_at, i.owner, i.position)):
        owners.setdefault(item.owner, []).append(item)
    return [
        (
            ctx.t("nudgeview.owner", owner=owner),
            [
                ctx.t(
                    "nudgeview.waiting_line",
                    title=_title(ctx, nudges, i.measure_id),
                    details=_asked(ctx, nudges, i),
                )
                for i in mine
            ],
        )
        for owner, mine in owners.items()
    ]


def _due_groups(
    ctx: Context, nudges: NudgeService, due: list[DueOwner]
) -> list[tuple[str, list[str]]]:
    """Per owner, when the next DM can go out, and the measures it would ask about."""
    return [
        (
            ctx.t("nudgeview.due_owner", owner=d.owner, when=_when(ctx, d)),
            [
                ctx.t(
                    "nudgeview.due_line",
                    title=_title(ctx, nudges, i.measure_id),
                    reasons=_reasons(ctx, nudges, i),
                )
                for i in d.items
            ],
        )
        for d in due
    ]


def _capped(ctx: Context, groups: list[tuple[str, list[str]]], budget: int) -> list[str]:
    """Headings with their lines while `budget` lines last; '… und N weitere' for the rest."""
    lines: list[str] = []
    left = 0
    for heading, entries in groups:
        room = budget - len(lines) - 1
        if room < 1:
            left += len(entries)
            continue
        lines += [heading, *entries[:room]]
        left += len(entries[room:])
    if left:
        lines.append(ctx.t("nudgeview.more", count=left))
    return lines


# --- one measure -------------------------------------------------------------------------


async def _one(ctx: Context, nudges: NudgeService, measure: Measure, now: float) -> list[str]:
    lines = [ctx.t("nudgeview.measure_title", title=_title(ctx, nudges, measure.id), id=measure.id)]
    owners = measure.owners.users
    if owners:
        lines.append(ctx.t("nudgeview.owners", owners=Markup(", ").join(owners)))
    else:
        lines.append(ctx.t("nudgeview.owners_none"))
    changed = (await nudges.store.last_activity()).get(measure.id)
    if changed is not None:
        lines.append(ctx.t("nudgeview.changed", date=local_day(changed)))
    if (await nudges.measures.state(measure)).status == DONE_STATUS:
        lines.append(ctx.t("nudgeview.done"))
    waiting = [i for i in await nudges.waiting() if i.measure_id == measure.id]
    due = [
        (d, item)
        for d in await nudges.due_now(now)
        for item in d.items
        if item.measure_id == measure.id
    ]
    if waiting:
        lines.append(ctx.t("nudgeview.measure_waiting"))
        lines += [
            ctx.t("nudgeview.measure_waiting_line", owner=i.owner, details=_asked(ctx, nudges, i))
            for i in sorted(waiting, key=lambda i: (i.asked_at, i.owner))
        ]
    if due:
        lines.append(ctx.t("nudgeview.measure_due"))
        lines += [
            ctx.t(
                "nudgeview.measure_due_line",
                owner=d.owner,
                reasons=_reasons(ctx, nudges, item),
                when=_when(ctx, d),
            )
            for d, item in due
        ]
    if owners and not waiting and not due:
        lines.append(ctx.t("nudgeview.measure_nothing"))
    return lines


# --- the parts of a line -----------------------------------------------------------------


def _asked(ctx: Context, nudges: NudgeService, item: NudgeItem) -> Markup:
    """'gefragt am 04.04.2027 · seit … keine Änderung · … gemeldet am …'."""
    parts = [ctx.t("nudgeview.asked", date=local_day(item.asked_at)), _reasons(ctx, nudges, item)]
    if isinstance(item.escalated_at, int | float):
        parts.append(ctx.t("nudgeview.escalated", date=local_day(float(item.escalated_at))))
    return Markup(" · ").join(p for p in parts if p)


def _reasons(ctx: Context, nudges: NudgeService, item: NudgeItem | NewItem) -> Markup:
    """Why the owner is (or will be) asked: no change for long, milestones due."""
    parts = []
    if item.stale:
        parts.append(ctx.t("nudgeview.stale", after=_duration(ctx, nudges.settings.nudge_after)))
    measure = nudges.measures.find(item.measure_id)
    names = {m.number: m.name for m in measure.milestones} if measure is not None else {}
    for number, due in item.milestones:
        name = names.get(number, "")
        key = "nudgeview.milestone" if name else "nudgeview.milestone_unnamed"
        parts.append(ctx.t(key, number=number, name=name, date=_iso_day(due)))
    return Markup(" · ").join(parts)


def _when(ctx: Context, due: DueOwner) -> str:
    """When the next DM to this owner can go out."""
    if due.not_before is not None:
        return ctx.t("nudgeview.when_week", date=due.not_before.strftime("%d.%m.%Y"))
    return ctx.t("nudgeview.when_quiet" if due.quiet else "nudgeview.when_next")


def _title(ctx: Context, nudges: NudgeService, measure_id: str) -> str:
    return nudges.measures.title(measure_id, ctx.language) or measure_id


def _iso_day(text: str) -> str:
    """A stored ISO date as dd.mm.yyyy (shown as stored if it is none)."""
    try:
        return datetime.date.fromisoformat(text).strftime("%d.%m.%Y")
    except ValueError:
        return text[:20]


def _duration(ctx: Context, span: datetime.timedelta) -> str:
    """'90 Tagen' / '36 Stunden' (the settings allow any duration from one hour)."""
    if span >= _DAY and span % _DAY == datetime.timedelta(0):
        return ctx.t(plural("nudgeview.days", span.days), count=span.days)
    hours = max(1, round(span.total_seconds() / 3600))
    return ctx.t(plural("nudgeview.hours", hours), count=hours)
