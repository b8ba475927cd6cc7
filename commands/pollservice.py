"""Polls on the wire and their counting: the start and end events, votes, the result chart.

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
until the end. Many clients show only the text fallback, so in the DM a poll came in, the
person may also type the answer's number or text (`PollService.typed_vote`): it is their
vote like a tapped one, until they ask something else there.

A poll to a topic is one durable broadcast of kind `POLL_KIND` (see bot/outbox.py): the rows
are written before the first send, each goes out exactly once with its transaction ID, held
in the reader's quiet hours. Weekly-digest readers get it at once too: a digest is text, and a
poll can only be answered as the poll itself, which a week's wait could bring after its end.
The outbox asks `event` for the start event and tells `sent` where it went, which records the
post so that votes there count. Ending the poll withdraws what is still queued and, in the
same transaction, queues the end events as a broadcast of kind `END_KIND` (a `PollEnds`): one
row per room the start went to (topic rooms, DMs, or the one room), exactly once across
restarts, not held by quiet hours (an end pings nobody, and held, the poll would look open
while its result is already published and further votes do not count).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from commands.broadcast import Broadcaster
from commands.faqchart import Chart, png_chart
from commands.formatting import Markup, to_plain
from commands.i18n import plural
from commands.polltyped import typed_answer
from commands.services import require
from store.broadcasts import Delivery, Progress, Withdrawn
from store.polls import END_KIND, WITHDRAWN, Poll, PollStore, broadcast_key

__all__ = [
    "END_KIND",
    "END_TYPE",
    "POLL_KIND",
    "PollEnds",
    "START_TYPE",
    "PollService",
    "PollTransport",
    "PollVote",
    "TypedVote",
    "answer_ids",
    "end_content",
    "fallback_text",
    "poll_chart",
    "result_text",
    "start_content",
]

log = logging.getLogger(__name__)

START_TYPE = "org.matrix.msc3381.poll.start"
END_TYPE = "org.matrix.msc3381.poll.end"
_TEXT = "org.matrix.msc1767.text"
# The broadcast kind of a poll to a topic's followers and rooms.
POLL_KIND = "poll"


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


def answer_ids(count: int) -> tuple[str, ...]:
    """Stable answer IDs: the poll's answers are numbered, so are their IDs."""
    return tuple(f"a{n}" for n in range(1, count + 1))


def fallback_text(question: str, answers: tuple[tuple[str, str], ...], hint: str = "") -> str:
    """What clients without poll support show: the question, the numbered answers, and how
    to vote (a reader who sees only this text would otherwise type a number in vain)."""
    lines = [question] + [f"{n}. {text}" for n, (_, text) in enumerate(answers, 1)]
    return "\n".join(lines + ["", hint] if hint else lines)


def start_content(poll: Poll, hint: str = "") -> dict[str, Any]:
    """The content of the poll's start event (with the text fallback and `hint`)."""
    kind = "disclosed" if poll.disclosed else "undisclosed"
    text = fallback_text(poll.question, poll.answers, hint)
    return {
        START_TYPE: {
            "question": {_TEXT: poll.question},
            "kind": f"org.matrix.msc3381.poll.{kind}",
            "max_selections": 1,
            "answers": [{"id": answer_id, _TEXT: t} for answer_id, t in poll.answers],
        },
        _TEXT: text,
        "body": text,
        # An empty intentional-mentions block: "@room" or a user ID in the question pings nobody.
        "m.mentions": {},
    }


def end_content(start_event_id: str, text: str) -> dict[str, Any]:
    """The content of the end event closing the poll started by `start_event_id`."""
    return {
        "m.relates_to": {"rel_type": "m.reference", "event_id": start_event_id},
        END_TYPE: {},
        _TEXT: text,
        "body": text,
        "m.mentions": {},
    }


def result_text(text: Callable[..., str], poll: Poll, result: dict[str, int], language: str) -> str:
    """'Ergebnis der Umfrage Nr. 3 „…“ (3 Stimmen):' and one line per answer (`text` is
    Catalog.text)."""
    total = sum(result.values())
    key = plural("poll.result_title", total)
    lines = [text(language, key, number=poll.id, question=poll.question, total=total)]
    for answer_id, answer in poll.answers:
        count = result.get(answer_id, 0)
        percent = round(100 * count / total) if total else 0
        lines.append(text(language, "poll.result_line", text=answer, count=count, percent=percent))
    return "\n".join(lines)


@dataclass(frozen=True)
class TypedVote:
    """What a poll answer typed in the poll's DM did: counted, too late (`ended`), a number
    the poll has not (`range`), or outdone by a later vote of the same person (`stale`)."""

    poll: Poll
    state: Literal["counted", "ended", "range", "stale"]
    answer: str = ""  # the answer's text, when counted


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
        self.ends = PollEnds(self)

    async def vote(self, vote: PollVote) -> bool:
        """Count a response if it belongs to one of our polls; return whether it counts now."""
        poll = await self.store.post_of(vote.start_event_id, vote.room_id)
        if poll is None:
            return False
        answer = next((a for a in vote.answers if a in poll.answer_ids), None)
        if answer is None:
            return False  # no answer of this poll: ignored, an earlier vote stays
        return await self.store.vote(poll.id, vote.sender, answer, vote.sent_ms, vote.event_id)

    async def typed_vote(
        self, sender: str, room_id: str, text: str, sent_ms: int, event_id: str
    ) -> TypedVote | None:
        """Count `text` as the sender's vote if it answers the poll they were last shown in
        this DM (for clients that show only the poll's text); None if it answers none.

        It is stored as a native response would be, with the message's time and event ID,
        so the later of a typed and a tapped vote counts, and redacting the message takes it
        back (`withdraw`)."""
        offers = await self.store.dm_offers(sender, room_id)
        poll = next((p for p in offers if p.ended_at is None), offers[0] if offers else None)
        number = None if poll is None else typed_answer(poll, text)
        if poll is None or number is None:
            return None
        if poll.ended_at is not None:
            return TypedVote(poll, "ended")
        if number == 0:
            return TypedVote(poll, "range")
        answer_id, answer = poll.answers[number - 1]
        if await self.store.vote(poll.id, sender, answer_id, sent_ms, event_id):
            return TypedVote(poll, "counted", answer)
        now = await self.store.get(poll.id)  # ended meanwhile, or a later vote stands
        return TypedVote(poll, "ended" if now is None or now.ended_at is not None else "stale")

    async def withdraw(self, redacted_event_id: str, sender: str) -> bool:
        """A response redacted by the one who sent it no longer counts (their earlier votes are
        not kept, so they have no vote until they answer again); a moderator's redaction is not
        the voter taking it back. Nothing changes once the poll has ended."""
        return await self.store.withdraw(redacted_event_id, sender)

    async def targets(self, topic: str | None, room_id: str) -> tuple[int, int, int]:
        """How many (users by DM, rooms, DMs held for quiet hours) a poll goes to: the topic's
        followers (weekly readers too) and rooms, or this one room."""
        if topic is None:
            return 0, 1, 0
        audience = await require(self.broadcaster).audience(topic, digest=False)
        return audience.users, audience.rooms, audience.deferred

    async def queue(self, poll: Poll) -> tuple[int, int]:
        """Queue a topic poll in the outbox, every recipient's row before the first send;
        return (broadcast number, recipients)."""
        assert poll.topic is not None
        broadcaster = require(self.broadcaster)
        audience = await broadcaster.audience(poll.topic, digest=False)
        broadcast_id = await broadcaster.broadcasts.create(
            POLL_KIND,
            poll.created_by,
            fallback_text(poll.question, poll.answers),
            audience.recipients,
            topic=poll.topic,
            report_room=poll.report_room,
            dedup_key=broadcast_key(poll.id),
        )
        return broadcast_id, len(audience.recipients)

    async def event(self, delivery: Delivery) -> tuple[str, dict[str, Any]]:
        """The start event of the delivery's poll (Broadcaster event kind); an ended poll's
        rows are withdrawn."""
        poll = await self.store.by_broadcast(delivery.broadcast_id)
        if poll is None or poll.ended_at is not None:
            raise Withdrawn(WITHDRAWN)
        language = "de"
        if delivery.recipient_kind == "user":  # a DM: in its reader's language
            language = await require(self.broadcaster).users.language(delivery.recipient) or "de"
        dm = delivery.recipient_kind == "user"
        return START_TYPE, start_content(poll, self.hint(language, dm))

    def hint(self, language: str, dm: bool = False) -> str:
        """How to vote, for the text fallback (empty without a catalog to say it): in a DM a
        typed number counts too (`typed_vote`), in a room it does not."""
        if self.broadcaster is None:
            return ""
        key = "poll.fallback_hint_dm" if dm else "poll.fallback_hint"
        return to_plain(self.broadcaster.catalog.text(language, key))

    async def sent(self, delivery: Delivery, room_id: str, event_id: str) -> None:
        """Record where the start event went, so that votes there count; if the poll ended
        while it was on its way, end it there too."""
        poll = await self.store.by_broadcast(delivery.broadcast_id)
        if poll is None:
            return
        await self.store.add_post(poll.id, room_id, event_id)
        poll = await self.store.get(poll.id)
        if poll is None or poll.result is None:
            return
        # Rare (a send in flight at the end): its room joins the end's rows (once, however
        # often this is called again after a crash).
        await self.store.queue_end(poll.id, room_id)
        require(self.broadcaster).wake()

    async def report(self, progress: Progress, final: bool) -> str:
        """The manager's status of a topic poll on its way (in German, like announcements)."""
        broadcaster = require(self.broadcaster)
        poll = await self.store.by_broadcast(progress.broadcast_id)
        number = poll.id if poll is not None else progress.broadcast_id
        text = broadcaster.catalog.text
        if not final:
            return text(
                "de",
                "poll.delivery_progress",
                number=number,
                sent=progress.sent,
                total=progress.total,
                pending=progress.pending,
            )
        key = "poll.started_failed" if progress.undeliverable else "poll.started"
        return text(
            "de",
            key,
            number=number,
            sent=progress.sent,
            failed=progress.undeliverable,
            prefix=broadcaster.prefix,
        )

    async def render_text(self, language: str, delivery: Delivery) -> str | None:
        """A poll as text (Broadcaster renderer: where the start event cannot be sent, e.g.
        in the console, its text fallback is shown)."""
        # The manager's words as typed, one line each (question, numbered answers).
        dm = delivery.recipient_kind == "user"
        lines = [*delivery.body.split("\n"), "", self.hint(language, dm)]
        return Markup("\n").join(lines)

    async def post(self, poll: Poll, users: list[str], rooms: list[str]) -> tuple[int, int]:
        """Send the start event to every room and DM at once (a poll in one room; a topic poll
        goes through the outbox instead); return (sent, failed)."""
        content = start_content(poll, self.hint("de"))
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

    async def end(self, poll: Poll) -> dict[str, int] | None:
        """End the poll and freeze its tally, queueing its end events in the outbox in the
        same transaction; None if it had ended already."""
        result = await self.store.end(poll.id, self.clock())
        if result is not None and self.broadcaster is not None:
            self.broadcaster.wake()
        return result


class PollEnds:
    """The broadcast kind `END_KIND`: a poll's end event, one per room its start went to."""

    def __init__(self, service: PollService) -> None:
        self.service = service

    async def event(self, delivery: Delivery) -> tuple[str, dict[str, Any]]:
        """The end event for the delivery's room, the result (in German) as its fallback."""
        store = self.service.store
        poll = await store.by_end_broadcast(delivery.broadcast_id)
        start = None if poll is None else await store.start_in(poll.id, delivery.recipient)
        if poll is None or poll.result is None or start is None:
            raise Withdrawn("no poll start in this room")
        catalog = require(self.service.broadcaster).catalog
        text = to_plain(result_text(catalog.text, poll, poll.result, "de"))
        return END_TYPE, end_content(start, text)

    async def sent(self, delivery: Delivery, room_id: str, event_id: str) -> None:
        """Nothing to record: the end is in the room."""

    async def report(self, progress: Progress, final: bool) -> str:
        """Not shown (the end's broadcast has no status message); the counts, for the log."""
        return f"poll end {progress.broadcast_id}: {progress.sent}/{progress.total}"


def _shorten(label: str) -> str:
    return label if len(label) <= 40 else label[:39] + "…"


def poll_chart(title: str, labels: list[str], counts: list[int], x_label: str) -> Chart:
    """One horizontal bar per answer, in the poll's order (blocking: run it in a thread)."""
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
    return png_chart(figure)
