"""Open questions for the manager: alike questions in groups with stable numbers (`!offen`).

A group's number is its database id: closing one group never renumbers the others, so
`!antworten 7 …` still means the group the manager read as 7. A new open question joins the open
group whose first question has mostly the same words, or starts a new group. Words are compared
as citizens write them in a hurry: case, accents, umlauts and their transliterations, hyphens,
compounds written as one word or two ("Repair Cafe", "Repaircafé", "Repair-Café"), a typo in a
long word and the town's own name ("… in Ochtrup?") do not make another question; naming another
town does.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from commands.context import Context, Role
from commands.errors import CommandError, UsageError
from commands.faqmatch.normalize import (
    ENGLISH_STOPWORDS,
    GERMAN_STOPWORDS,
    MAX_QUERY_CHARS,
    clean,
    fold_de,
    fold_en,
    stemmer,
    words,
)
from commands.i18n import plural
from commands.quiet import BERLIN
from commands.registry import command
from store.faq import GroupQuestion

if TYPE_CHECKING:
    from collections.abc import Callable

    from commands.faq import FaqService
    from config.faq import FaqData

__all__ = [
    "OpenGroup",
    "QuestionWords",
    "assign",
    "open_groups",
    "offen",
    "question_words",
    "same_question",
    "similarity",
    "when",
]

# Share of words two questions must have in common to count as the same question.
SAME_QUESTION = 0.6
GROUPS_SHOWN = 15
# Words of a question compared at most (a pasted letter must not cost seconds per group).
MAX_WORDS = 40
# Stems at least this long may differ by one typo ("Waermepunpe") and still be the same word.
TYPO_MIN = 6


@dataclass(frozen=True)
class OpenGroup:
    """An open group: its stable number and its open questions, oldest first."""

    number: int
    questions: tuple[GroupQuestion, ...]

    @property
    def askers(self) -> tuple[str, ...]:
        """Who asked, each once, in the order they asked."""
        return tuple(dict.fromkeys(q.user_id for q in self.questions))


@dataclass(frozen=True)
class QuestionWords:
    """A question's informative words as compared for grouping."""

    stems: tuple[str, ...]
    # joins[i]: the stem of words i and i+1 written as one word, if they stand side by side.
    joins: tuple[str | None, ...]
    # Other towns the question names: questions about different places are never the same.
    places: frozenset[str]


def question_words(text: str, home: frozenset[str], elsewhere: frozenset[str]) -> QuestionWords:
    """The stems of `text` without stopwords and the town's own names (`home`, folded)."""
    stem = stemmer("german")
    stems: list[str] = []
    joins: list[str | None] = []
    named: set[str] = set()
    previous: str | None = None  # the informative word just before, if there was one
    for word in words(fold_en(clean(text, MAX_QUERY_CHARS)))[: MAX_WORDS * 2]:
        english, word = word.replace("-", ""), fold_de(word.replace("-", ""))
        if english in ENGLISH_STOPWORDS or word in GERMAN_STOPWORDS or len(word) < 2:
            previous = None
            continue
        stemmed = stem(word)
        if {word, stemmed, word.removesuffix("s")} & home:  # "in Ochtrup", "Ochtruper"
            previous = None
            continue
        if word in elsewhere:
            named.add(word)
        if previous is not None:
            joins.append(stem(fold_de(previous + word)))
        elif stems:
            joins.append(None)
        stems.append(stemmed)
        previous = word
        if len(stems) >= MAX_WORDS:
            break
    if not stems:  # only stopwords ("Was?"), or no words at all ("?!"): the words as written
        written = " ".join(words(fold_de(fold_en(clean(text, 200))))) or text.strip()[:200]
        return QuestionWords((written,), (), frozenset())
    return QuestionWords(tuple(stems), tuple(joins), frozenset(named))


def _places(data: FaqData) -> tuple[frozenset[str], frozenset[str]]:
    stem = stemmer("german")
    home = {fold_de(p) for p in data.home_places}
    return frozenset(home | {stem(p) for p in home}), frozenset(
        fold_de(p) for p in data.other_places
    )


def _reader(data: FaqData) -> Callable[[str], QuestionWords]:
    home, elsewhere = _places(data)
    return functools.partial(question_words, home=home, elsewhere=elsewhere)


def _merged(question: QuestionWords, other: QuestionWords) -> set[str]:
    """The question's stems, two written apart counted as one where `other` writes them as
    one word ("Repair Cafe" against "Repaircafé")."""
    vocabulary = {*other.stems, *(j for j in other.joins if j)}
    result: set[str] = set()
    i = 0
    while i < len(question.stems):
        joined = question.joins[i] if i < len(question.joins) else None
        if joined is not None and joined in vocabulary:
            result.add(joined)
            i += 2
        else:
            result.add(question.stems[i])
            i += 1
    return result


def _one_typo(a: str, b: str) -> bool:
    """True if two long stems differ by one letter added, dropped, changed or swapped."""
    if min(len(a), len(b)) < TYPO_MIN or abs(len(a) - len(b)) > 1:
        return False
    if len(a) != len(b):
        short, long = sorted((a, b), key=len)
        return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))
    diff = [i for i in range(len(a)) if a[i] != b[i]]
    if len(diff) == 1:
        return True
    if len(diff) != 2 or diff[1] != diff[0] + 1:
        return False
    i, j = diff
    return a[i] == b[j] and a[j] == b[i]


def similarity(a: QuestionWords, b: QuestionWords) -> float:
    """The share of words two questions have in common (0 to 1), variants counted as one."""
    if a.places != b.places:
        return 0.0
    left, right = _merged(a, b), _merged(b, a)
    common = left & right
    rest = sorted(right - common)
    matched = len(common)
    for word in sorted(left - common):
        twin = next((r for r in rest if _one_typo(word, r)), None)
        if twin is not None:
            rest.remove(twin)
            matched += 1
    return matched / (len(left) + len(right) - matched)


def same_question(a: QuestionWords, b: QuestionWords) -> bool:
    """True if two questions' words overlap enough to be answered together."""
    return similarity(a, b) >= SAME_QUESTION


def _best_group(words: QuestionWords, firsts: dict[int, QuestionWords]) -> int | None:
    """The open group whose first question is most like this one, if one is like enough."""
    best, best_score = None, SAME_QUESTION
    for group, first in firsts.items():
        score = similarity(words, first)
        if score >= best_score and (best is None or score > best_score):
            best, best_score = group, score
    return best


async def assign(service: FaqService) -> dict[int, int]:
    """Put every open question that is in no open group into one; return question → group
    for all open questions."""
    store = service.store
    read = _reader(service.data)
    members = await store.group_members()
    result = {q.id: q.group_id for q in members}
    firsts: dict[int, QuestionWords] = {}
    for q in members:
        if q.group_id not in firsts:
            firsts[q.group_id] = read(q.text)
    for new in await store.ungrouped_open():
        words = read(new.text)
        group = await store.add_to_group(new.id, _best_group(words, firsts))
        firsts.setdefault(group, words)
        result[new.id] = group
    return result


async def open_groups(service: FaqService) -> list[OpenGroup]:
    """The open groups, most askers first, then the most recently asked."""
    await assign(service)
    by_group: dict[int, list[GroupQuestion]] = {}
    for q in await service.store.group_members():
        by_group.setdefault(q.group_id, []).append(q)
    groups = [OpenGroup(number, tuple(qs)) for number, qs in by_group.items()]
    return sorted(groups, key=lambda g: (-len(g.questions), -g.questions[-1].asked_at))


def when(timestamp: float) -> str:
    """A readable German-style local time: 05.12.2026, 14:03."""
    return datetime.fromtimestamp(timestamp, BERLIN).strftime("%d.%m.%Y, %H:%M")


def _service(ctx: Context) -> FaqService:
    faq = ctx.services.faq
    if faq is None:
        raise CommandError("faq.dont_know")
    return faq


@command("offen", aliases=("unanswered",), role=Role.MANAGER)
async def offen(ctx: Context, args: str) -> None:
    """List open questions grouped, or tick off a group with `erledigt <Nr.>`."""
    service = _service(ctx)
    await service.ready()
    words = args.split()
    if words and words[0].lower() in ("erledigt", "done"):
        if len(words) != 2 or not words[1].isdigit():
            raise UsageError
        number = int(words[1][:9])
        if not await service.store.group_is_open(number):
            raise CommandError("faq.open_bad_number", number=number, prefix=ctx.prefix)
        count = await service.store.close_group(number)
        await ctx.reply_key(plural("faq.open_done", count), count=count)
        return
    if words:
        raise UsageError
    groups = await open_groups(service)
    if not groups:
        await ctx.reply_key("faq.open_none")
        return
    await ctx.reply(_open_list(ctx, service, groups))


def _open_list(ctx: Context, service: FaqService, groups: list[OpenGroup]) -> str:
    total = sum(len(g.questions) for g in groups)
    lines = [ctx.t("faq.open_title", total=total)]
    for group in groups[:GROUPS_SHOWN]:
        lines += _group_lines(ctx, service, group)
    if len(groups) > GROUPS_SHOWN:
        lines.append(ctx.t("faq.open_more", more=len(groups) - GROUPS_SHOWN))
    lines.append(ctx.t("faqteach.open_hint", prefix=ctx.prefix))
    return "\n".join(lines)


def _group_lines(ctx: Context, service: FaqService, group: OpenGroup) -> list[str]:
    first, last = group.questions[0], group.questions[-1]
    text = first.text if len(first.text) <= 120 else first.text[:117] + "…"
    count = len(group.questions)
    line = ctx.t("faq.open_line", number=group.number, count=count, text=text)
    if count == 1:
        asked = ctx.t("faqteach.asked_once", time=when(first.asked_at))
    else:
        asked = ctx.t(
            "faqteach.asked_between", first=when(first.asked_at), last=when(last.asked_at)
        )
    details = [asked, _guess(ctx, service, first.text), _reach(ctx, group)]
    return [line, "   " + " · ".join(details)]


def _guess(ctx: Context, service: FaqService, text: str) -> str:
    """The entry the engine thinks of first for this question, if any."""
    outcome = service.guess(text)
    guess = outcome.candidates[0] if outcome.candidates else None
    guess = guess or (outcome.ranked[0][0] if outcome.ranked else None)
    entry = service.data.entry(guess) if guess else None
    if entry is None:
        return ctx.t("faqteach.guess_none")
    return ctx.t("faqteach.guess", id=entry.id, question=entry.question["de"])


def _reach(ctx: Context, group: OpenGroup) -> str:
    """Whether an answer can reach the people who asked."""
    askers = group.askers
    if len(askers) > 1:
        return ctx.t("faqteach.reach_many", count=len(askers))
    in_dm = any(q.direct and q.event_id for q in group.questions)
    if in_dm:
        return ctx.t("faqteach.reach_dm")
    if ctx.services.network is None:
        return ctx.t("faqteach.reach_none")
    return ctx.t("faqteach.reach_new_dm")
