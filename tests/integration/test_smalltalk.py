"""Small talk over the wire: a welcome in a new encrypted DM, short answers, nothing for the
manager; a related question picked in words."""

from __future__ import annotations

from typing import Any

from tests.harness import BotRunner, ChatUser

QUESTION = "Muss ich mein Balkonkraftwerk anmelden?"


async def test_hallo_and_danke_in_an_encrypted_dm_never_reach_the_manager(
    make_user: Any, bot_runner: Any
) -> None:
    manager: ChatUser = await make_user("manager")
    team_room = await manager.create_room()
    runner: BotRunner = bot_runner(managers=[manager.user_id], manager_room=team_room)
    await manager.client.room_invite(team_room, runner.user_id)
    await runner.start()
    await manager.wait_joined(team_room, runner.user_id)
    citizen: ChatUser = await make_user("citizen")
    room = await citizen.dm_with(runner.user_id)

    await citizen.send(room, "Hallo")
    [welcome] = await citizen.wait_notice(room, runner.user_id)
    assert welcome.decrypted
    assert welcome.body.startswith("Willkommen beim Klimabot")
    assert "!meinedaten" in welcome.body
    greeting = welcome.body.split("\n\n", 1)[1]
    assert greeting.startswith(("Guten Tag!", "Hallo!", "Hallo und herzlich willkommen!"))

    await citizen.send(room, "Danke!")
    notices = await citizen.wait_notice(room, runner.user_id, count=2)
    thanks = notices[1].body
    assert "Willkommen" not in thanks
    assert len(thanks) < 200

    await manager.send(team_room, "!offen")
    [listing] = await manager.wait_notice(team_room, runner.user_id)
    assert "keine offenen Fragen" in listing.body
    assert all(citizen.user_id not in n.body for n in manager.notices(team_room, runner.user_id))


async def test_a_related_question_is_picked_in_words(make_user: Any, bot_runner: Any) -> None:
    runner: BotRunner = bot_runner()
    app = await runner.start()
    outcome = app.faq.ask(QUESTION)  # type: ignore[union-attr]
    assert outcome.kind == "answer", outcome
    assert len(outcome.candidates) >= 2, outcome
    second = app.faq.data.entry(outcome.candidates[1])  # type: ignore[union-attr]
    assert second is not None
    citizen: ChatUser = await make_user("citizen")
    room = await citizen.dm_with(runner.user_id)
    await citizen.send(room, QUESTION)
    [answer] = await citizen.wait_notice(room, runner.user_id)
    assert f"2. {second.question['de']}" in answer.body
    await citizen.send(room, "die zweite bitte")
    notices = await citizen.wait_notice(room, runner.user_id, count=2)
    assert notices[1].body.startswith(second.question["de"])
