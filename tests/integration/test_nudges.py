"""Issue 13 over the wire: a measure's owner who never wrote to the bot gets a nudge in a DM the
bot opens (the job triggered with a time 100 days ahead, no sleeping), answers "60 %", is
thanked, and `!massnahme` shows 60 % with the history entry."""

from __future__ import annotations

import dataclasses
import datetime
import time
from typing import Any

from commands.nudges import local_date
from commands.quiet import BERLIN
from config.measures import Owners
from tests.harness import BotRunner, ChatUser, wait_until

MEASURE = "kommunale-waermeplanung"


def only_owner(app: Any, user_id: str) -> None:
    """`user_id` owns MEASURE, and no other measure has owners (the example owners live on a
    server that does not exist)."""
    service = app.services.measures
    catalogue = service.catalogue
    measures = tuple(
        dataclasses.replace(m, owners=Owners("Bauamt", (user_id,) if m.id == MEASURE else ()))
        for m in catalogue.measures
    )
    service.catalogue = dataclasses.replace(catalogue, measures=measures)


def noon_in(days: int) -> float:
    """12:00 in Ochtrup, `days` days from today (outside any default quiet hours)."""
    day = local_date(time.time()) + datetime.timedelta(days=days)
    return datetime.datetime.combine(day, datetime.time(12), tzinfo=BERLIN).timestamp()


async def test_owner_answers_a_nudge_with_60_percent_and_the_measure_shows_it(
    make_user: Any, bot_runner: Any
) -> None:
    runner: BotRunner = bot_runner()
    app: Any = await runner.start()
    owner: ChatUser = await make_user("owner")
    only_owner(app, owner.user_id)
    assert app.jobs.scheduler.get_job("nudge-owners") is not None  # the hourly job is wired

    assert await app.services.nudges.run(noon_in(100)) == 1
    await wait_until(lambda: bool(owner.client.invited_rooms), 30, "the bot's DM invite")
    [dm] = list(owner.client.invited_rooms)
    await owner.client.join(dm)
    await wait_until(lambda: bool(owner.texts(dm, runner.user_id)), 30, "the nudge")
    [nudge] = owner.texts(dm, runner.user_id)
    assert "Kommunale Wärmeplanung" in nudge
    assert "„45 %“" in nudge

    await owner.send(dm, "60 %")
    [thanks] = await owner.wait_notice(dm, runner.user_id)
    assert "Vielen Dank" in thanks.body
    assert "60 %" in thanks.body
    await owner.send(dm, f"massnahme {MEASURE}")
    notices = await owner.wait_notice(dm, runner.user_id, count=2)
    detail = notices[1].body
    assert "Fortschritt: 60 %" in detail
    assert "Status in Umsetzung, 60 %" in detail  # the history entry
