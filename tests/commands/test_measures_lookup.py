"""Measures found by title words, suggestions instead of guesses, proper filter headings,
clear detail labels and the quiet-hours note in `!status`/`!update` previews
(walk-through 12, #11, #15, #16, #17, #7)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from store.subscriptions import DeliveryPrefs
from tests.commands.fakes import CITIZEN, MANAGER, dm_speaker, make_router

LED = "led-strassenbeleuchtung"


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Any]:
    router, replier, db, _ = await make_router(tmp_path)
    say = dm_speaker(router, replier)
    say.services = router.services  # type: ignore[attr-defined]
    yield say
    await db.close()


async def test_measure_is_found_by_its_title_words(bot: Any) -> None:
    answer = await bot("!massnahme LED Straßenbeleuchtung")
    assert f"Umstellung der Straßenbeleuchtung auf LED ({LED})" in answer
    assert "finde ich nicht" not in answer


async def test_several_fitting_measures_are_listed_not_guessed(bot: Any) -> None:
    answer = await bot("!massnahme Kreis Steinfurt")
    assert "passen mehrere Maßnahmen" in answer
    assert "!massnahme oekoprofit" in answer
    assert "Erwartete Einsparung" not in answer


async def test_single_letters_of_pasted_markup_suggest_no_measure(bot: Any) -> None:
    answer = await bot("!massnahme **x** [a](https://e.x)")
    assert "finde ich nicht – weder als Kennung noch in einem Titel" in answer
    assert "Meinten Sie" not in answer


async def test_a_misspelt_measure_id_suggests_the_close_one(bot: Any) -> None:
    answer = await bot("!massnahme stadtradln")
    assert "Meinten Sie" in answer
    assert "!massnahme stadtradeln" in answer


async def test_subscribing_by_a_title_word_follows_that_measure(bot: Any) -> None:
    assert "„Umstellung der Straßenbeleuchtung auf LED“ abonniert" in await bot(
        "!abonnieren Straßenbeleuchtung"
    )
    subscriptions = bot.services.broadcaster.subscriptions
    assert await subscriptions.of_user(CITIZEN) == [("measure", LED)]


async def test_ambiguous_subscription_suggests_the_subscribe_commands(bot: Any) -> None:
    answer = await bot("!abonnieren Kreis Steinfurt")
    assert "!abonnieren oekoprofit" in answer


async def test_filter_heading_shows_the_status_label_not_the_typed_word(bot: Any) -> None:
    answer = await bot("!massnahmen erledigt")
    assert "Maßnahmen – abgeschlossen (5):" in answer.splitlines()
    assert "erledigt" not in answer


async def test_filter_heading_shows_the_topic_name_not_the_typed_word(bot: Any) -> None:
    answer = await bot("!massnahmen mobilität")
    assert "Maßnahmen – Mobilität (3):" in answer.splitlines()


async def test_catalogue_note_has_no_literal_underscores(bot: Any) -> None:
    note = (await bot("!massnahmen")).splitlines()[-1]
    assert "Beispielkatalog" in note
    assert "_" not in note


async def test_detail_says_when_the_period_is_not_fixed_and_labels_who_is_who(bot: Any) -> None:
    answer = await bot(f"!massnahme {LED}")
    assert "Zeitraum: noch nicht festgelegt" in answer
    assert "offen – offen" not in answer
    assert "Umgesetzt von: Stadtwerke Ochtrup (Betreiber der Straßenbeleuchtung)" in answer
    assert "Ansprechpartner, pflegt diese Angaben: Stadtwerke Ochtrup" in answer


async def test_english_detail_names_the_eea_field_in_english(bot: Any) -> None:
    await bot("!sprache en")
    answer = await bot("!measure stadtradeln")
    assert "eea area (European Energy Award): Mobility" in answer
    assert "Period: from 30.05.2019" in answer


async def test_update_preview_tells_recipients_held_by_quiet_hours(bot: Any) -> None:
    subscriptions = bot.services.broadcaster.subscriptions
    await bot(f"!abonnieren {LED}", sender="@night:x")
    await bot(f"!abonnieren {LED}", sender="@day:x")
    await subscriptions.set_prefs("@day:x", DeliveryPrefs("sofort", ""))
    await subscriptions.set_prefs("@night:x", DeliveryPrefs("sofort", "00:00-23:59"))
    answer = await bot(f"!update {LED} Welbergen ist umgerüstet.", sender=MANAGER)
    assert "2 Personen per Direktnachricht (davon 1 erst nach dem Ende der Ruhezeit)" in answer
