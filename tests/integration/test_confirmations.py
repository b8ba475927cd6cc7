"""Over the wire: a request from someone else never takes over a pending 'ja'."""

from __future__ import annotations

from typing import Any

from tests.harness import BotRunner, ChatUser, wait_until


async def _say(user: ChatUser, room: str, bot: str, text: str, **extra: Any) -> str:
    before = len(user.notices(room, bot))
    await user.send(room, text, extra or None)
    notices = await user.wait_notice(room, bot, count=before + 1)
    return str(notices[before].body)


async def _say_until(
    user: ChatUser, room: str, bot: str, text: str, needle: str, **extra: Any
) -> str:
    """Send `text`; the first of the bot's answers after it that contains `needle`."""
    before = len(user.notices(room, bot))
    await user.send(room, text, extra or None)

    def found() -> str | None:
        later = user.notices(room, bot)[before:]
        return next((str(n.body) for n in later if needle in n.body), None)

    await wait_until(lambda: found() is not None, 30, f"an answer with {needle!r}")
    return str(found())


async def _register(user: ChatUser, room: str, bot: str, form: str) -> None:
    await _say(user, room, bot, "registrieren " + form)  # a summary, then the consent
    assert "Willkommen" in await _say(user, room, bot, "ja")


async def _ask_for(asker: ChatUser, room: str, bot: str, name: str) -> None:
    """`asker` asks the actor called `name` for contact (`!vernetzen <Nr.>`)."""
    lines = (await _say(asker, room, bot, "vernetzen")).splitlines()
    number = next(line.split(".")[0] for line in lines if name in line and line[:1].isdigit())
    assert "gefragt" in await _say(asker, room, bot, f"vernetzen {number}")


async def _request_in(user: ChatUser, room: str, bot: str) -> Any:
    """Wait for the introduction request DM (it must come where the user is talking)."""

    def request() -> Any:
        return next((ev for rid, ev in user.events if ev.sender == bot and "🤝" in ev.body), None)

    await wait_until(lambda: request() is not None, 30, "introduction request DM")
    assert any(ev is request() for rid, ev in user.events if rid == room)
    return request()


async def test_forget_is_confirmed_although_a_request_arrived_meanwhile(
    make_user: Any, bot_runner: Any
) -> None:
    runner: BotRunner = bot_runner(rate_limit={"messages": 100})
    app = await runner.start()
    bot = runner.user_id
    alice: ChatUser = await make_user("alice")
    carol: ChatUser = await make_user("carol")
    alice_dm, carol_dm = await alice.dm_with(bot), await carol.dm_with(bot)
    await _register(alice, alice_dm, bot, "name=Alice Sonne; typ=Handwerk; themen=mobilitaet")
    await _register(carol, carol_dm, bot, "name=Carol Dach; typ=Verein; themen=mobilitaet")

    assert "wirklich" in await _say(alice, alice_dm, bot, "vergessen")
    await _ask_for(carol, carol_dm, bot, "Alice Sonne")
    await _request_in(alice, alice_dm, bot)
    assert "Ich habe alles gelöscht" in await _say(alice, alice_dm, bot, "ja")

    assert await app.services.actors.store.get(alice.user_id) is None  # type: ignore[union-attr]
    rows = await app.db.fetchall("SELECT status FROM introductions")  # type: ignore[union-attr]
    assert [r["status"] for r in rows] == []  # erased with her data, never accepted
    assert not alice.client.invited_rooms
    await wait_until(
        lambda: any("kein Kontakt" in t for t in carol.texts(carol_dm, bot)),
        30,
        "carol hears that no contact came about",
    )
    assert not any("kennenlernen" in text for text in carol.texts(carol_dm, bot))


async def test_pending_announcement_survives_a_request_then_the_request_is_answered_by_reply(
    make_user: Any, bot_runner: Any
) -> None:
    manager: ChatUser = await make_user("manager")
    runner: BotRunner = bot_runner(managers=[manager.user_id], rate_limit={"messages": 100})
    app = await runner.start()
    bot = runner.user_id
    carol: ChatUser = await make_user("carol")
    reader: ChatUser = await make_user("reader")
    manager_dm, carol_dm = await manager.dm_with(bot), await carol.dm_with(bot)
    reader_dm = await reader.dm_with(bot)
    await _say(reader, reader_dm, bot, "ruhezeit aus")
    await _say(reader, reader_dm, bot, "abonnieren mobilitaet")
    await _register(
        manager, manager_dm, bot, "name=Mara Ostermann; typ=Handwerk; themen=mobilitaet"
    )
    await _register(carol, carol_dm, bot, "name=Carol Dach; typ=Verein; themen=mobilitaet")

    preview = await _say(manager, manager_dm, bot, "ankuendigen mobilitaet Radtour am Sonntag")
    assert "Vorschau" in preview
    await _ask_for(carol, carol_dm, bot, "Mara Ostermann")
    request = await _request_in(manager, manager_dm, bot)
    assert "Wird gesendet an 1" in await _say(manager, manager_dm, bot, "ja")
    await wait_until(
        lambda: any("Radtour am Sonntag" in t for t in reader.texts(reader_dm, bot)),
        30,
        "the announcement reaches the subscriber",
    )
    await wait_until(
        lambda: any("Weiter auf Ihre Antwort wartet" in t for t in manager.texts(manager_dm, bot)),
        30,
        "the note that the request is still open",
    )
    [row] = await app.db.fetchall("SELECT id, status FROM introductions")  # type: ignore[union-attr]
    assert row["status"] == "open"  # the "ja" was the announcement's, not the request's

    # Element's "Reply" on the request answers exactly that request.
    reply = {"m.relates_to": {"m.in_reply_to": {"event_id": request.event_id}}}
    agreed = f"Anfrage Nr. {row['id']} (Carol Dach) zugestimmt"
    assert agreed in await _say_until(manager, manager_dm, bot, "ja", agreed, **reply)
    await wait_until(
        lambda: any("kennenlernen" in t for t in carol.texts(carol_dm, bot)),
        30,
        "acceptance note to the requester",
    )
