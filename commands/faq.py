"""Citizens' questions answered from the curated FAQ; open questions reach the manager."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from commands import faqgroups, smalltalk
from commands.choices import LAST
from commands.context import Context, Reaction, Role
from commands.errors import CommandError, UsageError
from commands.faqmatch import FaqIndex, Outcome, tokens
from commands.faqmatch.meaning import Embedder, load_embedder
from commands.formatting import Markup
from commands.languages import in_language
from commands.registry import command
from config.faq import FaqData, FaqEntry, FaqError, is_source_name, load_faq
from config.faqoverlay import ChatChange, merge_chat
from config.settings import FAQ_ROOM_MODES, FaqSettings
from store.faq import FaqStore, OpenQuestion
from store.faqchat import ChatEntryStore

if TYPE_CHECKING:
    from commands.faqreview import FaqWatch

__all__ = [
    "FAQ_VECTORS_FILE",
    "FaqService",
    "faq_neu_laden",
    "frage",
    "fragemodus",
    "group_questions",
]

log = logging.getLogger(__name__)

# The file under the bot's data directory that keeps the FAQ's vectors of meaning between runs.
FAQ_VECTORS_FILE = "faq-vectors.npz"

# A "did you mean" offer can be answered with its number for this long.
CHOICE_TTL_SECONDS = 3600.0
_UP = ("👍", "👍️", "+1", ":+1:")
_DOWN = ("👎", "👎️", "-1", ":-1:")


@dataclass(frozen=True)
class _Loaded:
    data: FaqData
    index: FaqIndex


class FaqService:
    """Answers questions (implements commands.router.Conversation)."""

    def __init__(
        self,
        settings: FaqSettings,
        store: FaqStore,
        manager_room: str | None,
        clock: Callable[[], float] = time.time,
        chat: ChatEntryStore | None = None,
        vectors: Path | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.manager_room = manager_room
        self.clock = clock
        # Entries made or changed in the chat (commands/faqteach.py), read on first use.
        self.chat = chat
        self._changes: tuple[ChatChange, ...] = ()
        self._chat_read = chat is None
        self._chat_lock = asyncio.Lock()
        # The second opinion by meaning (commands/faqmatch/meaning.py): built in a thread after
        # each build of the index, which answers lexically until then.
        self._embedder: Embedder | None = load_embedder() if settings.meaning_check else None
        # The file that keeps the FAQ's vectors between runs (None: embed at every start).
        self._vectors = vectors
        self._yaml = self._read_yaml()
        self._loaded = self._build()
        # Spike notices and the weekly review (commands/faqreview.py), attached by bot/wiring.py.
        self.watch: FaqWatch | None = None

    @property
    def data(self) -> FaqData:
        """The FAQ in use."""
        return self._loaded.data

    @property
    def yaml_data(self) -> FaqData:
        """The curated files alone, without the chat's changes."""
        return self._yaml

    def _read_yaml(self) -> FaqData:
        s = self.settings
        return load_faq(s.directory, s.topics_file, s.synonyms_file)

    def _build(self) -> _Loaded:
        data = merge_chat(self._yaml, self._changes) if self._changes else self._yaml
        loaded = _Loaded(data, FaqIndex.build(data))
        self._meaning_done = done = threading.Event()
        if self._embedder is None:
            done.set()
        else:
            # Seconds to a minute of CPU the first time (a few ms a text): a daemon thread, so
            # that stopping the bot does not wait for it.
            args = (self._embedder, loaded, done, self._vectors)
            threading.Thread(target=_attach_meaning, args=args, daemon=True).start()
        return loaded

    def wait_meaning(self, timeout: float | None = None) -> bool:
        """Block until the meaning check of the current index is attached (or cannot be):
        True if that happened within `timeout` seconds (for tools and tests)."""
        return self._meaning_done.wait(timeout)

    def reload(self) -> FaqData:
        """Load the FAQ files again, keeping the chat's entries; on FaqError the old FAQ
        stays in use."""
        self._yaml = self._read_yaml()
        self._loaded = self._build()
        log.info("FAQ reloaded: %d entries", len(self.data.entries))
        return self.data

    async def ready(self) -> None:
        """Read the chat's entries once, before the first question is answered."""
        if not self._chat_read:
            await self.load_chat()

    async def load_chat(self) -> None:
        """Put the chat's entries (database) on top of the YAML and rebuild the index."""
        if self.chat is None:
            return
        async with self._chat_lock:  # one at a time: a slow older build must not win
            rows = await self.chat.all()
            changes = tuple(ChatChange(r.entry_id, r.data, r.origin) for r in rows)
            self._chat_read = True
            if changes != self._changes:  # most bots never change the FAQ in the chat
                self._changes = changes
                # Seconds of CPU for a large FAQ: off the event loop, so the bot keeps
                # answering with the old index meanwhile.
                self._loaded = await asyncio.to_thread(self._build)

    def ask(self, text: str) -> Outcome:
        """The engine's outcome for `text` (no side effects)."""
        return self._loaded.index.ask(text)

    def guess(self, text: str) -> Outcome:
        """The engine's quick guess at `text`: the same ranking as `ask`, without the meaning
        check's model time (10-40 ms a question). For the manager's views of open questions,
        their topics and drafts, which run on the event loop, many questions at a time."""
        return self._loaded.index.ask(text, meaning=False)

    async def room_mode(self, room_id: str) -> str:
        """The room's FAQ mode, or the configured default."""
        return await self.store.room_mode(room_id) or self.settings.room_mode

    async def question(self, ctx: Context, text: str, quiet: bool) -> None:
        """Answer, offer candidates, or pass the question on to the manager."""
        text = text.strip()
        if not text:
            if not quiet:
                await ctx.reply_key("faq.empty_question", prefix=ctx.prefix)
            return
        await self.ready()
        talk = smalltalk.classify(text)
        if talk is not None:  # never an open question; in auto mode not worth a word
            if not quiet:
                await smalltalk.reply(ctx, talk, self.contact_line)
            return
        text = smalltalk.strip_greeting(text)  # "Hallo, lohnt sich …?" asks "lohnt sich …?"
        # In a thread: with the meaning check a question costs 10-40 ms of model time, which
        # would hold up every other message on the event loop meanwhile.
        outcome = await asyncio.to_thread(self.ask, text)
        if quiet and outcome.kind != "answer":
            return  # auto mode: only speak up when sure
        ctx = await self._in_language_of(ctx, text)
        sender, room = ctx.message.sender, ctx.message.room_id
        await self.store.clear_choice(sender, room)  # a new question ends an older offer
        qid = await self.store.record_question(
            sender,
            room,
            text,
            outcome.kind,
            outcome.entry_id,
            outcome.confidence,
            event_id=ctx.message.reply_to,
            thread_root=ctx.message.thread_root,
            direct=ctx.message.is_direct,
        )
        if outcome.kind == "answer" and outcome.entry_id is not None:
            await self._answer(ctx, outcome.entry_id, outcome.candidates, qid)
        elif outcome.kind == "did_you_mean":
            await self._offer(ctx, outcome.candidates, qid)
        elif outcome.kind == "on_topic":
            await self._on_topic(ctx, text, outcome, qid)
        else:
            await self._dont_know(ctx, text, outcome.confidence, qid)
        if self.watch is not None and outcome.kind in ("dont_know", "on_topic"):
            await self.watch.unanswered(ctx, outcome)

    def language(self, text: str) -> str:
        """ "en" for a text written in English, else "de"."""
        return self._loaded.index.language(text)

    async def _in_language_of(self, ctx: Context, text: str) -> Context:
        """Reply in the question's language, unless the user chose one with !sprache."""
        return await in_language(ctx, self._loaded.index.language(text))

    async def choice(self, ctx: Context, number: int, quiet: bool) -> bool:
        """Answer with candidate `number` of the pending offer; False if none is pending."""
        sender, room = ctx.message.sender, ctx.message.room_id
        await self.ready()
        pending = await self.store.pending_choice(sender, room)
        if pending is None or self.clock() - pending.offered_at > CHOICE_TTL_SECONDS:
            return False
        if number == LAST:  # "die letzte"
            number = len(pending.candidates)
        if not 1 <= number <= len(pending.candidates):
            if not quiet:
                await ctx.reply_key("faq.choice_range", count=len(pending.candidates))
            return True
        entry_id = pending.candidates[number - 1]
        await self.store.clear_choice(sender, room)
        if pending.question_id is not None:
            await self.store.close_question(pending.question_id, entry_id)
        if pending.question is not None:
            ctx = await self._in_language_of(ctx, pending.question)
        await self._answer(ctx, entry_id, (), pending.question_id)
        return True

    async def reaction(self, ctx: Context, reaction: Reaction) -> bool:
        """Record 👍 / 👎 on one of the FAQ's answers; True if it was one.

        The first 👎 on an answer also puts its question back on the open list: the manager
        hears of it (like of a question the FAQ could not answer), and the reader is told so.
        """
        vote = 1 if reaction.key in _UP else -1 if reaction.key in _DOWN else 0
        entry_id = await self.store.answered_entry(reaction.target) if vote else None
        if entry_id is None:
            return False
        await self.store.record_feedback(reaction.target, reaction.sender, entry_id, vote)
        if vote < 0:
            reopened = await self.store.reopen_answered(reaction.target)
            if reopened is not None:
                await self._not_helpful(ctx, reopened.text, entry_id, reopened.id)
            if self.watch is not None:
                await self.watch.downvoted(ctx, entry_id)
        return True

    async def _not_helpful(self, ctx: Context, text: str, entry_id: str, qid: int) -> None:
        ctx = await self._in_language_of(ctx, text)
        await ctx.notice(ctx.message.room_id, self._with_contact(ctx, "faq.not_helpful"))
        await self._tell_manager(ctx, "faq.manager_not_helpful", text, qid, entry=entry_id)

    async def _answer(
        self,
        ctx: Context,
        entry_id: str,
        related: tuple[str, ...],
        question_id: int | None = None,
    ) -> None:
        entry = self.data.entry(entry_id)
        if entry is None:  # the FAQ was reloaded without this entry
            raise CommandError("faq.dont_know")
        event_id = await ctx.reply(self.render(ctx, entry, related))
        await self.store.record_answer(event_id, entry.id, ctx.message.sender, question_id)
        if shown := self._related(related):  # numbered under the answer: "2" picks one
            sender, room = ctx.message.sender, ctx.message.room_id
            await self.store.offer_choice(sender, room, shown, question_id)

    def render(self, ctx: Context, entry: FaqEntry, related: tuple[str, ...]) -> str:
        """The full answer: question, text, sources, Stand date, related entries."""
        lang = ctx.language if ctx.language in entry.answer else "de"
        answer = entry.answer[lang].strip().replace("{kontakt}", self.contact(ctx))
        parts = [ctx.t("faq.answer_title", question=entry.question.get(lang, entry.question["de"]))]
        if lang != ctx.language:
            parts.append(ctx.t("faq.only_german"))
        parts += [answer, "", _sources_line(ctx, entry.sources)]
        date = entry.checked.strftime("%d.%m.%Y")
        parts.append(ctx.t("faq.volatile" if entry.volatile else "faq.checked", date=date))
        if shown := self._related(related):
            parts.append(ctx.t("faq.related"))
            parts += [self._choice_line(ctx, n, i) for n, i in enumerate(shown, start=1)]
        parts.append(ctx.t("faq.feedback"))
        return "\n".join(parts)

    def _related(self, related: tuple[str, ...]) -> tuple[str, ...]:
        """The related entries shown under an answer (those the FAQ still has)."""
        return tuple(i for i in related if self.data.entry(i) is not None)

    def _choice_line(self, ctx: Context, number: int, entry_id: str) -> str:
        entry = self.data.entry(entry_id)
        assert entry is not None
        question = entry.question.get(ctx.language, entry.question["de"])
        return ctx.t("faq.choice_line", number=number, question=question)

    def contact(self, ctx: Context) -> Markup:
        """How to reach the climate management, from the config (or a general hint)."""
        # The operator's own text: Markdown (a link to the town's page) is meant.
        return Markup(self._configured_contact(ctx) or ctx.t("faq.contact_fallback"))

    def _configured_contact(self, ctx: Context) -> str:
        """The configured contact in the user's language (else German), or "" if none."""
        texts: Mapping[str, str] = self.settings.contact
        return texts.get(ctx.language) or texts.get("de") or ""

    def contact_line(self, ctx: Context) -> str:
        """ "Sie erreichen das Klimaschutzmanagement direkt: …" with the configured contact, or
        "" if none is configured (the general hint would only say "reach the climate
        management: the climate management of your town")."""
        configured = self._configured_contact(ctx)
        return ctx.t("faq.contact", contact=Markup(configured)) if configured else ""

    def _with_contact(self, ctx: Context, key: str) -> str:
        """A catalog text followed by how to reach the climate management, if configured."""
        line = self.contact_line(ctx)
        return ctx.t(key) + "\n" + line if line else ctx.t(key)

    async def _tell_manager(
        self, ctx: Context, key: str, text: str, qid: int | None = None, **params: object
    ) -> None:
        """Post a note about the sender's question to the manager room, if there is one,
        with its group's number (a reply to the note answers the group)."""
        if not self.manager_room:
            return
        note = ctx.catalog.text(
            "de", key, user=ctx.message.sender, text=text[:500], prefix=ctx.prefix, **params
        )
        number = None if qid is None else (await faqgroups.assign(self)).get(qid)
        if number is not None:
            hint = ctx.catalog.text("de", "faqteach.notice_hint", number=number, prefix=ctx.prefix)
            note += "\n" + hint
        event_id = await ctx.notice(self.manager_room, note)
        if qid is not None:
            await self.store.record_notice(event_id, qid)

    async def _offer(self, ctx: Context, candidates: tuple[str, ...], qid: int) -> None:
        entries = [e for e in (self.data.entry(i) for i in candidates[:3]) if e is not None]
        lines = [ctx.t("faq.did_you_mean")]
        for n, entry in enumerate(entries, start=1):
            question = entry.question.get(ctx.language, entry.question["de"])
            lines.append(ctx.t("faq.choice_line", number=n, question=question))
        numbers = ", ".join(str(n) for n in range(1, len(entries) + 1))
        lines.append(ctx.t("faq.choose", numbers=numbers))
        ids = tuple(e.id for e in entries)
        await self.store.offer_choice(ctx.message.sender, ctx.message.room_id, ids, qid)
        await ctx.reply("\n".join(lines))

    async def _dont_know(
        self, ctx: Context, text: str, confidence: float, qid: int | None = None
    ) -> None:
        await ctx.reply(self._with_contact(ctx, "faq.dont_know"))
        await self._tell_manager(
            ctx, "faq.manager_new_question", text, qid, confidence=round(confidence * 100)
        )

    async def _on_topic(
        self, ctx: Context, text: str, outcome: Outcome, qid: int | None = None
    ) -> None:
        """The FAQ has the topic but not this point: offer what it has, pass the question on."""
        entries = [e for e in (self.data.entry(i) for i in outcome.candidates) if e is not None]
        if not entries:  # the FAQ was reloaded without them
            await self._dont_know(ctx, text, outcome.confidence, qid)
            return
        topic = self.topic_name(entries[0].topic, ctx.language)
        lines = [ctx.t("faq.on_topic", topic=topic)]
        for n, entry in enumerate(entries, start=1):
            question = entry.question.get(ctx.language, entry.question["de"])
            lines.append(ctx.t("faq.choice_line", number=n, question=question))
        numbers = ", ".join(str(n) for n in range(1, len(entries) + 1))
        lines += [ctx.t("faq.choose", numbers=numbers), ctx.t("faq.on_topic_passed_on")]
        # No question id: reading one of these answers does not answer the question asked,
        # which stays open for the manager.
        ids = tuple(e.id for e in entries)
        await self.store.offer_choice(ctx.message.sender, ctx.message.room_id, ids, None)
        await ctx.reply("\n".join(lines))
        await self._tell_manager(
            ctx,
            "faq.manager_on_topic",
            text,
            qid,
            topic=self.topic_name(entries[0].topic, "de"),
        )

    def topic_name(self, slug: str, language: str) -> str:
        """A topic's name in `language`, or its slug if the FAQ no longer has it."""
        topic = next((t for t in self.data.topics if t.slug == slug), None)
        if topic is None:
            return slug
        return topic.name_en if language == "en" else topic.name_de


def _sources_line(ctx: Context, sources: tuple[str, ...]) -> str:
    # Curated sources from the FAQ file, so these links are ours; a named source (the
    # climate management's own answer) has no page to link.
    links = ", ".join(
        url if is_source_name(url) else f"[{urlsplit(url).netloc.removeprefix('www.')}]({url})"
        for url in sources
    )
    return ctx.t("faq.sources" if len(sources) > 1 else "faq.source", links=Markup(links))


def _service(ctx: Context) -> FaqService:
    faq = ctx.services.faq
    if faq is None:
        raise CommandError("faq.dont_know")
    return faq


@command("frage", aliases=("ask", "f"))
async def frage(ctx: Context, args: str) -> None:
    """Ask the FAQ a question anywhere."""
    if not args:
        raise UsageError
    await _service(ctx).question(ctx, args, quiet=False)


@dataclass(frozen=True)
class QuestionGroup:
    """Similar open questions, shown once with a count."""

    text: str
    ids: tuple[int, ...]
    last_asked: float


# One meaning build at a time: the chat's entries are read right after the start, and a second
# build running beside the first would embed every text again instead of reusing its vectors.
_MEANING_BUILDS = threading.Lock()


def _attach_meaning(
    embedder: Embedder, loaded: _Loaded, done: threading.Event, vectors: Path | None
) -> None:
    try:
        with _MEANING_BUILDS:
            loaded.index.with_meaning(embedder, vectors)
    except Exception:  # the bot answers lexically; say why in the log
        log.exception("FAQ meaning check could not be built")
    finally:
        done.set()


def group_questions(questions: list[OpenQuestion]) -> list[QuestionGroup]:
    """Group alike questions (same normalised words, or mostly the same), biggest first."""
    groups: list[tuple[set[str], list[OpenQuestion]]] = []
    for q in questions:
        words = set(tokens(q.text)) or {q.text.lower()}
        for group_words, members in groups:
            overlap = len(words & group_words) / len(words | group_words)
            if overlap >= 0.6:
                members.append(q)
                break
        else:
            groups.append((words, [q]))
    result = [
        QuestionGroup(m[0].text, tuple(q.id for q in m), max(q.asked_at for q in m))
        for _, m in groups
    ]
    return sorted(result, key=lambda g: (-len(g.ids), -g.last_asked))


@command("faq-neu-laden", aliases=("faq-reload",), role=Role.MANAGER)
async def faq_neu_laden(ctx: Context, args: str) -> None:
    """Reload the FAQ YAML; a broken file keeps the old FAQ and is named with its line."""
    service = _service(ctx)
    try:
        data = service.reload()
    except FaqError as exc:
        raise CommandError("faq.reload_failed", error=str(exc)) from None
    await ctx.reply_key("faq.reloaded", entries=len(data.entries), topics=len(data.topics))


@command("fragemodus", aliases=("faqmode",), role=Role.MANAGER)
async def fragemodus(ctx: Context, args: str) -> None:
    """Set this room's FAQ mode: mention, auto or off; without one, show the mode in force."""
    if ctx.message.is_direct:  # a DM is asked every question: no mode would change that
        raise CommandError("faq.mode_direct")
    if not args:
        mode = await _service(ctx).room_mode(ctx.message.room_id)
        meaning = ctx.t(f"faq.mode_means_{mode}", prefix=ctx.prefix)
        await ctx.reply_key("faq.mode_current", mode=mode, meaning=meaning, prefix=ctx.prefix)
        return
    mode = args.split()[0].lower()
    if mode not in FAQ_ROOM_MODES:
        raise CommandError("faq.mode_unknown")
    await _service(ctx).store.set_room_mode(ctx.message.room_id, mode)
    meaning = ctx.t(f"faq.mode_means_{mode}", prefix=ctx.prefix)
    await ctx.reply_key("faq.mode_set", mode=mode, meaning=meaning)
