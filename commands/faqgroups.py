"""Open questions for the manager: alike questions in groups with stable numbers (`!offen`).

A group's number is its database id: closing one group never renumbers the others, so
`!antworten 7 …` still means the group the manager read as 7. A new open question joins the open
group whose first question has mostly the same words, or starts a new group.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from commands.context import Context, Role
from commands.errors import CommandError, UsageError
from commands.faqmatch import tokens
from commands.i18n import plural
from commands.quiet import BERLIN
from commands.registry import command
from store.faq import GroupQuestion

if TYPE_CHECKING:
    from commands.faq import FaqService

__all__ = ["OpenGroup", "assign", "open_groups", "offen", "same_question", "when"]

# Share of words two questions must have in common to count as the same question.
SAME_QUESTION = 0.6
GROUPS_SHOWN = 15


@dataclass(frozen=True)
class OpenGroup:
    """An open group: its stable number and its open questions, oldest first."""

    number: int
    questions: tuple[GroupQuestion, ...]

    @property
    def askers(self) -> tuple[str, ...]:
        """Who asked, each once, in the order they asked."""
        return tuple(dict.fromkeys(q.user_id for q in self.questions))


def _words(text: str) -> set[str]:
    return set(tokens(text)) or {text.lower()}


def same_question(words: set[str], other: set[str]) -> bool:
    """True if two questions' words overlap enough to be answered together."""
    return len(words & other) / len(words | other) >= SAME_QUESTION


async def assign(service: FaqService) -> dict[int, int]:
    """Put every open question that is in no open group into one; return question → group
    for all open questions."""
    store = service.store
    members = await store.group_members()
    result = {q.id: q.group_id for q in members}
    firsts: dict[int, set[str]] = {}
    for q in members:
        firsts.setdefault(q.group_id, _words(q.text))
    for new in await store.ungrouped_open():
        words = _words(new.text)
        group = next((g for g, first in firsts.items() if same_question(words, first)), None)
        group = await store.add_to_group(new.id, group)
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
