"""Issue 13 over the wire: a measure's owner (not a manager) records a value and a status in an
encrypted DM, confirming the status with "ja"; `!massnahme` shows both; a citizen is refused."""

from __future__ import annotations

import dataclasses
from typing import Any

from config.measures import Owners
from tests.harness import BotRunner, ChatUser

MEASURE = "kommunale-waermeplanung"


def make_owner(app: Any, user_id: str) -> None:
    """As if the manager had listed `user_id` under the measure's `owners.users`."""
    service = app.services.measures
    catalogue = service.catalogue
    measures = tuple(
        dataclasses.replace(m, owners=Owners("Bauamt", (user_id,))) if m.id == MEASURE else m
        for m in catalogue.measures
    )
    service.catalogue = dataclasses.replace(catalogue, measures=measures)


async def test_owner_records_value_and_confirmed_status_and_citizen_is_refused(
    make_user: Any, bot_runner: Any
) -> None:
    runner: BotRunner = bot_runner()
    app = await runner.start()
    owner: ChatUser = await make_user("owner")
    citizen: ChatUser = await make_user("citizen")
    make_owner(app, owner.user_id)
    dm = await owner.dm_with(runner.user_id)

    await owner.send(dm, f"wert {MEASURE} waermenetz-anschluesse 1.234")
    [recorded] = await owner.wait_notice(dm, runner.user_id)
    assert "Festgehalten" in recorded.body
    assert recorded.decrypted
    await owner.send(dm, f"status {MEASURE} umsetzung 60")
    notices = await owner.wait_notice(dm, runner.user_id, count=2)
    assert "Vorschau" in notices[1].body
    assert "niemand" in notices[1].body
    await owner.send(dm, "ja")
    notices = await owner.wait_notice(dm, runner.user_id, count=3)
    assert "Festgehalten" in notices[2].body
    await owner.send(dm, f"massnahme {MEASURE}")
    notices = await owner.wait_notice(dm, runner.user_id, count=4)
    detail = notices[3].body
    assert "Fortschritt: 60 %" in detail
    assert "zuletzt 1.234 Gebäude" in detail
    assert "Ansprechpartner, pflegt diese Angaben: Bauamt" in detail
    assert "Status in Umsetzung, 60 %" in detail
    assert "Wert Anschlüsse an Wärmenetze: 1.234 Gebäude" in detail

    citizen_dm = await citizen.dm_with(runner.user_id)
    await citizen.send(citizen_dm, f"status {MEASURE} umsetzung 90")
    [refused] = await citizen.wait_notice(citizen_dm, runner.user_id)
    assert "dürfen nur das Klimaschutzmanagement und die Verantwortlichen (Bauamt)" in refused.body
