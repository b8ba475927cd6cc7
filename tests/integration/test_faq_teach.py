"""Over the wire: the manager answers an open question from the chat and the FAQ learns it."""

from __future__ import annotations

from typing import Any

from tests.harness import BotRunner, ChatUser, wait_until

QUESTION = "Wann wird in Ochtrup der Sperrmüll abgeholt?"
OTHER_WORDS = "wann wird bei uns der sperrmüll abgeholt"
ANSWER = "Viermal im Jahr; die Termine stehen im Abfallkalender der Stadt."


async def _bot_with_manager_room(
    make_user: Any, bot_runner: Any
) -> tuple[BotRunner, ChatUser, str]:
    manager: ChatUser = await make_user("manager")
    team_room = await manager.create_room()
    runner: BotRunner = bot_runner(managers=[manager.user_id], manager_room=team_room)
    await manager.client.room_invite(team_room, runner.user_id)
    await runner.start()
    await manager.wait_joined(team_room, runner.user_id)
    return runner, manager, team_room


async def _notice_with(user: ChatUser, room: str, sender: str, text: str) -> Any:
    """Wait for the bot's notice in `room` that contains `text`; return it."""

    def found() -> Any:
        return next((n for n in user.notices(room, sender) if text in n.body), None)

    await wait_until(lambda: found() is not None, 30, f"a notice with {text!r}")
    return found()


async def test_manager_answers_in_chat_citizen_gets_it_and_the_faq_learns_it(
    make_user: Any, bot_runner: Any
) -> None:
    runner, manager, team = await _bot_with_manager_room(make_user, bot_runner)
    bot = runner.user_id
    citizen: ChatUser = await make_user("citizen")
    dm = await citizen.dm_with(bot)
    asked = await citizen.send(dm, QUESTION)
    await _notice_with(citizen, dm, bot, "weitergegeben")
    await _notice_with(manager, team, bot, "Offene Frage Nr. 1")
    await manager.send(team, "!offen")
    listing = await _notice_with(manager, team, bot, "Offene Fragen (1)")
    assert f"Nr. 1 – 1× „{QUESTION}“" in listing.body
    assert "Antwort erreicht die Person im Direktchat" in listing.body

    await manager.send(team, f"!antworten 1 {ANSWER}")
    answer = await _notice_with(citizen, dm, bot, ANSWER)
    assert answer.decrypted
    assert "Antwort des Klimaschutzmanagements" in answer.body
    relates = answer.source["content"]["m.relates_to"]
    assert relates["m.in_reply_to"]["event_id"] == asked  # quoting their question
    ask = await _notice_with(manager, team, bot, "Als FAQ-Eintrag speichern?")
    assert "an 1 Person gesendet" in ask.body
    await manager.send(team, "ja")
    await _notice_with(manager, team, bot, "Gespeichert als FAQ-Eintrag")

    second: ChatUser = await make_user("second")
    dm2 = await second.dm_with(bot)
    await second.send(dm2, OTHER_WORDS)
    learned = await _notice_with(second, dm2, bot, ANSWER)
    assert learned.decrypted
    assert "Klimaschutzmanagement Ochtrup" in learned.body  # the source of the entry


async def test_a_reply_to_the_notice_answers_the_citizen_in_their_encrypted_dm(
    make_user: Any, bot_runner: Any
) -> None:
    runner, manager, team = await _bot_with_manager_room(make_user, bot_runner)
    bot = runner.user_id
    citizen: ChatUser = await make_user("citizen")
    dm = await citizen.dm_with(bot)
    await citizen.send(dm, QUESTION)
    notice = await _notice_with(manager, team, bot, "Offene Frage Nr.")
    # Element's "Reply": a rich reply to the bot's notice, with the quoted fallback.
    await manager.send(
        team,
        f"> <{bot}> {notice.body.splitlines()[0]}\n\n{ANSWER}",
        {"m.relates_to": {"m.in_reply_to": {"event_id": notice.event_id}}},
    )
    answer = await _notice_with(citizen, dm, bot, ANSWER)
    assert answer.decrypted
    assert "> <" not in answer.body.split(ANSWER)[1]  # the fallback quote is not sent on
    await _notice_with(manager, team, bot, "Als FAQ-Eintrag speichern?")
    await manager.send(team, "nein")
    await _notice_with(manager, team, bot, "kein FAQ-Eintrag")
