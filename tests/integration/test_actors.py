"""The actor network over the wire: registration, double opt-in introductions, restarts."""

from __future__ import annotations

from typing import Any

from tests.harness import BotRunner, ChatUser, wait_until


async def _say(user: ChatUser, room: str, bot: str, text: str) -> str:
    before = len(user.notices(room, bot))
    await user.send(room, text)
    notices = await user.wait_notice(room, bot, count=before + 1)
    return str(notices[before].body)


async def test_two_actors_register_and_meet_by_double_opt_in(
    make_user: Any, bot_runner: Any
) -> None:
    runner: BotRunner = bot_runner(rate_limit={"messages": 100})
    await runner.start()
    bot = runner.user_id
    anna: ChatUser = await make_user("anna")
    anna_dm = await anna.dm_with(runner.user_id)
    # Guided dialogue, with a bad answer at every step that has rules.
    assert "(1/8)" in await _say(anna, anna_dm, bot, "registrieren")
    assert "2 bis 80 Zeichen" in await _say(anna, anna_dm, bot, "A")
    assert "(2/8)" in await _say(anna, anna_dm, bot, "Anna Sonnig")
    assert "Die Nummer 42 gibt es nicht" in await _say(anna, anna_dm, bot, "42")
    assert "(3/8)" in await _say(anna, anna_dm, bot, "1")

    # The bot restarts in the middle of the dialogue: it continues where it stopped.
    await runner.stop()
    await runner.start()
    assert "(4/8)" in await _say(anna, anna_dm, bot, "-")
    assert "(5/8)" in await _say(anna, anna_dm, bot, "1")
    assert "Die Nummer 99 gibt es nicht" in await _say(anna, anna_dm, bot, "99")
    assert "(6/8)" in await _say(anna, anna_dm, bot, "3")
    assert "höchstens 200 Zeichen" in await _say(anna, anna_dm, bot, "x" * 300)
    assert "(7/8)" in await _say(anna, anna_dm, bot, "Dachfläche")
    assert "(8/8)" in await _say(anna, anna_dm, bot, "Solaranlage")
    assert "Zum Schluss: Datenschutz" in await _say(anna, anna_dm, bot, "1")
    assert "„ja“ (zustimmen)" in await _say(anna, anna_dm, bot, "vielleicht")
    assert "Willkommen im Netzwerk" in await _say(anna, anna_dm, bot, "ja")

    ben: ChatUser = await make_user("ben")
    ben_dm = await ben.dm_with(runner.user_id)
    line = (
        "registrieren name=Ben Solartechnik; typ=Handwerk; themen=erneuerbare-energien; "
        "biete=PV-Installation; suche=Aufträge"
    )
    assert "Zum Schluss: Datenschutz" in await _say(ben, ben_dm, bot, line)
    assert "Willkommen" in await _say(ben, ben_dm, bot, "ja")

    suggestions = await _say(anna, anna_dm, bot, "vernetzen")
    assert "Ben Solartechnik" in suggestions
    assert "Erneuerbare Energien" in suggestions
    assert "Ben asked" not in suggestions
    assert "gefragt" in await _say(anna, anna_dm, bot, "vernetzen 1")

    def request_event() -> Any:
        return next(
            (ev for rid, ev in ben.events if ev.sender == bot and "🤝" in ev.body),
            None,
        )

    await wait_until(lambda: request_event() is not None, 30, "introduction request DM")
    request = request_event()
    assert "Anna Sonnig" in request.body
    assert anna.user_id not in request.body  # nothing private before consent
    room_of_request = next(rid for rid, ev in ben.events if ev is request)
    await ben.react(room_of_request, request.event_id, "✅")

    def shared_room() -> str | None:
        for room_id, room in anna.client.rooms.items():
            if room_id != anna_dm and bot in room.users and ben.user_id in room.users:
                return room_id
        for room_id in anna.client.invited_rooms:
            return str(room_id)
        return None

    await wait_until(lambda: shared_room() is not None, 30, "invitation to the shared room")
    room = shared_room()
    assert room is not None
    await anna.client.join(room)
    await wait_until(
        lambda: any("Darf ich vorstellen" in t for t in anna.texts(room, bot)),
        30,
        "introduction in the shared room",
    )
    await wait_until(
        lambda: any("möchte Sie kennenlernen" in t for t in anna.texts(anna_dm, bot)),
        30,
        "acceptance note to the requester",
    )


async def test_decline_tells_the_requester_nothing_private(make_user: Any, bot_runner: Any) -> None:
    runner: BotRunner = bot_runner(rate_limit={"messages": 100})
    await runner.start()
    bot = runner.user_id
    carla: ChatUser = await make_user("carla")
    dora: ChatUser = await make_user("dora")
    carla_dm, dora_dm = await carla.dm_with(runner.user_id), await dora.dm_with(runner.user_id)
    await _say(
        carla,
        carla_dm,
        bot,
        "registrieren name=Carla; typ=Bürger/in; themen=mobilitaet; suche=Lastenrad leihen",
    )
    await _say(carla, carla_dm, bot, "ja")
    form = "name=Dora Verein; typ=Verein/Initiative; themen=mobilitaet; biete=Lastenrad leihen"
    await _say(dora, dora_dm, bot, f"registrieren {form}")
    await _say(dora, dora_dm, bot, "ja")
    assert "Dora Verein" in await _say(carla, carla_dm, bot, "vernetzen")
    await _say(carla, carla_dm, bot, "vernetzen 1")
    await wait_until(
        lambda: any("🤝" in ev.body for _, ev in dora.events if ev.sender == bot),
        30,
        "request",
    )
    request_room = next(rid for rid, ev in dora.events if ev.sender == bot and "🤝" in ev.body)
    assert "Absage ohne Details" in await _say(dora, request_room, bot, "nein")
    await wait_until(
        lambda: any("kein Kontakt" in t for t in carla.texts(carla_dm, bot)), 30, "decline"
    )
    [note] = [t for t in carla.texts(carla_dm, bot) if "kein Kontakt" in t]
    assert "Dora" not in note
    assert dora.user_id not in note
    # Declined actors are not suggested again.
    assert "Dora Verein" not in await _say(carla, carla_dm, bot, "vernetzen")


async def _register(user: ChatUser, room: str, bot: str, line: str) -> None:
    assert "Zum Schluss: Datenschutz" in await _say(user, room, bot, "registrieren " + line)
    assert "Willkommen" in await _say(user, room, bot, "ja")


async def test_block_and_pause_keep_actors_out_of_suggestions(
    make_user: Any, bot_runner: Any
) -> None:
    runner: BotRunner = bot_runner(rate_limit={"messages": 100})
    await runner.start()
    bot = runner.user_id
    people = {}
    for name, line in (
        ("anna", "name=Anna Sonnig; typ=Bürger/in; themen=erneuerbare-energien; suche=Solaranlage"),
        ("ben", "name=Ben Solartechnik; typ=Handwerk; themen=erneuerbare-energien; biete=PV"),
        ("carl", "name=Carl Dach; typ=Handwerk; themen=erneuerbare-energien; biete=Solaranlagen"),
    ):
        user: ChatUser = await make_user(name)
        room = await user.dm_with(bot)
        await _register(user, room, bot, line)
        people[name] = (user, room)
    anna, anna_dm = people["anna"]
    ben, ben_dm = people["ben"]
    carl, carl_dm = people["carl"]

    suggestions = await _say(anna, anna_dm, bot, "vernetzen")
    assert "Ben Solartechnik" in suggestions
    assert "Carl Dach" in suggestions
    number = 1 if suggestions.index("Ben Solartechnik") < suggestions.index("Carl Dach") else 2
    assert "nie wieder vorgeschlagen" in await _say(anna, anna_dm, bot, f"blockieren {number}")
    assert "Ben Solartechnik" not in await _say(anna, anna_dm, bot, "vernetzen")
    assert "Anna Sonnig" not in await _say(ben, ben_dm, bot, "vernetzen")  # blocked both ways

    assert "Pausiert" in await _say(carl, carl_dm, bot, "pause")
    assert "niemanden, der zu Ihnen passt" in await _say(anna, anna_dm, bot, "vernetzen")
    assert "pausiert" in await _say(carl, carl_dm, bot, "vernetzen")
    assert "Willkommen zurück" in await _say(carl, carl_dm, bot, "pause")
    assert "Carl Dach" in await _say(anna, anna_dm, bot, "vernetzen")


async def test_an_actor_gets_at_most_five_open_requests(make_user: Any, bot_runner: Any) -> None:
    runner: BotRunner = bot_runner(rate_limit={"messages": 100})
    await runner.start()
    bot = runner.user_id
    target: ChatUser = await make_user("target")
    target_dm = await target.dm_with(bot)
    await _register(
        target, target_dm, bot, "name=Solar Profi; typ=Handwerk; themen=erneuerbare-energien"
    )
    answers = []
    for i in range(6):
        asker: ChatUser = await make_user(f"asker{i}")
        room = await asker.dm_with(bot)
        await _register(
            asker, room, bot, f"name=Fragende {i}; typ=Bürger/in; themen=erneuerbare-energien"
        )
        assert "Solar Profi" in await _say(asker, room, bot, "vernetzen")
        answers.append(await _say(asker, room, bot, "vernetzen 1"))
    assert all("gefragt" in answer for answer in answers[:5]), answers
    assert "gefragt" not in answers[5]
    assert "viele offene Anfragen" in answers[5]
