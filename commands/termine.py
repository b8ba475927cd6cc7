"""Events with registration: `!termine`, `!anmelden` (or ✅ on the announcement), `!abmelden`,
and for the manager `!termin-aendern`, `!termin-absagen`, `!teilnehmer`.

Creating an event is in commands/termine_neu.py, parsing in commands/termine_form.py, the files
in commands/termine_ics.py, and what happens outside a command (announcement rendering,
notices, reminders) in commands/termine_service.py.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from typing import Any

from commands.context import Context, Reaction, Role
from commands.dialogs import confirmed
from commands.errors import CommandError, UsageError
from commands.faqmatch.normalize import name_key
from commands.formatting import Markup, literal, render, to_plain
from commands.i18n import plural
from commands.registry import command
from commands.services import require
from commands.termine_form import FieldError, FormError, check_times, parse_changes
from commands.termine_ics import ICS_MIMETYPE, ics_filename, participants_csv, to_ics
from commands.termine_service import EventService
from store.dialogs import Dialog
from store.events_calendar import CalendarEvent

__all__ = [
    "CANCEL_KIND",
    "abmelden",
    "anmelden",
    "confirm_cancel",
    "register_by_reaction",
    "unregister_by_redaction",
    "teilnehmer",
    "termin_absagen",
    "termin_aendern",
    "termine",
]

CANCEL_KIND = "termin_cancel"
_NUMBER = re.compile(r"^(?:nr\.?|no\.?|#)?\s*([0-9]{1,9})$", re.IGNORECASE)
_CHECKS = ("✅", "✔", "☑")

log = logging.getLogger(__name__)


def _service(ctx: Context) -> EventService:
    return require(ctx.services.events)


def _number(text: str) -> int:
    match = _NUMBER.match(text.strip())
    if match is None:
        raise UsageError
    return int(match.group(1))


def _topic_finder(service: EventService) -> Any:
    def find(name: str) -> str | None:
        topic = service.broadcaster.topics.find(name)
        return None if topic is None else topic.slug

    return find


async def _event(ctx: Context, number: int, open_only: bool = True) -> CalendarEvent:
    """The event with this number, politely refused if unknown, cancelled or (open_only) past."""
    event = await _service(ctx).store.get(number)
    if event is None:
        raise CommandError("termin.unknown", number=number, prefix=ctx.prefix)
    if event.cancelled:
        raise CommandError("termin.is_cancelled", number=number, title=event.title)
    if open_only and event.starts_at <= ctx.services.clock():
        raise CommandError("termin.past", number=number, title=event.title)
    return event


# --- everyone: list, register, leave ------------------------------------------------------


@command("termine", aliases=("events",))
async def termine(ctx: Context, args: str) -> None:
    """Upcoming events (of one topic), with the numbers `!anmelden` takes."""
    service = _service(ctx)
    slug = None
    if args.strip():
        topic = service.broadcaster.topics.find(args.strip())
        if topic is None:
            raise CommandError("topics.unknown", name=args.strip()[:60], prefix=ctx.prefix)
        slug = topic.slug
    now = service.clock()
    events = await service.store.upcoming(now, slug)
    if not events:
        await ctx.reply_key("termin.none", prefix=ctx.prefix)
        return
    lines = [ctx.t("termin.list_title"), *await _lines(ctx, service, events)]
    lines.append(ctx.t("termin.list_hint", prefix=ctx.prefix))
    await ctx.reply("\n".join(lines))


async def _lines(ctx: Context, service: EventService, events: list[CalendarEvent]) -> list[str]:
    """One line per event (at most 20): number, time, title, places, whether one is in."""
    mine = await service.store.mine(ctx.message.sender, service.clock())
    return [
        ctx.t(
            "termin.list_line",
            number=event.id,
            when=service.span(event, ctx.language),
            title=event.title,
            places=await service.places(event, ctx.language),
            mine=_mine(ctx, mine.get(event.id)),
        )
        for event in events[:20]
    ]


def _mine(ctx: Context, waiting: bool | None) -> str:
    if waiting is None:
        return ""
    return ctx.t("termin.list_mine_waiting" if waiting else "termin.list_mine")


@command("anmelden", aliases=("join",))
async def anmelden(ctx: Context, args: str) -> None:
    """Register for an event (a place, or the waiting list when it is full), by number or by a
    title that fits one event; without either, the events to choose from."""
    if _NUMBER.match(args.strip()):
        await _join(ctx, _number(args), private=ctx.message.is_direct)
        return
    service = _service(ctx)
    events = await service.store.upcoming(service.clock())
    fitting = _by_title(events, args)
    if len(fitting) == 1:
        await _join(ctx, fitting[0].id, private=ctx.message.is_direct)
        return
    if not events:
        raise CommandError("termin.none", prefix=ctx.prefix)
    name = args.strip()[:60]
    key = "termin.choose" if not name else "termin.choose_among" if fitting else "termin.no_such"
    lines = [ctx.t(key, name=name), *await _lines(ctx, service, fitting or events)]
    example = (fitting or events)[0].id
    lines.append(ctx.t("termin.choose_hint", prefix=ctx.prefix, number=example))
    await ctx.reply("\n".join(lines))


def _by_title(events: list[CalendarEvent], name: str) -> list[CalendarEvent]:
    """The events whose title is `name` (or, failing that, contains it); spelling aside."""
    key = name_key(name)
    if not key:
        return []
    same = [e for e in events if name_key(e.title) == key]
    return same or [e for e in events if key in name_key(e.title)]


async def _join(ctx: Context, number: int, private: bool) -> None:
    service = _service(ctx)
    event = await _event(ctx, number)
    if event.closes_at is not None and event.closes_at <= service.clock():
        raise CommandError("termin.closed", number=number, title=event.title)
    seat = await service.store.register(
        event.id, ctx.message.sender, event.capacity, service.clock()
    )
    if not seat.new:
        key = "termin.already_waiting" if seat.waiting else "termin.already"
        raise CommandError(
            key, number=number, title=event.title, position=seat.position, prefix=ctx.prefix
        )
    if seat.waiting:
        text = ctx.t(
            "termin.waiting",
            number=number,
            title=event.title,
            position=seat.position,
            prefix=ctx.prefix,
        )
        await _say(ctx, service, private, text)
        return
    text = ctx.t("termin.registered", number=number, title=event.title, prefix=ctx.prefix)
    text = Markup("\n\n").join([text, await service.describe(event, ctx.language)])
    await _say(ctx, service, private, text, event)


async def _say(
    ctx: Context, service: EventService, private: bool, text: str, ics: CalendarEvent | None = None
) -> None:
    """Answer in the user's DM: here if this is it, else by a new DM (and a short note here)."""
    data = None if ics is None else to_ics(ics, service.clock())
    if private:
        await ctx.reply(text)
        if ics is not None and data is not None:
            await ctx.send_file(ics_filename(ics), data, ICS_MIMETYPE)
        return
    user = ctx.message.sender
    try:
        await service.mailer.direct(user, to_plain(text), render(text))
        if ics is not None and data is not None:
            await service.mailer.direct_file(user, ics_filename(ics), data, ICS_MIMETYPE)
    except Exception:
        # The registration is stored; only the DM did not arrive. Nothing personal in the room.
        log.exception("event %s: confirmation DM failed", ics.id if ics else "-")
        if ctx.message.body.startswith(ctx.prefix):
            await ctx.reply_key("termin.dm_failed", prefix=ctx.prefix)
        return
    if ctx.message.body.startswith(ctx.prefix):  # a typed command in a room, not a ✅
        await ctx.reply_key("termin.sent_by_dm")


@command("abmelden", aliases=("leave",))
async def abmelden(ctx: Context, args: str) -> None:
    """Give up a place (the next on the waiting list moves up) or a waiting place."""
    number = _number(args)
    service = _service(ctx)
    event = await _event(ctx, number)
    removed = await service.store.unregister(event.id, ctx.message.sender)
    if removed is None:
        raise CommandError("termin.not_registered", number=number, title=event.title)
    key = "termin.left_waiting" if removed.waiting else "termin.left"
    await ctx.reply_key(key, number=number, title=event.title)
    if not removed.waiting:
        await service.fill(event)


async def register_by_reaction(ctx: Context, reaction: Reaction) -> bool:
    """✅ on an event's announcement registers the one who reacted (in their own DM only)."""
    service = ctx.services.events
    if service is None or not reaction.key.startswith(_CHECKS):
        return False
    found = await service.store.announcement(reaction.target)
    if found is None:
        return False
    private = found.recipient_kind == "user"
    if private and found.recipient != reaction.sender:
        # Someone else's invitation (a DM room another person joined): not theirs to accept.
        raise CommandError("termin.not_your_invitation", number=found.event_id, prefix=ctx.prefix)
    try:
        await _join(ctx, found.event_id, private)
    except CommandError as exc:
        if private:
            raise
        # A ✅ in a topic room: the answer is nobody else's business, it goes by DM.
        text = ctx.t(exc.key, **exc.params)
        await service.mailer.direct(reaction.sender, to_plain(text), render(text))
        return True
    # Only a ✅ that registered: taking back one that came after `!anmelden` leaves it be.
    await service.store.remember_reaction(reaction.event_id, found.event_id, reaction.sender)
    return True


async def unregister_by_redaction(service: EventService, redacts: str, sender: str) -> bool:
    """Taking back (redacting) the ✅ that registered someone unregisters them, as `!abmelden`
    does, and tells them by DM; only their own redaction counts, not a moderator's."""
    found = await service.store.reacted(redacts)
    if found is None or found[1] != sender:
        return False
    event = await service.store.get(found[0])
    removed = await service.store.unregister(found[0], sender)
    if event is None or removed is None:
        return False
    key = "termin.left_waiting_by_reaction" if removed.waiting else "termin.left_by_reaction"
    language = await service.language(sender)
    text = service.t(language, key, number=event.id, title=event.title, prefix=service.prefix)
    try:
        await service.mailer.direct(sender, to_plain(text), render(text))
    except Exception:
        log.exception("event %d: DM about a withdrawn registration failed", event.id)
    if not removed.waiting:
        await service.fill(event)
    return True


def _problem(ctx: Context, exc: FormError) -> str:
    said = ctx.t(exc.error.key, **exc.error.params)
    return Markup(f"{literal(exc.label)}: {said}") if exc.label else said


# --- the manager changes, cancels, lists --------------------------------------------------


@command("termin-aendern", aliases=("event-edit", "termin-ändern"), role=Role.MANAGER)
async def termin_aendern(ctx: Context, args: str) -> None:
    """Change fields of an event (`feld=wert; …`): a preview of old → new, then 'ja'; the
    registered and waiting people are told what changed."""
    number_text, _, form = args.strip().partition(" ")
    number = _number(number_text)
    service = _service(ctx)
    event = await _event(ctx, number)
    changes = _changes(ctx, service, event, form)
    lines = service.differences(event, replace(event, **changes), ctx.language)
    if not lines:
        raise CommandError("termin.edit_nothing", number=number, title=event.title)
    taken, waiting = await service.store.counts(event.id)
    data = {"action": "edit", "number": event.id, "sequence": event.sequence, "changes": changes}
    await require(ctx.services.dialogs).open(ctx, CANCEL_KIND, data)
    await ctx.reply_key(
        "termin.edit_preview",
        number=event.id,
        title=event.title,
        changes=Markup("\n").join(lines),
        taken=taken,
        waiting=waiting,
    )


def _changes(
    ctx: Context, service: EventService, event: CalendarEvent, form: str
) -> dict[str, Any]:
    """The parsed `feld=wert` changes, checked against the event's other times."""
    try:
        changes = parse_changes(form, service.clock(), _topic_finder(service))
    except FormError as exc:
        raise CommandError(
            "termin.form_invalid", problem=_problem(ctx, exc), prefix=ctx.prefix
        ) from None
    if not changes:
        raise UsageError
    try:
        check_times({"starts_at": event.starts_at, "closes_at": event.closes_at, **changes})
    except FieldError as exc:
        raise CommandError(exc.key, **exc.params) from None
    return changes


async def _confirm_edit(ctx: Context, dialog: Dialog, text: str) -> None:
    """'ja' stores the change previewed and tells everyone what changed; 'nein' keeps it."""
    if not await confirmed(ctx, text, "termin.not_edited", Role.MANAGER):
        return
    service = _service(ctx)
    event = await _event(ctx, int(dialog.data["number"]))
    if event.sequence != int(dialog.data["sequence"]):  # changed since the preview
        raise CommandError("termin.edit_stale", number=event.id, prefix=ctx.prefix)
    changed, told, held = await service.notices.change(event, dict(dialog.data["changes"]))
    # Moved up only now: they get "a place is free" with the new card, not a change notice.
    await service.fill(changed)
    await _told(ctx, "termin.edited", held, number=event.id, title=changed.title, told=told)


@command("termin-absagen", aliases=("event-cancel",), role=Role.MANAGER)
async def termin_absagen(ctx: Context, args: str) -> None:
    """Cancel an event after 'ja'; everyone registered or waiting is told."""
    event = await _event(ctx, _number(args))
    taken, waiting = await _service(ctx).store.counts(event.id)
    await require(ctx.services.dialogs).open(ctx, CANCEL_KIND, {"number": event.id})
    await ctx.reply_key(
        "termin.cancel_preview", number=event.id, title=event.title, taken=taken, waiting=waiting
    )


async def confirm_cancel(ctx: Context, dialog: Dialog, text: str) -> None:
    """'ja' cancels the event and tells everyone; 'nein' keeps it. The same dialogue kind
    carries a previewed change (action 'edit'), so that one answer handler serves both."""
    if dialog.data.get("action") == "edit":
        await _confirm_edit(ctx, dialog, text)
        return
    if not await confirmed(ctx, text, "termin.not_cancelled", Role.MANAGER):
        return
    service = _service(ctx)
    number = int(dialog.data["number"])
    event, told, held = await service.notices.cancel(number)
    if event is None:
        raise CommandError("termin.unknown", number=number, prefix=ctx.prefix)
    await _told(ctx, "termin.cancelled", held, number=number, title=event.title, told=told)


async def _told(ctx: Context, key: str, held: int, **params: Any) -> None:
    """How many were told, and how many will be when their quiet hours end."""
    text = ctx.t(key, **params)
    if held:
        note = ctx.t(plural("termin.held_for_quiet_hours", held), count=held)
        text = Markup(" ").join([text, note])
    await ctx.reply(text)


@command("teilnehmer", aliases=("participants",), role=Role.MANAGER)
async def teilnehmer(ctx: Context, args: str) -> None:
    """Who registered and who waits, with a CSV file (in a DM or the manager room only)."""
    faq = ctx.services.faq
    manager_room = faq.manager_room if faq is not None else None
    if not ctx.message.is_direct and ctx.message.room_id != manager_room:
        raise CommandError("termin.participants_private")
    event = await _event(ctx, _number(args), open_only=False)
    regs = await _service(ctx).store.registrations(event.id)
    if not regs:
        await ctx.reply_key("termin.participants_none", number=event.id, title=event.title)
        return
    lines = [ctx.t("termin.participants_title", number=event.id, title=event.title)]
    for n, reg in enumerate(regs, start=1):
        key = "termin.participant_waiting" if reg.waiting else "termin.participant"
        lines.append(ctx.t(key, n=n, user=reg.user_id))
    await ctx.reply("\n".join(lines))
    await ctx.send_file(
        f"teilnehmer-termin-{event.id}.csv", participants_csv(event, regs), "text/csv"
    )
