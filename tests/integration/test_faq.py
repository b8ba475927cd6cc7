"""The FAQ over the wire: encrypted DM answers, did-you-mean choices, unknown questions."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.harness import BotRunner, ChatUser

# A one-word question that fits several entries, so the bot must offer candidates.
AMBIGUOUS = "Förderung?"


async def test_question_in_encrypted_dm_gets_answer_with_source_link(
    make_user: Any, bot_runner: Any
) -> None:
    runner: BotRunner = bot_runner()
    await runner.start()
    citizen: ChatUser = await make_user("citizen")
    room = await citizen.dm_with(runner.user_id)
    await citizen.send(room, "Muss ich mein Balkonkraftwerk anmelden?")
    [answer] = await citizen.wait_notice(room, runner.user_id)
    assert answer.decrypted
    assert "Marktstammdatenregister" in answer.body
    assert "Stand: " in answer.body
    html = answer.source["content"]["formatted_body"]
    assert '<a href="https://www.marktstammdatenregister.de">' in html


async def test_did_you_mean_then_two_gives_the_second_candidate(
    make_user: Any, bot_runner: Any
) -> None:
    runner: BotRunner = bot_runner()
    app = await runner.start()
    citizen: ChatUser = await make_user("citizen")
    room = await citizen.dm_with(runner.user_id)
    outcome = app.faq.ask(AMBIGUOUS)  # type: ignore[union-attr]
    assert outcome.kind == "did_you_mean", outcome
    second = app.faq.data.entry(outcome.candidates[1])  # type: ignore[union-attr]
    assert second is not None
    await citizen.send(room, AMBIGUOUS)
    [offer] = await citizen.wait_notice(room, runner.user_id)
    assert "Meinten Sie" in offer.body
    await citizen.send(room, "2")
    notices = await citizen.wait_notice(room, runner.user_id, count=2)
    assert second.question["de"] in notices[1].body


async def _bot_with_manager_room(
    make_user: Any, bot_runner: Any
) -> tuple[BotRunner, ChatUser, str]:
    """A running bot whose manager room (created by the manager, bot invited) is joined."""
    manager: ChatUser = await make_user("manager")
    team_room = await manager.create_room()
    runner: BotRunner = bot_runner(managers=[manager.user_id], manager_room=team_room)
    await manager.client.room_invite(team_room, runner.user_id)
    await runner.start()
    await manager.wait_joined(team_room, runner.user_id)
    return runner, manager, team_room


async def test_unknown_question_reaches_the_manager_room(make_user: Any, bot_runner: Any) -> None:
    runner, manager, team_room = await _bot_with_manager_room(make_user, bot_runner)
    citizen: ChatUser = await make_user("citizen")
    room = await citizen.dm_with(runner.user_id)
    await citizen.send(room, "Wann ist das Freibad in Ochtrup geöffnet?")
    [answer] = await citizen.wait_notice(room, runner.user_id)
    assert "weitergegeben" in answer.body
    [note] = await manager.wait_notice(team_room, runner.user_id)
    assert "Freibad" in note.body
    assert citizen.user_id in note.body
    await manager.send(team_room, "!offen")
    notes = await manager.wait_notice(team_room, runner.user_id, count=2)
    assert "„Wann ist das Freibad in Ochtrup geöffnet?“" in notes[1].body


async def test_thumbs_up_reaction_on_an_answer_is_recorded(make_user: Any, bot_runner: Any) -> None:
    runner: BotRunner = bot_runner()
    app = await runner.start()
    citizen: ChatUser = await make_user("citizen")
    room = await citizen.dm_with(runner.user_id)
    await citizen.send(room, "Muss ich mein Balkonkraftwerk anmelden?")
    [answer] = await citizen.wait_notice(room, runner.user_id)
    await citizen.react(room, answer.event_id, "👍")
    store = app.faq.store  # type: ignore[union-attr]
    for _ in range(100):
        if await store.feedback_totals():
            break
        await asyncio.sleep(0.1)
    assert await store.feedback_totals() == {"balkonkraftwerk": (1, 0)}


async def test_thumbs_down_in_an_encrypted_dm_puts_the_question_back_to_the_manager(
    make_user: Any, bot_runner: Any
) -> None:
    runner, manager, team_room = await _bot_with_manager_room(make_user, bot_runner)
    citizen: ChatUser = await make_user("citizen")
    room = await citizen.dm_with(runner.user_id)
    question = "Muss ich mein Balkonkraftwerk bei der Hausratversicherung melden?"
    await citizen.send(room, question)
    [answer] = await citizen.wait_notice(room, runner.user_id)
    await citizen.react(room, answer.event_id, "👎")
    notices = await citizen.wait_notice(room, runner.user_id, count=2)
    assert "Rückmeldung" in notices[1].body
    [note] = await manager.wait_notice(team_room, runner.user_id)
    assert question in note.body
    assert citizen.user_id in note.body
    await manager.send(team_room, "!offen")
    listing = await manager.wait_notice(team_room, runner.user_id, count=2)
    assert f"„{question}“" in listing[1].body
