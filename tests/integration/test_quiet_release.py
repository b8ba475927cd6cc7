"""Quiet hours over the wire: a held announcement arrives as soon as the citizen ends them."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

from commands.quiet import BERLIN
from tests.harness import BotRunner, ChatUser, wait_until


def _quiet_now() -> str:
    """Quiet hours from an hour ago to two hours ahead (Berlin time), whatever the time is."""
    now = datetime.fromtimestamp(time.time(), BERLIN)
    start, end = now - timedelta(hours=1), now + timedelta(hours=2)
    return f"{start:%H}:00-{end:%H}:00"


async def test_quiet_hours_off_releases_a_held_announcement(
    make_user: Any, bot_runner: Any
) -> None:
    manager: ChatUser = await make_user("manager")
    runner: BotRunner = bot_runner(managers=[manager.user_id])
    await runner.start()
    citizen: ChatUser = await make_user("citizen")
    dm = await citizen.dm_with(runner.user_id)
    await citizen.send(dm, f"ruhezeit {_quiet_now()}")
    await citizen.send(dm, "abonnieren mobilitaet")
    await citizen.wait_notice(dm, runner.user_id, count=2)

    team = await manager.room_with(runner.user_id)
    await manager.send(team, "!ankuendigen mobilitaet Neue Radwege ab Montag")
    [preview] = await manager.wait_notice(team, runner.user_id)
    assert "erst nach dem Ende der Ruhezeit" in preview.body
    await manager.send(team, "ja")
    await manager.wait_notice(team, runner.user_id, count=2)
    await manager.send(team, "!botstatus")
    [*_, status] = await manager.wait_notice(team, runner.user_id, count=3)
    assert "- 1 Nachricht wartet auf den Versand" in status.body
    assert "- davon 1 bis " in status.body

    def announcements() -> list[Any]:
        return [
            e for r, e in citizen.events if r == dm and "Neue Radwege" in getattr(e, "body", "")
        ]

    assert announcements() == []  # held
    await citizen.send(dm, "ruhezeit aus")
    [*_, answer] = await citizen.wait_notice(dm, runner.user_id, count=3)
    assert "Eine zurückgehaltene Nachricht schicke ich Ihnen jetzt." in answer.body
    await wait_until(lambda: bool(announcements()), 30, "the released announcement")
