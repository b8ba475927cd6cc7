"""Commands over the wire: permissions, health, bad input, edits, threads, language."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

from tests.harness import BotRunner, ChatUser


async def test_non_manager_cannot_run_botstatus(make_user: Any, bot_runner: Any) -> None:
    runner: BotRunner = bot_runner()
    await runner.start()
    citizen: ChatUser = await make_user("citizen")
    room = await citizen.room_with(runner.user_id)
    await citizen.send(room, "!botstatus")
    [answer] = await citizen.wait_notice(room, runner.user_id)
    assert "Klimaschutzmanagement vorbehalten" in answer.body
    assert "Räume" not in answer.body


async def test_manager_sees_health_with_cross_signing(make_user: Any, bot_runner: Any) -> None:
    manager: ChatUser = await make_user("manager")
    runner: BotRunner = bot_runner(managers=[manager.user_id])
    await runner.start()
    room = await manager.room_with(runner.user_id, encrypted=True, direct=True)
    await manager.send(room, "health")
    [answer] = await manager.wait_notice(room, runner.user_id)
    assert "Klimabot" in answer.body
    assert "Räume: 1" in answer.body
    assert "bestätigt (Cross-Signing): ja" in answer.body
    assert "nicht entschlüsseln konnte: 0" in answer.body
    assert "Letzte Synchronisation: vor" in answer.body


async def test_html_in_a_command_is_never_rendered(make_user: Any, bot_runner: Any) -> None:
    runner: BotRunner = bot_runner()
    await runner.start()
    citizen: ChatUser = await make_user("citizen")
    room = await citizen.room_with(runner.user_id)
    await citizen.send(room, '!hilfe <img src=x onerror="alert(1)">')
    [answer] = await citizen.wait_notice(room, runner.user_id)
    html = answer.source["content"]["formatted_body"]
    assert "<img" not in html
    assert "&lt;img" in html


async def test_oversized_message_is_refused_politely(make_user: Any, bot_runner: Any) -> None:
    runner: BotRunner = bot_runner(max_message_length=500)
    await runner.start()
    citizen: ChatUser = await make_user("citizen")
    room = await citizen.room_with(runner.user_id)
    await citizen.send(room, "!hilfe " + "x" * 20_000)
    [answer] = await citizen.wait_notice(room, runner.user_id)
    assert "zu lang" in answer.body
    assert "20007" in answer.body


async def test_unknown_command_suggests_the_close_one(make_user: Any, bot_runner: Any) -> None:
    runner: BotRunner = bot_runner()
    await runner.start()
    citizen: ChatUser = await make_user("citizen")
    room = await citizen.room_with(runner.user_id)
    await citizen.send(room, "!hilfr")
    [answer] = await citizen.wait_notice(room, runner.user_id)
    assert "kenne ich leider nicht" in answer.body
    assert "!hilfe" in answer.body


async def test_flooding_user_gets_one_polite_warning(make_user: Any, bot_runner: Any) -> None:
    runner: BotRunner = bot_runner(rate_limit={"messages": 3, "seconds": 60})
    await runner.start()
    citizen: ChatUser = await make_user("citizen")
    room = await citizen.room_with(runner.user_id)
    for _ in range(6):
        await citizen.send(room, "!ping")
    notices = await citizen.wait_notice(room, runner.user_id, count=4)
    await asyncio.sleep(2)
    notices = citizen.notices(room, runner.user_id)
    assert len(notices) == 4
    assert "sehr viele Nachrichten" in notices[3].body


async def test_edited_command_is_answered_as_its_new_text(make_user: Any, bot_runner: Any) -> None:
    runner: BotRunner = bot_runner()
    await runner.start()
    citizen: ChatUser = await make_user("citizen")
    room = await citizen.room_with(runner.user_id)
    original = await citizen.send(room, "!pnig")
    await citizen.wait_notice(room, runner.user_id, count=1)
    edit = {
        "m.new_content": {"msgtype": "m.text", "body": "!ping"},
        "m.relates_to": {"rel_type": "m.replace", "event_id": original},
    }
    await citizen.send(room, "* !ping", extra=edit)
    notices = await citizen.wait_notice(room, runner.user_id, count=2)
    assert "Pong" in notices[1].body
    assert notices[1].source["content"]["m.relates_to"]["m.in_reply_to"]["event_id"] == original


async def test_answer_goes_into_the_thread_of_the_question(make_user: Any, bot_runner: Any) -> None:
    runner: BotRunner = bot_runner()
    await runner.start()
    citizen: ChatUser = await make_user("citizen")
    neighbour: ChatUser = await make_user("neighbour")
    # Three members, so this is a group room, not a DM (where every message is for the bot).
    room = await citizen.create_room(invite=[runner.user_id, neighbour.user_id])
    await citizen.wait_joined(room, runner.user_id)
    root = await citizen.send(room, "Thread über Klimaschutz")
    thread = {"m.relates_to": {"rel_type": "m.thread", "event_id": root}}
    await citizen.send(room, "!ping", extra=thread)
    [answer] = await citizen.wait_notice(room, runner.user_id)
    relates = answer.source["content"]["m.relates_to"]
    assert relates["rel_type"] == "m.thread"
    assert relates["event_id"] == root


async def test_language_choice_is_remembered(make_user: Any, bot_runner: Any) -> None:
    runner: BotRunner = bot_runner()
    await runner.start()
    citizen: ChatUser = await make_user("citizen")
    room = await citizen.room_with(runner.user_id, direct=True)
    await citizen.send(room, "language en")
    await citizen.wait_notice(room, runner.user_id, count=1)
    await runner.stop()
    await runner.start()
    await citizen.send(room, "help")
    notices = await citizen.wait_notice(room, runner.user_id, count=2)
    assert "These commands are available" in notices[1].body


async def test_invites_from_other_servers_are_declined(make_user: Any, bot_runner: Any) -> None:
    citizen: ChatUser = await make_user("citizen")
    runner: BotRunner = bot_runner()
    matrix = replace(runner.config.matrix, allowed_inviters=("@nobody:elsewhere.example",))
    runner.config = replace(runner.config, matrix=matrix)
    await runner.start()
    room = await citizen.create_room(invite=[runner.user_id])
    await asyncio.sleep(4)
    members = await citizen.client.joined_members(room)
    assert runner.user_id not in [m.user_id for m in members.members]


async def test_bot_leaves_a_room_when_it_is_alone(make_user: Any, bot_runner: Any) -> None:
    runner: BotRunner = bot_runner()
    app = await runner.start()
    citizen: ChatUser = await make_user("citizen")
    room = await citizen.room_with(runner.user_id, direct=True)
    await citizen.client.room_leave(room)
    client = app.transport.client  # type: ignore[union-attr]
    for _ in range(100):
        if room not in client.rooms:
            break
        await asyncio.sleep(0.1)
    assert room not in client.rooms
