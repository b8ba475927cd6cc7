"""Quiet hours: `!ruhezeit aus` releases held DMs; `!botstatus` says what waits until when."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from commands.quiet import BERLIN
from tests.commands.fakes import MANAGER, make_router, message

NIGHT = datetime(2026, 11, 25, 22, 30, tzinfo=BERLIN).timestamp()  # in the default 21-07


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Any]:
    router, replier, db, clock = await make_router(tmp_path)
    clock.now = NIGHT

    async def say(text: str, sender: str) -> str:
        before = len(replier.texts)
        await router.dispatch(message(text, sender=sender, direct=True, ts=clock.now))
        return "\n".join(replier.texts[before:])

    async def announce(*followers: str) -> None:
        for user in followers:
            await say("!abonnieren mobilitaet", user)
        await say("!ankuendigen mobilitaet Neue Radwege ab Montag", MANAGER)
        await say("ja", MANAGER)

    yield say, announce, router.services, clock
    await db.close()


def _due(services: Any, now: float) -> Any:
    return services.broadcaster.broadcasts.due(now, limit=100)


async def test_quiet_hours_off_releases_held_deliveries(bot: Any) -> None:
    say, announce, services, clock = bot
    await announce("@anna:x", "@ben:x")
    assert await _due(services, clock.now) == []  # both held until 07:00
    answer = await say("!ruhezeit aus", "@anna:x")
    assert "Ruhezeit ausgeschaltet – ich schreibe Ihnen zu jeder Uhrzeit." in answer
    assert "Eine zurückgehaltene Nachricht schicke ich Ihnen jetzt." in answer
    [due] = await _due(services, clock.now)
    assert due.recipient == "@anna:x"  # ben keeps his quiet hours


async def test_new_quiet_hours_hold_until_their_own_end(bot: Any) -> None:
    say, announce, services, clock = bot
    await announce("@anna:x")
    answer = await say("!ruhezeit 22:00-08:00", "@anna:x")
    assert "zurückgehalten" not in answer  # still quiet: nothing is sent now
    seven_thirty = datetime(2026, 11, 26, 7, 30, tzinfo=BERLIN).timestamp()
    assert await _due(services, seven_thirty) == []
    eight = datetime(2026, 11, 26, 8, 0, tzinfo=BERLIN).timestamp()
    assert len(await _due(services, eight)) == 1


async def test_botstatus_says_how_many_wait_until_when(bot: Any) -> None:
    say, announce, services, _ = bot
    await announce("@anna:x", "@ben:x", "@carla:x")
    services.health.pending = 3
    status = await say("!botstatus", MANAGER)
    assert "- 3 Nachrichten warten auf den Versand" in status
    assert "- davon 3 bis 07:00 (Ruhezeit der Empfänger)" in status
    await say("!ruhezeit aus", "@anna:x")
    await say("!ruhezeit aus", "@ben:x")
    services.health.pending = 1
    status = await say("!botstatus", MANAGER)
    assert "- 1 Nachricht wartet auf den Versand" in status
    assert "- davon 1 bis 07:00 (Ruhezeit des Empfängers)" in status


async def test_botstatus_with_nothing_waiting(bot: Any) -> None:
    say, _, _, _ = bot
    status = await say("!botstatus", MANAGER)
    assert "- Wartende Nachrichten: keine" in status
    assert "quer-signiert" not in status
    assert "bestätigt (Cross-Signing): ja" in status


async def test_preview_counts_people_and_rooms_in_words(bot: Any) -> None:
    say, _, _, _ = bot
    await say("!abonnieren mobilitaet", "@anna:x")
    preview = await say("!ankuendigen mobilitaet Neue Radwege", MANAGER)
    assert "- 1 Person per Direktnachricht (davon 1 erst nach dem Ende der Ruhezeit)" in preview
    assert "Themenr" not in preview  # no '0 Themenraum/-räume'
    assert "1 warten" not in preview


async def test_ruhezeit_alone_shows_the_quiet_hours_and_words_set_them(bot: Any) -> None:
    say, _, _, _ = bot
    await say("Hallo", "@anna:x")  # the first message in a DM gets the welcome
    shown = await say("!ruhezeit", "@anna:x")
    assert shown.startswith("Ihre Ruhezeit: 21:00-07:00.")
    assert "ausschalten mit !ruhezeit aus" in shown
    assert await say("!ruhezeit 22:00 bis 06:30", "@anna:x") == "Ruhezeit gesetzt: 22:00-06:30."
    assert (await say("!ruhezeit", "@anna:x")).startswith("Ihre Ruhezeit: 22:00-06:30.")
    await say("!ruhezeit aus", "@anna:x")
    assert (await say("!ruhezeit", "@anna:x")).startswith("Ihre Ruhezeit: keine.")
