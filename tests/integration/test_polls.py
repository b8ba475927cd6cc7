"""A native poll in an encrypted room, over the wire, with an Element user among the voters."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from nio import RoomSendResponse

from tests.harness import BotRunner, ChatUser, collect_images, decrypted_png, wait_until
from tests.jsclient import JsUser

QUESTION = "Wann soll das Repair-Café öffnen?"


async def _vote(user: ChatUser, room: str, poll_id: str, answer_id: str) -> None:
    """A vote as a nio client sends it (encrypted, as the room is)."""
    content = {
        "m.relates_to": {"rel_type": "m.reference", "event_id": poll_id},
        "m.poll.response": {"answers": [answer_id]},
    }
    resp = await user.client.room_send(
        room, "m.poll.response", content, ignore_unverified_devices=True
    )
    assert isinstance(resp, RoomSendResponse), resp


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
    await _vote(bruno, room, poll["poll_id"], wednesday)
    await _vote(manager, room, poll["poll_id"], wednesday)
    await _vote(manager, room, poll["poll_id"], saturday)  # changed: the last one counts
    store = app.services.polls.store  # type: ignore[union-attr]
    expected = {saturday: 2, wednesday: 1}
    deadline = time.monotonic() + 30
    while (tally := await store.tally(1)) != expected:
        assert time.monotonic() < deadline, f"votes counted: {tally}"
        await asyncio.sleep(0.1)

    await manager.send(room, "!umfrage-ende 1")
    notices = await manager.wait_notice(room, bot, count=3)
    result = notices[-1].body
    assert "3 Stimmen" in result
    assert "Samstags: 2 (67 %)" in result
    assert "Mittwochs: 1 (33 %)" in result
    await wait_until(lambda: bool(images), 30, "the result chart")
    png = await decrypted_png(manager, images[0])
    assert len(png) > 1000
    assert "Samstags: 2" in images[0].body  # the alt text says what the chart shows
    assert (await eva.wait_poll(room, QUESTION, ended=True))["ended"]  # Element: poll closed
