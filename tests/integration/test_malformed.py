"""Whatever a room member sends, the bot stays alive and answers the next question (issue 11)."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.harness import BotRunner, ChatUser

# Content the spec does not allow but a homeserver passes on: every field any JSON type.
_NOT_ADDRESSED: list[dict[str, Any]] = [
    {"m.relates_to": "not an object"},
    {"m.relates_to": ["a", "list"]},
    {"m.relates_to": 5},
    {"m.relates_to": {"rel_type": "m.thread", "event_id": {"an": "object"}}},
    {"m.relates_to": {"rel_type": "m.replace", "event_id": 7}, "m.new_content": "text"},
    {"m.relates_to": {"m.in_reply_to": "x"}},
    {"m.mentions": "everyone"},
    {"m.mentions": {"user_ids": "@klimabot"}},
    {"m.mentions": {"user_ids": [5, None, {"a": 1}]}},
]


async def send_raw(user: ChatUser, room: str, content: dict[str, Any]) -> None:
    resp = await user.client.room_send(
        room, "m.room.message", content, ignore_unverified_devices=True
    )
    assert type(resp).__name__ == "RoomSendResponse", resp


async def test_malformed_events_neither_stop_the_bot_nor_block_later_questions(
    make_user: Any, bot_runner: Any
) -> None:
    runner: BotRunner = bot_runner()
    await runner.start()
    citizen: ChatUser = await make_user("citizen")
    attacker: ChatUser = await make_user("attacker")
    # Encrypted, as Element's rooms are: the homeserver cannot check what it does not read.
    room = await citizen.create_room(invite=[runner.user_id, attacker.user_id], encrypted=True)
    await citizen.wait_joined(room, runner.user_id)
    await attacker.client.join(room)
    await citizen.wait_joined(room, attacker.user_id)
    # The attacker's own client must have synced the room too before it can send there.
    await attacker.wait_joined(room, attacker.user_id)
    for extra in _NOT_ADDRESSED:
        await send_raw(attacker, room, {"msgtype": "m.text", "body": "Hallo zusammen", **extra})
    # formatted_body without body: not a valid text message at all.
    await send_raw(attacker, room, {"msgtype": "m.text", "formatted_body": "<b>!ping</b>"})
    # Addressed to the bot, with unusable relations: answered, the broken parts left out.
    await send_raw(attacker, room, {"msgtype": "m.text", "body": "!ping", "m.relates_to": "x"})
    thread = {"rel_type": "m.thread", "event_id": {"not": "an id"}}
    await send_raw(attacker, room, {"msgtype": "m.text", "body": "!ping", "m.relates_to": thread})
    await attacker.wait_notice(room, runner.user_id, count=2)
    question = await citizen.send(room, "!ping")
    notices = await citizen.wait_notice(room, runner.user_id, count=3)
    assert notices[2].source["content"]["m.relates_to"]["m.in_reply_to"]["event_id"] == question
    assert runner.app is not None
    sync = runner.app._tasks[0]
    assert sync.get_name() == "sync"
    assert not sync.done(), "the sync loop must still be running"

    await runner.stop()
    await runner.start()
    await citizen.send(room, "!ping")
    await citizen.wait_notice(room, runner.user_id, count=4)
    await asyncio.sleep(1.5)
    assert len(citizen.notices(room, runner.user_id)) == 4, "nothing answered twice"


async def test_an_edit_of_someone_elses_message_is_ignored(make_user: Any, bot_runner: Any) -> None:
    runner: BotRunner = bot_runner()
    await runner.start()
    citizen: ChatUser = await make_user("citizen")
    attacker: ChatUser = await make_user("attacker")
    room = await citizen.create_room(invite=[runner.user_id, attacker.user_id])
    await citizen.wait_joined(room, runner.user_id)
    await attacker.client.join(room)
    await citizen.wait_joined(room, attacker.user_id)
    # The attacker's own client must have synced the room too before it can send there.
    await attacker.wait_joined(room, attacker.user_id)
    original = await citizen.send(room, "Guten Morgen")
    edit = {
        "m.new_content": {"msgtype": "m.text", "body": "!ping"},
        "m.relates_to": {"rel_type": "m.replace", "event_id": original},
    }
    await attacker.send(room, "* !ping", extra=edit)
    # The citizen's own edit of the same message is answered: the bot is listening.
    await citizen.send(room, "* !hilfe", extra={**edit, "m.new_content": {"body": "!hilfe"}})
    [answer] = await citizen.wait_notice(room, runner.user_id)
    assert "!sprache" in answer.body
    await asyncio.sleep(1.5)
    assert len(citizen.notices(room, runner.user_id)) == 1, "the attacker's edit ran a command"


async def test_images_locations_and_polls_in_a_dm_get_a_polite_text_only_answer(
    make_user: Any, bot_runner: Any
) -> None:
    runner: BotRunner = bot_runner()
    await runner.start()
    citizen: ChatUser = await make_user("citizen")
    room = await citizen.dm_with(runner.user_id)
    # As Element sends an image into an encrypted room (the file's key travels encrypted).
    file = {
        "url": "mxc://localhost/abc",
        "key": {"kty": "oct", "alg": "A256CTR", "ext": True, "k": "a" * 43, "key_ops": ["decrypt"]},
        "iv": "AAAAAAAAAAAAAAAAAAAAAA",
        "hashes": {"sha256": "b" * 43},
        "v": "v2",
    }
    image = {"msgtype": "m.image", "body": "foto.jpg", "file": file}
    location = {"msgtype": "m.location", "body": "Ochtrup", "geo_uri": "geo:52.2,7.18"}
    await send_raw(citizen, room, image)
    await send_raw(citizen, room, location)
    poll = {
        "org.matrix.msc3381.poll.start": {
            "question": {"org.matrix.msc1767.text": "Rad oder Bus?"},
            "kind": "org.matrix.msc3381.poll.disclosed",
            "max_selections": 1,
            "answers": [{"id": "a", "org.matrix.msc1767.text": "Rad"}],
        },
        "org.matrix.msc1767.text": "Rad oder Bus?",
    }
    resp = await citizen.client.room_send(
        room, "org.matrix.msc3381.poll.start", poll, ignore_unverified_devices=True
    )
    assert type(resp).__name__ == "RoomSendResponse", resp
    notices = await citizen.wait_notice(room, runner.user_id, count=3)
    assert all("nur Textnachrichten" in n.body for n in notices)
    await asyncio.sleep(1.5)
    assert len(citizen.notices(room, runner.user_id)) == 3
