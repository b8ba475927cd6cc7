"""Both sides of an introduction can read the bot's first message in the shared room."""

from __future__ import annotations

from functools import partial
from typing import Any

from tests.harness import BotRunner, ChatUser, wait_until


async def _say(user: ChatUser, room: str, bot: str, text: str) -> str:
    before = len(user.notices(room, bot))
    await user.send(room, text)
    notices = await user.wait_notice(room, bot, count=before + 1)
    return str(notices[before].body)


async def _register(user: ChatUser, room: str, bot: str, line: str) -> None:
    await _say(user, room, bot, "registrieren " + line)
    assert "Willkommen" in await _say(user, room, bot, "ja")


def _invited_room(user: ChatUser, known: set[str]) -> str | None:
    return next((str(r) for r in user.client.invited_rooms if r not in known), None)


async def test_both_actors_decrypt_the_first_message_of_their_introduction_room(
    make_user: Any, bot_runner: Any
) -> None:
    runner: BotRunner = bot_runner(rate_limit={"messages": 100})
    await runner.start()
    bot = runner.user_id
    anna: ChatUser = await make_user("anna")
    ben: ChatUser = await make_user("ben")
    anna_dm, ben_dm = await anna.dm_with(bot), await ben.dm_with(bot)
    await _register(
        anna, anna_dm, bot, "name=Anna Sonnig; typ=Bürger/in; themen=mobilitaet; suche=Lastenrad"
    )
    await _register(
        ben,
        ben_dm,
        bot,
        "name=Ben Verein; typ=Verein/Initiative; themen=mobilitaet; biete=Lastenrad",
    )
    assert "Ben Verein" in await _say(anna, anna_dm, bot, "vernetzen")
    assert "gefragt" in await _say(anna, anna_dm, bot, "vernetzen 1")
    await wait_until(
        lambda: any("🤝" in ev.body for _, ev in ben.events if ev.sender == bot), 30, "request"
    )
    room_of_request, request = next(
        (rid, ev) for rid, ev in ben.events if ev.sender == bot and "🤝" in ev.body
    )
    await ben.react(room_of_request, request.event_id, "✅")

    known = {anna_dm, ben_dm}
    await wait_until(lambda: _invited_room(anna, known) is not None, 30, "anna invited")
    await wait_until(lambda: _invited_room(ben, known) is not None, 30, "ben invited")
    room = _invited_room(anna, known)
    assert room is not None
    assert _invited_room(ben, known) == room
    # Both join only after the bot has posted (as people do, minutes later).
    for user in (anna, ben):
        await user.client.join(room)
    for user in (anna, ben):
        await wait_until(
            partial(_reads_introduction, user, room, bot), 30, f"{user.user_id} reads it"
        )


def _reads_introduction(user: ChatUser, room: str, bot: str) -> bool:
    return any("Darf ich vorstellen" in text for text in user.texts(room, bot))
