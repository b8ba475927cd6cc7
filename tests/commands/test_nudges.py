"""Nudges to measure owners (issue 13): timing (quiet hours, DST, the weekly limit), bundling,
escalation, and the owners' answers through the router.

The job runs with an injected time; the activity of the measures is set in the database, so the
tests do not depend on the day they run. Router on a real SQLite file, a recording messenger.
"""

from __future__ import annotations

import dataclasses
import datetime
import time
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.jobs import Jobs
from commands.formatting import to_plain
from commands.nudgeanswers import MAX_NOTE, Answer, parse_answer
from commands.nudges import NudgeService, local_date
from config.measures import Milestone, Owners
from store.subscriptions import DeliveryPrefs
from tests.commands.fakes import FakeMessenger, make_router, message

OWNER = "@amt:ochtrup.test"
OTHER = "@stadtwerke:ochtrup.test"
MANAGER_ROOM = "!team:ochtrup.test"
BERLIN = ZoneInfo("Europe/Berlin")
UTC = datetime.UTC
DAY = 86400.0
WAERME, LED, RAD = "kommunale-waermeplanung", "led-strassenbeleuchtung", "stadtradeln"


def berlin(y: int, m: int, d: int, hh: int = 12, mm: int = 0) -> float:
    return datetime.datetime(y, m, d, hh, mm, tzinfo=BERLIN).timestamp()


def utc(y: int, m: int, d: int, hh: int, mm: int = 0) -> float:
    return datetime.datetime(y, m, d, hh, mm, tzinfo=UTC).timestamp()


@dataclasses.dataclass
class Bot:
    router: Any
    replier: Any
    db: Any
    nudges: NudgeService
    messenger: FakeMessenger

    def own(self, owners: dict[str, tuple[str, ...]], milestones: dict[str, Any] = {}) -> None:  # noqa: B006
        """Only these measures have owners (and only these milestones)."""
        service = self.nudges.measures
        catalogue = service.catalogue
        measures = tuple(
            dataclasses.replace(
                m,
                owners=Owners("Bauamt", owners.get(m.id, ())),
                milestones=tuple(milestones.get(m.id, ())),
            )
            for m in catalogue.measures
        )
        service.catalogue = dataclasses.replace(catalogue, measures=measures)

    async def changed_at(self, when: float) -> None:
        await self.db.execute("UPDATE measure_state SET updated_at = ?", (when,))

    async def say(self, text: str, sender: str = OWNER, reply_to: str | None = None) -> str:
        before = len(self.replier.texts)
        msg = message(text, sender=sender, direct=True, room=f"!dm-{sender}")
        await self.router.dispatch(dataclasses.replace(msg, in_reply_to=reply_to))
        return "\n".join(self.replier.texts[before:])

    async def route(self, text: str, reply_to: str | None = None, direct: bool = True) -> str:
        msg = message(text, sender=OWNER, direct=direct, room=f"!dm-{OWNER}")
        route = await self.router.route(dataclasses.replace(msg, in_reply_to=reply_to))
        return "none" if route is None else str(route.kind)

    async def progress(self, measure_id: str) -> tuple[str, int]:
        measure = self.nudges.measures.find(measure_id)
        assert measure is not None
        state = await self.nudges.measures.state(measure)
        return state.status, state.progress

    def dms(self, user: str = OWNER) -> list[str]:
        return [text for to, text in self.messenger.dms if to == user]


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Bot]:
    router, replier, db, _ = await make_router(tmp_path, manager_room=MANAGER_ROOM)
    nudges = router.services.nudges
    assert nudges is not None
    assert isinstance(nudges.messenger, FakeMessenger)
    await nudges.measures.seed()
    yield Bot(router, replier, db, nudges, nudges.messenger)
    await db.close()


# --- timing -------------------------------------------------------------------------------


async def test_measure_without_change_for_90_days_nudges_its_owner_once(bot: Bot) -> None:
    bot.own({WAERME: (OWNER,)})
    await bot.changed_at(berlin(2027, 1, 4))
    assert await bot.nudges.run(berlin(2027, 4, 3)) == 0  # 89 days
    assert await bot.nudges.run(berlin(2027, 4, 4)) == 1  # 90 days
    [dm] = bot.dms()
    assert "Kommunale Wärmeplanung" in dm
    assert "in Umsetzung, 25 %" in dm
    assert "zuletzt geändert am 04.01.2027" in dm
    assert "Seit 90 Tagen keine Änderung" in dm
    assert "„45 %“" in dm
    assert "„unverändert“" in dm
    assert "„abgeschlossen“" in dm
    assert await bot.nudges.run(berlin(2027, 4, 4, 15)) == 0  # not twice
    assert await bot.nudges.run(berlin(2027, 4, 20)) == 0  # still waiting for the answer


async def test_nudge_after_comes_from_the_settings(bot: Bot) -> None:
    bot.own({WAERME: (OWNER,)})
    bot.nudges.settings = dataclasses.replace(
        bot.nudges.settings, nudge_after=datetime.timedelta(days=30)
    )
    await bot.changed_at(berlin(2027, 1, 4))
    assert await bot.nudges.run(berlin(2027, 2, 3)) == 1


async def test_milestone_due_today_nudges_even_a_fresh_measure_once(bot: Bot) -> None:
    now = time.time()  # answers are recorded at the real time
    today = local_date(now)
    step = Milestone(1, "Ausschreibung", today, False)
    bot.own({WAERME: (OWNER,)}, {WAERME: [step]})
    await bot.changed_at(now - 2 * DAY)
    await bot.nudges.subscriptions.set_prefs(OWNER, DeliveryPrefs("sofort", ""))
    assert await bot.nudges.run(now - DAY) == 0
    assert await bot.nudges.run(now) == 1
    [dm] = bot.dms()
    assert f"Meilenstein 1 „Ausschreibung“ war am {today:%d.%m.%Y} fällig" in dm
    assert "Seit" not in dm
    assert "!meilenstein kommunale-waermeplanung <Nr.> erledigt" in dm
    assert "Vielen Dank" in await bot.say("45 %")
    # Answered, still not done: the same milestone is not asked about again.
    assert await bot.nudges.run(now + 20 * DAY) == 0


async def test_milestone_hint_names_the_measure_whose_milestone_is_due(bot: Bot) -> None:
    step = Milestone(1, "Ausschreibung", datetime.date(2027, 5, 1), False)
    bot.own({LED: (OWNER,), WAERME: (OWNER,)}, {WAERME: [step]})
    await bot.changed_at(berlin(2027, 1, 4))
    assert await bot.nudges.run(berlin(2027, 6, 1)) == 1
    [dm] = bot.dms()
    assert dm.index("Straßenbeleuchtung") < dm.index("Wärmeplanung")  # LED is number 1
    assert "!meilenstein kommunale-waermeplanung <Nr.> erledigt" in dm


async def test_done_milestone_and_completed_measure_are_not_asked_about(bot: Bot) -> None:
    done = Milestone(1, "Start", datetime.date(2027, 3, 1), True)
    bot.own({WAERME: (OWNER,), LED: (OWNER,)}, {WAERME: [done]})
    await bot.changed_at(berlin(2027, 3, 1))
    await bot.nudges.measures.store.record(LED, OWNER, "abgeschlossen", 100)
    await bot.db.execute("UPDATE measure_updates SET created_at = ?", (berlin(2026, 1, 1),))
    assert await bot.nudges.run(berlin(2027, 3, 20)) == 0


async def test_default_quiet_hours_hold_the_nudge_until_seven(bot: Bot) -> None:
    bot.own({WAERME: (OWNER,)})
    await bot.changed_at(berlin(2027, 1, 4))
    assert await bot.nudges.run(berlin(2027, 6, 1, 21, 0)) == 0
    assert await bot.nudges.run(berlin(2027, 6, 2, 6, 59)) == 0
    assert await bot.nudges.run(berlin(2027, 6, 2, 7, 0)) == 1


async def test_owner_own_quiet_hours_replace_the_default(bot: Bot) -> None:
    bot.own({WAERME: (OWNER,)})
    await bot.changed_at(berlin(2027, 1, 4))
    subs = bot.nudges.subscriptions
    await subs.set_prefs(OWNER, DeliveryPrefs("sofort", "12:00-14:00"))
    assert await bot.nudges.run(berlin(2027, 6, 1, 13, 0)) == 0
    assert await bot.nudges.run(berlin(2027, 6, 1, 22, 30)) == 1  # default quiet, not theirs


@pytest.mark.parametrize(
    ("held", "sent"),
    [
        # The clocks go forward on Sunday 28.03.2027, 02:00 CET -> 03:00 CEST:
        # 07:00 CEST is 05:00 UTC (with the winter offset it would be 06:00 UTC).
        (utc(2027, 3, 28, 4, 59), utc(2027, 3, 28, 5, 0)),
        # Back on Sunday 31.10.2027, 03:00 CEST -> 02:00 CET: 07:00 CET is 06:00 UTC
        # (with the summer offset 05:00 UTC would already be 07:00).
        (utc(2027, 10, 31, 5, 30), utc(2027, 10, 31, 6, 0)),
    ],
    ids=["march", "october"],
)
async def test_quiet_hours_end_at_seven_local_time_on_dst_days(
    bot: Bot, held: float, sent: float
) -> None:
    bot.own({WAERME: (OWNER,)})
    await bot.changed_at(berlin(2026, 6, 1))
    assert await bot.nudges.run(held) == 0
    assert await bot.nudges.run(sent) == 1


async def test_quiet_hours_across_the_march_gap_end_at_the_first_valid_minute(bot: Bot) -> None:
    bot.own({WAERME: (OWNER,)})
    await bot.changed_at(berlin(2026, 6, 1))
    # 01:00-02:30 on the night 02:00-03:00 does not exist: 03:00 CEST (01:00 UTC) is after it.
    await bot.nudges.subscriptions.set_prefs(OWNER, DeliveryPrefs("sofort", "01:00-02:30"))
    assert await bot.nudges.run(utc(2027, 3, 28, 0, 30)) == 0  # 01:30 CET
    assert await bot.nudges.run(utc(2027, 3, 28, 1, 0)) == 1  # 03:00 CEST


@pytest.mark.parametrize(
    ("first", "too_soon", "week_later"),
    [
        # Monday 22.03.2027 07:00 CET; the next Monday 07:00 is CEST, only 167 hours later.
        (utc(2027, 3, 22, 6), utc(2027, 3, 28, 10), utc(2027, 3, 29, 5)),
        # Monday 25.10.2027 07:00 CEST; the next Monday 07:00 is CET, 169 hours later.
        (utc(2027, 10, 25, 5), utc(2027, 10, 31, 22, 59), utc(2027, 11, 1, 6)),
    ],
    ids=["march", "october"],
)
async def test_at_most_one_nudge_a_week_counted_in_local_days_across_dst(
    bot: Bot, first: float, too_soon: float, week_later: float
) -> None:
    bot.own({WAERME: (OWNER,), LED: (OWNER,)})
    await bot.changed_at(first - 100 * DAY)
    await bot.nudges.measures.store.record(LED, OWNER, text="news")
    await bot.db.execute(
        "UPDATE measure_updates SET created_at = ?", (first - 89.9 * DAY,)
    )  # LED becomes due a few hours after the first nudge
    assert await bot.nudges.run(first) == 1
    assert "Straßenbeleuchtung" not in bot.dms()[0]
    assert await bot.nudges.run(too_soon) == 0
    assert await bot.nudges.run(week_later) == 1
    assert "Straßenbeleuchtung" in bot.dms()[1]
    assert "Wärmeplanung" not in bot.dms()[1]  # still waiting for its answer, not asked again


async def test_owner_gets_all_due_measures_in_one_dm_and_others_their_own(bot: Bot) -> None:
    bot.own({WAERME: (OWNER,), LED: (OWNER, OTHER), RAD: (OWNER,)})
    await bot.changed_at(berlin(2027, 1, 4))
    assert await bot.nudges.run(berlin(2027, 6, 1)) == 2
    [mine] = bot.dms(OWNER)
    [theirs] = bot.dms(OTHER)
    for number, title in enumerate(["Straßenbeleuchtung", "Wärmeplanung", "STADTRADELN"], 1):
        assert f"{number}. " in mine
        assert title.casefold() in mine.casefold()
    assert mine.index("Straßenbeleuchtung") < mine.index("Wärmeplanung")
    assert "„1: 45 %“" in mine
    assert "Straßenbeleuchtung" in theirs
    assert "Wärmeplanung" not in theirs
    assert "„45 %“" in theirs  # one measure: no number needed


async def test_unanswered_nudge_is_told_to_the_manager_room_once(bot: Bot) -> None:
    await _nudged(bot, {WAERME: (OWNER,), LED: (OTHER,)})
    asked = time.time()
    assert "Vielen Dank" in await bot.say("45 %", sender=OTHER)  # the other owner answered
    await bot.nudges.run(asked + 13 * DAY)
    assert bot.replier.notices == []
    await bot.nudges.run(asked + 14 * DAY)
    [(room, text, _)] = bot.replier.notices
    assert room == MANAGER_ROOM
    text = to_plain(text)
    assert "Kommunale Wärmeplanung" in text
    assert "kommunale-waermeplanung" in text
    assert OWNER in text
    assert f"{local_date(asked):%d.%m.%Y}" in text
    assert "Straßenbeleuchtung" not in text
    await bot.nudges.run(asked + 15 * DAY)
    await bot.nudges.run(asked + 40 * DAY)
    assert len(bot.replier.notices) == 1


async def test_no_escalation_when_the_measure_changed_by_other_means(bot: Bot) -> None:
    bot.own({WAERME: (OWNER,)})
    await bot.changed_at(berlin(2026, 1, 4))
    asked = berlin(2026, 6, 1)
    await bot.nudges.run(asked)
    await bot.nudges.measures.store.record(WAERME, OTHER, text="Auftrag vergeben")
    await bot.db.execute("UPDATE measure_updates SET created_at = ?", (asked + DAY,))
    await bot.nudges.run(asked + 20 * DAY)
    assert bot.replier.notices == []
    assert await bot.route("45 %") != "nudge"  # no longer open


async def test_undeliverable_owner_is_tried_again_a_week_later_not_every_hour(bot: Bot) -> None:
    bot.own({WAERME: (OWNER,)})
    await bot.changed_at(berlin(2027, 1, 4))
    calls: list[str] = []

    async def refuse(user_id: str, plain: str, html: str) -> tuple[str, str]:
        calls.append(user_id)
        raise RuntimeError("M_FORBIDDEN")

    bot.nudges.messenger = dataclasses.replace(bot.messenger)
    bot.nudges.messenger.direct = refuse  # type: ignore[method-assign]
    assert await bot.nudges.run(berlin(2027, 6, 1, 9)) == 0
    assert await bot.nudges.run(berlin(2027, 6, 1, 10)) == 0
    assert calls == [OWNER]
    assert await bot.route("45 %") != "nudge"  # nothing was asked
    bot.nudges.messenger = bot.messenger
    assert await bot.nudges.run(berlin(2027, 6, 8, 9)) == 1
    await bot.nudges.run(berlin(2027, 6, 16))  # 15 days after the undelivered one
    assert bot.replier.notices == []


async def _pruned(cutoff: float) -> int:
    return 0


async def test_job_runs_hourly_on_the_hour_in_berlin_with_the_current_time() -> None:
    calls: list[float] = []

    async def run(now: float) -> int:
        calls.append(now)
        return 0

    settings: Any = SimpleNamespace(digest_weekday=0, digest_hour=8, digest_minute=0)
    stand_in: Any = SimpleNamespace(prune=_pruned, forget_idle=lambda: None)
    jobs = Jobs(stand_in, stand_in, datetime.timedelta(hours=1), None, None, settings, nudges=run)  # type: ignore[arg-type]
    jobs.start()
    try:
        job = jobs.scheduler.get_job("nudge-owners")
        assert job is not None
        due = job.next_run_time
        assert (due.minute, due.second, str(due.tzinfo)) == (0, 0, "Europe/Berlin")
        assert due.timestamp() - time.time() <= 3600
        await jobs.nudge()
        assert abs(calls[0] - time.time()) < 60
    finally:
        jobs.shutdown()


# --- answers --------------------------------------------------------------------------------


async def _nudged(bot: Bot, owners: dict[str, tuple[str, ...]]) -> None:
    """Owners nudged now, with the real time (answers are recorded with it)."""
    bot.own(owners)
    await bot.changed_at(time.time() - 100 * DAY)
    for owner in {o for users in owners.values() for o in users}:
        await bot.nudges.subscriptions.set_prefs(owner, DeliveryPrefs("sofort", ""))
    assert await bot.nudges.run(time.time()) >= 1


async def test_percent_answer_sets_progress_with_history_and_thanks(bot: Bot) -> None:
    await _nudged(bot, {WAERME: (OWNER,)})
    answer = await bot.say("60 %")
    assert "Vielen Dank" in answer
    assert "Kommunale Wärmeplanung" in answer
    assert "60 %" in answer
    assert await bot.progress(WAERME) == ("in Umsetzung", 60)
    [entry] = await bot.nudges.measures.store.history(WAERME)
    assert (entry.status, entry.progress, entry.author) == ("in Umsetzung", 60, OWNER)
    assert await bot.route("70 %") != "nudge"  # answered: the next one is not taken


async def test_unchanged_records_a_check_in_that_restarts_the_clock(bot: Bot) -> None:
    await _nudged(bot, {WAERME: (OWNER,)})
    assert "Vielen Dank" in await bot.say("Unverändert.")
    assert await bot.progress(WAERME) == ("in Umsetzung", 25)
    [entry] = await bot.nudges.measures.store.history(WAERME)
    assert entry.text is not None
    assert "unverändert" in entry.text
    assert await bot.nudges.run(time.time() + 8 * DAY) == 0  # would be due again without it


async def test_completed_answer_sets_status_done_and_100(bot: Bot) -> None:
    await _nudged(bot, {WAERME: (OWNER,)})
    assert "abgeschlossen, 100 %" in await bot.say("abgeschlossen")
    assert await bot.progress(WAERME) == ("abgeschlossen", 100)


async def test_free_text_counts_as_reply_to_the_nudge_and_shows_as_typed(bot: Bot) -> None:
    await _nudged(bot, {WAERME: (OWNER,)})
    assert await bot.route("Wir warten auf den *Förderbescheid*") != "nudge"
    answer = await bot.say("Wir warten auf den *Förderbescheid*", reply_to="$dm1")
    assert "Verlauf" in answer
    [entry] = await bot.nudges.measures.store.history(WAERME)
    assert entry.text is not None
    assert "Förderbescheid" in entry.text
    assert entry.text == "Wir warten auf den *Förderbescheid*"  # as typed, like `!update`
    assert await bot.progress(WAERME) == ("in Umsetzung", 25)


async def test_owner_is_told_before_and_after_that_a_note_is_public(bot: Bot) -> None:
    await _nudged(bot, {WAERME: (OWNER,)})
    [nudge] = bot.dms()
    assert "erscheint öffentlich im Verlauf der Maßnahme" in nudge  # the public page shows it
    answer = await bot.say("Auftrag an Firma Beispiel vergeben", reply_to="$dm1")
    assert "öffentlichen Verlauf" in answer


async def test_a_command_as_reply_to_the_nudge_runs_as_the_command(bot: Bot) -> None:
    await _nudged(bot, {WAERME: (OWNER,)})
    detail = await bot.say(f"massnahme {WAERME}", reply_to="$dm1")
    assert "Zielgruppe" in detail
    assert await bot.nudges.measures.store.history(WAERME) == []
    assert await bot.nudges.store.open_items(OWNER) != []


async def test_bundled_answers_name_the_measure_or_the_bot_asks_which(bot: Bot) -> None:
    await _nudged(bot, {WAERME: (OWNER,), LED: (OWNER,)})
    which = await bot.say("45 %")
    assert "Zu welcher Maßnahme" in which
    assert "1. Umstellung" in which
    assert "2. Kommunale" in which
    assert await bot.progress(WAERME) == ("in Umsetzung", 25)
    assert await bot.progress(LED) == ("in Umsetzung", 27)
    answer = await bot.say("2: 45 %")
    assert "Kommunale Wärmeplanung" in answer
    assert "Noch offen" in answer
    assert await bot.progress(WAERME) == ("in Umsetzung", 45)
    assert "Vielen Dank" in await bot.say(f"{LED} unverändert")
    assert await bot.nudges.store.open_items(OWNER) == []


@pytest.mark.parametrize("pick", ["2", "Nr. 2", "die zweite", "die letzte"])
async def test_after_which_a_bare_number_applies_the_kept_answer(bot: Bot, pick: str) -> None:
    await _nudged(bot, {WAERME: (OWNER,), LED: (OWNER,)})
    assert "Zu welcher Maßnahme" in await bot.say("45 %")
    answer = await bot.say(pick)
    assert "Kommunale Wärmeplanung" in answer
    assert "Fortschritt 45 %" in answer
    assert await bot.progress(WAERME) == ("in Umsetzung", 45)
    assert await bot.progress(LED) == ("in Umsetzung", 27)
    # The kept answer is used once: a later "1" is a choice for someone else again.
    assert await bot.route("1") != "nudge"


async def test_a_number_that_is_no_open_measure_asks_again_and_keeps_the_answer(bot: Bot) -> None:
    await _nudged(bot, {WAERME: (OWNER,), LED: (OWNER,)})
    await bot.say("unverändert")
    assert "finde ich" in await bot.say("7")
    assert "Stand unverändert" in await bot.say("1")
    assert await bot.nudges.store.open_items(OWNER) != []  # the other one is still open


async def test_without_a_which_question_a_bare_number_is_no_nudge_answer(bot: Bot) -> None:
    await _nudged(bot, {WAERME: (OWNER,), LED: (OWNER,)})
    assert await bot.route("1") != "nudge"
    await bot.say("45 %")  # asks which
    assert await bot.route("1", direct=False) != "nudge"  # in a room: not an answer
    await bot.say(f"status {WAERME} umsetzung 30")  # the owner's own dialogue replaces it
    assert await bot.route("1") != "nudge"


async def test_unknown_number_lists_the_open_measures(bot: Bot) -> None:
    await _nudged(bot, {WAERME: (OWNER,), LED: (OWNER,)})
    answer = await bot.say("7: 45 %")
    assert "finde ich" in answer
    assert "kommunale-waermeplanung" in answer


async def test_out_of_range_percent_is_refused_and_changes_nothing(bot: Bot) -> None:
    await _nudged(bot, {WAERME: (OWNER,)})
    assert "0 und 100" in await bot.say("120 %")
    assert await bot.progress(WAERME) == ("in Umsetzung", 25)


async def test_question_in_the_dm_stays_a_question_while_a_nudge_is_open(bot: Bot) -> None:
    await _nudged(bot, {WAERME: (OWNER,)})
    for text in ("Was kostet eine Wärmepumpe?", "Was bedeutet 45 %?", "hilfe", "2", "ja"):
        assert await bot.route(text) != "nudge", text
    assert await bot.route("45 %", direct=False) == "none"  # in a room: not an answer
    assert await bot.route("Was heißt das genau?", reply_to="$dm1") != "nudge"
    assert await bot.route("45 %") == "nudge"
    assert "Vielen Dank" in await bot.say("45", reply_to="$dm1")  # a reply: 45 means 45 %
    assert await bot.progress(WAERME) == ("in Umsetzung", 45)


async def test_own_confirmation_gets_ja_and_bare_answers_while_a_reply_still_counts(
    bot: Bot,
) -> None:
    await _nudged(bot, {WAERME: (OWNER,)})
    preview = await bot.say(f"status {WAERME} umsetzung 30")
    assert "Vorschau" in preview
    assert await bot.route("45 %") == "dialog"  # their own question waits for ja/nein
    assert await bot.route("1: 45 %") == "dialog"
    assert await bot.route(f"{WAERME} 45 %") == "nudge"  # names the measure: unmistakable
    assert "Vielen Dank" in await bot.say("45 %", reply_to="$dm1")
    assert await bot.progress(WAERME) == ("in Umsetzung", 45)
    assert "Festgehalten" in await bot.say("ja")  # still their confirmation's
    assert await bot.progress(WAERME) == ("in Umsetzung", 30)


async def test_ja_as_reply_to_the_nudge_is_no_answer_and_records_nothing(bot: Bot) -> None:
    await _nudged(bot, {WAERME: (OWNER,)})
    assert "verstehe ich" in await bot.say("ja", reply_to="$dm1")
    assert await bot.nudges.measures.store.history(WAERME) == []
    assert await bot.route("ja") != "nudge"


async def test_reply_to_an_answered_nudge_says_so(bot: Bot) -> None:
    await _nudged(bot, {WAERME: (OWNER,)})
    await bot.say("45 %")
    assert "schon erledigt" in await bot.say("50 %", reply_to="$dm1")
    assert await bot.progress(WAERME) == ("in Umsetzung", 45)


async def test_owner_removed_since_the_nudge_cannot_answer(bot: Bot) -> None:
    await _nudged(bot, {WAERME: (OWNER,)})
    bot.own({WAERME: (OTHER,)})
    assert "nicht mehr zugeordnet" in await bot.say("45 %")
    assert await bot.progress(WAERME) == ("in Umsetzung", 25)


async def test_someone_else_replying_to_the_nudge_is_not_taken(bot: Bot) -> None:
    await _nudged(bot, {WAERME: (OWNER,)})
    msg = message("45 %", sender=OTHER, direct=True, room="!dm-other")
    route = await bot.router.route(dataclasses.replace(msg, in_reply_to="$dm1"))
    assert route is None or route.kind != "nudge"


# --- parsing --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("45 %", Answer("percent", None, 45)),
        ("45%", Answer("percent", None, 45)),
        (" bei 45 Prozent. ", Answer("percent", None, 45)),
        ("44,5 %", Answer("percent", None, 45)),
        ("1.5 %", Answer("percent", None, 2)),
        ("0 %", Answer("percent", None, 0)),
        ("100 %", Answer("percent", None, 100)),
        ("101 %", Answer("bad_percent")),
        ("UNVERÄNDERT!", Answer("unchanged")),
        ("unvera\u0308ndert", Answer("unchanged")),  # decomposed umlaut
        ("keine   Änderung", Answer("unchanged")),
        ("Abgeschlossen.", Answer("done")),
        ("1: 45 %", Answer("percent", 1, 45)),
        ("2) unverändert", Answer("unchanged", 2)),
        ("3. abgeschlossen", Answer("done", 3)),
        ("Nr. 2 45 %", Answer("percent", 2, 45)),
        ("#2: 45 %", Answer("percent", 2, 45)),
        ("1: Wir warten", Answer("text", 1, text="Wir warten")),
        ("m3 45 %", Answer("percent", "M3", 45)),
        ("M3: Auftrag vergeben", Answer("text", "M3", text="Auftrag vergeben")),
        ("1: 45", Answer("percent", 1, 45)),
        ("M3 120", Answer("bad_percent", "M3")),
        ("45 %\u202e", Answer("percent", None, 45)),
        ("\u200b45 %", Answer("percent", None, 45)),
    ],
)
def test_clear_answer_forms_are_read(text: str, expected: Answer) -> None:
    assert parse_answer(text, ["M3"]) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "Was bedeutet 45 %?",
        "45",
        "-5 %",
        "٤٥ %",  # Arabic-Indic digits
        "４５ %",  # fullwidth digits
        "1" * 5000 + " %",
        "1000 %",
        "X9 45 %",
        "Wir warten auf den Förderbescheid",
        "ja",
        "1: ja",
        "2.",
        "1:",
        "M3",
        "1: Was kostet das?",
    ],
)
def test_everything_else_is_no_answer(text: str) -> None:
    assert parse_answer(text, ["M3"]) is None


@pytest.mark.parametrize(
    "value", [None, 45, 45.0, True, [], ["45 %"], {"body": "45 %"}, b"45 %", object()]
)
def test_a_body_of_any_other_type_is_no_answer(value: object) -> None:
    assert parse_answer(value, ["M3"], free_text=True) is None


def test_free_text_is_taken_only_as_a_reply_and_cut_to_a_note() -> None:
    assert parse_answer("Wir warten", free_text=True) == Answer("text", text="Wir warten")
    assert parse_answer("nein", free_text=True) is None
    assert parse_answer("Was heißt das?", free_text=True) is None
    assert parse_answer("45", free_text=True) == Answer("percent", None, 45)
    long = parse_answer("x" * 5000, free_text=True)
    assert long is not None
    assert len(long.text) == MAX_NOTE
    assert long.text.endswith("…")


@given(st.text(max_size=300), st.lists(st.text(max_size=20), max_size=3), st.booleans())
def test_any_text_gives_none_or_a_sane_answer(text: str, ids: list[str], free: bool) -> None:
    answer = parse_answer(text, ids, free)
    if answer is None:
        return
    if answer.kind == "percent":
        assert answer.percent is not None
        assert 0 <= answer.percent <= 100
    if answer.kind == "text":
        assert answer.text.strip()
        assert len(answer.text) <= MAX_NOTE
    assert answer.ref is None or isinstance(answer.ref, int) or answer.ref in ids
