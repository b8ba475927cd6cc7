"""Creating an event: `!termin-neu` as a guided dialogue or one line, the preview with its
recipients, and the manager's 'ja' that stores and announces it."""

from __future__ import annotations

from typing import Any

from commands.broadcast import recipient_lines
from commands.context import Context, Role
from commands.dialogs import confirmed, is_cancel
from commands.errors import CommandError
from commands.formatting import Markup
from commands.registry import command
from commands.services import require
from commands.termine import _problem, _service, _topic_finder
from commands.termine_form import (
    OPTIONAL,
    STEPS,
    FieldError,
    FormError,
    check_times,
    duration_of,
    parse_field,
    parse_form,
)
from commands.termine_service import EVENT_KIND
from store.dialogs import Dialog
from store.events_calendar import CalendarEvent

__all__ = ["CONFIRM_KIND", "FORM_KIND", "confirm_event", "form_step", "termin_neu"]

FORM_KIND = "termin_form"
CONFIRM_KIND = "termin_confirm"


@command("termin-neu", aliases=("event-new",), role=Role.MANAGER)
async def termin_neu(ctx: Context, args: str) -> None:
    """Create an event: a guided dialogue, or the one-line form; then preview and 'ja'."""
    service = _service(ctx)
    dialogs = require(ctx.services.dialogs)
    if not args.strip():
        await dialogs.open(ctx, FORM_KIND, {"step": STEPS[0], "values": {}})
        await ctx.reply(_ask(ctx, STEPS[0]))
        return
    try:
        values = parse_form(args, service.clock(), _topic_finder(service))
    except FormError as exc:
        problem = _problem(ctx, exc)
        raise CommandError("termin.form_invalid", problem=problem, prefix=ctx.prefix) from None
    await _preview(ctx, values)


def _ask(ctx: Context, step: str) -> str:
    text = ctx.t(f"termin.ask_{step}")
    if step == "topic":
        topics = _service(ctx).broadcaster.topics.topics
        names = ", ".join(
            f"{t.slug} ({t.name_en if ctx.language == 'en' else t.name_de})" for t in topics
        )
        text = ctx.t("termin.ask_topic", topics=names)
    if step in OPTIONAL and step not in ("capacity", "duration"):  # "-" said in the question
        text = Markup(f"{text} {ctx.t('termin.ask_skip')}")
    return text


async def form_step(ctx: Context, dialog: Dialog, text: str) -> None:
    """One answer of the guided dialogue; ask again, politely, if it does not fit."""
    dialogs = require(ctx.services.dialogs)
    if is_cancel(text):
        await dialogs.close(ctx)
        await ctx.reply_key("dialog.cancelled")
        return
    step, values = str(dialog.data.get("step")), dict(dialog.data.get("values") or {})
    if step not in STEPS or ctx.role < Role.MANAGER:
        await dialogs.close(ctx)
        await ctx.reply_key("error.not_allowed" if step in STEPS else "dialog.cancelled")
        return
    service = _service(ctx)
    try:
        values[step] = parse_field(step, text, service.clock(), _topic_finder(service))
        check_times(values)
    except FieldError as exc:
        await ctx.reply(ctx.t(exc.key, **exc.params) + "\n" + _ask(ctx, step))
        return
    if step != STEPS[-1]:
        following = STEPS[STEPS.index(step) + 1]
        await dialogs.open(ctx, FORM_KIND, {"step": following, "values": values})
        await ctx.reply(_ask(ctx, following))
        return
    await _preview(ctx, values)


def _draft(ctx: Context, values: dict[str, Any]) -> CalendarEvent:
    return CalendarEvent(
        id=0,
        title=str(values["title"]),
        starts_at=float(values["starts_at"]),
        place=str(values.get("place") or ""),
        capacity=None if values.get("capacity") is None else int(values["capacity"]),
        topic=str(values["topic"]),
        body=str(values.get("body") or ""),
        closes_at=None if values.get("closes_at") is None else float(values["closes_at"]),
        author=ctx.message.sender,
        sequence=0,
        cancelled=False,
        broadcast_id=None,
        created_at=ctx.services.clock(),
        duration=duration_of(values.get("duration")),
    )


async def _preview(ctx: Context, values: dict[str, Any]) -> None:
    service = _service(ctx)
    draft = _draft(ctx, values)
    audience = await service.broadcaster.audience(str(values["topic"]))
    recipients = recipient_lines(ctx, audience) if audience.recipients else ctx.t("termin.nobody")
    await require(ctx.services.dialogs).open(ctx, CONFIRM_KIND, {"values": values})
    described = await service.describe(draft, ctx.language)
    if draft.duration is None:  # the end shown is a guess: say so before 'ja'
        described = Markup("\n").join([described, ctx.t("termin_dauer.assumed")])
    await ctx.reply_key(
        "termin.preview",
        event=described,
        topic=service.broadcaster.topics.name(draft.topic, ctx.language),
        recipients=recipients,
    )


async def confirm_event(ctx: Context, dialog: Dialog, text: str) -> None:
    """'ja' stores the event and announces it; 'nein' drops it."""
    if not await confirmed(ctx, text, "termin.not_created", Role.MANAGER):
        return
    service = _service(ctx)
    draft = _draft(ctx, dict(dialog.data["values"]))
    if draft.starts_at <= service.clock():  # the preview waited too long
        raise CommandError("termin.past", number="–", title=draft.title)
    number = await service.store.add(
        draft.title,
        draft.starts_at,
        draft.place,
        draft.capacity,
        draft.topic,
        draft.body,
        draft.closes_at,
        draft.author,
        draft.duration,
    )
    event = await service.store.get(number)
    assert event is not None
    assert event.topic is not None
    audience = await service.broadcaster.audience(event.topic)
    await ctx.reply_key("termin.created", number=number, title=event.title, prefix=ctx.prefix)
    if audience.recipients:
        # Stored for the weekly digest (German); a direct DM is rendered per language.
        body = await service.announcement(event, "de", react=False)
        broadcast = await service.broadcaster.send(
            ctx, EVENT_KIND, event.topic, body, dedup_key=f"termin-{number}"
        )
        await service.store.set_broadcast(number, broadcast)
