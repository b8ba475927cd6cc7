"""A native poll in an encrypted room, over the wire, with an Element user among the voters."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from contextlib import closing
from datetime import datetime, timedelta
from typing import Any

from nio import MatrixRoom, RoomRedactResponse, RoomSendResponse, UnknownEvent

from commands.quiet import BERLIN
from tests.harness import BotRunner, ChatUser, collect_images, decrypted_png, wait_until
from tests.jsclient import JsUser

QUESTION = "Wann soll das Repair-Café öffnen?"
START = "org.matrix.msc3381.poll.start"


async def _vote(user: ChatUser, room: str, poll_id: str, answer_id: str) -> str:
    """A vote as a nio client sends it (encrypted, as the room is); its event ID."""
    content = {
        "m.relates_to": {"rel_type": "m.reference", "event_id": poll_id},
        "m.poll.response": {"answers": [answer_id]},
    }
    resp = await user.client.room_send(
        room, "m.poll.response", content, ignore_unverified_devices=True
    )
    assert isinstance(resp, RoomSendResponse), resp
    return str(resp.event_id)


async def _tally_becomes(store: Any, expected: dict[str, int]) -> None:
    deadline = time.monotonic() + 30
    while (tally := await store.tally(1)) != expected:
        assert time.monotonic() < deadline, f"votes counted: {tally}"
        await asyncio.sleep(0.1)


async def test_poll_in_an_encrypted_room_counts_the_last_vote_and_ends_two_to_one(
    make_user: Any, make_js_user: Any, bot_runner: Any
) -> None:
    manager: ChatUser = await make_user("ksm")
    runner: BotRunner = bot_runner(managers=[manager.user_id], rate_limit={"messages": 100})
    app = await runner.start()
    bot = runner.user_id
    bruno: ChatUser = await make_user("bruno")
    eva: JsUser = await make_js_user("eva")  # Element's SDK, Rust crypto
    room = await manager.create_room(invite=[bot, bruno.user_id, eva.user_id], encrypted=True)
    await bruno.client.join(room)
    await eva.join(room)
    for user_id in (bot, bruno.user_id, eva.user_id):
        await manager.wait_joined(room, user_id)
    await bruno.wait_joined(room, bruno.user_id)  # bruno's client has synced the room
    images = collect_images(manager)

    await manager.send(room, f"!umfrage {QUESTION} | Samstags | Mittwochs")
    await manager.wait_notice(room, bot)
    await manager.send(room, "ja")
    started = (await manager.wait_notice(room, bot, count=2))[-1]
    assert "Umfrage Nr. 1 läuft" in started.body

    # Element shows the bot's start event as a poll: question, two answers, disclosed (its
    # default would be undisclosed), one choice.
    poll = await eva.wait_poll(room, QUESTION)
    assert poll["kind"] == "org.matrix.msc3381.poll.disclosed"
    assert poll["max_selections"] == 1
    assert [a["text"] for a in poll["answers"]] == ["Samstags", "Mittwochs"]
    saturday, wednesday = (a["id"] for a in poll["answers"])

    await eva.poll_vote(room, QUESTION, "Samstags")
    bruno_vote = await _vote(bruno, room, poll["poll_id"], wednesday)
    await _vote(manager, room, poll["poll_id"], wednesday)
    await _vote(manager, room, poll["poll_id"], saturday)  # changed: the last one counts
    store = app.services.polls.store  # type: ignore[union-attr]
    await _tally_becomes(store, {saturday: 2, wednesday: 1})
    # Bruno takes his response back (a redaction): it no longer counts; his new one does.
    assert isinstance(await bruno.client.room_redact(room, bruno_vote), RoomRedactResponse)
    await _tally_becomes(store, {saturday: 2})
    await _vote(bruno, room, poll["poll_id"], wednesday)
    await _tally_becomes(store, {saturday: 2, wednesday: 1})

    await manager.send(room, "!umfrage-ende 1")
    assert "beenden?" in (await manager.wait_notice(room, bot, count=3))[-1].body
    await manager.send(room, "ja")
    notices = await manager.wait_notice(room, bot, count=4)
    result = notices[-1].body
    assert "3 Stimmen" in result
    assert "Samstags: 2 (67 %)" in result
    assert "Mittwochs: 1 (33 %)" in result
    await wait_until(lambda: bool(images), 30, "the result chart")
    png = await decrypted_png(manager, images[0])
    assert len(png) > 1000
    assert "Samstags: 2" in images[0].body  # the alt text says what the chart shows
    assert (await eva.wait_poll(room, QUESTION, ended=True))["ended"]  # Element: poll closed


def _quiet_hours_around_now() -> str:
    """Quiet hours from an hour ago to two hours from now (Europe/Berlin)."""
    now = datetime.now(BERLIN)
    start, end = now - timedelta(hours=1), now + timedelta(hours=2)
    return f"{start:%H:%M}-{end:%H:%M}"


async def test_topic_poll_reaches_an_encrypted_dm_once_across_restarts_and_its_vote_counts(
    make_user: Any, bot_runner: Any
) -> None:
    manager: ChatUser = await make_user("ksm")
    runner: BotRunner = bot_runner(managers=[manager.user_id], rate_limit={"messages": 100})
    app = await runner.start()
    bot = runner.user_id
    team = await manager.room_with(bot)
    clara: ChatUser = await make_user("clara")
    starts: list[Any] = []

    async def collect(room: MatrixRoom, event: Any) -> None:
        if room.room_id == dm and event.type == START and event.sender == bot:
            starts.append(event)

    clara.client.add_event_callback(collect, UnknownEvent)
    dm = await clara.dm_with(bot)  # encrypted, as Element makes it
    await clara.send(dm, f"ruhezeit {_quiet_hours_around_now()}")
    await clara.send(dm, "abonnieren mobilitaet")
    await clara.wait_notice(dm, bot, count=2)

    await manager.send(team, f"!umfrage thema=mobilitaet {QUESTION} | Samstags | Mittwochs")
    [preview] = await manager.wait_notice(team, bot)
    assert "davon 1 erst nach dem Ende ihrer Ruhezeit" in preview.body
    await manager.send(team, "ja")
    await manager.wait_notice(team, bot, count=2)  # "wird an 1 Empfänger gesendet"
    assert app.db is not None
    [(state, not_before)] = await app.db.fetchall(
        "SELECT state, not_before FROM deliveries WHERE recipient = ?", (clara.user_id,)
    )
    assert state == "pending"
    assert not_before > time.time()  # held for Clara's quiet hours

    # A restart while the poll waits in the outbox; then Clara's quiet hours end.
    await runner.stop()
    app = await runner.start()
    await clara.send(dm, "ruhezeit aus")
    await wait_until(lambda: bool(starts), 15, "the poll in Clara's DM")
    poll = starts[0].source["content"][START]
    assert poll["question"]["org.matrix.msc1767.text"] == QUESTION
    wednesday = poll["answers"][1]["id"]

    # A crash after the homeserver took the poll, before the bot wrote that down: the row is
    # pending again and the post unknown. Sent again with the same transaction ID, Synapse
    # answers with the same event, so Clara sees one poll and her vote on it counts.
    await runner.stop()
    with closing(sqlite3.connect(runner.config.database_path)) as conn, conn:
        conn.execute(
            "UPDATE deliveries SET state = 'pending', event_id = NULL WHERE recipient = ?",
            (clara.user_id,),
        )
        conn.execute("DELETE FROM poll_posts WHERE room_id = ?", (dm,))
    app = await runner.start()
    assert app.db is not None
    store = app.services.polls.store  # type: ignore[union-attr]
    deadline = time.monotonic() + 15
    while not await store.posts(1):
        assert time.monotonic() < deadline, "the poll's post was not recorded again"
        await asyncio.sleep(0.1)
    [post] = await store.posts(1)
    assert (post.room_id, post.event_id) == (dm, starts[0].event_id)

    await _vote(clara, dm, starts[0].event_id, wednesday)
    deadline = time.monotonic() + 15
    while (tally := await store.tally(1)) != {wednesday: 1}:
        assert time.monotonic() < deadline, f"votes counted: {tally}"
        await asyncio.sleep(0.1)
    assert len(starts) == 1
