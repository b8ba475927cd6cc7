"""Pledge campaigns without a homeserver: creating, totals, milestones once, privacy."""

from __future__ import annotations

import datetime
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from commands.errors import CommandError, UsageError
from commands.formatting import to_plain
from commands.i18n import Catalog
from commands.monitor import MonitorService, MonitorSettings
from commands.pledges import (
    _FIELDS,
    _TYPED,
    PledgeService,
    parse_campaign,
    reached,
    saving_text,
)
from commands.router import Router
from store.db import Database
from tests.commands.fakes import CITIZEN, MANAGER, Clock, RecordingReplier, make_router, message

ROOM = "!room:ochtrup.test"
FORM = (
    "titel=Eins runter; zusage=Ich senke meine Raumtemperatur um 1 °C; "
    "ersparnis=0,5 t CO2; quelle=UBA; ziel={goal}; thema=waerme-heizung"
)


@dataclass
class Bot:
    router: Router
    replier: RecordingReplier
    db: Database
    clock: Clock

    async def say(self, body: str, sender: str = MANAGER) -> str:
        await self.router.dispatch(message(body, sender=sender, room=ROOM))
        return self.replier.texts[-1]

    @property
    def pledges(self) -> PledgeService:
        service = self.router.services.pledges
        assert service is not None
        return service

    async def announcements(self) -> list[str]:
        rows = await self.db.fetchall("SELECT body FROM broadcasts ORDER BY id")
        return [str(r["body"]) for r in rows]


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Bot]:
    router, replier, db, clock = await make_router(tmp_path)
    yield Bot(router, replier, db, clock)
    await db.close()


async def _campaign(bot: Bot, goal: int = 4, extra: str = "") -> None:
    preview = await bot.say("!aktion-neu " + FORM.format(goal=goal) + extra)
    assert "Vorschau" in preview
    assert "etwa 500 kg CO₂" in preview
    before = len(bot.replier.texts)
    await bot.say("ja")
    assert any("Aktion Nr. 1 läuft" in text for text in bot.replier.texts[before:])


async def test_pledges_answer_with_the_running_total(bot: Bot) -> None:
    await _campaign(bot, goal=200)
    first = await bot.say("!mitmachen 1", sender="@a:o")
    assert "Bisher macht 1 Haushalt mit und spart etwa 500 kg CO₂ im Jahr." in first
    await bot.say("!mitmachen 1", sender="@b:o")
    third = await bot.say("!pledge 1", sender="@c:o")
    assert "Gemeinsam sparen 3 Haushalte etwa 1,5 t CO₂ im Jahr." in third
    assert "schon mit" in await bot.say("!mitmachen 1", sender="@c:o")
    listing = await bot.say("!aktionen", sender="@c:o")
    assert "3 Haushalte" in listing
    assert "Sie machen mit" in listing
    assert "(Ziel: 200 Haushalte, ohne Enddatum)" in listing
    assert "@a:o" not in listing


async def test_each_milestone_is_announced_once_to_the_topic(bot: Bot) -> None:
    await bot.say("!abonnieren waerme-heizung", sender="@fan:o")
    await _campaign(bot, goal=4)
    reply = await bot.say("!mitmachen 1", sender="@a:o")
    assert "ein Viertel des Ziels" in reply
    await bot.say("!zurueckziehen 1", sender="@a:o")
    again = await bot.say("!mitmachen 1", sender="@a:o")  # 25 % again: not announced again
    assert "Viertel" not in again
    await bot.say("!mitmachen 1", sender="@b:o")
    await bot.say("!mitmachen 1", sender="@c:o")
    await bot.say("!mitmachen 1", sender="@d:o")
    announced = await bot.announcements()
    assert len(announced) == 4
    assert to_plain(announced[0]) == (
        "Neue Mitmach-Aktion „Eins runter“: Ich senke meine Raumtemperatur um 1 °C. "
        "Ziel: 4 Haushalte, ohne Enddatum. Machen Sie mit: !mitmachen 1."
    )
    assert "ein Viertel ihres Ziels" in announced[1]
    assert "die Hälfte" in announced[2]
    assert "ihr Ziel erreicht (Ziel: 4 Haushalte)" in announced[3]
    assert all("@" not in text for text in announced)  # counts, never names


async def test_milestone_reaches_an_english_subscriber_in_english(bot: Bot) -> None:
    await bot.say("!sprache en", sender="@en:o")
    await bot.say("!abonnieren waerme-heizung", sender="@en:o")
    await _campaign(bot, goal=1)
    await bot.say("!mitmachen 1", sender="@a:o")
    broadcaster = bot.router.services.broadcaster
    assert broadcaster is not None
    launch, delivery = await broadcaster.broadcasts.due(bot.clock.now + 10**6, 10)
    plain, _ = await broadcaster.render_delivery(launch)
    assert "New campaign “Eins runter”: Ich senke meine Raumtemperatur um 1 °C." in plain
    assert "Goal: 1 household, with no end date. Take part: !pledge 1" in plain
    plain, _ = await broadcaster.render_delivery(delivery)
    assert "has reached its goal (1 household)" in plain
    assert "!pledge 1" in plain
    assert "Haushalt" not in plain
    assert "hat ihr Ziel erreicht" in delivery.body  # stored in German for the weekly digest


async def test_milestones_jumped_over_are_announced_as_the_highest_only(bot: Bot) -> None:
    await _campaign(bot, goal=1)
    reply = await bot.say("!mitmachen 1", sender="@a:o")
    assert "das Ziel erreicht (Ziel: 1 Haushalt)" in reply
    assert len(await bot.announcements()) == 1


async def test_a_goal_of_one_household_is_singular_everywhere(bot: Bot) -> None:
    preview = await bot.say("!aktion-neu " + FORM.format(goal=1))
    assert "Ziel: 1 Haushalt\n" in preview
    await bot.say("ja")
    assert "(Ziel: 1 Haushalt, ohne Enddatum)" in await bot.say("!aktionen")
    await bot.say("!sprache en", sender="@en:o")
    assert "(goal: 1 household, with no end date)" in await bot.say("!campaigns", sender="@en:o")


async def test_a_campaign_without_pledges_says_so_instead_of_zero_households(bot: Bot) -> None:
    await _campaign(bot, goal=200)
    listing = await bot.say("!aktionen", sender="@a:o")
    assert "Bisher macht noch niemand mit." in listing
    assert "sparen 0" not in listing
    assert "etwa 0 kg" not in listing
    await bot.say("!mitmachen 1", sender="@a:o")
    assert "noch niemand" in await bot.say("!zurueckziehen 1", sender="@a:o")


async def test_withdrawing_lowers_the_total_and_twice_is_refused(bot: Bot) -> None:
    await _campaign(bot, goal=200)
    await bot.say("!mitmachen 1", sender="@a:o")
    await bot.say("!mitmachen 1", sender="@b:o")
    assert "Bisher macht 1 Haushalt" in await bot.say("!zurueckziehen 1", sender="@a:o")
    assert "nicht zugesagt" in await bot.say("!zurueckziehen 1", sender="@a:o")


async def test_ended_or_unknown_campaigns_are_refused_politely(bot: Bot) -> None:
    today = datetime.datetime.fromtimestamp(bot.clock.now).date()
    await _campaign(bot, goal=10, extra=f"; bis={today.isoformat()}")
    assert "Haushalte, bis " + today.strftime("%d.%m.%Y") in await bot.say("!aktionen")
    assert "Haushalt" in await bot.say("!mitmachen 1", sender="@a:o")
    bot.clock.now += 3 * 86400
    assert "schon vorbei" in await bot.say("!mitmachen 1", sender="@b:o")
    assert "läuft keine" in await bot.say("!aktionen", sender="@b:o")
    assert "gibt es nicht" in await bot.say("!mitmachen 7", sender="@b:o")
    # A name instead of a number: nothing runs to pick from, and it says so.
    assert "läuft keine" in await bot.say("!mitmachen eins", sender="@b:o")


async def test_citizens_cannot_create_campaigns(bot: Bot) -> None:
    assert "vorbehalten" in await bot.say("!aktion-neu " + FORM.format(goal=5), sender=CITIZEN)


async def test_pledges_are_exported_and_forgetting_keeps_only_the_count(bot: Bot) -> None:
    await _campaign(bot, goal=200)
    await bot.say("!mitmachen 1", sender=CITIZEN)
    await bot.say("!mitmachen 1", sender="@b:o")
    privacy = bot.router.services.privacy
    assert privacy is not None
    assert [r["campaign_id"] for r in (await privacy.export(CITIZEN))["pledges"]] == [1]
    await privacy.forget(CITIZEN)
    assert "pledges" not in await privacy.export(CITIZEN)
    campaign = await bot.pledges.store.get(1)
    assert campaign is not None
    assert campaign.pledges == 2  # the total stays, nothing names the forgotten one
    rows = await bot.db.fetchall("SELECT user_id FROM pledges")
    assert [r["user_id"] for r in rows] == ["@b:o"]
    # Forgotten, they may pledge anew; that counts as a new household, as it must.
    await bot.say("!mitmachen 1", sender=CITIZEN)
    assert (await bot.pledges.store.get(1) or campaign).pledges == 3


def _topic(text: str) -> str | None:
    return "waerme-heizung" if text == "waerme-heizung" else None


def test_the_one_line_form_is_read_and_bad_fields_are_named() -> None:
    today = datetime.date(2026, 12, 7)
    draft = parse_campaign(
        "title=A; pledge=B; saving=120 kWh; source=C; goal=20; until=31.03.2027", today, _topic
    )
    assert (draft.saving, draft.unit, draft.goal, draft.ends_on) == (120, "kWh", 20, "2027-03-31")
    assert parse_campaign(FORM.format(goal=5), today, _topic).saving == 500
    bad = {
        "titel=A": "missing_fields",
        "titel=A; farbe=rot": "unknown_field",
        FORM.format(goal=0): "bad_goal",
        FORM.format(goal="viele"): "bad_goal",
        FORM.format(goal=5).replace("0,5 t CO2", "viel"): "bad_saving",
        FORM.format(goal=5).replace("0,5 t CO2", "-3 kg"): "bad_saving",
        FORM.format(goal=5).replace("0,5 t CO2", "0 kWh"): "bad_saving",
        FORM.format(goal=5) + "; bis=01.01.2020": "bad_date",
        FORM.format(goal=5).replace("waerme-heizung", "mond"): "bad_topic",
    }
    for form, key in bad.items():
        with pytest.raises(CommandError, match=key):
            parse_campaign(form, today, _topic)
    with pytest.raises(UsageError):
        parse_campaign("  ", today, _topic)


def test_hostile_goals_savings_and_titles_get_a_polite_answer_not_a_crash() -> None:
    today = datetime.date(2026, 12, 7)
    for goal in ("²", "٣", "１", "5.0", "1" * 30):
        with pytest.raises(CommandError, match="bad_goal"):
            parse_campaign(FORM.format(goal=goal), today, _topic)
    tiny = FORM.format(goal=5).replace("0,5 t CO2", "0,0000001 kg")  # shown as "etwa 0 kg"
    with pytest.raises(CommandError, match="bad_saving"):
        parse_campaign(tiny, today, _topic)
    hostile = FORM.format(goal=5).replace("Eins runter", "Eins\u202e \u200brunter\x00")
    assert parse_campaign(hostile, today, _topic).title == "Eins runter"


def test_missing_or_too_long_fields_are_named_as_typed_in_each_language() -> None:
    today = datetime.date(2026, 12, 7)
    with pytest.raises(CommandError) as german:
        parse_campaign("ziel=5; quelle=UBA", today, _topic)
    assert german.value.params["fields"] == "titel, zusage, ersparnis"
    with pytest.raises(CommandError) as english:
        parse_campaign("goal=5; source=UBA", today, _topic, "en")
    assert english.value.params["fields"] == "title, pledge, saving"
    with pytest.raises(CommandError) as long:
        parse_campaign(FORM.format(goal=5).replace("Eins runter", "x" * 400), today, _topic)
    assert long.value.params["field"] == "titel"


def test_every_field_is_named_in_the_readers_language() -> None:
    today = datetime.date(2026, 12, 7)
    with pytest.raises(CommandError) as german:
        parse_campaign("titel=Test; zusage=Ich fahre Rad", today, _topic)
    assert german.value.params["fields"] == "ersparnis, quelle, ziel"
    german_names = {k for k, v in _FIELDS.items() if k in _TYPED["de"].values()}
    for language, typed in _TYPED.items():
        assert set(typed) == set(_FIELDS.values()), language  # every field has its name
        assert all(_FIELDS[name] == field for field, name in typed.items()), language
    assert german_names == {"titel", "zusage", "ersparnis", "quelle", "ziel", "bis", "thema"}


async def test_preview_and_start_say_who_hears_of_the_campaign_and_when(bot: Bot) -> None:
    preview = await bot.say("!aktion-neu " + FORM.format(goal=4))
    assert "Beim Anlegen verschicke ich nichts" in preview
    assert "„Wärme & Heizung“" in preview or "waerme" not in preview
    started = await bot.say("ja")
    assert "Beim Anlegen verschicke ich nichts" in started
    assert await bot.announcements() == []  # and indeed nothing was sent
    await bot.say("!aktion-neu titel=Ohne; zusage=Rad; ersparnis=5 kg; quelle=UBA; ziel=3")
    assert "Ohne Thema verschicke ich nie etwas" in await bot.say("ja")


async def test_pledge_without_number_lists_the_campaigns_and_a_title_picks_one(bot: Bot) -> None:
    await _campaign(bot, goal=200)
    await bot.say(
        "!aktion-neu titel=Rad statt Auto; zusage=Rad; ersparnis=5 kg; quelle=UBA; ziel=3"
    )
    await bot.say("ja")
    listing = await bot.say("!mitmachen", sender="@a:o")
    assert "Bei welcher Aktion" in listing
    assert "- Nr. 1: „Eins runter“" in listing
    assert "- Nr. 2: „Rad statt Auto“" in listing
    assert "!mitmachen 1." in listing
    assert "Danke" in await bot.say("!mitmachen rad statt auto", sender="@a:o")
    assert "Danke" in await bot.say("!mitmachen Eins", sender="@b:o")  # part of one title
    unknown = await bot.say("!mitmachen Solar", sender="@c:o")
    assert "finde ich nicht" in unknown
    assert "- Nr. 2" in unknown


async def test_a_big_goal_has_thousands_separators(bot: Bot) -> None:
    await _campaign(bot, goal=250000)
    assert "(Ziel: 250.000 Haushalte," in await bot.say("!aktionen")


def test_milestones_reached_are_whole_percentages_of_the_goal() -> None:
    assert reached(0, 200) == ()
    assert reached(49, 200) == ()
    assert reached(50, 200) == (25,)
    assert reached(199, 200) == (25, 50)
    assert reached(250, 200) == (25, 50, 100)


def test_saving_text_uses_big_units_for_big_amounts() -> None:
    catalog = Catalog.load()

    def text(language: str, amount: float, unit: str) -> str:
        return to_plain(saving_text(catalog, language, amount, unit))

    assert text("de", 71_500, "kg") == "etwa 72 t CO₂"
    assert text("de", 1_500, "kg") == "etwa 1,5 t CO₂"
    assert text("de", 480, "kg") == "etwa 480 kg CO₂"
    assert text("en", 12_500, "kWh") == "about 13 MWh"
    assert text("de", 9_000, "kWh") == "etwa 9.000 kWh"


async def test_public_page_lists_running_campaigns_with_totals_and_no_names(bot: Bot) -> None:
    hostile = "<script>alert(1)</script> Eins runter"
    preview = await bot.say("!aktion-neu " + FORM.format(goal=200).replace("Eins runter", hostile))
    assert "Vorschau" in preview
    await bot.say("ja")
    await bot.say("!mitmachen 1", sender="@anna:o")
    await bot.say("!mitmachen 1", sender="@ben:o")
    services = bot.router.services
    assert services.measures is not None
    assert services.broadcaster is not None
    await services.measures.seed()
    monitor = MonitorService(
        services.measures,
        services.broadcaster.topics,
        Catalog.load(),
        MonitorSettings("@klimabot:o", "https://klima.ochtrup.test", "Rathaus"),
        clock=bot.clock,
    )
    assert "Mitmach-Aktionen" not in (await monitor.index()).body.decode()  # not wired: none
    monitor.pledges = bot.pledges
    page = (await monitor.index()).body.decode()
    assert "Mitmach-Aktionen" in page
    assert "Gemeinsam sparen 2 Haushalte etwa 1 t CO₂ im Jahr." in page
    assert "„!mitmachen 1“" in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Eins runter" in page
    assert "<script>alert" not in page
    assert "@anna" not in page
    assert "@ben" not in page


async def test_a_new_campaign_is_announced_to_its_topic_at_once(bot: Bot) -> None:
    await bot.say("!abonnieren waerme-heizung", sender="@fan:o")
    preview = await bot.say("!aktion-neu " + FORM.format(goal=10))
    assert "Mit „ja“ kündige ich die Aktion gleich an" in preview
    assert "- 1 Person per Direktnachricht" in preview
    before = len(bot.replier.texts)
    await bot.say("ja")
    said = bot.replier.texts[before:]
    assert said[0] == "Aktion Nr. 1 läuft. Mitmachen: !mitmachen 1."
    assert said[1] == "Wird gesendet an 1 Empfänger …"  # the delivery's status message
    assert len(await bot.announcements()) == 1


async def test_a_campaign_whose_topic_nobody_follows_sends_nothing_and_says_so(bot: Bot) -> None:
    preview = await bot.say("!aktion-neu " + FORM.format(goal=10))
    assert "hat noch keine Abonnenten und keinen Themenraum" in preview
    await bot.say("ja")
    assert "Beim Anlegen verschicke ich nichts" in bot.replier.texts[-1]
    assert await bot.announcements() == []


async def test_forgetting_says_pledges_stay_as_a_number_and_the_campaign_without_a_name(
    bot: Bot,
) -> None:
    await _campaign(bot, goal=10)
    await bot.say("!mitmachen 1", sender="@a:o")
    pledger = await bot.say("!vergessen", sender="@a:o")
    assert "Ihre Zusagen zählen danach nur noch als Zahl" in pledger
    assert "ohne Ihren Namen" not in pledger
    creator = await bot.say("!vergessen")
    assert "Was Sie selbst verschickt oder gestartet haben" in creator
