"""`!wert`, `!meilenstein`, owners' rights and the `!status`/`!update` preview (issue 13).

Router on a real SQLite file with the shipped example catalogue, whose example owners are
@beispiel-klimaschutz (kommunale-waermeplanung) and @beispiel-tiefbau (led-strassenbeleuchtung).
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from commands.measurevalues import BadNumber, format_number, parse_date, parse_number
from config.measures import Owners
from store.privacy import FORGOTTEN, PrivacyStore
from tests.commands.fakes import CITIZEN, MANAGER, dm_speaker, make_router

OWNER = "@beispiel-klimaschutz:ochtrup.invalid"  # owns kommunale-waermeplanung
LED_OWNER = "@beispiel-tiefbau:ochtrup.invalid"  # owns led-strassenbeleuchtung
TODAY = datetime.date(2023, 11, 14)  # the fake clock's day in Berlin


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Any]:
    router, replier, db, _ = await make_router(tmp_path)

    say = dm_speaker(router, replier, OWNER)

    say.db = db  # type: ignore[attr-defined]
    say.services = router.services  # type: ignore[attr-defined]
    yield say
    await db.close()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("45", (45.0, False)),
        ("45 %", (45.0, True)),
        ("45%", (45.0, True)),
        ("1.234,5", (1234.5, False)),
        ("1.234.567", (1234567.0, False)),
        ("12,5", (12.5, False)),
        ("12.5", (12.5, False)),
        ("-3", (-3.0, False)),
    ],
)
def test_parse_number_reads_german_and_plain_numbers(
    text: str, expected: tuple[float, bool]
) -> None:
    assert parse_number(text) == expected


@pytest.mark.parametrize("text", ["", "viel", "1,2,3", "1.23.4", "12 km", "1e5", "%", "1" * 20])
def test_parse_number_refuses_what_is_not_a_number(text: str) -> None:
    with pytest.raises(BadNumber):
        parse_number(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("heute", TODAY),
        ("Gestern", TODAY - datetime.timedelta(days=1)),
        ("2023-11-30", datetime.date(2023, 11, 30)),
        ("30.11.2023", datetime.date(2023, 11, 30)),
        ("1.2.2023", datetime.date(2023, 2, 1)),
        ("31.02.2023", None),
        ("morgen früh", None),
    ],
)
def test_parse_date_reads_heute_iso_and_german(text: str, expected: datetime.date | None) -> None:
    assert parse_date(text, TODAY) == expected


def test_format_number_uses_german_marks() -> None:
    assert format_number(1234.5, "de") == "1.234,5"
    assert format_number(1234.5, "en") == "1,234.5"
    assert format_number(45.0, "de") == "45"


async def test_owner_records_value_and_detail_shows_it_against_baseline_and_target(
    bot: Any,
) -> None:
    answer = await bot("wert kommunale-waermeplanung waermenetz-anschluesse 1.234 30.10.2023")
    assert "1.234 Gebäude am 30.10.2023" in answer
    detail = await bot("massnahme kommunale-waermeplanung", CITIZEN)
    assert "zuletzt 1.234 Gebäude (30.10.2023)" in detail
    assert "Ausgangswert 0 Gebäude (2024)" in detail
    assert "Ziel 400 Gebäude (2035)" in detail
    assert "Ansprechpartner, pflegt diese Angaben: Klimaschutzmanagement (BEISPIEL)" in detail
    assert "eea-Maßnahmenbereich: Entwicklungsplanung, Raumordnung" in detail
    assert OWNER not in detail  # owners are shown by department, not by Matrix ID


async def test_value_without_date_is_for_today_and_percent_needs_a_percent_unit(
    bot: Any,
) -> None:
    answer = await bot("value led-strassenbeleuchtung led-anteil 45 %", LED_OWNER)
    assert "45 % am 14.11.2023" in answer
    unit = await bot("wert kommunale-waermeplanung waermenetz-anschluesse 12 Gebäude gestern")
    assert "12 Gebäude am 13.11.2023" in unit
    refused = await bot("wert kommunale-waermeplanung waermenetz-anschluesse 45 %")
    assert "nicht in Prozent" in refused


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("wert kommunale-waermeplanung waermenetz-anschluesse viele", "„viele“ kann ich nicht"),
        ("wert kommunale-waermeplanung waermenetz-anschluesse 5 31.02.2023", "als Datum lesen"),
        ("wert kommunale-waermeplanung waermenetz-anschluesse 5 01.01.2030", "in der Zukunft"),
        ("wert kommunale-waermeplanung waermenetz-anschluesse 5 1.1.1800", "vor 1990"),
        ("wert kommunale-waermeplanung km 5", "keinen Indikator „km“"),
        ("wert klimaschutzmanagement km 5", "keine Indikatoren"),
        ("wert gibtsnicht km 5", "finde ich nicht"),
        ("wert kommunale-waermeplanung", "wert <Maßnahme> <Indikator> <Zahl> [Datum]"),
    ],
)
async def test_bad_value_input_gets_a_specific_answer_and_stores_nothing(
    bot: Any, command: str, expected: str
) -> None:
    answer = await bot(command, MANAGER)
    assert expected in answer
    assert await bot.db.fetchall("SELECT * FROM measure_values") == []


async def test_milestone_done_by_number_and_moved_by_name_with_history(bot: Any) -> None:
    assert "ist jetzt erledigt" in await bot("meilenstein kommunale-waermeplanung Nr. 1 erledigt")
    moved = await bot("milestone kommunale-waermeplanung ratsbeschluss 2029-03-31")
    assert "31.03.2029" in moved
    detail = await bot("massnahme kommunale-waermeplanung", CITIZEN)
    assert "1. Bestands- und Potenzialanalyse (BEISPIEL) – 30.06.2026 – erledigt" in detail
    assert "2. Ratsbeschluss Wärmeplan (BEISPIEL) – 31.03.2029 – offen" in detail
    rows = await bot.db.fetchall("SELECT number, done, due, author FROM measure_milestones")
    assert [tuple(r) for r in rows] == [(1, 1, None, OWNER), (2, None, "2029-03-31", OWNER)]
    assert "wieder offen" in await bot("meilenstein kommunale-waermeplanung 1 offen")
    assert "– 30.06.2026 – offen" in await bot("massnahme kommunale-waermeplanung", CITIZEN)


async def test_unknown_milestone_and_action_are_explained(bot: Any) -> None:
    assert "Möglich: 1. Bestands" in await bot("meilenstein kommunale-waermeplanung 7 erledigt")
    assert "„vielleicht“ verstehe ich nicht" in await bot(
        "meilenstein kommunale-waermeplanung 1 vielleicht"
    )


@pytest.mark.parametrize("day", ["1.1.9999", "31.12.1899"])
async def test_a_milestone_date_far_out_of_range_is_refused(bot: Any, day: str) -> None:
    answer = await bot(f"meilenstein kommunale-waermeplanung 1 {day}")
    assert "nicht möglich" in answer
    assert await bot.db.fetchall("SELECT * FROM measure_milestones") == []


@pytest.mark.parametrize(
    "command",
    [
        "wert led-strassenbeleuchtung led-anteil 50",
        "meilenstein led-strassenbeleuchtung 2 erledigt",
        "status led-strassenbeleuchtung umsetzung 50",
        "update led-strassenbeleuchtung Neue Leuchten",
    ],
)
async def test_owner_of_another_measure_and_citizen_are_refused(bot: Any, command: str) -> None:
    for sender in (OWNER, CITIZEN):
        answer = await bot(command, sender)
        assert "dürfen nur das Klimaschutzmanagement und die Verantwortlichen" in answer
        assert "Stadtwerke Ochtrup, Straßenbeleuchtung (BEISPIEL)" in answer
    for table in ("measure_values", "measure_milestones", "measure_updates", "dialogs"):
        assert await bot.db.fetchall(f"SELECT * FROM {table}") == []


async def test_status_shows_preview_with_recipients_and_records_only_after_ja(bot: Any) -> None:
    await bot("abonnieren kommunale-waermeplanung", CITIZEN)
    preview = await bot("status kommunale-waermeplanung umsetzung 60")
    assert "Vorschau" in preview
    assert "Fortschritt 60 %" in preview
    assert "1 Person per Direktnachricht" in preview
    assert await bot.db.fetchall("SELECT * FROM measure_updates") == []
    await bot("ja")
    rows = await bot.db.fetchall("SELECT status, progress, author FROM measure_updates")
    assert [tuple(r) for r in rows] == [("in Umsetzung", 60, OWNER)]
    assert "Status in Umsetzung, 60 %" in await bot("massnahme kommunale-waermeplanung", CITIZEN)


async def test_update_preview_nein_cancels_and_other_words_ask_again(bot: Any) -> None:
    await bot("update kommunale-waermeplanung Auftakt im Rathaus", MANAGER)
    assert "„ja“ oder „nein“" in await bot("vielleicht", MANAGER)
    assert "Nichts festgehalten" in await bot("nein", MANAGER)
    assert await bot.db.fetchall("SELECT * FROM measure_updates") == []


async def test_forget_anonymises_who_recorded_values_and_milestones(bot: Any) -> None:
    await bot("wert kommunale-waermeplanung waermenetz-anschluesse 3")
    await bot("meilenstein kommunale-waermeplanung 1 erledigt")
    privacy = PrivacyStore(bot.db)
    exported = await privacy.export(OWNER)
    assert set(exported) >= {"measure_values", "measure_milestones"}
    await privacy.forget(OWNER)
    for table in ("measure_values", "measure_milestones"):
        rows = await bot.db.fetchall(f"SELECT author FROM {table}")
        assert [r["author"] for r in rows] == [FORGOTTEN]
    assert "zuletzt 3 Gebäude" in await bot("massnahme kommunale-waermeplanung", CITIZEN)


async def test_preview_without_recipients_says_it_only_records(bot: Any) -> None:
    preview = await bot("update kommunale-waermeplanung Auftakt")
    assert "niemand" in preview
    assert "nur festgehalten" in preview


async def test_history_lists_values_and_milestone_changes_newest_first(bot: Any) -> None:
    await bot("wert kommunale-waermeplanung waermenetz-anschluesse 7 01.11.2023")
    await bot("meilenstein kommunale-waermeplanung 2 31.12.2030")
    detail = await bot("massnahme kommunale-waermeplanung", CITIZEN)
    history = detail.split("Letzte Neuigkeiten")[1]
    assert "Wert Anschlüsse an Wärmenetze: 7 Gebäude (Stand 01.11.2023)" in history
    assert "Meilenstein „Ratsbeschluss Wärmeplan (BEISPIEL)“ neu geplant für den 31.12.2030" in (
        history
    )


async def test_ja_after_ownership_was_removed_records_nothing(bot: Any) -> None:
    await bot("status kommunale-waermeplanung umsetzung 70")
    service = bot.services.measures
    service.catalogue = dataclasses.replace(
        service.catalogue,
        measures=tuple(
            dataclasses.replace(m, owners=Owners(None, ())) for m in service.catalogue.measures
        ),
    )
    assert "vorbehalten" in await bot("ja")
    assert await bot.db.fetchall("SELECT * FROM measure_updates") == []


async def test_help_lists_the_owner_commands_only_to_owners_and_managers(bot: Any) -> None:
    citizen_help = await bot("hilfe", CITIZEN)
    owner_help = await bot("hilfe", OWNER)
    manager_help = await bot("hilfe", MANAGER)
    for command in ("!wert", "!meilenstein", "!status", "!update"):
        assert command not in citizen_help
        assert command in owner_help
        assert command in manager_help
    assert "Für Verantwortliche von Maßnahmen" in owner_help
    assert "!botstatus" not in owner_help


# --- impossible values, replacing and deleting (walk-through 12, defect 3) -------------------


async def _values(bot: Any) -> list[tuple[Any, ...]]:
    rows = await bot.db.fetchall("SELECT indicator_id, value, measured_on FROM measure_values")
    return [tuple(r) for r in rows]


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("wert led-strassenbeleuchtung led-anteil 150 %", "erlaubt sind Werte von 0 bis 100 %"),
        ("wert led-strassenbeleuchtung led-anteil -5 %", "erlaubt sind Werte von 0 bis 100 %"),
        (
            "wert kommunale-waermeplanung waermenetz-anschluesse -3",
            "erlaubt sind Werte ab 0 Gebäude",
        ),
    ],
)
async def test_impossible_value_is_refused_saying_what_is_allowed(
    bot: Any, command: str, expected: str
) -> None:
    answer = await bot(command, MANAGER)
    assert expected in answer
    assert "Nichts festgehalten" in answer
    assert await _values(bot) == []


def test_the_catalogue_own_figures_widen_the_allowed_range() -> None:
    from commands.valuerange import allowed_range
    from config.measures import Indicator, IndicatorValue

    share = Indicator("a", "Anteil", "%", (20, 2015), (100, 2030), ())
    change = Indicator("b", "Veränderung", "%", (0, 2020), (-40, 2030), ())
    growth = Indicator("c", "Wachstum", "%", None, None, (IndicatorValue(TODAY, 140, None),))
    assert allowed_range(share) == (0, 100)
    assert allowed_range(change) == (None, 100)
    assert allowed_range(growth) == (0, None)


async def test_second_value_for_a_day_replaces_the_first_and_says_so(bot: Any) -> None:
    await bot("wert led-strassenbeleuchtung led-anteil 45 %", MANAGER)
    answer = await bot("wert led-strassenbeleuchtung led-anteil 55 %", MANAGER)
    assert "55 % am 14.11.2023" in answer
    assert "ersetzt den Wert vom 14.11.2023 (45 %)" in answer
    assert await _values(bot) == [("led-anteil", 55.0, "2023-11-14")]
    other_day = await bot("wert led-strassenbeleuchtung led-anteil 50 % gestern", MANAGER)
    assert "ersetzt" not in other_day
    assert len(await _values(bot)) == 2


async def test_delete_shows_the_latest_value_and_deletes_only_after_ja(bot: Any) -> None:
    await bot("wert led-strassenbeleuchtung led-anteil 40 % gestern", MANAGER)
    await bot("wert led-strassenbeleuchtung led-anteil 45 %", MANAGER)
    preview = await bot("wert-loeschen led-strassenbeleuchtung led-anteil", MANAGER)
    assert "LED-Anteil der Straßenleuchten = 45 % vom 14.11.2023" in preview
    assert "löschen?" in preview
    assert preview.endswith("ja/nein")
    assert len(await _values(bot)) == 2
    assert "Gelöscht: LED-Anteil der Straßenleuchten = 45 %" in await bot("ja", MANAGER)
    assert await _values(bot) == [("led-anteil", 40.0, "2023-11-13")]
    detail = await bot("massnahme led-strassenbeleuchtung", CITIZEN)
    assert "45 %" not in detail


async def test_delete_by_date_and_nein_keeps_the_value(bot: Any) -> None:
    await bot("wert led-strassenbeleuchtung led-anteil 40 % gestern", MANAGER)
    await bot("wert led-strassenbeleuchtung led-anteil 45 %", MANAGER)
    preview = await bot("value-delete led-strassenbeleuchtung led-anteil 13.11.2023", MANAGER)
    assert "40 % vom 13.11.2023" in preview
    assert "Nicht gelöscht" in await bot("nein", MANAGER)
    assert len(await _values(bot)) == 2


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("wert-loeschen led-strassenbeleuchtung led-anteil", "im Chat noch kein Wert"),
        ("wert-loeschen led-strassenbeleuchtung led-anteil 1.1.2023", "kein Wert vom 01.01.2023"),
        ("wert-loeschen led-strassenbeleuchtung led-anteil 31.02.2023", "als Datum lesen"),
        ("wert-loeschen led-strassenbeleuchtung", "wert-loeschen <Maßnahme> <Indikator>"),
    ],
)
async def test_delete_without_a_matching_value_explains_and_asks_nothing(
    bot: Any, command: str, expected: str
) -> None:
    assert expected in await bot(command, MANAGER)
    assert await bot.db.fetchall("SELECT * FROM dialogs") == []


async def test_delete_confirmation_belongs_to_who_asked_and_others_may_not_delete(
    bot: Any,
) -> None:
    await bot("wert led-strassenbeleuchtung led-anteil 45 %", MANAGER)
    refused = await bot("wert-loeschen led-strassenbeleuchtung led-anteil", CITIZEN)
    assert "dürfen nur das Klimaschutzmanagement" in refused
    await bot("wert-loeschen led-strassenbeleuchtung led-anteil", MANAGER)
    await bot("ja", LED_OWNER)  # an owner's "ja" is not an answer to the manager's question
    await bot("ja", CITIZEN)
    assert len(await _values(bot)) == 1
    assert "Gelöscht" in await bot("ja", MANAGER)
    assert await _values(bot) == []


async def test_delete_of_a_value_replaced_since_the_preview_changes_nothing(bot: Any) -> None:
    await bot("wert led-strassenbeleuchtung led-anteil 45 %", MANAGER)
    await bot("wert-loeschen led-strassenbeleuchtung led-anteil", MANAGER)
    await bot("wert led-strassenbeleuchtung led-anteil 50 %", LED_OWNER)
    assert "gibt es nicht mehr" in await bot("ja", MANAGER)
    assert await _values(bot) == [("led-anteil", 50.0, "2023-11-14")]


async def test_a_value_for_a_measure_typed_unlike_its_id_gets_the_closest_with_the_command(
    bot: Any,
) -> None:
    # "led" is a word of one measure's title only: that measure is meant.
    answer = await bot("wert led led-anteil 45 %", LED_OWNER)
    assert "45 % am 14.11.2023" in answer
    # A typo of an id: no value, but the closest measure with the command that fits.
    typo = await bot("wert kommunale-waermeplanug waermenetz-anschluesse 5", MANAGER)
    assert "finde ich nicht. Meinten Sie" in typo
    assert "wert kommunale-waermeplanung" in typo
    assert len(await bot.db.fetchall("SELECT * FROM measure_values")) == 1
