"""One FAQ entry in the chat: show it (`!faq <id>`), change it, delete it; every change is kept
with who and when.

Changes live in the database on top of the YAML (store/faqchat.py, config/faqoverlay.py): a
curated entry changed in the chat is stored whole as the chat's version, a deleted one as hidden;
`klimabot faq export` writes the result back out as YAML files.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from commands.context import Context, Role
from commands.dialogs import confirmed
from commands.errors import CommandError, UsageError
from commands.faqtool import REQUIRED_IDS
from commands.formatting import Markup
from commands.quiet import BERLIN
from commands.registry import command
from config.faq import FaqEntry, FaqError, entry_from_mapping
from config.faqoverlay import entry_to_mapping
from store.dialogs import Dialog
from store.faqchat import ChatEntryStore

if TYPE_CHECKING:
    from commands.faq import FaqService

__all__ = [
    "DELETE_KIND",
    "confirm_delete",
    "faq_bearbeiten",
    "faq_loeschen",
    "faq_zeigen",
    "review_after",
    "review_date",
    "store_entry",
]

DELETE_KIND = "faq_delete"
HISTORY_SHOWN = 5
MAX_FIELD = 4000
# The field names of !faq-bearbeiten, German and English.
FIELDS = {
    "frage": "question",
    "question": "question",
    "antwort": "answer",
    "answer": "answer",
    "formulierung": "phrasing",
    "phrasing": "phrasing",
    "quelle": "source",
    "source": "source",
    "thema": "topic",
    "topic": "topic",
    # The English texts (an entry made in the chat starts with the German answer only).
    "frage-en": "question_en",
    "question-en": "question_en",
    "antwort-en": "answer_en",
    "answer-en": "answer_en",
}


def review_after(checked: date, months: int) -> date:
    """`checked` plus `months` calendar months (the 31st becomes the month's last day)."""
    month = checked.month - 1 + months
    year, month = checked.year + month // 12, month % 12 + 1
    return date(year, month, min(checked.day, calendar.monthrange(year, month)[1]))


def review_date(entry: FaqEntry, months: int) -> date:
    """When the entry is due for review: its own `review`, else `checked` plus the default."""
    return entry.review or review_after(entry.checked, months)


def _service(ctx: Context) -> FaqService:
    faq = ctx.services.faq
    if faq is None:
        raise CommandError("faq.dont_know")
    return faq


def _chat(service: FaqService) -> ChatEntryStore:
    if service.chat is None:
        raise CommandError("error.unavailable")
    return service.chat


def _today(service: FaqService) -> date:
    return datetime.fromtimestamp(service.clock(), BERLIN).date()


async def store_entry(
    ctx: Context,
    service: FaqService,
    data: Mapping[str, Any],
    origin: str,
    action: str,
    detail: str,
) -> None:
    """Validate an entry (YAML format) as a file's would be, store it, and use it at once;
    raises FaqError if it is not valid."""
    slugs = frozenset(t.slug for t in service.data.topics)
    entry_from_mapping(data, slugs, f"chat:{data.get('id')}", origin)
    await _chat(service).save(
        str(data["id"]), origin, data, ctx.message.sender, action, detail[:200]
    )
    await service.load_chat()


def _entry(service: FaqService, entry_id: str) -> FaqEntry:
    entry = service.data.entry(entry_id.strip().lower())
    if entry is None:
        raise CommandError("faqedit.unknown", id=entry_id[:60])
    return entry


@command("faq", aliases=("faq-zeigen", "faq-show"))
async def faq_zeigen(ctx: Context, args: str) -> None:
    """Show one FAQ entry with its sources; the manager also sees owner, review, origin and
    history."""
    service = _service(ctx)
    await service.ready()
    prefixed = ctx.message.body.lstrip().startswith(ctx.prefix)
    if args.strip() and not prefixed and service.data.entry(args.strip().lower()) is None:
        # "FAQ zur Wärmepumpe?" in a DM is a question, not this command.
        await service.question(ctx, ctx.message.body, quiet=False)
        return
    if not args.strip() or len(args.split()) != 1:
        raise UsageError
    entry = _entry(service, args)
    if _sees_internals(ctx, service):
        lines = await _manager_view(ctx, service, entry)
    else:
        lines = _citizen_view(ctx, service, entry)
    # The entry's own text: Markdown from the FAQ files or the manager, as in an answer.
    await ctx.reply(Markup("\n").join(Markup(line) for line in lines))


def _sees_internals(ctx: Context, service: FaqService) -> bool:
    """The manager, and only where no citizen reads along (a DM or the manager room): the
    owner and the history name Matrix IDs."""
    private = ctx.message.is_direct or ctx.message.room_id == service.manager_room
    return ctx.role >= Role.MANAGER and private


def _citizen_view(ctx: Context, service: FaqService, entry: FaqEntry) -> list[str]:
    """What a citizen needs: question and answer in their language, sources, topic, Stand.
    Owner (a Matrix ID), review date, file and history are the manager's business."""
    language = ctx.language if ctx.language in entry.answer else "de"
    question = entry.question.get(language) or entry.question["de"]
    lines = [ctx.t("faqedit.show_title", id=entry.id, question=question)]
    lines += [entry.answer[language].strip(), ""]
    lines.append(ctx.t("faqedit.show_sources", sources=", ".join(entry.sources)))
    lines.append(
        ctx.t(
            "faqedit.show_public_meta",
            checked=entry.checked.strftime("%d.%m.%Y"),
            topic=service.topic_name(entry.topic, ctx.language),
        )
    )
    return lines


async def _manager_view(ctx: Context, service: FaqService, entry: FaqEntry) -> list[str]:
    lines = [ctx.t("faqedit.show_title", id=entry.id, question=entry.question["de"])]
    lines += [entry.answer["de"].strip(), ""]
    if "en" in entry.answer:
        # A line of its own before the text, so that its lists stay lists.
        lines += [ctx.t("faqedit.show_english"), entry.answer["en"].strip(), ""]
    lines.append(ctx.t("faqedit.show_sources", sources=", ".join(entry.sources)))
    owner = entry.owner or service.settings.default_owner or ctx.t("faqedit.no_owner")
    review = review_date(entry, service.settings.review_months)
    lines.append(
        ctx.t(
            "faqedit.show_meta",
            checked=entry.checked.strftime("%d.%m.%Y"),
            owner=owner,
            review=review.strftime("%d.%m.%Y"),
            topic=service.topic_name(entry.topic, ctx.language),
        )
    )
    lines.append(_origin(ctx, entry))
    return lines + await _history(ctx, service, entry.id)


def _origin(ctx: Context, entry: FaqEntry) -> str:
    if entry.origin == "chat":
        return ctx.t("faqedit.origin_chat")
    if entry.origin == "yaml+chat":
        return ctx.t("faqedit.origin_changed", file=entry.file.rsplit("/", 1)[-1])
    return ctx.t("faqedit.origin_yaml", file=entry.file.rsplit("/", 1)[-1], line=entry.line)


async def _history(ctx: Context, service: FaqService, entry_id: str) -> list[str]:
    if service.chat is None:
        return []
    rows = await service.chat.history(entry_id, HISTORY_SHOWN)
    if not rows:
        return []
    lines = [ctx.t("faqedit.history_title")]
    for row in rows:
        when = datetime.fromtimestamp(row.changed_at, BERLIN).strftime("%d.%m.%Y, %H:%M")
        lines.append(
            ctx.t("faqedit.history_line", when=when, who=row.changed_by, what=row.detail[:120])
        )
    return lines


@command("faq-bearbeiten", aliases=("faq-edit",), role=Role.MANAGER)
async def faq_bearbeiten(ctx: Context, args: str) -> None:
    """Change one field of an entry: frage, antwort, formulierung, quelle or thema."""
    parts = args.strip().split(maxsplit=2)
    if len(parts) != 3 or parts[1].lower() not in FIELDS:
        raise UsageError
    service = _service(ctx)
    await service.ready()
    entry = _entry(service, parts[0])
    field, text = FIELDS[parts[1].lower()], parts[2].strip()
    if len(text) > MAX_FIELD:
        raise CommandError("faqteach.too_long", length=len(text), limit=MAX_FIELD)
    data = _changed(service, entry, field, text)
    origin = "chat" if entry.origin == "chat" else "yaml"
    try:
        await store_entry(ctx, service, data, origin, "edit", f"{parts[1].lower()}: {text}")
    except FaqError as exc:
        raise CommandError("faqedit.invalid", error=str(exc)) from None
    await ctx.reply_key("faqedit.changed", id=entry.id, field=parts[1].lower())


def _changed(service: FaqService, entry: FaqEntry, field: str, text: str) -> dict[str, Any]:
    """The entry's data with one field changed; `checked` becomes today only where the manager
    vouches for the facts anew (the German answer, the source), not for a translation or a
    reworded question: the "Stand" citizens read must not move for unchanged facts."""
    data = entry_to_mapping(entry)
    if field == "phrasing":
        data["phrasings"]["de"] = [*data["phrasings"]["de"], text]
        return data
    if field == "topic":
        data["topic"] = _topic(service, text)
        return data
    if field.startswith(("question", "answer")):
        key, _, language = field.partition("_")
        data[key][language or "de"] = text
        if field != "answer":
            return data
    else:
        data["sources"] = [text]
    data["checked"] = _today(service).isoformat()
    return data


def _topic(service: FaqService, text: str) -> str:
    key = text.strip().lower()
    for topic in service.data.topics:
        if key in (topic.slug, topic.name_de.lower(), topic.name_en.lower(), *topic.aliases):
            return topic.slug
    raise CommandError("topics.unknown", name=text[:60], prefix="!")


@command("faq-loeschen", aliases=("faq-delete", "faq-löschen"), role=Role.MANAGER)
async def faq_loeschen(ctx: Context, args: str) -> None:
    """Delete an entry (a curated one is hidden), after 'ja'."""
    if not args.strip() or len(args.split()) != 1:
        raise UsageError
    service = _service(ctx)
    await service.ready()
    entry = _entry(service, args)
    _chat(service)
    if entry.id in REQUIRED_IDS:  # other features link to it; `faq check` would fail
        raise CommandError("faqedit.required", id=entry.id, prefix=ctx.prefix)
    dialogs = ctx.services.dialogs
    assert dialogs is not None
    await dialogs.open(ctx, DELETE_KIND, {"id": entry.id})
    await ctx.reply_key("faqedit.delete_confirm", id=entry.id, question=entry.question["de"])


async def confirm_delete(ctx: Context, dialog: Dialog, text: str) -> None:
    """The manager's answer to the delete question: 'ja' deletes, 'nein' keeps."""
    if not await confirmed(ctx, text, "faqedit.delete_cancelled", Role.MANAGER):
        return
    service = _service(ctx)
    entry_id = str(dialog.data.get("id", ""))
    entry = service.data.entry(entry_id)
    if entry is None:
        raise CommandError("faqedit.unknown", id=entry_id[:60])
    chat, by = _chat(service), ctx.message.sender
    if entry.origin == "chat":
        await chat.remove(entry.id, by, entry.question["de"][:200])
    else:  # a curated entry stays in its file: hidden on top of it
        await chat.save(entry.id, "yaml", None, by, "delete", entry.question["de"][:200])
    await service.load_chat()
    await ctx.reply_key("faqedit.deleted", id=entry.id)
