"""`!nachfragen`: the manager's view of the nudges to measure owners.

Open questions are made by the nudge job itself with an injected time (as in test_nudges.py);
the command reads the router's clock, set to the same day.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from commands.formatting import to_plain
from commands.nudges import NudgeService
from config.measures import Milestone, Owners
from store.subscriptions import DeliveryPrefs
from tests.commands.fakes import CITIZEN, MANAGER, Clock, make_router, message

OWNER = "@amt:ochtrup.test"
OTHER = "@stadtwerke:ochtrup.test"
MANAGER_ROOM = "!team:ochtrup.test"
BERLIN = ZoneInfo("Europe/Berlin")
WAERME, LED, RAD = "kommunale-waermeplanung", "led-strassenbeleuchtung", "stadtradeln"


def berlin(y: int, m: int, d: int, hh: int = 12) -> float:
    return datetime.datetime(y, m, d, hh, tzinfo=BERLIN).timestamp()


@dataclasses.dataclass
class Bot:
    router: Any
    replier: Any
    db: Any
    clock: Clock
    nudges: NudgeService

    def own(self, owners: dict[str, tuple[str, ...]], milestones: dict[str, Any] = {}) -> None:  # noqa: B006
        """Only these measures have owners (and only these milestones)."""
        service = self.nudges.measures
        measures = tuple(
            dataclasses.replace(
                m,
                owners=Owners("Bauamt", owners.get(m.id, ())),
                milestones=tuple(milestones.get(m.id, ())),
            )
            for m in service.catalogue.measures
        )
        service.catalogue = dataclasses.replace(service.catalogue, measures=measures)

    async def changed_at(self, when: float, measure_id: str | None = None) -> None:
        if measure_id is None:
            await self.db.execute("UPDATE measure_state SET updated_at = ?", (when,))
        else:
            await self.db.execute(
                "UPDATE measure_state SET updated_at = ? WHERE measure_id = ?", (when, measure_id)
            )

    async def ask(self, text: str, sender: str = MANAGER, at: float | None = None) -> str:
        """The bot's reply to `text` in a DM (plain text)."""
        if at is not None:
            self.clock.now = at
        before = len(self.replier.texts)
        await self.router.dispatch(message(text, sender=sender, direct=True))
        return "\n".join(self.replier.texts[before:])

    def html(self) -> str:
        return str(self.replier.sent[-1][2])


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Bot]:
    router, replier, db, clock = await make_router(tmp_path, manager_room=MANAGER_ROOM)
    nudges = router.services.nudges
    assert nudges is not None
    await nudges.measures.seed()
    yield Bot(router, replier, db, clock, nudges)
    await db.close()


async def _two_owners_asked(bot: Bot) -> None:
    """OWNER asked on 04.04.2027 (escalated on 18.04.), OTHER on 11.04.2027 (not yet)."""
    bot.own({WAERME: (OWNER,), LED: (OTHER,)})
    await bot.changed_at(berlin(2027, 1, 4))
    await bot.changed_at(berlin(2027, 1, 11), LED)
    assert await bot.nudges.run(berlin(2027, 4, 4)) == 1
    assert await bot.nudges.run(berlin(2027, 4, 11)) == 1
    await bot.nudges.run(berlin(2027, 4, 18))
    assert len(bot.replier.notices) == 1  # the manager room heard of OWNER's question


async def test_overview_lists_open_questions_by_owner_with_dates_and_escalation(bot: Bot) -> None:
    await _two_owners_asked(bot)
    text = await bot.ask("!nachfragen", at=berlin(2027, 4, 18, 13))
    assert "Warten auf Antwort (2):" in text
    mine, theirs = text.index(OWNER), text.index(OTHER)
    assert mine < text.index("Kommunale Wärmeplanung") < theirs  # grouped by owner
    assert theirs < text.index("Straßenbeleuchtung")
    assert "gefragt am 04.04.2027 · seit mindestens 90 Tagen keine Änderung" in text
    assert "am 18.04.2027 im Raum des Klimaschutzmanagements gemeldet" in text
    assert text.count("gemeldet") == 1  # OTHER's question is one week old
    assert "gefragt am 11.04.2027" in text
    assert "Fällig" not in text  # both are asked already
    assert "!nachfragen <Maßnahme>" in text
    assert len(text.splitlines()) <= 20
    assert "<a" not in bot.html()  # the owners' Matrix IDs are text


async def test_overview_says_in_english_what_waits(bot: Bot) -> None:
    await _two_owners_asked(bot)
    await bot.ask("!sprache en")
    text = await bot.ask("!nudges", at=berlin(2027, 4, 18, 13))
    assert "Waiting for an answer (2):" in text
    assert "asked on 04.04.2027 · no change for at least 90 days" in text
    assert "reported in the climate management room on 18.04.2027" in text


async def test_overview_shows_a_milestone_held_back_by_the_weekly_limit(bot: Bot) -> None:
    kickoff = Milestone(1, "Auftakt", datetime.date(2027, 4, 10), False)
    bot.own({WAERME: (OWNER,), RAD: (OWNER,)}, {RAD: [kickoff]})
    await bot.changed_at(berlin(2027, 1, 4))
    await bot.changed_at(berlin(2027, 4, 1), RAD)
    assert await bot.nudges.run(berlin(2027, 4, 4)) == 1  # the heat planning only
    text = await bot.ask("!nachfragen", at=berlin(2027, 4, 10))
    assert "Fällig, noch nicht gefragt (1):" in text
    assert f"{OWNER} – frühestens am 11.04.2027 (höchstens eine Nachfrage pro Woche):" in text
    assert "- STADTRADELN und Schulradeln: Meilenstein 1 „Auftakt“ fällig am 10.04.2027" in text
    # What the view promised is what the job does.
    assert await bot.nudges.run(berlin(2027, 4, 10, 18)) == 0
    assert await bot.nudges.run(berlin(2027, 4, 11)) == 1
    assert "Fällig" not in await bot.ask("!nachfragen", at=berlin(2027, 4, 11, 13))


async def test_overview_of_many_owners_stays_short(bot: Bot) -> None:
    measures = bot.nudges.measures.catalogue.measures
    bot.own({m.id: (f"@owner{n}:ochtrup.test",) for n, m in enumerate(measures)})
    await bot.changed_at(berlin(2027, 1, 4))
    sent = await bot.nudges.run(berlin(2027, 4, 4))  # completed measures are not asked about
    assert sent > 10
    text = await bot.ask("!nachfragen", at=berlin(2027, 4, 5))
    assert f"Warten auf Antwort ({sent}):" in text
    assert "… und " in text
    assert "weitere" in text
    assert len(text.splitlines()) <= 22


async def test_nothing_open_says_when_the_job_asks(bot: Bot) -> None:
    bot.own({WAERME: (OWNER,)})
    await bot.changed_at(berlin(2027, 4, 1))
    text = await bot.ask("!nachfragen", at=berlin(2027, 4, 4))
    assert "Zurzeit wartet keine Nachfrage auf Antwort, und keine Maßnahme ist fällig." in text
    assert "stündlich" in text
    assert "seit 90 Tagen keine Änderung" in text
    assert "nach 14 Tagen" in text
    assert "kein Matrix-Konto" not in text


async def test_nothing_open_follows_the_settings_and_tells_when_nobody_owns_anything(
    bot: Bot,
) -> None:
    bot.own({})
    bot.nudges.settings = dataclasses.replace(
        bot.nudges.settings,
        nudge_after=datetime.timedelta(days=30),
        nudge_escalate_after=datetime.timedelta(days=1),
    )
    text = await bot.ask("!nachfragen", at=berlin(2027, 4, 4))
    assert "seit 30 Tagen keine Änderung" in text
    assert "nach einem Tag keine Antwort" in text
    assert "bei keiner Maßnahme ein Matrix-Konto" in text


async def test_by_measure_shows_owners_and_open_question(bot: Bot) -> None:
    await _two_owners_asked(bot)
    text = await bot.ask("!nachfragen wärmeplanung", at=berlin(2027, 4, 18, 13))
    assert "Nachfragen zu „Kommunale Wärmeplanung“ (kommunale-waermeplanung)" in text
    assert f"Verantwortlich: {OWNER}" in text
    assert "Zuletzt geändert am 04.01.2027." in text
    assert f"- {OWNER}: gefragt am 04.04.2027" in text
    assert "gemeldet" in text
    assert OTHER not in text
    assert await bot.ask("!nudges kommunale-waermeplanung") in text


async def test_by_measure_tells_a_due_measure_waits_for_the_quiet_hours(bot: Bot) -> None:
    bot.own({WAERME: (OWNER,)})
    await bot.changed_at(berlin(2027, 1, 4))
    text = await bot.ask("!nachfragen waermeplanung", at=berlin(2027, 4, 4, 23))
    assert "Fällig, noch nicht gefragt:" in text
    assert (
        f"- {OWNER}: seit mindestens 90 Tagen keine Änderung – nach der Ruhezeit dieser Person"
        in text
    )
    await bot.nudges.subscriptions.set_prefs(OWNER, DeliveryPrefs("sofort", ""))
    assert "in der nächsten Stunde" in await bot.ask("!nachfragen waermeplanung")


async def test_by_measure_without_owners_or_questions(bot: Bot) -> None:
    bot.own({WAERME: (OWNER,)})
    await bot.changed_at(berlin(2027, 4, 1))
    text = await bot.ask("!nachfragen stadtradeln", at=berlin(2027, 4, 4))
    assert "kein Matrix-Konto als verantwortlich eingetragen" in text
    text = await bot.ask("!nachfragen kommunale-waermeplanung")
    assert "wartet keine Nachfrage auf Antwort, und keine ist fällig" in text


async def test_by_measure_sends_nothing(bot: Bot) -> None:
    bot.own({WAERME: (OWNER,)})
    await bot.changed_at(berlin(2027, 1, 4))
    await bot.ask("!nachfragen kommunale-waermeplanung", at=berlin(2027, 4, 4))
    await bot.ask("!nachfragen", at=berlin(2027, 4, 4))
    assert await bot.nudges.store.open_items() == []
    assert bot.nudges.messenger.dms == []  # type: ignore[attr-defined]


async def test_unknown_measure_is_told_with_suggestions_for_this_command(bot: Bot) -> None:
    text = await bot.ask("!nachfragen gibtesnicht")
    assert "„gibtesnicht“ finde ich nicht" in text
    text = await bot.ask("!nachfragen kommunale-waermeplanug")
    assert "Meinten Sie" in text
    assert "!nachfragen kommunale-waermeplanung" in text
    assert "keine Nummer" in await bot.ask("!nachfragen 2")


async def test_citizen_is_refused_and_sees_no_owner(bot: Bot) -> None:
    await _two_owners_asked(bot)
    for text in ("!nachfragen", "!nudges kommunale-waermeplanung"):
        answer = await bot.ask(text, sender=CITIZEN)
        assert "vorbehalten" in answer
        assert OWNER not in answer


@pytest.mark.parametrize(
    "args",
    [
        "x" * 990,
        "wärme " * 160,
        "**fett** [klick](https://evil.example) <b>x</b> `code`",
        "\u202e\x00\n- Liste\r\n1. eins",
        "@amt:ochtrup.test",
        "Nr. 3",
        "  ",
    ],
)
async def test_hostile_arguments_never_raise_nor_become_markup(bot: Bot, args: str) -> None:
    await _two_owners_asked(bot)
    text = await bot.ask(f"!nachfragen {args}", at=berlin(2027, 4, 18, 13))
    assert text
    assert "Referenz" not in text  # no internal error
    html = bot.html()
    assert "<a " not in html
    assert "<b>" not in html
    assert "<strong>fett" not in html
    assert "<code>code" not in html
    assert "\u202e" not in text


async def test_a_broken_stored_milestone_date_is_shown_not_raised(bot: Bot) -> None:
    await _two_owners_asked(bot)
    await bot.db.execute('UPDATE nudge_items SET milestones = \'[[1, "kaputt"], ["x"]]\'')
    text = await bot.ask("!nachfragen", at=berlin(2027, 4, 18, 13))
    assert "Meilenstein 1 fällig am kaputt" in to_plain(text)
    assert "Referenz" not in text
