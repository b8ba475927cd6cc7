"""Which rooms are DMs: made so by is_direct or m.direct, not by having two members."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from nio import AsyncClient, DirectRoomsResponse, LoginResponse, RoomCreateResponse, RoomPreset
from nio.api import Api

from bot.outbox import encryption_state
from tests.harness import PASSWORD, BotRunner, ChatUser, wait_until

# Unique words: other texts of the bot (a welcome, the help) may name "Förderung" too.
NEWS_MARK = "Wärmepumpen-Sprechstunde-7311"
NEWS = f"Neue Förderung: {NEWS_MARK}"


async def _say(user: ChatUser, room: str, bot: str, text: str) -> str:
    before = len(user.notices(room, bot))
    await user.send(room, text)
    notices = await user.wait_notice(room, bot, count=before + 1)
    return str(notices[before].body)


async def _m_direct(client: AsyncClient) -> dict[str, list[str]]:
    resp = await client.list_direct_rooms()
    return dict(resp.rooms) if isinstance(resp, DirectRoomsResponse) else {}


async def _announce(manager: ChatUser, team: str, bot: str, text: str) -> None:
    await _say(manager, team, bot, f"!ankuendigen waerme {text}")
    await manager.send(team, "ja")
    await wait_until(
        lambda: any("1 von 1 zugestellt" in t for t in manager.texts(team, bot)), 60, "report"
    )


async def test_registration_is_refused_in_two_member_rooms_that_are_not_dms(
    make_user: Any, bot_runner: Any
) -> None:
    runner: BotRunner = bot_runner()
    await runner.start()
    bot = runner.user_id
    citizen: ChatUser = await make_user("citizen")
    public = await citizen.room_with(bot, public=True)
    private = await citizen.room_with(bot)  # private, but not created as a direct chat
    for room in (public, private):
        assert "Direktnachricht" in await _say(citizen, room, bot, "!registrieren")
    dm = await citizen.dm_with(bot)
    assert "Registrierung" in await _say(citizen, dm, bot, "registrieren")


async def test_news_for_a_subscriber_from_a_public_room_go_to_a_new_dm_listed_in_m_direct(
    make_user: Any, bot_runner: Any
) -> None:
    manager: ChatUser = await make_user("manager")
    runner: BotRunner = bot_runner(managers=[manager.user_id])
    app = await runner.start()
    bot = runner.user_id
    citizen: ChatUser = await make_user("citizen")
    public = await citizen.room_with(bot, public=True)
    await _say(citizen, public, bot, "!ruhezeit aus")
    assert "abonniert" in await _say(citizen, public, bot, "!abonnieren waerme")
    team = await manager.room_with(bot)
    await _announce(manager, team, bot, NEWS)

    assert not any(NEWS_MARK in t for t in citizen.texts(public, bot))
    await wait_until(lambda: bool(citizen.client.invited_rooms), 30, "invite to a DM")
    [dm] = list(citizen.client.invited_rooms)
    assert app.transport is not None
    assert (await _m_direct(app.transport.client)).get(citizen.user_id) == [dm]
    await citizen.client.join(dm)
    await wait_until(
        lambda: any(NEWS_MARK in t for t in citizen.texts(dm, bot)), 30, "news readable in DM"
    )
    assert "Themen" in await _say(citizen, dm, bot, "themen")  # and it works as a DM


async def test_news_go_to_the_dm_the_subscriber_wrote_in_last(
    make_user: Any, bot_runner: Any
) -> None:
    manager: ChatUser = await make_user("manager")
    runner: BotRunner = bot_runner(managers=[manager.user_id])
    await runner.start()
    bot = runner.user_id
    citizen: ChatUser = await make_user("citizen")
    old_dm = await citizen.dm_with(bot)
    await _say(citizen, old_dm, bot, "ruhezeit aus")
    await _say(citizen, old_dm, bot, "abonnieren waerme")
    new_dm = await citizen.dm_with(bot)  # e.g. a new device, the old chat left behind
    assert "Wärme" in await _say(citizen, new_dm, bot, "abos")
    team = await manager.room_with(bot)
    await _announce(manager, team, bot, NEWS)

    await wait_until(lambda: any(NEWS_MARK in t for t in citizen.texts(new_dm, bot)), 30, "news")
    assert not any(NEWS_MARK in t for t in citizen.texts(old_dm, bot))


async def test_a_dm_created_just_before_a_crash_is_used_after_the_restart(
    make_user: Any, bot_runner: Any
) -> None:
    runner: BotRunner = bot_runner()
    app = await runner.start()
    citizen: ChatUser = await make_user("citizen")
    assert app.transport is not None
    # The crash window: the room exists, but the bot died before it recorded it anywhere.
    resp = await app.transport.client.room_create(
        is_direct=True,
        invite=[citizen.user_id],
        preset=RoomPreset.trusted_private_chat,
        initial_state=encryption_state(True),
    )
    assert isinstance(resp, RoomCreateResponse), resp
    await runner.stop()

    app = await runner.start()
    assert app.outbox is not None
    assert app.transport is not None
    await app.transport.ready.wait()
    assert await app.outbox.dm_room_for(citizen.user_id) == resp.room_id
    assert (await _m_direct(app.transport.client)).get(citizen.user_id) == [resp.room_id]
    await citizen.client.join(resp.room_id)
    await citizen.wait_joined(resp.room_id, citizen.user_id)
    assert "Themen" in await _say(citizen, resp.room_id, runner.user_id, "themen")


async def test_a_dm_joined_before_dms_were_recorded_is_recognised_after_the_restart(
    make_user: Any, bot_runner: Any
) -> None:
    runner: BotRunner = bot_runner()
    await runner.start()
    citizen: ChatUser = await make_user("citizen")
    dm = await citizen.dm_with(runner.user_id)
    assert "Pong" in await _say(citizen, dm, runner.user_id, "ping")
    await runner.stop()
    # As after an upgrade from a version that kept no record of DMs: none in the database,
    # none in m.direct. The bot's join on the citizen's DM invite is all there is.
    with sqlite3.connect(runner.config.database_path) as conn:
        conn.execute("DELETE FROM direct_rooms")
    conn.close()
    other = AsyncClient(runner.config.matrix.homeserver, runner.user_id)
    assert isinstance(await other.login(PASSWORD), LoginResponse)
    _, path = Api.direct_room_list(other.access_token, runner.user_id)
    await other.send("PUT", path, json.dumps({}), headers={"Content-Type": "application/json"})
    await other.close()

    await runner.start()
    assert "Pong" in await _say(citizen, dm, runner.user_id, "ping")


async def test_news_never_go_to_a_dm_someone_else_was_invited_to(
    make_user: Any, bot_runner: Any
) -> None:
    manager: ChatUser = await make_user("manager")
    runner: BotRunner = bot_runner(managers=[manager.user_id])
    app = await runner.start()
    bot = runner.user_id
    citizen: ChatUser = await make_user("citizen")
    neighbour: ChatUser = await make_user("neighbour")
    dm = await citizen.dm_with(bot)
    await _say(citizen, dm, bot, "ruhezeit aus")
    await _say(citizen, dm, bot, "abonnieren waerme")
    await citizen.client.room_invite(dm, neighbour.user_id)
    assert app.transport is not None
    rooms = app.transport.client.rooms
    await wait_until(lambda: neighbour.user_id in rooms[dm].users, 30, "the bot sees the invite")
    assert "Direktnachricht" in await _say(citizen, dm, bot, "!registrieren")
    team = await manager.room_with(bot)
    await _announce(manager, team, bot, NEWS)

    assert not any(NEWS_MARK in t for t in citizen.texts(dm, bot))
    await wait_until(lambda: bool(citizen.client.invited_rooms), 30, "invite to a new DM")
    assert dm not in citizen.client.invited_rooms


async def test_a_dm_whose_creation_answer_was_lost_is_found_instead_of_made_again(
    make_user: Any, bot_runner: Any
) -> None:
    runner: BotRunner = bot_runner()
    app = await runner.start()
    citizen: ChatUser = await make_user("citizen")
    assert app.transport is not None
    assert app.outbox is not None
    client = app.transport.client
    real_create = client.room_create
    made: list[str] = []

    async def answer_lost(*args: Any, **kwargs: Any) -> Any:
        resp = await real_create(*args, **kwargs)
        made.append(resp.room_id)
        raise TimeoutError("the homeserver's answer was lost")

    client.room_create = answer_lost
    await app.transport.ready.wait()
    room = await app.outbox.dm_room_for(citizen.user_id)
    assert made == [room]
    assert await app.outbox.dm_room_for(citizen.user_id) == room
