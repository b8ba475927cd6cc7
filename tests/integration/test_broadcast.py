"""Subscriptions, announcements and measures over the wire (bot in-process)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from commands import FEATURE_MODULES
from commands.context import Role
from commands.quiet import BERLIN
from commands.registry import Registry
from commands.when import Schedule
from tests.harness import BotRunner, ChatUser, wait_until


async def test_every_manager_command_is_refused_for_a_citizen(
    make_user: Any, bot_runner: Any
) -> None:
    # More manager commands than the default rate limit (20 a minute) lets one citizen send.
    runner: BotRunner = bot_runner(rate_limit={"messages": 100})
    await runner.start()
    citizen: ChatUser = await make_user("citizen")
    room = await citizen.room_with(runner.user_id)
    manager_commands = [
        c for c in Registry.from_modules(FEATURE_MODULES).commands if c.role == Role.MANAGER
    ]
    assert len(manager_commands) >= 9
    for cmd in manager_commands:
        await citizen.send(room, f"!{cmd.name} waerme-heizung 50 Text")
    notices = await citizen.wait_notice(room, runner.user_id, count=len(manager_commands))
    assert all("Klimaschutzmanagement vorbehalten" in n.body for n in notices)


async def test_subscriber_gets_confirmed_announcement_by_encrypted_dm(
    make_user: Any, bot_runner: Any
) -> None:
    manager: ChatUser = await make_user("manager")
    runner: BotRunner = bot_runner(managers=[manager.user_id])
    await runner.start()
    citizen: ChatUser = await make_user("citizen")
    dm = await citizen.dm_with(runner.user_id)
    await citizen.send(dm, "ruhezeit aus")  # this test must not depend on the time of day
    await citizen.send(dm, "abonnieren Wärme & Heizung")
    confirmations = await citizen.wait_notice(dm, runner.user_id, count=2)
    assert "abonniert" in confirmations[1].body

    team = await manager.room_with(runner.user_id)
    await manager.send(team, "!ankuendigen waerme Neue <b>Förderung</b> für Wärmepumpen ab Januar")
    [preview] = await manager.wait_notice(team, runner.user_id)
    assert "Vorschau" in preview.body
    assert "1 Person per Direktnachricht" in preview.body
    await manager.send(team, "ja")
    await wait_until(
        lambda: any("1 von 1 zugestellt" in t for t in manager.texts(team, runner.user_id)),
        60,
        "final delivery report",
    )

    def delivered() -> list[Any]:
        return [
            ev
            for rid, ev in citizen.events
            # Not just "Förderung": the welcome in front of the first reply names it too.
            if rid == dm and ev.sender == runner.user_id and "Wärmepumpen ab Januar" in ev.body
        ]

    await wait_until(lambda: bool(delivered()), 30, "announcement DM")
    [message] = delivered()
    assert message.decrypted
    assert "<b>" not in message.source["content"]["formatted_body"]
    assert "Abbestellen" in message.body


async def test_announcement_is_not_sent_when_manager_says_no(
    make_user: Any, bot_runner: Any
) -> None:
    manager: ChatUser = await make_user("manager")
    runner: BotRunner = bot_runner(managers=[manager.user_id])
    await runner.start()
    citizen: ChatUser = await make_user("citizen")
    dm = await citizen.dm_with(runner.user_id)
    await citizen.send(dm, "abonnieren mobilitaet")
    await citizen.wait_notice(dm, runner.user_id)
    team = await manager.room_with(runner.user_id)
    await manager.send(team, "!ankuendigen mobilitaet Radtour am Sonntag")
    await manager.wait_notice(team, runner.user_id)
    await manager.send(team, "vielleicht")
    await manager.send(team, "nein")
    notices = await manager.wait_notice(team, runner.user_id, count=3)
    assert "„ja“ oder „nein“" in notices[1].body
    assert "nicht gesendet" in notices[2].body
    await asyncio.sleep(2)
    assert len(citizen.notices(dm, runner.user_id)) == 1  # only the subscription confirmation


async def test_measure_status_change_reaches_measure_subscribers(
    make_user: Any, bot_runner: Any
) -> None:
    manager: ChatUser = await make_user("manager")
    runner: BotRunner = bot_runner(managers=[manager.user_id])
    await runner.start()
    citizen: ChatUser = await make_user("citizen")
    dm = await citizen.dm_with(runner.user_id)
    await citizen.send(dm, "ruhezeit aus")
    await citizen.send(dm, "abonnieren kommunale-waermeplanung")
    await citizen.wait_notice(dm, runner.user_id, count=2)
    team = await manager.room_with(runner.user_id)
    await manager.send(team, "!status kommunale-waermeplanung umsetzung 40")
    [preview] = await manager.wait_notice(team, runner.user_id)
    assert "1 Person per Direktnachricht" in preview.body
    await manager.send(team, "ja")
    await manager.wait_notice(team, runner.user_id, count=3, within=60)
    await wait_until(
        lambda: any("40 %" in t for t in citizen.texts(dm, runner.user_id)), 30, "status DM"
    )
    await citizen.send(dm, "massnahme kommunale-waermeplanung")
    await wait_until(
        lambda: any("Letzte Neuigkeiten" in t for t in citizen.texts(dm, runner.user_id)),
        30,
        "measure details with history",
    )


async def test_scheduled_post_fires_at_its_time(make_user: Any, bot_runner: Any) -> None:
    manager: ChatUser = await make_user("manager")
    runner: BotRunner = bot_runner(managers=[manager.user_id])
    app = await runner.start()
    citizen: ChatUser = await make_user("citizen")
    dm = await citizen.dm_with(runner.user_id)
    await citizen.send(dm, "ruhezeit aus")
    await citizen.send(dm, "abonnieren mobilitaet")
    await citizen.wait_notice(dm, runner.user_id, count=2)
    team = await manager.room_with(runner.user_id)

    await manager.send(team, "!planen morgen 9:00 mobilitaet Radtour am Samstag")
    await manager.send(team, "!geplant")
    notices = await manager.wait_notice(team, runner.user_id, count=2)
    assert "Geplant als Nr. 1" in notices[0].body
    assert "Radtour am Samstag" in notices[1].body
    await manager.send(team, "!planung-loeschen 1")
    await manager.wait_notice(team, runner.user_id, count=3)

    service = app.services.schedules  # type: ignore[union-attr]
    due = datetime.now(BERLIN) + timedelta(seconds=3)
    schedule = Schedule(due, None, due.hour, due.minute)
    await service.add(schedule, "mobilitaet", "Geplanter Beitrag", manager.user_id, team)
    await wait_until(
        lambda: any("Geplanter Beitrag" in t for t in citizen.texts(dm, runner.user_id)),
        30,
        "scheduled post in the subscriber's DM",
    )
    assert not any("Radtour am Samstag" in t for t in citizen.texts(dm, runner.user_id))
