"""Rooms configured as aliases (manager room, topic rooms): resolved and joined at start."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

import pytest
from nio import RoomPutAliasResponse

from bot.localserver import LocalSynapse
from tests.harness import BotRunner, ChatUser, unique, wait_until

UNKNOWN = "Wann ist das Freibad in Ochtrup geöffnet?"
KNOWN = "Muss ich mein Balkonkraftwerk anmelden?"


async def _team_room_with_alias(
    manager: ChatUser, synapse: LocalSynapse, public: bool
) -> tuple[str, str]:
    room = await manager.create_room(encrypted=True, public=public)
    alias = f"#{unique('klimaschutz-team')}:{synapse.server_name}"
    resp = await manager.client.room_put_alias(alias, room)
    assert isinstance(resp, RoomPutAliasResponse), resp
    return room, alias


async def test_unknown_question_reaches_the_manager_room_given_as_alias(
    make_user: Any, bot_runner: Any, synapse: LocalSynapse
) -> None:
    manager: ChatUser = await make_user("manager")
    # Public and no invite: the bot has to join the room itself, by the alias.
    team_room, alias = await _team_room_with_alias(manager, synapse, public=True)
    runner: BotRunner = bot_runner(managers=[manager.user_id], manager_room=alias)
    app = await runner.start()
    assert app.faq is not None
    assert app.faq.manager_room == team_room
    await manager.wait_joined(team_room, runner.user_id)
    citizen: ChatUser = await make_user("citizen")
    room = await citizen.dm_with(runner.user_id)
    await citizen.send(room, UNKNOWN)
    [answer] = await citizen.wait_notice(room, runner.user_id)
    assert "weitergegeben" in answer.body
    [note] = await manager.wait_notice(team_room, runner.user_id)
    assert note.decrypted
    assert "Freibad" in note.body


@pytest.mark.parametrize("case", ["no such alias", "private room, not invited"])
async def test_unusable_manager_room_is_logged_and_citizens_are_still_answered(
    case: str,
    make_user: Any,
    bot_runner: Any,
    synapse: LocalSynapse,
    caplog: pytest.LogCaptureFixture,
) -> None:
    if case == "no such alias":
        alias = f"#{unique('nowhere')}:{synapse.server_name}"
    else:
        manager: ChatUser = await make_user("manager")
        _, alias = await _team_room_with_alias(manager, synapse, public=False)
    runner: BotRunner = bot_runner(manager_room=alias)
    with caplog.at_level(logging.ERROR, logger="bot.roomalias"):
        app = await runner.start()
    assert f"bot.manager_room {alias} is not usable" in caplog.text
    assert "running without a manager room" in caplog.text
    assert app.faq is not None
    assert app.faq.manager_room is None
    citizen: ChatUser = await make_user("citizen")
    room = await citizen.dm_with(runner.user_id)
    await citizen.send(room, UNKNOWN)
    await citizen.wait_notice(room, runner.user_id)
    await citizen.send(room, KNOWN)
    notices = await citizen.wait_notice(room, runner.user_id, count=2)
    # No error notice in between: the second notice is the answer to the second question.
    assert "weitergegeben" in notices[0].body
    assert "Marktstammdatenregister" in notices[1].body


async def test_announcement_reaches_a_topic_room_given_as_alias(
    make_user: Any, bot_runner: Any, synapse: LocalSynapse
) -> None:
    manager: ChatUser = await make_user("manager")
    topic_room, alias = await _team_room_with_alias(manager, synapse, public=True)
    runner: BotRunner = bot_runner(managers=[manager.user_id])
    broadcast = replace(runner.config.broadcast, topic_rooms={"waerme-heizung": (alias,)})
    runner.config = replace(runner.config, broadcast=broadcast)
    await runner.start()
    await manager.wait_joined(topic_room, runner.user_id)
    team = await manager.room_with(runner.user_id)
    await manager.send(team, "!ankuendigen waerme Neue Förderung für Wärmepumpen ab Januar")
    await manager.wait_notice(team, runner.user_id)
    await manager.send(team, "ja")
    await wait_until(
        lambda: any("Förderung" in t for t in manager.texts(topic_room, runner.user_id)),
        30,
        "announcement in the topic room",
    )
