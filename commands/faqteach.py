"""The manager answers an open question from the chat, and the FAQ learns the answer.

`!antworten <Nr.> <Text>` (or a reply to the bot's notice of the question in the manager room)
sends the answer at once to everyone who asked a question of that group — by reply in their
DM (in its thread), or in a DM when they asked in a room; quiet hours hold news, not answers
they asked for. Then the bot offers to keep the answer as an FAQ entry (a dialogue in the
manager's slot); "ja" makes the entry, active at once (commands/faqedit.py stores it).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from commands import faqedit, faqgroups
from commands.context import Context, Message, Role
from commands.dialogs import confirmed, is_no, is_yes
from commands.errors import CommandError, UsageError
from commands.formatting import Markup, render, to_plain
from commands.i18n import plural
from commands.quiet import BERLIN
from commands.registry import command
from config.faq import ASPECTS, MIN_PHRASINGS_DE, FaqError
from store.dialogs import Dialog
from store.faq import GroupQuestion

if TYPE_CHECKING:
    from commands.faq import FaqService

__all__ = ["SAVE_KIND", "antworten", "confirm_save", "draft_entry", "notice_number"]

log = logging.getLogger(__name__)

SAVE_KIND = "faq_save_answer"
CHAT_SOURCE = "Klimaschutzmanagement Ochtrup"
MAX_ANSWER = 4000
_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
# Words that say nothing about what an entry is about, left out of its id.
_ID_SKIP = frozenset(
    "wann wird werden wurde kann koennen muss muessen gibt welche welcher welches warum wieso "
    "weshalb mein meine meinen einen einem einer dass sich sind habe haben oder fuer beim wenn "
    "nach what when where does have with from that".split()
)
# "7 Text", "Nr. 7 Text", "#7 Text"
_NUMBER_TEXT = re.compile(
    r"^(?:nr\.?\s*|no\.?\s*|#)?(\d{1,9})\s+(\S.*)$", re.IGNORECASE | re.DOTALL
)


def _service(ctx: Context) -> FaqService:
    faq = ctx.services.faq
    if faq is None:
        raise CommandError("faq.dont_know")
    return faq


async def notice_number(service: FaqService, message: Message) -> int | None:
    """The open group a manager's reply to a notice in the manager room answers, if any."""
    target = message.in_reply_to
    if not isinstance(target, str) or not target or message.room_id != service.manager_room:
        return None
    body = message.body.strip()
    if not body or is_yes(body) or is_no(body):  # "ja" on the wrong message answers nobody
        return None
    return await service.store.notice_group(target)


@command("antworten", aliases=("answer",), role=Role.MANAGER)
async def antworten(ctx: Context, args: str) -> None:
    """Answer an open question group: everyone who asked gets the answer by DM."""
    match = _NUMBER_TEXT.match(args.strip())
    if match is None:
        raise UsageError
    text = match.group(2).strip()
    if len(text) > MAX_ANSWER:
        raise CommandError("faqteach.too_long", length=len(text), limit=MAX_ANSWER)
    service = _service(ctx)
    await service.ready()
    number = int(match.group(1))
    await faqgroups.assign(service)
    if not await service.store.group_is_open(number):
        raise CommandError("faq.open_bad_number", number=number, prefix=ctx.prefix)
    questions = [q for q in await service.store.group_members(number) if q.open]
    sent, failed = await _deliver_all(ctx, service, questions, text)
    await service.store.close_group(number)
    draft = draft_entry(service, questions, text, ctx.message.sender, _today(service))
    report = ctx.t(plural("faqteach.answered", sent), count=sent, number=number)
    if failed:
        report += " " + ctx.t(plural("faqteach.not_delivered", failed), count=failed)
    dialogs = ctx.services.dialogs
    if dialogs is None or service.chat is None:
        await ctx.reply(report)
        return
    await dialogs.open(ctx, SAVE_KIND, {"draft": draft, "number": number})
    topic = service.data.topics
    name = next((t.name_de for t in topic if t.slug == draft["topic"]), draft["topic"])
    ask = ctx.t("faqteach.save_question", question=draft["question"]["de"], topic=name)
    await ctx.reply(report + "\n\n" + ask)


async def _deliver_all(
    ctx: Context, service: FaqService, questions: list[GroupQuestion], text: str
) -> tuple[int, int]:
    """Send the answer to each person once (their first question quoted); (sent, failed)."""
    sent = failed = 0
    done: set[str] = set()
    for q in questions:
        if q.user_id in done:
            continue
        done.add(q.user_id)
        try:
            await _deliver(ctx, service, q, text)
            sent += 1
        except Exception:  # one unreachable person must not keep the answer from the others
            log.exception("manager's answer to question %d not delivered", q.id)
            failed += 1
    return sent, failed


async def _deliver(ctx: Context, service: FaqService, q: GroupQuestion, text: str) -> None:
    language = await ctx.services.users.language(q.user_id) or service.language(q.text)
    body = ctx.catalog.text(language, "faqteach.answer_dm", question=q.text, answer=Markup(text))
    if language != "de":
        body += "\n" + ctx.catalog.text(language, "faqteach.answer_in_german")
    plain, html = to_plain(body), render(body)
    if q.direct and q.event_id:
        # In the DM where they asked, as a reply to their question (in its thread, if any).
        asked = Message(
            # Not the question's own id: the transport derives the transaction ID from it, and
            # that of the bot's first reply would make the homeserver drop this one as a repeat.
            event_id=f"{q.event_id}/faq-answer",
            room_id=q.room_id,
            sender=q.user_id,
            body="",
            is_direct=True,
            timestamp_ms=int(q.asked_at * 1000),
            reply_to=q.event_id,
            thread_root=q.thread_root,
        )
        await ctx.replier.reply(asked, plain, html)
        return
    network = ctx.services.network
    if network is None:
        raise RuntimeError("no way to send a direct message")
    await network.messenger.direct(q.user_id, plain, html)


def _today(service: FaqService) -> date:
    return datetime.fromtimestamp(service.clock(), BERLIN).date()


def clean_question(text: str) -> str:
    """The asker's question as an entry's question: one line, capitalised, with '?'."""
    text = " ".join(text.split()).strip(" .!")
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text.endswith("?") else text + "?"


def draft_entry(
    service: FaqService, questions: list[GroupQuestion], answer: str, owner: str, today: date
) -> dict[str, Any]:
    """The FAQ entry the answer would become (YAML format): nothing in it names the askers."""
    first = questions[0].text if questions else answer[:80]
    question = clean_question(first)
    outcome = service.guess(first)
    guess = outcome.candidates[0] if outcome.candidates else None
    guess = guess or (outcome.ranked[0][0] if outcome.ranked else None)
    guessed = service.data.entry(guess) if guess else None
    topic = guessed.topic if guessed else service.data.topics[0].slug
    asked = outcome.asked
    entry: dict[str, Any] = {
        "id": _new_id(service, question),
        "topic": topic,
        "question": {"de": question},
        "phrasings": {"de": _phrasings(question, [q.text for q in questions])},
        "answer": {"de": answer},
        "sources": [CHAT_SOURCE],
        "checked": today.isoformat(),
        "owner": owner,
        "review": faqedit.review_after(today, service.settings.review_months).isoformat(),
    }
    if asked:  # the manager answered what was asked
        entry["answers"] = [a for a in ASPECTS if a in asked]
    return entry


def _phrasings(question: str, wordings: list[str]) -> list[str]:
    """The askers' wordings (each once), then as typed in a hurry and as search words (in
    either order): at least three, as every entry has."""
    plain = _plain(question)
    keywords = [w for w in plain.split() if len(w) > 3] or plain.split()
    subject = " ".join(keywords)
    # A one-word question ("Wärmepumpe?") has one keyword form only: these make up the three.
    fillers = [
        subject,
        " ".join(reversed(keywords)),
        question.rstrip("?") + " – Frage an das Klimaschutzmanagement",
        f"Informationen zu {subject}",
        f"{subject} in Ochtrup",
        f"Frage zu {subject}",
    ]
    result: list[str] = []
    seen: set[str] = {_key(question)}
    for text in [*wordings, *(_plain(w) for w in wordings), *fillers]:
        text = " ".join(text.split())
        if len(result) >= MIN_PHRASINGS_DE and text in fillers:
            break
        if text and _key(text) not in seen:
            seen.add(_key(text))
            result.append(text)
    return result


def _plain(text: str) -> str:
    """A wording as people type it in a hurry: lower case, no punctuation."""
    return " ".join(re.sub(r"[^\w\s-]", " ", text.lower()).split())


def _key(text: str) -> str:
    return " ".join(text.casefold().split())


def _new_id(service: FaqService, question: str) -> str:
    """A slug from the question's longer words, unique in the FAQ."""
    folded = unicodedata.normalize("NFC", question.lower()).translate(_UMLAUTS)
    ascii_only = unicodedata.normalize("NFKD", folded).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_only)
    long = [w for w in words if len(w) > 3 and w not in _ID_SKIP][:4] or words[:4] or ["frage"]
    base = "-".join(long)[:48].strip("-")
    taken = {e.id for e in service.data.entries} | {e.id for e in service.yaml_data.entries}
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


async def confirm_save(ctx: Context, dialog: Dialog, text: str) -> None:
    """The manager's answer to „Als FAQ-Eintrag speichern?“: ja makes the entry."""
    if not await confirmed(ctx, text, "faqteach.not_saved", Role.MANAGER):
        return
    service = _service(ctx)
    draft = dialog.data.get("draft")
    if not isinstance(draft, dict) or not isinstance(draft.get("id"), str):
        raise CommandError("faqteach.not_saved")
    draft = dict(draft, id=_new_id(service, str(draft["question"]["de"])))
    try:
        await faqedit.store_entry(ctx, service, draft, "chat", "create", draft["question"]["de"])
    except FaqError as exc:
        raise CommandError("faqedit.invalid", error=str(exc)) from None
    await ctx.reply_key("faqteach.saved", id=draft["id"], prefix=ctx.prefix)
