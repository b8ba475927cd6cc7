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
from collections.abc import Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from commands import faqedit, faqgroups
from commands.context import Context, Message, Role
from commands.dialogs import confirmed, is_no, is_yes
from commands.errors import CommandError, UsageError
from commands.faqmatch.normalize import ENGLISH_STOPWORDS, GERMAN_STOPWORDS, fold_de, spell_out
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
# Words that say nothing about what an entry is about, left out of its id.
_ID_SKIP = frozenset(
    "wann wird werden wurde kann koennen muss muessen gibt welche welcher welches warum wieso "
    "weshalb mein meine meinen einen einem einer dass sich sind habe haben oder fuer beim wenn "
    "nach what when where does have with from that".split()
)
# Marks around a citizen's question that an FAQ question does not have ("- gibt es …??").
_EDGE_MARKS = " .,;:!?…-–—•*_~"
_OPENING_QUOTES = "\"'„“‚‘»«"
_CLOSING_QUOTES = "\"'“”‘’«»"
_SPACE_BEFORE_MARK = re.compile(r"\s+([?!.,;:])")
# A word of an id: "repair", "e-auto".
_SLUG_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# An id names what the entry is about in a few words.
ID_WORDS = 3
ID_MAX = 40
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
    """The asker's question as an entry's question: one line, capitalised, with one '?'."""
    line = _one_line(text)
    if len(line) > 1 and line[0] in _OPENING_QUOTES and line[-1] in _CLOSING_QUOTES:
        line = line[1:-1].strip()  # „Gibt es …?“ as a whole in quotes
    core = _SPACE_BEFORE_MARK.sub(r"\1", line.strip(_EDGE_MARKS))
    core = core or line.strip(" .!")  # nothing but marks: as it was written
    if not core:
        return core
    return core[0].upper() + core[1:] + ("" if core.endswith("?") else "?")


def _one_line(text: str) -> str:
    """The text on one line with single spaces, without control or format characters (bidi
    overrides, zero-width …): it becomes the FAQ's own text."""
    kept = (
        " " if ch.isspace() else ch
        for ch in text
        if ch.isspace() or unicodedata.category(ch) not in ("Cc", "Cf")
    )
    return " ".join("".join(kept).split())


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
        text = _one_line(text)
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


def _new_id(service: FaqService, question: str, taken: Iterable[str] = ()) -> str:
    """A readable ASCII slug of the question's few telling words, unique in the FAQ and
    against `taken` (ids the chat used before)."""
    used = {
        *taken,
        *(e.id for e in service.data.entries),
        *(e.id for e in service.yaml_data.entries),
    }
    base = id_slug(question, service.data.home_places)
    candidate, n = base, 2
    while candidate in used:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def id_slug(question: str, home_places: Iterable[str] = ()) -> str:
    """Up to three telling words of a question as a slug: "Gibt es ein Repair-Café in
    Ochtrup?" → "repair-cafe" (umlauts as ae/oe/ue/ss; no stopwords, no town name)."""
    ascii_only = spell_out(question).encode("ascii", "ignore").decode()
    home = {spell_out(place) for place in home_places}
    found = _SLUG_WORD.findall(ascii_only)
    telling = [w for w in found if _telling(w, home)]
    if len(telling) > ID_WORDS:  # German nouns (capitalised where written) say most
        nouns = {w for w in telling if _capitalised(w, question)}
        chosen = [w for w in telling if w in nouns][:ID_WORDS] if nouns else []
        chosen += [w for w in telling if w not in chosen][: ID_WORDS - len(chosen)]
        telling = [w for w in telling if w in chosen]
    slug = "-".join(telling or found[:ID_WORDS])[:ID_MAX].strip("-")
    return re.sub(r"-+", "-", slug) or "frage"


def _telling(word: str, home: set[str]) -> bool:
    """A word that says what a question is about (not "gibt", "es", "ein", "Ochtrup")."""
    if len(word.replace("-", "")) < 2 or word in home or word in _ID_SKIP:
        return False
    return fold_de(word) not in GERMAN_STOPWORDS and word not in ENGLISH_STOPWORDS


def _capitalised(word: str, question: str) -> bool:
    """Whether the word is written with a capital inside the question (a German noun)."""
    first = word.split("-")[0]
    for match in re.finditer(r"\w[\w-]*", question):
        plain = spell_out(match.group()).encode("ascii", "ignore").decode()
        if plain.split("-")[0] == first:
            return match.start() > 0 and match.group()[0].isupper()
    return False


async def confirm_save(ctx: Context, dialog: Dialog, text: str) -> None:
    """The manager's answer to „Als FAQ-Eintrag speichern?“: ja makes the entry."""
    if not await confirmed(ctx, text, "faqteach.not_saved", Role.MANAGER):
        return
    service = _service(ctx)
    draft = dialog.data.get("draft")
    if not isinstance(draft, dict) or not isinstance(draft.get("id"), str):
        raise CommandError("faqteach.not_saved")
    # The id again: an entry may have been made meanwhile; and no id the chat ever used (a
    # hidden, deleted or left-out entry) is taken over, with its history.
    used = await service.chat.used_ids() if service.chat else frozenset()
    draft = dict(draft, id=_new_id(service, str(draft["question"]["de"]), used))
    try:
        await faqedit.store_entry(ctx, service, draft, "chat", "create", draft["question"]["de"])
    except FaqError as exc:
        raise CommandError("faqedit.invalid", error=str(exc)) from None
    await ctx.reply_key("faqteach.saved", id=draft["id"], prefix=ctx.prefix)
