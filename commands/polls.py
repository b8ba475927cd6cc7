"""Native Matrix polls (MSC3381): `!umfrage` posts one, votes are counted, `!umfrage-ende`
ends it and shows the result as text and as a chart.

The bot sends polls with the identifiers Element itself sends and reads, in Element Web
(matrix-js-sdk: `UnstableValue.name` is the unstable name) as in Element X (ruma's
`UnstablePollStartEventContent`): type and content key `org.matrix.msc3381.poll.start`, texts
under `org.matrix.msc1767.text`. Polls are in no released Matrix spec, and the newer stable form
(`m.poll.start` with an `m.poll` block) is shown by neither client, so sending it would reach
nobody. A plain-text fallback of the question and the numbered answers goes along for clients
without polls. Votes come in as `m.poll.response` or its unstable name, relating to a start
event by `m.reference`; bot/pollevents.py reads them defensively into a `PollVote`. One vote
per person and poll: the latest by origin_server_ts counts; answer IDs the poll does not have
are ignored; nothing is counted once the poll has ended. Undisclosed polls show no counts
until the end.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from commands.broadcast import Broadcaster
from commands.context import Context, Role
from commands.dialogs import confirmed
from commands.errors import CommandError, UsageError
from commands.faqchart import Chart, png_size
from commands.formatting import Markup, to_plain
from commands.i18n import plural
from commands.registry import command
from commands.services import require
from store.dialogs import Dialog
from store.polls import Poll, PollStore

__all__ = [
    "CONFIRM_KIND",
    "PollService",
    "PollTransport",
    "PollVote",
    "confirm_poll",
    "end_content",
    "parse_poll",
    "poll_chart",
    "start_content",
    "umfrage",
    "umfrage_ende",
    "umfragen",
]

log = logging.getLogger(__name__)

CONFIRM_KIND = "poll_confirm"
START_TYPE = "org.matrix.msc3381.poll.start"
END_TYPE = "org.matrix.msc3381.poll.end"
_TEXT = "org.matrix.msc1767.text"
MAX_ANSWERS = 20  # Element's limit too
MIN_ANSWERS = 2
MAX_TEXT = 340  # Element's limit for the question and each answer
_UNDISCLOSED_WORDS = frozenset({"geheim", "verdeckt", "undisclosed", "hidden", "secret"})
_TOPIC_KEYS = ("thema=", "topic=")
_NUMBER = re.compile(r"(?:nr\.?\s*|#)?(\d{1,9})", re.IGNORECASE)


@dataclass(frozen=True)
class PollVote:
    """One poll response as the transport read it: who, where, for which start event, when."""

    event_id: str
    room_id: str
    sender: str
    start_event_id: str
    answers: tuple[str, ...]  # the answer IDs named, strings only, in order
    sent_ms: int  # origin_server_ts


class PollTransport(Protocol):
    """Sends events of any type (bot/pollevents.py on nio; a fake in the tests)."""

    async def post(self, room_id: str, event_type: str, content: dict[str, Any]) -> str:
        """Send one event into a room; return its event ID."""

    async def dm_room(self, user_id: str) -> str:
        """The user's DM room with the bot (created if needed)."""


class _NotConnected:
    """Stands in until the transport attaches the real one (bot/app.py)."""

    async def post(self, room_id: str, event_type: str, content: dict[str, Any]) -> str:
        raise RuntimeError("no poll transport attached yet")

    async def dm_room(self, user_id: str) -> str:
        raise RuntimeError("no poll transport attached yet")


@dataclass(frozen=True)
class PollDraft:
    """A parsed `!umfrage`: question, answer texts, kind, and the topic (None: this room)."""

    question: str
    answers: tuple[str, ...]
    disclosed: bool
    topic: str | None


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
    parts = [" ".join(p.split()) for p in " ".join(words).split("|")]
    if len(parts) < 1 + MIN_ANSWERS or not all(parts):
        raise UsageError
    question, answers = parts[0], tuple(parts[1:])
    if len(answers) > MAX_ANSWERS:
        raise CommandError("poll.too_many_answers", count=len(answers), limit=MAX_ANSWERS)
    if max(len(p) for p in parts) > MAX_TEXT:
        raise CommandError("poll.too_long", limit=MAX_TEXT)
    if len({a.casefold() for a in answers}) != len(answers):
        raise CommandError("poll.duplicate_answers")
    return PollDraft(question, answers, disclosed, None), topic


def answer_ids(count: int) -> tuple[str, ...]:
    """Stable answer IDs: the poll's answers are numbered, so are their IDs."""
    return tuple(f"a{n}" for n in range(1, count + 1))


def fallback_text(question: str, answers: tuple[tuple[str, str], ...]) -> str:
    """What clients without poll support show: the question and the numbered answers."""
    lines = [question] + [f"{n}. {text}" for n, (_, text) in enumerate(answers, 1)]
    return "\n".join(lines)


def start_content(poll: Poll) -> dict[str, Any]:
    """The content of the poll's start event (with the text fallback)."""
    kind = "disclosed" if poll.disclosed else "undisclosed"
    text = fallback_text(poll.question, poll.answers)
    return {
        START_TYPE: {
            "question": {_TEXT: poll.question},
            "kind": f"org.matrix.msc3381.poll.{kind}",
            "max_selections": 1,
            "answers": [{"id": answer_id, _TEXT: t} for answer_id, t in poll.answers],
        },
        _TEXT: text,
        "body": text,
    }


def end_content(start_event_id: str, text: str) -> dict[str, Any]:
    """The content of the end event closing the poll started by `start_event_id`."""
    return {
        "m.relates_to": {"rel_type": "m.reference", "event_id": start_event_id},
        END_TYPE: {},
        _TEXT: text,
        "body": text,
    }


class PollService:
    """Creates, posts, counts and ends polls; the transport is attached by the caller."""

    def __init__(
        self,
        store: PollStore,
        broadcaster: Broadcaster | None,
        transport: PollTransport | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.broadcaster = broadcaster
        self.transport: PollTransport = transport or _NotConnected()
        self.clock = clock

    async def vote(self, vote: PollVote) -> bool:
        """Count a response if it belongs to one of our polls; return whether it counts now."""
        poll = await self.store.post_of(vote.start_event_id, vote.room_id)
        if poll is None:
            return False
        answer = next((a for a in vote.answers if a in poll.answer_ids), None)
        if answer is None:
            return False  # no answer of this poll: ignored, an earlier vote stays
        return await self.store.vote(poll.id, vote.sender, answer, vote.sent_ms, vote.event_id)

    async def targets(self, topic: str | None, room_id: str) -> tuple[list[str], list[str]]:
        """(users by DM, rooms) a poll goes to: the topic's followers and rooms, or one room."""
        if topic is None:
            return [], [room_id]
        audience = await require(self.broadcaster).audience(topic)
        users = [r.target for r in audience.recipients if r.kind == "user"]
        rooms = [r.target for r in audience.recipients if r.kind == "room"]
        return users, rooms

    async def post(self, poll: Poll, users: list[str], rooms: list[str]) -> tuple[int, int]:
        """Send the start event to every room and DM; return (sent, failed)."""
        content = start_content(poll)
        sent = failed = 0
        targets = [(room, False) for room in rooms] + [(user, True) for user in users]
        for target, is_user in targets:
            try:
                room = await self.transport.dm_room(target) if is_user else target
                event_id = await self.transport.post(room, START_TYPE, content)
            except Exception:
                log.exception("poll %d not posted to %s", poll.id, target)
                failed += 1
                continue
            await self.store.add_post(poll.id, room, event_id)
            sent += 1
        return sent, failed

    async def end(self, poll: Poll, text: str) -> tuple[dict[str, int] | None, int]:
        """End the poll (freeze its tally) and send the end event to each of its rooms; return
        the result (None if it had ended already) and how many end events failed."""
        result = await self.store.end(poll.id, self.clock())
        if result is None:
            return None, 0
        failed = 0
        for post in await self.store.posts(poll.id):
            try:
                await self.transport.post(post.room_id, END_TYPE, end_content(post.event_id, text))
            except Exception:
                log.exception("end of poll %d not sent to %s", poll.id, post.room_id)
                failed += 1
        return result, failed


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
    users, rooms = await service.targets(topic, ctx.message.room_id)
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
        recipients=_where(ctx, topic, len(users), len(rooms)),
    )


def _topic_name(ctx: Context, topic: str | None) -> str:
    broadcaster = ctx.services.broadcaster
    return broadcaster.topics.name(topic, ctx.language) if broadcaster and topic else ""


def _where(ctx: Context, topic: str | None, users: int, rooms: int) -> str:
    if topic is None:
        return ctx.t("poll.to_this_room")
    return ctx.t("poll.to_topic", topic=_topic_name(ctx, topic), users=users, rooms=rooms)


async def confirm_poll(ctx: Context, dialog: Dialog, text: str) -> None:
    """The manager's answer to the preview: 'ja' posts the poll, 'nein' cancels."""
    dialogs = ctx.services.dialogs
    assert dialogs is not None
    if ctx.role < Role.MANAGER:
        await dialogs.close(ctx)
        await ctx.reply_key("error.not_allowed")
        return
    if not await confirmed(ctx, text, "poll.cancelled"):
        return
    data = dialog.data
    service = _service(ctx)
    texts = tuple(str(a) for a in data["answers"])
    topic = data.get("topic")
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
    users, rooms = await service.targets(topic, ctx.message.room_id)
    sent, failed = await service.post(poll, users, rooms)
    key = "poll.started" if not failed else "poll.started_failed"
    await ctx.reply_key(key, number=poll_id, sent=sent, failed=failed, prefix=ctx.prefix)


@command("umfrage-ende", aliases=("poll-end", "umfrage-beenden"), role=Role.MANAGER)
async def umfrage_ende(ctx: Context, args: str) -> None:
    """End a poll: the end event to its rooms, the result here as text and as a chart."""
    poll = await _numbered(ctx, args)
    if poll.ended_at is not None:
        raise CommandError("poll.already_ended", number=poll.id)
    service = _service(ctx)
    tally = await service.store.tally(poll.id)
    # The end event's fallback: the result as far as counted now, in the town's language.
    result, failed = await service.end(poll, to_plain(_result_text(ctx, poll, tally, "de")))
    if result is None:
        raise CommandError("poll.already_ended", number=poll.id)
    await ctx.reply(_result_text(ctx, poll, result, ctx.language))
    if sum(result.values()):
        await _send_chart(ctx, poll, result)
    if failed:
        await ctx.reply_key("poll.end_failed", count=failed)


async def _numbered(ctx: Context, args: str) -> Poll:
    match = _NUMBER.fullmatch(args.strip())
    if match is None:
        raise UsageError
    poll = await _service(ctx).store.get(int(match[1]))
    if poll is None:
        raise CommandError("poll.unknown", number=match[1], prefix=ctx.prefix)
    return poll


def _result_text(ctx: Context, poll: Poll, result: dict[str, int], language: str) -> str:
    """'Ergebnis der Umfrage Nr. 3 „…“ (3 Stimmen):' and one line per answer."""
    total = sum(result.values())
    t = ctx.catalog.text
    lines = [
        t(
            language,
            plural("poll.result_title", total),
            number=poll.id,
            question=poll.question,
            total=total,
        )
    ]
    for answer_id, text in poll.answers:
        count = result.get(answer_id, 0)
        percent = round(100 * count / total) if total else 0
        lines.append(t(language, "poll.result_line", text=text, count=count, percent=percent))
    return "\n".join(lines)


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


def _shorten(label: str) -> str:
    return label if len(label) <= 40 else label[:39] + "…"


def poll_chart(title: str, labels: list[str], counts: list[int], x_label: str) -> Chart:
    """One horizontal bar per answer, in the poll's order (blocking: run it in a thread)."""
    import io

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    height = 1.5 + 0.45 * len(labels)
    figure = Figure(figsize=(8, height), dpi=100)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = list(range(len(labels)))
    axes.barh(positions, counts, color="#0072B2")
    # "$" would start matplotlib's math mode in an answer like "5 $ mehr".
    short = [_shorten(label).replace("$", r"\$") for label in labels]
    axes.set_yticks(positions, short)
    axes.invert_yaxis()  # the first answer on top, as in the poll
    for position, count in zip(positions, counts, strict=True):
        axes.annotate(
            str(count), (count, position), xytext=(4, 0), textcoords="offset points", va="center"
        )
    axes.set_title(title)
    axes.set_xlabel(x_label)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlim(0, max(1, *counts) * 1.15)
    axes.grid(axis="x", alpha=0.3)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    data = buffer.getvalue()
    width, height_px = png_size(data)
    return Chart(data, width, height_px)


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
        state = ctx.t(key, counts=counts, total=total)
    where = _topic_name(ctx, poll.topic) or ctx.t("poll.one_room")
    return ctx.t("poll.list_line", number=poll.id, question=poll.question, where=where, state=state)
