"""The bot on a real Synapse: help in a room and in an encrypted DM."""

from __future__ import annotations

from typing import Any

from tests.harness import BotRunner, ChatUser


async def test_citizen_gets_help_in_a_room(make_user: Any, bot_runner: Any) -> None:
    runner: BotRunner = bot_runner()
    await runner.start()
    citizen: ChatUser = await make_user("citizen")
    room = await citizen.room_with(runner.user_id)
    question = await citizen.send(room, "!hilfe")
    [answer] = await citizen.wait_notice(room, runner.user_id)
    assert "!hilfe" in answer.body
    assert "!ping" in answer.body
    content = answer.source["content"]
    assert content["m.relates_to"]["m.in_reply_to"]["event_id"] == question
    assert content["m.mentions"] == {"user_ids": [citizen.user_id]}
    assert "<strong>" in content["formatted_body"]


async def test_citizen_gets_help_in_an_encrypted_dm(make_user: Any, bot_runner: Any) -> None:
    runner: BotRunner = bot_runner()
    await runner.start()
    citizen: ChatUser = await make_user("citizen")
    room = await citizen.dm_with(runner.user_id)
    await citizen.send(room, "hilfe")
    [answer] = await citizen.wait_notice(room, runner.user_id)
    assert "!sprache" in answer.body
    assert answer.decrypted, "the answer in an encrypted room must itself be encrypted"
