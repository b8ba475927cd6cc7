"""Restarts: every question asked while the bot was down is answered exactly once."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.harness import BotRunner, ChatUser


async def _settle(runner: BotRunner, seconds: float = 3.0) -> None:
    """Give the bot time to catch up with (and wrongly answer) anything it might."""
    await asyncio.sleep(seconds)


async def test_messages_sent_while_down_are_answered_exactly_once(
    make_user: Any, bot_runner: Any
) -> None:
    runner: BotRunner = bot_runner()
    await runner.start()
    citizen: ChatUser = await make_user("citizen")
    room = await citizen.room_with(runner.user_id)
    await citizen.send(room, "!ping")
    await citizen.wait_notice(room, runner.user_id, count=1)
    assert runner.app is not None
    device_before = runner.app.transport.client.device_id  # type: ignore[union-attr]

    await runner.stop()
    asked = [await citizen.send(room, f"!hilfe ping {i}") for i in range(3)]
    await runner.start()
    notices = await citizen.wait_notice(room, runner.user_id, count=4)
    await _settle(runner)
    notices = citizen.notices(room, runner.user_id)
    assert len(notices) == 4
    answered = [n.source["content"]["m.relates_to"]["m.in_reply_to"]["event_id"] for n in notices]
    assert answered[1:] == asked
    assert runner.app.transport.client.device_id == device_before  # type: ignore[union-attr]

    await runner.stop()
    await runner.start()
    await _settle(runner, 5.0)
    assert len(citizen.notices(room, runner.user_id)) == 4


async def test_first_start_does_not_answer_history(make_user: Any, bot_runner: Any) -> None:
    runner: BotRunner = bot_runner()
    citizen: ChatUser = await make_user("citizen")
    room = await citizen.create_room(invite=[runner.user_id])
    await citizen.send(room, "!ping")  # history: asked before the bot ever ran
    await runner.start()
    await citizen.wait_joined(room, runner.user_id)
    await _settle(runner)
    assert citizen.notices(room, runner.user_id) == []
    await citizen.send(room, "!ping")
    await citizen.wait_notice(room, runner.user_id, count=1)


async def test_messages_older_than_max_event_age_are_not_answered(
    make_user: Any, bot_runner: Any
) -> None:
    runner: BotRunner = bot_runner(max_event_age="4s")
    await runner.start()
    citizen: ChatUser = await make_user("citizen")
    room = await citizen.room_with(runner.user_id)
    await runner.stop()
    too_old = await citizen.send(room, "!ping")
    await asyncio.sleep(5)
    fresh = await citizen.send(room, "!ping")
    await runner.start()
    [notice] = await citizen.wait_notice(room, runner.user_id, count=1)
    await _settle(runner)
    assert len(citizen.notices(room, runner.user_id)) == 1
    replied_to = notice.source["content"]["m.relates_to"]["m.in_reply_to"]["event_id"]
    assert replied_to == fresh != too_old


async def test_encrypted_dm_still_works_after_restart(make_user: Any, bot_runner: Any) -> None:
    runner: BotRunner = bot_runner()
    await runner.start()
    citizen: ChatUser = await make_user("citizen")
    room = await citizen.dm_with(runner.user_id)
    await citizen.send(room, "ping")
    await citizen.wait_notice(room, runner.user_id, count=1)
    await runner.stop()
    await runner.start()
    await citizen.send(room, "ping")
    notices = await citizen.wait_notice(room, runner.user_id, count=2)
    assert all(n.decrypted for n in notices)
    assert "Pong" in notices[1].body
