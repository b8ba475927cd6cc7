"""Polls without a homeserver: creating, counting (one per person, the last counts), ending."""

from __future__ import annotations

import asyncio
import io
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from nio import RoomSendResponse
from nio.events import Event

from bot.chat import run_chat
from bot.outbox import Outbox
from bot.pollevents import poll_vote
from bot.wiring import ServiceSettings
from commands.broadcast import Broadcaster
from commands.errors import CommandError, UsageError
from commands.faqchart import png_size
from commands.i18n import Catalog
from commands.polls import (
    PollService,
    PollVote,
    end_content,
    parse_poll,
    poll_chart,
    start_content,
)
from commands.privacy import export_document
from commands.quiet import BERLIN
from commands.report import Period
from commands.report.blocks import Texts
from commands.report.model import BroadcastStats, NetworkStats, QuestionStats, Report
from commands.report.view import build_document
from commands.router import Router
from store.broadcasts import Withdrawn
from store.db import Database
from store.polls import WITHDRAWN
from store.report import ReportStore
from tests.bot.test_events_fuzz import ROOM as FUZZ_ROOM
from tests.bot.test_events_fuzz import handler_for
from tests.commands.fakes import (
    CITIZEN,
    MANAGER,
    Clock,
    RecordingReplier,
    make_router,
    message,
)

ROOM = "!room:ochtrup.test"
TEXT = "org.matrix.msc1767.text"
START = "org.matrix.msc3381.poll.start"
END = "org.matrix.msc3381.poll.end"


@dataclass
class FakeTransport:
    """Records the poll events the bot would send."""

    events: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    fail_rooms: frozenset[str] = frozenset()

    async def post(self, room_id: str, event_type: str, content: dict[str, Any]) -> str:
        if room_id in self.fail_rooms:
            raise RuntimeError("M_FORBIDDEN")
        self.events.append((room_id, event_type, content))
        return f"$poll{len(self.events)}"

    async def dm_room(self, user_id: str) -> str:
        return f"!dm-{user_id}"

    def of_type(self, event_type: str) -> list[tuple[str, str, dict[str, Any]]]:
        return [e for e in self.events if e[1] == event_type]


@dataclass
class Bot:
    router: Router
    replier: RecordingReplier
    db: Database
    transport: FakeTransport

    async def say(self, body: str, sender: str = MANAGER, room: str = ROOM) -> str:
        await self.router.dispatch(message(body, sender=sender, room=room))
        return self.replier.texts[-1]

    async def end(self, number: int = 1) -> str:
        """`!umfrage-ende`, which asks first, and the manager's "ja"."""
        assert "beenden?" in await self.say(f"!umfrage-ende {number}")
        return await self.say("ja")

    @property
    def polls(self) -> PollService:
        service = self.router.services.polls
        assert service is not None
        return service

    async def vote(self, sender: str, answers: tuple[str, ...], ts: int, **kw: Any) -> bool:
        start = kw.get("start", "$poll1")
        room = kw.get("room", ROOM)
        event_id = f"$v-{sender}-{ts}-{len(answers)}"
        return await self.polls.vote(PollVote(event_id, room, sender, start, answers, ts))


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Bot]:
    router, replier, db, _ = await make_router(tmp_path)
    transport = FakeTransport()
    assert router.services.polls is not None
    router.services.polls.transport = transport
    yield Bot(router, replier, db, transport)
    await db.close()


async def _start(bot: Bot, args: str = "Welcher Termin passt? | Montag | Dienstag") -> None:
    assert "Vorschau" in await bot.say(f"!umfrage {args}")
    assert "läuft" in await bot.say("ja")


async def test_confirmed_poll_is_posted_as_a_native_poll_with_a_text_fallback(bot: Bot) -> None:
    await _start(bot)
    [(room, event_type, content)] = bot.transport.events
    # Element's own identifiers (see commands/polls.py), which Element Web and Element X show.
    assert (room, event_type) == (ROOM, "org.matrix.msc3381.poll.start")
    poll = content["org.matrix.msc3381.poll.start"]
    assert poll["kind"] == "org.matrix.msc3381.poll.disclosed"
    assert poll["max_selections"] == 1
    assert poll["question"] == {TEXT: "Welcher Termin passt?"}
    assert [a[TEXT] for a in poll["answers"]] == ["Montag", "Dienstag"]
    assert len({a["id"] for a in poll["answers"]}) == 2
    assert content[TEXT].startswith("Welcher Termin passt?\n1. Montag\n2. Dienstag\n\n")
    assert content["body"] == content[TEXT]


async def test_the_text_fallback_says_how_to_vote_and_that_a_typed_number_does_not_count(
    bot: Bot,
) -> None:
    await _start(bot)
    [(_, _, content)] = bot.transport.events
    hint = content[TEXT].split("\n\n", 1)[1]
    assert hint.startswith("So stimmen Sie ab: Tippen Sie in der Umfrage auf Ihre Antwort")
    assert "Element" in hint
    assert "getippte Nummer zählt nicht" in hint
    assert "`" not in hint  # plain text: a client without polls shows the body as typed


async def test_a_poll_question_naming_room_or_a_user_pings_nobody(bot: Bot) -> None:
    await _start(bot, "@room und @carol:example.org: wer kommt? | ja | nein")
    [(_, _, content)] = bot.transport.events
    assert content["m.mentions"] == {}
    assert end_content("$start", "Ergebnis @room")["m.mentions"] == {}


async def test_no_poll_is_posted_without_yes(bot: Bot) -> None:
    await bot.say("!umfrage Frage? | A | B")
    assert "nicht gestartet" in await bot.say("nein")
    assert bot.transport.events == []


async def test_citizen_cannot_start_a_poll(bot: Bot) -> None:
    await bot.say("!umfrage Frage? | A | B", sender=CITIZEN)
    assert bot.transport.events == []
    assert "dem Klimaschutzmanagement vorbehalten" in bot.replier.texts[-1]


async def test_the_last_vote_by_timestamp_counts_not_the_last_to_arrive(bot: Bot) -> None:
    await _start(bot)
    assert await bot.vote(CITIZEN, ("a1",), ts=1000)
    assert not await bot.vote(CITIZEN, ("a2",), ts=500)  # older, arrived late
    assert await bot.polls.store.tally(1) == {"a1": 1}
    assert await bot.vote(CITIZEN, ("a2",), ts=2000)
    assert await bot.polls.store.tally(1) == {"a2": 1}


async def test_invalid_answer_ids_are_ignored_and_the_earlier_vote_stays(bot: Bot) -> None:
    await _start(bot)
    await bot.vote(CITIZEN, ("a1",), ts=1000)
    assert not await bot.vote(CITIZEN, ("a9", "nope"), ts=2000)
    assert not await bot.vote(CITIZEN, (), ts=3000)
    assert await bot.polls.store.tally(1) == {"a1": 1}
    assert await bot.vote(CITIZEN, ("zz", "a2", "a1"), ts=4000)  # the first valid one
    assert await bot.polls.store.tally(1) == {"a2": 1}


async def test_a_response_in_another_room_or_to_another_event_is_no_vote(bot: Bot) -> None:
    await _start(bot)
    assert not await bot.vote(CITIZEN, ("a1",), ts=1000, room="!elsewhere:x")
    assert not await bot.vote(CITIZEN, ("a1",), ts=1000, start="$unknown")
    assert await bot.polls.store.tally(1) == {}


async def test_a_response_redacted_by_its_sender_no_longer_counts(bot: Bot) -> None:
    await _start(bot)
    await bot.vote(CITIZEN, ("a1",), ts=1000)
    await bot.vote("@other:x", ("a1",), ts=1000)
    assert not await bot.polls.withdraw(f"$v-{CITIZEN}-1000-1", "@moderator:x")  # not theirs
    assert await bot.polls.store.tally(1) == {"a1": 2}
    assert await bot.polls.withdraw(f"$v-{CITIZEN}-1000-1", CITIZEN)
    assert await bot.polls.store.tally(1) == {"a1": 1}
    assert not await bot.polls.withdraw(f"$v-{CITIZEN}-1000-1", CITIZEN)  # gone already
    assert await bot.vote(CITIZEN, ("a2",), ts=2000)  # answering again counts
    assert await bot.polls.store.tally(1) == {"a1": 1, "a2": 1}


async def test_a_redaction_after_the_end_changes_no_result(bot: Bot) -> None:
    await _start(bot)
    await bot.vote(CITIZEN, ("a1",), ts=1000)
    await bot.end()
    assert not await bot.polls.withdraw(f"$v-{CITIZEN}-1000-1", CITIZEN)
    assert await bot.polls.store.tally(1) == {"a1": 1}


async def test_votes_after_the_end_are_ignored(bot: Bot) -> None:
    await _start(bot)
    await bot.vote(CITIZEN, ("a1",), ts=1000)
    await bot.end()
    assert not await bot.vote(CITIZEN, ("a2",), ts=10**13)
    assert not await bot.vote("@late:x", ("a2",), ts=10**13)
    assert not await bot.vote("@slow:x", ("a2",), ts=1)  # sent before, but too late to count
    poll = await bot.polls.store.get(1)
    assert poll is not None
    assert poll.result == {"a1": 1}


async def test_undisclosed_poll_shows_no_counts_before_the_end(bot: Bot) -> None:
    await _start(bot, "geheim Lieblingsrad? | Lastenrad | Pedelec")
    [(_, _, content)] = bot.transport.events
    assert content[START]["kind"] == "org.matrix.msc3381.poll.undisclosed"
    await bot.vote("@a:x", ("a1",), ts=1000)
    listing = await bot.say("!umfragen")
    assert "1 Stimme (geheim" in listing
    assert "Lastenrad: 1" not in listing
    await bot.end()
    assert "Lastenrad: 1" in await bot.say("!umfragen")


async def test_ending_a_poll_asks_first_and_no_keeps_it_running(bot: Bot) -> None:
    await _start(bot)
    await bot.vote(CITIZEN, ("a1",), ts=1000)
    ask = await bot.say("!umfrage-ende 1")
    assert "Umfrage Nr. 1 „Welcher Termin passt?“ (ein Raum, bisher 1 Stimme) beenden?" in ask
    assert "läuft weiter" in await bot.say("nein")
    poll = await bot.polls.store.get(1)
    assert poll is not None
    assert poll.ended_at is None
    assert bot.transport.of_type(END) == []
    assert "Ergebnis der Umfrage Nr. 1" in await bot.end()


async def test_poll_list_offers_no_end_command_once_every_poll_has_ended(bot: Bot) -> None:
    await _start(bot)
    assert "umfrage-ende" in await bot.say("!umfragen")
    await bot.end()
    listing = await bot.say("!umfragen")
    assert "beendet" in listing
    assert "umfrage-ende" not in listing


class FakeHomeserver:
    """The nio client as the outbox uses it; like Synapse, it answers a send repeated with the
    same transaction ID with the first event's ID instead of showing it twice."""

    def __init__(self) -> None:
        self.rooms: dict[str, Any] = {}
        self.events: list[tuple[str, str, dict[str, Any]]] = []
        self._txns: dict[str, str] = {}

    def join(self, room_id: str, *users: str) -> None:
        self.rooms[room_id] = SimpleNamespace(users={user: object() for user in users})

    async def room_send(
        self,
        room_id: str,
        message_type: str,
        content: dict[str, Any],
        tx_id: str | None = None,
        ignore_unverified_devices: bool = False,
    ) -> RoomSendResponse:
        if tx_id is not None and tx_id in self._txns:
            return RoomSendResponse(self._txns[tx_id], room_id)
        self.events.append((room_id, message_type, content))
        event_id = f"$ev{len(self.events)}"
        if tx_id is not None:
            self._txns[tx_id] = event_id
        return RoomSendResponse(event_id, room_id)

    def of_type(self, event_type: str) -> list[tuple[str, str, dict[str, Any]]]:
        return [e for e in self.events if e[1] == event_type]


TEAM = "!team-mobil:o"  # the topic's room
FOLLOWERS = ("@x:o", "@y:o")
NOON = 1_700_000_000.0 + 12 * 3600  # 11:13 in Berlin: no quiet hours


@dataclass
class TopicBot(Bot):
    clock: Clock
    server: FakeHomeserver

    @property
    def broadcaster(self) -> Broadcaster:
        assert self.router.services.broadcaster is not None
        return self.router.services.broadcaster

    def outbox(self) -> Outbox:
        """The outbox as bot/app.py builds it, on the fake homeserver (a new one: a restart)."""
        ready = asyncio.Event()
        ready.set()
        b = self.broadcaster
        return Outbox(
            self.server,
            b.broadcasts,
            b.subscriptions,
            b.render_delivery,
            b.report,
            encryption=False,
            ready=ready,
            render_event=b.render_event,
            event_sent=b.event_sent,
        )

    async def deliver(self) -> None:
        """Run an outbox until nothing due is left."""
        outbox = self.outbox()
        task = asyncio.create_task(outbox.run())
        try:
            for _ in range(200):
                if not await self.broadcaster.broadcasts.due(time.time(), 100) and not (
                    outbox.in_flight
                ):
                    break
                await asyncio.sleep(0.02)
            else:
                raise AssertionError("the outbox did not finish")
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def rows(self) -> list[tuple[str, str, str | None]]:
        """(recipient, state, error) of every delivery row, in order."""
        found = await self.db.fetchall(
            "SELECT recipient, state, error FROM deliveries ORDER BY id", ()
        )
        return [(str(r["recipient"]), str(r["state"]), r["error"]) for r in found]


@pytest.fixture
async def topic_bot(tmp_path: Path) -> AsyncIterator[TopicBot]:
    router, replier, db, clock = await make_router(tmp_path)
    clock.now = NOON
    transport = FakeTransport()
    assert router.services.polls is not None
    assert router.services.broadcaster is not None
    router.services.polls.transport = transport
    router.services.broadcaster.topic_rooms = {"mobilitaet": (TEAM,)}
    server = FakeHomeserver()
    server.join(TEAM)
    server.join(ROOM)
    bot = TopicBot(router, replier, db, transport, clock, server)
    for user in FOLLOWERS:  # each follows the topic from their DM with the bot
        dm = f"!dm-{user}"
        server.join(dm, user)
        await router.dispatch(message("!abonnieren mobilitaet", sender=user, direct=True, room=dm))
    yield bot
    await db.close()


async def test_ending_sends_poll_end_and_posts_result_text_and_chart(topic_bot: TopicBot) -> None:
    await _start(topic_bot)
    await topic_bot.vote("@a:x", ("a1",), ts=1000)
    await topic_bot.vote("@b:x", ("a2",), ts=1000)
    await topic_bot.vote("@c:x", ("a2",), ts=1000)
    await topic_bot.vote("@b:x", ("a1",), ts=2000)  # changes their mind
    result = await topic_bot.end()
    assert "3 Stimmen" in result
    assert "Montag: 2 (67 %)" in result
    assert "Dienstag: 1 (33 %)" in result
    assert topic_bot.transport.of_type(END) == []  # not in the handler: through the outbox
    await topic_bot.deliver()
    await topic_bot.deliver()  # a second run (a restart) sends nothing again
    [(room, _, end)] = topic_bot.server.of_type(END)
    assert room == ROOM
    assert end["m.relates_to"] == {"rel_type": "m.reference", "event_id": "$poll1"}
    assert "Montag: 2" in end[TEXT]
    [(name, data, mimetype, width, height, alt)] = topic_bot.replier.images
    assert mimetype == "image/png"
    assert png_size(data) == (width, height)
    assert "Montag: 2" in alt
    assert "schon beendet" in await topic_bot.say("!umfrage-ende 1")


async def test_topic_poll_is_queued_as_rows_for_each_dm_and_room_before_any_send(
    topic_bot: TopicBot,
) -> None:
    preview = await topic_bot.say("!umfrage thema=mobilitaet Radweg? | ja | nein")
    assert "Direktnachrichten: 2; Themenräume: 1" in preview
    assert "wird an 3 Empfänger gesendet" in await topic_bot.say("ja")
    assert await topic_bot.rows() == [
        ("@x:o", "pending", None),
        ("@y:o", "pending", None),
        (TEAM, "pending", None),
    ]
    assert topic_bot.server.events == []
    assert topic_bot.transport.events == []
    [broadcast] = await topic_bot.db.fetchall("SELECT kind, dedup_key FROM broadcasts", ())
    assert (broadcast["kind"], broadcast["dedup_key"]) == ("poll", "poll:1")


async def test_a_poll_dm_tells_how_to_vote_in_its_readers_language(topic_bot: TopicBot) -> None:
    await topic_bot.say("!sprache en", sender="@x:o")
    await topic_bot.say("!umfrage thema=mobilitaet Radweg? | ja | nein")
    await topic_bot.say("ja")
    await topic_bot.deliver()
    bodies = {room: content[TEXT] for room, _, content in topic_bot.server.of_type(START)}
    assert "How to vote: tap your answer in the poll" in bodies["!dm-@x:o"]
    assert "So stimmen Sie ab" in bodies["!dm-@y:o"]
    assert "So stimmen Sie ab" in bodies[TEAM]


async def test_outbox_sends_the_poll_itself_once_to_each_dm_and_room_and_votes_there_count(
    topic_bot: TopicBot,
) -> None:
    await topic_bot.say("!umfrage thema=mobilitaet Radweg? | ja | nein")
    await topic_bot.say("ja")
    await topic_bot.deliver()
    await topic_bot.deliver()  # a second run (a restart) sends nothing again
    starts = topic_bot.server.of_type(START)
    assert sorted(room for room, _, _ in starts) == ["!dm-@x:o", "!dm-@y:o", TEAM]
    poll = await topic_bot.polls.store.get(1)
    assert poll is not None
    # In a DM a typed number counts as a vote too, in the topic's room it does not.
    for room, _, content in starts:
        hint = topic_bot.polls.hint("de", dm=room != TEAM)
        assert content == start_content(poll, hint)
    assert [s for s in topic_bot.server.of_type("m.room.message") if "läuft" in str(s)]
    assert "Umfrage Nr. 1 läuft (Räume: 3)" in str(topic_bot.server.events[-1][2])
    posts = {p.room_id: p.event_id for p in await topic_bot.polls.store.posts(1)}
    assert set(posts) == {"!dm-@x:o", "!dm-@y:o", TEAM}
    assert not await topic_bot.broadcaster.broadcasts.announcement_topic(posts[TEAM])
    # A vote in one of those DMs counts, and so does the other person's.
    await topic_bot.vote("@x:o", ("a1",), ts=1, start=posts["!dm-@x:o"], room="!dm-@x:o")
    await topic_bot.vote("@y:o", ("a2",), ts=1, start=posts["!dm-@y:o"], room="!dm-@y:o")
    assert await topic_bot.polls.store.tally(1) == {"a1": 1, "a2": 1}
    del topic_bot.server.rooms["!dm-@y:o"]  # the bot left y's DM meanwhile
    assert "2 Stimmen" in await topic_bot.end()
    await topic_bot.deliver()
    await topic_bot.deliver()  # a second run (a restart) sends nothing again
    ends = topic_bot.server.of_type(END)
    assert sorted((room, end["m.relates_to"]["event_id"]) for room, _, end in ends) == [
        ("!dm-@x:o", posts["!dm-@x:o"]),
        (TEAM, posts[TEAM]),
    ]
    assert all("ja: 1 (50 %)" in end[TEXT] for _, _, end in ends)
    assert topic_bot.transport.events == []


async def test_a_send_whose_answer_was_lost_is_sent_again_as_the_same_event(
    topic_bot: TopicBot,
) -> None:
    await topic_bot.say("!umfrage thema=mobilitaet Radweg? | ja | nein")
    await topic_bot.say("ja")
    [first, *_] = await topic_bot.broadcaster.broadcasts.due(time.time(), 10)
    # The bot dies after the homeserver took the event and before the row was marked: the
    # event is out, the row still pending, and the post maybe not recorded.
    await topic_bot.server.room_send(
        "!dm-@x:o", START, {"sent": "before the crash"}, tx_id=f"kb-d{first.id}"
    )
    await topic_bot.deliver()
    starts = [room for room, _, _ in topic_bot.server.of_type(START)]
    assert sorted(starts) == ["!dm-@x:o", "!dm-@y:o", TEAM]  # x's only once
    posts = {p.room_id: p.event_id for p in await topic_bot.polls.store.posts(1)}
    assert posts["!dm-@x:o"] == "$ev1"  # the event x got, so x's vote counts
    assert await topic_bot.vote("@x:o", ("a1",), ts=1, start="$ev1", room="!dm-@x:o")


async def test_topic_poll_waits_for_the_end_of_each_followers_quiet_hours(
    topic_bot: TopicBot,
) -> None:
    night = 1_700_000_000.0  # 23:13 in Berlin; the default quiet hours end at 07:00
    topic_bot.clock.now = night
    await topic_bot.say("!ruhezeit aus", sender="@y:o")
    preview = await topic_bot.say("!umfrage thema=mobilitaet Radweg? | ja | nein")
    # The held ones are DMs: the note follows their count, not the rooms'.
    held = "Direktnachrichten: 2 (davon 1 erst nach dem Ende ihrer Ruhezeit); Themenräume: 1"
    assert held in preview
    await topic_bot.say("ja")
    store = topic_bot.broadcaster.broadcasts
    assert sorted(d.recipient for d in await store.due(night, 10)) == [TEAM, "@y:o"]
    seven = 1_700_028_000.0  # 07:00 in Berlin the next morning
    assert await store.due(seven - 1, 10) == await store.due(night, 10)
    assert sorted(d.recipient for d in await store.due(seven, 10)) == [TEAM, "@x:o", "@y:o"]


async def test_weekly_digest_readers_get_the_poll_itself_at_once(topic_bot: TopicBot) -> None:
    await topic_bot.say("!zustellung woechentlich", sender="@x:o")
    assert "Direktnachrichten: 2" in await topic_bot.say(
        "!umfrage thema=mobilitaet Radweg? | ja | nein"
    )
    await topic_bot.say("ja")
    assert ("@x:o", "pending", None) in await topic_bot.rows()
    await topic_bot.deliver()
    assert "!dm-@x:o" in [room for room, _, _ in topic_bot.server.of_type(START)]
    assert await topic_bot.broadcaster.send_digests() == 0  # and not again in the digest


async def test_a_poll_ended_before_delivery_is_not_sent_any_more(topic_bot: TopicBot) -> None:
    topic_bot.clock.now = 1_700_000_000.0  # night: x and y are held until 07:00
    await topic_bot.say("!umfrage thema=mobilitaet Radweg? | ja | nein")
    await topic_bot.say("ja")
    store = topic_bot.broadcaster.broadcasts
    # The outbox had already fetched x's row when the poll ended (a stale row in its queue).
    [stale] = [d for d in await store.due(time.time(), 10) if d.recipient == "@x:o"]
    await topic_bot.end()
    assert await topic_bot.rows() == [
        ("@x:o", "undeliverable", WITHDRAWN),
        ("@y:o", "undeliverable", WITHDRAWN),
        (TEAM, "undeliverable", WITHDRAWN),
    ]
    assert await store.unfinished() == []  # no late delivery report
    outbox = topic_bot.outbox()
    await outbox._deliver(stale)
    await topic_bot.deliver()
    assert topic_bot.server.events == []
    assert topic_bot.transport.events == []  # no end event either: it was nowhere


async def test_a_start_event_on_its_way_at_the_end_is_ended_there_too(
    topic_bot: TopicBot,
) -> None:
    await topic_bot.say("!umfrage thema=mobilitaet Radweg? | ja | nein")
    await topic_bot.say("ja")
    [delivery, *_] = await topic_bot.broadcaster.broadcasts.due(time.time(), 10)
    content = await topic_bot.polls.event(delivery)  # sent; the answer is still on its way
    await topic_bot.end()
    with pytest.raises(Withdrawn):
        await topic_bot.polls.event(delivery)
    await topic_bot.polls.sent(delivery, "!dm-@x:o", "$late")
    await topic_bot.polls.sent(delivery, "!dm-@x:o", "$late")  # again after a crash
    assert content[0] == START
    assert [p.event_id for p in await topic_bot.polls.store.posts(1)] == ["$late"]
    assert ("!dm-@x:o", "pending", None) in await topic_bot.rows()  # durably queued
    await topic_bot.deliver()
    [(room, _, end)] = topic_bot.server.of_type(END)
    assert room == "!dm-@x:o"
    assert end["m.relates_to"] == {"rel_type": "m.reference", "event_id": "$late"}
    assert "Ergebnis der Umfrage Nr. 1" in end[TEXT]


async def test_ending_queues_one_end_row_per_room_the_start_went_to_before_any_send(
    topic_bot: TopicBot,
) -> None:
    await topic_bot.say("!umfrage thema=mobilitaet Radweg? | ja | nein")
    await topic_bot.say("ja")
    await topic_bot.deliver()
    topic_bot.clock.now = 1_700_000_000.0  # x's and y's quiet hours: an end is not held
    await topic_bot.end()
    found = await topic_bot.db.fetchall(
        "SELECT b.kind, b.dedup_key, d.recipient, d.recipient_kind, d.state, d.not_before "
        "FROM deliveries d JOIN broadcasts b ON b.id = d.broadcast_id WHERE b.kind = 'poll_end'",
        (),
    )
    assert sorted(tuple(r) for r in found) == [
        ("poll_end", "pollend:1", "!dm-@x:o", "room", "pending", 0.0),
        ("poll_end", "pollend:1", "!dm-@y:o", "room", "pending", 0.0),
        ("poll_end", "pollend:1", TEAM, "room", "pending", 0.0),
    ]
    assert topic_bot.server.of_type(END) == []


async def test_an_end_whose_answer_was_lost_is_not_shown_twice_after_a_restart(
    topic_bot: TopicBot,
) -> None:
    await topic_bot.say("!umfrage thema=mobilitaet Radweg? | ja | nein")
    await topic_bot.say("ja")
    await topic_bot.deliver()
    await topic_bot.end()
    [first, *_] = await topic_bot.broadcaster.broadcasts.due(time.time(), 10)
    # The homeserver took the first end event, then the bot died before its row was marked.
    await topic_bot.server.room_send(first.recipient, END, {}, tx_id=f"kb-d{first.id}")
    await topic_bot.deliver()
    await topic_bot.deliver()
    ends = sorted(room for room, _, _ in topic_bot.server.of_type(END))
    assert ends == ["!dm-@x:o", "!dm-@y:o", TEAM]  # each room exactly once


async def test_a_polls_end_is_not_counted_as_a_broadcast_of_its_own_in_the_council_report(
    topic_bot: TopicBot,
) -> None:
    await topic_bot.say("!umfrage thema=mobilitaet Radweg? | ja | nein")
    await topic_bot.say("ja")
    await topic_bot.deliver()
    await topic_bot.end()
    await topic_bot.deliver()
    store = ReportStore(topic_bot.db)
    assert [row.kind for row in await store.broadcasts(0, time.time() + 60)] == ["poll"]
    assert await store.distinct_users_reached(0, time.time() + 60) == 2


async def test_no_poll_is_created_when_the_topic_lost_its_last_subscriber_before_yes(
    bot: Bot,
) -> None:
    await bot.say("!abonnieren mobilitaet", sender="@x:o")
    assert "Direktnachrichten: 1" in await bot.say("!umfrage thema=mobilitaet Radweg? | ja | nein")
    await bot.say("!abbestellen mobilitaet", sender="@x:o")
    assert "keine Empfänger" in await bot.say("ja")
    assert bot.transport.events == []
    assert await bot.polls.store.recent() == []


async def test_poll_to_an_unknown_topic_or_with_bad_answers_is_refused_politely(bot: Bot) -> None:
    assert "„mond“ kenne ich nicht" in await bot.say("!umfrage thema=mond Frage | A | B")
    assert "So verwenden Sie" in await bot.say("!umfrage Nur eine Frage | A")
    assert "gleich" in await bot.say("!umfrage Frage | A | a")
    assert bot.transport.events == []


def test_parse_poll_reads_options_and_refuses_bad_input() -> None:
    draft, topic = parse_poll("thema=Mobilität geheim Frage? | A | B ")
    assert (draft.question, draft.answers, draft.disclosed, topic) == (
        "Frage?",
        ("A", "B"),
        False,
        "Mobilität",
    )
    for bad in ("", "Frage", "Frage | A", "Frage | A | ", " | A | B"):
        with pytest.raises(UsageError):
            parse_poll(bad)
    with pytest.raises(CommandError, match="too_many"):
        parse_poll("F | " + " | ".join(str(n) for n in range(21)))
    with pytest.raises(CommandError, match="too_long"):
        parse_poll("F | A | " + "x" * 341)


def test_poll_texts_lose_bidi_overrides_and_invisible_characters() -> None:
    draft, _ = parse_poll("Frage\u202e? | Ja\u2066 | Nein\x07")
    assert (draft.question, draft.answers) == ("Frage?", ("Ja", "Nein"))
    with pytest.raises(CommandError, match="duplicate"):
        parse_poll("Frage? | Ja | Ja\u200b")
    with pytest.raises(UsageError):
        parse_poll("Frage? | Ja | \u200b")


def test_chart_is_a_png_even_with_dollar_signs_and_zero_votes() -> None:
    chart = poll_chart("Umfrage 1", ["5 $ mehr", "$x$ " * 30, "C"], [0, 0, 0], "Stimmen")
    assert png_size(chart.data) == (chart.width, chart.height)


def _response(content: Any, ts: Any = 1000) -> dict[str, Any]:
    return {
        "type": "m.poll.response",
        "event_id": "$resp",
        "sender": CITIZEN,
        "origin_server_ts": ts,
        "content": content,
    }


def test_element_and_msc3381_response_forms_are_read() -> None:
    relates = {"rel_type": "m.reference", "event_id": "$poll1"}
    forms = (
        {"m.poll.response": {"answers": ["a2"]}},
        {"org.matrix.msc3381.poll.response": {"answers": ["a2"]}},
        {"m.selections": ["a2"]},
    )
    for form in forms:
        vote = poll_vote(ROOM, Event.parse_event(_response({**form, "m.relates_to": relates})))
        assert vote is not None
        assert (vote.start_event_id, vote.answers, vote.sent_ms) == ("$poll1", ("a2",), 1000)
    bad = {"m.poll.response": {"answers": ["a2"]}, "m.relates_to": {**relates, "rel_type": 1}}
    assert poll_vote(ROOM, Event.parse_event(_response(bad))) is None


_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**64), max_value=2**64)
    | st.floats(allow_nan=False)
    | st.text(max_size=10)
    | st.sampled_from(["a1", "a2", "$poll1", "m.reference"])
)
_json = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=10,
)
_relates = st.fixed_dictionaries(
    {},
    optional={
        "rel_type": st.just("m.reference") | _json,
        "event_id": st.just("$poll1") | _json,
    },
)
_answers = st.lists(st.sampled_from(["a1", "a2", "zz", ""]) | _json, max_size=3) | _json
_REFERENCE = {"rel_type": "m.reference", "event_id": "$poll1"}
_content = st.fixed_dictionaries(
    {},
    optional={
        "m.relates_to": _relates | _json,
        "m.poll.response": st.fixed_dictionaries({}, optional={"answers": _answers}) | _json,
        "org.matrix.msc3381.poll.response": _json,
        "m.selections": st.lists(_json, max_size=3) | _json,
    },
)


def test_hostile_poll_responses_never_raise_and_count_only_valid_answers(tmp_path: Path) -> None:
    loop = asyncio.new_event_loop()
    try:
        router, _, db, _ = loop.run_until_complete(make_router(tmp_path))
        polls = router.services.polls
        assert polls is not None
        answers = (("a1", "A"), ("a2", "B"))
        poll_id = loop.run_until_complete(
            polls.store.create("F", answers, True, None, MANAGER, FUZZ_ROOM)
        )
        loop.run_until_complete(polls.store.add_post(poll_id, FUZZ_ROOM, "$poll1"))
        handler = handler_for(router, db)
        room = handler.client.rooms[FUZZ_ROOM]
        counted: list[int] = []

        @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        # origin_server_ts is set by the homeserver (nio itself breaks on a non-integer one).
        @given(content=_content | _json, ts=st.integers(min_value=0, max_value=2**53))
        @example(content={"m.relates_to": _REFERENCE, "m.selections": ["a1"]}, ts=1)
        def check(content: Any, ts: Any) -> None:
            event = Event.parse_event(_response(content, ts))
            # Not guarded(): the event step itself must cope with whatever the content holds.
            loop.run_until_complete(handler.on_event(room, event))
            tally = loop.run_until_complete(polls.store.tally(poll_id))
            assert set(tally) <= {"a1", "a2"}
            counted.append(sum(tally.values()))

        try:
            check()
        finally:
            loop.run_until_complete(db.close())
        assert max(counted) == 1, "valid votes are counted, as one vote per person"
    finally:
        loop.close()


async def test_votes_and_polls_are_exported_and_forgotten(bot: Bot) -> None:
    await _start(bot)
    await bot.vote(CITIZEN, ("a1",), ts=1000)
    privacy = bot.router.services.privacy
    assert privacy is not None
    exported = await privacy.export(CITIZEN)
    assert [row["answer"] for row in exported["poll_votes"]] == ["a1"]
    [started] = (await privacy.export(MANAGER))["polls"]
    # The export document shows the poll's answers as JSON, not as a string holding JSON.
    document = json.loads(export_document(MANAGER, {"polls": [started]}, 0))
    assert document["data"]["polls"][0]["answers"] == [["a1", "Montag"], ["a2", "Dienstag"]]
    await privacy.forget(CITIZEN)
    assert "poll_votes" not in await privacy.export(CITIZEN)
    await privacy.forget(MANAGER)
    poll = await bot.polls.store.get(1)
    assert poll is not None
    assert poll.created_by != MANAGER
    assert json.dumps(await privacy.export(MANAGER)) == "{}"


async def test_console_shows_the_poll_and_its_result() -> None:
    out = io.StringIO()
    lines = ["/rolle manager", "umfrage Radweg? | Ja | Nein", "ja", "umfrage-ende 1", "ja"]
    settings = ServiceSettings.defaults()
    assert await run_chat(settings, io.StringIO("\n".join(lines) + "\n"), out) == 0
    text = out.getvalue()
    assert "Klimabot: 1. Ja" in text  # the start event's text fallback
    assert "Umfrage Nr. 1 läuft (Räume: 1)" in text
    assert "Ergebnis der Umfrage Nr. 1" in text


async def test_console_prints_a_topic_poll_to_a_follower_as_its_text_fallback() -> None:
    out = io.StringIO()
    lines = [
        "/als x",
        "ruhezeit aus",
        "abonnieren mobilitaet",
        "/rolle manager",
        "umfrage thema=mobilitaet Radweg? | Ja | Nein",
        "ja",
    ]
    settings = ServiceSettings.defaults()
    assert await run_chat(settings, io.StringIO("\n".join(lines) + "\n"), out) == 0
    text = out.getvalue()
    assert "Klimabot: Radweg?\n  Klimabot: 1. Ja\n  Klimabot: 2. Nein" in text
    assert "So stimmen Sie ab" in text  # the follower reads how to vote, too
    assert "Umfrage Nr. 1 läuft (Räume: 1)" in text


def test_topic_polls_are_named_in_the_council_report_not_shown_as_a_raw_kind() -> None:
    report = Report(
        Period(date(2026, 1, 1), date(2026, 6, 30)),
        datetime(2026, 7, 1, tzinfo=BERLIN),
        False,
        (),
        QuestionStats(0, {}, ()),
        BroadcastStats(1, (("poll", 1),), (("mobilitaet", 1),), 1, 1, 0, 0, 0, 0),
        NetworkStats(0, 0, (), {}),
    )
    text = build_document(report, Texts(Catalog.load())).text()
    assert "Umfrage an ein Thema" in text
    assert "Sonstiges" not in text
