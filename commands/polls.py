"""`!umfrage` posts a native Matrix poll (preview, then "ja"), `!umfrage-ende` ends it with the
result as text and chart, `!umfragen` lists them. The wire format and the counting rules are in
commands/pollservice.py.
"""

from __future__ import annotations

import asyncio
import re
import unicodedata
from dataclasses import dataclass

from commands.context import Context, Role
from commands.dialogs import confirmed
from commands.errors import CommandError, UsageError
from commands.formatting import Markup, to_plain
from commands.i18n import plural
from commands.pollservice import (
    PollService,
    PollTransport,
    PollVote,
    answer_ids,
    end_content,
    poll_chart,
    result_text,
    start_content,
)
from commands.registry import command
from commands.services import require
from store.dialogs import Dialog
from store.polls import Poll

__all__ = [
    "CONFIRM_KIND",
    "PollService",
    "PollTransport",
    "PollVote",
    "answer_typed_vote",
    "confirm_poll",
    "end_content",
    "parse_poll",
    "poll_chart",
    "start_content",
    "umfrage",
    "umfrage_ende",
    "umfragen",
]


CONFIRM_KIND = "poll_confirm"
MAX_ANSWERS = 20  # Element's limit too
MIN_ANSWERS = 2
MAX_TEXT = 340  # Element's limit for the question and each answer
_UNDISCLOSED_WORDS = frozenset({"geheim", "verdeckt", "undisclosed", "hidden", "secret"})
_TOPIC_KEYS = ("thema=", "topic=")
_NUMBER = re.compile(r"(?:nr\.?\s*|#)?(\d{1,9})", re.IGNORECASE)


@dataclass(frozen=True)
class PollDraft:
    """A parsed `!umfrage`: question, answer texts and kind."""

    question: str
    answers: tuple[str, ...]
    disclosed: bool


def parse_poll(args: str) -> tuple[PollDraft, str | None]:
    """`[thema=<Thema>] [geheim] <Frage> | <Antwort> | <Antwort> …` → the draft and the topic
    as typed (resolved by the caller); raises CommandError/UsageError."""
    words = args.split()
    topic: str | None = None
    disclosed = True
    while words:
        head = words[0].casefold()
        if head.startswith(_TOPIC_KEYS):
            topic = words.pop(0).split("=", 1)[1]
        elif head in _UNDISCLOSED_WORDS:
            disclosed = False
            words.pop(0)
        else:
            break
    parts = [_clean(p) for p in " ".join(words).split("|")]
    if len(parts) < 1 + MIN_ANSWERS or not all(parts):
        raise UsageError
    question, answers = parts[0], tuple(parts[1:])
    if len(answers) > MAX_ANSWERS:
        raise CommandError("poll.too_many_answers", count=len(answers), limit=MAX_ANSWERS)
    if max(len(p) for p in parts) > MAX_TEXT:
        raise CommandError("poll.too_long", limit=MAX_TEXT)
    if len({a.casefold() for a in answers}) != len(answers):
        raise CommandError("poll.duplicate_answers")
    return PollDraft(question, answers, disclosed), topic


def _clean(text: str) -> str:
    """One line without control or format characters: a bidi override would turn the text
    around in every client, a zero-width space would make "Ja" and "Ja\u200b" two answers."""
    kept = "".join(c for c in text if unicodedata.category(c) not in ("Cc", "Cf"))
    return " ".join(kept.split())


def _service(ctx: Context) -> PollService:
    return require(ctx.services.polls)


@command("umfrage", aliases=("poll",), role=Role.MANAGER)
async def umfrage(ctx: Context, args: str) -> None:
    """Preview a poll (here, or to a topic's followers) and wait for 'ja'."""
    draft, topic_name = parse_poll(args)
    service = _service(ctx)
    topic = None
    if topic_name is not None:
        found = require(service.broadcaster).topics.find(topic_name)
        if found is None:
            raise CommandError("topics.unknown", name=topic_name[:60], prefix=ctx.prefix)
        topic = found.slug
    users, rooms, held = await service.targets(topic, ctx.message.room_id)
    if not users and not rooms:
        raise CommandError("poll.no_recipients", topic=_topic_name(ctx, topic))
    data = {
        "question": draft.question,
        "answers": list(draft.answers),
        "disclosed": draft.disclosed,
        "topic": topic,
    }
    assert ctx.services.dialogs is not None
    await ctx.services.dialogs.open(ctx, CONFIRM_KIND, data)
    await ctx.reply_key(
        "poll.preview",
        kind=ctx.t("poll.kind_open" if draft.disclosed else "poll.kind_secret"),
        question=draft.question,
        answers=Markup("\n").join(
            ctx.t("poll.answer_line", number=n, text=a) for n, a in enumerate(draft.answers, 1)
        ),
        recipients=_where(ctx, topic, users, rooms, held),
    )


async def answer_typed_vote(ctx: Context) -> bool:
    """Count a poll answer typed in the DM the poll came in and confirm it; False if the
    message answers no poll there (the FAQ takes it then)."""
    message, service = ctx.message, ctx.services.polls
    if service is None or not message.is_direct:
        return False
    typed = await service.typed_vote(
        message.sender, message.room_id, message.body, message.timestamp_ms, message.event_id
    )
    if typed is None:
        return False
    poll = typed.poll
    # Only the person's own choice: a secret poll's counts stay hidden until its end.
    await ctx.reply_key(
        f"poll.typed_{typed.state}",
        answer=typed.answer,
        question=poll.question,
        count=len(poll.answers),
    )
    return True


def _topic_name(ctx: Context, topic: str | None) -> str:
    broadcaster = ctx.services.broadcaster
    return broadcaster.topics.name(topic, ctx.language) if broadcaster and topic else ""


def _where(ctx: Context, topic: str | None, users: int, rooms: int, held: int) -> str:
    if topic is None:
        return ctx.t("poll.to_this_room")
    # Only DMs wait for quiet hours, so the note stands right after their count.
    note = ctx.t("poll.to_topic_held", held=held) if held else ""
    return ctx.t(
        "poll.to_topic", topic=_topic_name(ctx, topic), users=users, held=note, rooms=rooms
    )


async def confirm_poll(ctx: Context, dialog: Dialog, text: str) -> None:
    """The manager's answer to the preview: 'ja' posts (or ends) the poll, 'nein' cancels."""
    data = dialog.data
    if isinstance(data.get("end"), int):
        await _confirm_end(ctx, data["end"], text)
        return
    if not await confirmed(ctx, text, "poll.cancelled", Role.MANAGER):
        return
    service = _service(ctx)
    texts = tuple(str(a) for a in data["answers"])
    topic = data.get("topic")
    users, rooms, _ = await service.targets(topic, ctx.message.room_id)
    if not users and not rooms:  # the last subscriber left since the preview
        raise CommandError("poll.no_recipients", topic=_topic_name(ctx, topic))
    poll_id = await service.store.create(
        str(data["question"]),
        tuple(zip(answer_ids(len(texts)), texts, strict=True)),
        bool(data["disclosed"]),
        topic,
        ctx.message.sender,
        ctx.message.room_id,
    )
    poll = await service.store.get(poll_id)
    assert poll is not None
    if topic is None:  # one room, this one: at once
        sent, failed = await service.post(poll, [], [ctx.message.room_id])
        key = "poll.started" if not failed else "poll.started_failed"
        await ctx.reply_key(key, number=poll.id, sent=sent, failed=failed, prefix=ctx.prefix)
        return
    # Durably through the outbox (commands/pollservice.py), which edits this status message.
    broadcast_id, count = await service.queue(poll)
    event_id = await ctx.reply_key(plural("poll.sending", count), number=poll_id, count=count)
    broadcaster = require(service.broadcaster)
    await broadcaster.broadcasts.set_report_event(broadcast_id, event_id)
    broadcaster.wake()


@command("umfrage-ende", aliases=("poll-end", "umfrage-beenden"), role=Role.MANAGER)
async def umfrage_ende(ctx: Context, args: str) -> None:
    """Ask before ending a poll: an ended poll cannot be reopened."""
    poll = await _numbered(ctx, args)
    if poll.ended_at is not None:
        raise CommandError("poll.already_ended", number=poll.id)
    tally = await _service(ctx).store.tally(poll.id)
    assert ctx.services.dialogs is not None
    # The same dialog kind as the start (registered in bot/wiring.py), told apart by "end".
    await ctx.services.dialogs.open(ctx, CONFIRM_KIND, {"end": poll.id})
    where = _topic_name(ctx, poll.topic) or ctx.t("poll.one_room")
    total = sum(tally.values())
    await ctx.reply_key(
        plural("poll.end_confirm", total),
        number=poll.id,
        question=poll.question,
        where=where,
        total=total,
    )


async def _confirm_end(ctx: Context, poll_id: int, text: str) -> None:
    """'ja' to `!umfrage-ende`: the end event to its rooms, the result here as text and chart."""
    if not await confirmed(ctx, text, "poll.end_cancelled", Role.MANAGER):
        return
    service = _service(ctx)
    poll = await service.store.get(poll_id)
    result = await service.end(poll) if poll is not None and poll.ended_at is None else None
    if poll is None or result is None:  # ended in the meantime (another manager, a restart)
        raise CommandError("poll.already_ended", number=poll_id)
    await ctx.reply(_result_text(ctx, poll, result, ctx.language))
    if sum(result.values()):
        await _send_chart(ctx, poll, result)


async def _numbered(ctx: Context, args: str) -> Poll:
    match = _NUMBER.fullmatch(args.strip())
    if match is None:
        raise UsageError
    poll = await _service(ctx).store.get(int(match[1]))
    if poll is None:
        raise CommandError("poll.unknown", number=match[1], prefix=ctx.prefix)
    return poll


def _result_text(ctx: Context, poll: Poll, result: dict[str, int], language: str) -> str:
    return result_text(ctx.catalog.text, poll, result, language)


async def _send_chart(ctx: Context, poll: Poll, result: dict[str, int]) -> None:
    labels = [text for _, text in poll.answers]
    counts = [result.get(answer_id, 0) for answer_id, _ in poll.answers]
    title = to_plain(ctx.t("poll.chart_title", number=poll.id))
    x_label = to_plain(ctx.t("poll.chart_x"))
    # matplotlib must not block the loop
    drawn = await asyncio.to_thread(poll_chart, title, labels, counts, x_label)
    counted = ", ".join(f"{label}: {count}" for label, count in zip(labels, counts, strict=True))
    alt = ctx.t("poll.chart_alt", number=poll.id, question=poll.question, counts=counted)
    await ctx.send_image(
        f"umfrage-{poll.id}.png", drawn.data, "image/png", drawn.width, drawn.height, to_plain(alt)
    )


@command("umfragen", aliases=("polls",), role=Role.MANAGER)
async def umfragen(ctx: Context, args: str) -> None:
    """The polls with their numbers: running ones with their votes, then ended ones."""
    service = _service(ctx)
    polls = await service.store.recent()
    if not polls:
        await ctx.reply_key("poll.none", prefix=ctx.prefix)
        return
    lines = [ctx.t("poll.list_title")]
    for poll in polls:
        lines.append(await _list_line(ctx, service, poll))
    if any(poll.ended_at is None for poll in polls):  # nothing to end otherwise
        lines.append(ctx.t("poll.list_hint", prefix=ctx.prefix))
    await ctx.reply("\n".join(lines))


async def _list_line(ctx: Context, service: PollService, poll: Poll) -> str:
    tally = poll.result if poll.result is not None else await service.store.tally(poll.id)
    total = sum(tally.values())
    if poll.ended_at is None and not poll.disclosed:
        state = ctx.t(plural("poll.state_secret", total), total=total)
    else:
        counts = ", ".join(f"{text}: {tally.get(a, 0)}" for a, text in poll.answers)
        key = "poll.state_ended" if poll.ended_at is not None else "poll.state_running"
        state = ctx.t(plural(key, total), counts=counts, total=total)
    where = _topic_name(ctx, poll.topic) or ctx.t("poll.one_room")
    return ctx.t("poll.list_line", number=poll.id, question=poll.question, where=where, state=state)
