"""A measure's news and subscriptions: header and unsubscribe hint per recipient, and what
`!abonnieren` and `!massnahmen`/`!massnahme` show (issue 12's review round)."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.commands.fakes import MANAGER, dm_speaker, make_router

MEASURE = "kommunale-waermeplanung"  # topic waerme-heizung
BY_MEASURE, BY_TOPIC, BY_BOTH = "@measure:x", "@topic:x", "@both:x"


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Any]:
    router, replier, db, _ = await make_router(tmp_path)

    say = dm_speaker(router, replier, BY_MEASURE)

    say.services = router.services  # type: ignore[attr-defined]
    yield say
    await db.close()


async def _news_to(bot: Any, *commands: tuple[str, str]) -> dict[str, str]:
    """Run the subscriptions, send `!update` as the manager, and render each user's DM."""
    for sender, text in commands:
        await bot(text, sender=sender)
    await bot(f"!update {MEASURE} Bürgerinfo am 15.1.2027.", sender=MANAGER)
    await bot("ja", sender=MANAGER)
    broadcaster = bot.services.broadcaster
    rendered = {}
    for delivery in await broadcaster.broadcasts.due(10**12, 100):
        plain, _ = await broadcaster.render_delivery(delivery)
        rendered[delivery.recipient] = plain
    return rendered


async def test_measure_news_tell_each_follower_the_unsubscribe_command_that_fits(
    bot: Any,
) -> None:
    dms = await _news_to(
        bot,
        (BY_MEASURE, f"!abonnieren {MEASURE}"),
        (BY_TOPIC, "!abonnieren waerme-heizung"),
        (BY_BOTH, f"!abonnieren {MEASURE}"),
        (BY_BOTH, "!abonnieren waerme-heizung"),
    )
    assert dms[BY_MEASURE].endswith(f"Abbestellen: !abbestellen {MEASURE}")
    assert dms[BY_TOPIC].endswith("Abbestellen: !abbestellen waerme-heizung")
    assert f"!abbestellen {MEASURE}" in dms[BY_BOTH]
    assert "!abbestellen waerme-heizung" in dms[BY_BOTH]
    # The hint shown works: it ends exactly what brought the news.
    assert "beendet" in await bot(f"!abbestellen {MEASURE}", sender=BY_MEASURE)


async def test_measure_news_header_names_the_measure_in_the_readers_language(
    bot: Any,
) -> None:
    dms = await _news_to(
        bot,
        (BY_MEASURE, f"!abonnieren {MEASURE}"),
        (BY_TOPIC, "!abonnieren waerme-heizung"),
        (BY_TOPIC, "!sprache en"),
    )
    header, body = dms[BY_MEASURE].split("\n\n")[:2]
    assert header == "📢 Neuigkeit zur Maßnahme „Kommunale Wärmeplanung“ (Thema Wärme & Heizung)"
    assert body == "Bürgerinfo am 15.1.2027."  # the title is not repeated in the text
    assert "“Municipal heat planning”" in dms[BY_TOPIC].split("\n\n")[0]


async def test_weekly_digest_names_the_measure_of_its_news(bot: Any) -> None:
    await bot(f"!abonnieren {MEASURE}")
    await bot("!zustellung woechentlich")
    await _news_to(bot)
    broadcaster = bot.services.broadcaster
    assert await broadcaster.send_digests() == 1
    [digest] = await broadcaster.broadcasts.due(10**12, 100)
    assert (
        "- Kommunale Wärmeplanung (Wärme & Heizung): Bürgerinfo"
        in (await broadcaster.render_delivery(digest))[0]
    )


async def test_measure_list_shows_the_command_for_each_measure(bot: Any) -> None:
    listing = await bot("!massnahmen mobilitaet")
    assert "- STADTRADELN und Schulradeln – in Umsetzung, 50 % · !massnahme stadtradeln" in (
        listing.splitlines()
    )
    assert "!massnahme <Kennung>" in await bot("!hilfe massnahme")


@pytest.mark.parametrize("number", ["1", "Nr. 3", "#2", "Nummer 12"])
async def test_a_list_number_for_a_measure_explains_the_identifier(bot: Any, number: str) -> None:
    answer = await bot(f"!massnahme {number}")
    assert "keine Nummer, sondern eine Kennung" in answer
    assert "!massnahme <Kennung>" in answer


async def test_an_unknown_measure_name_is_not_told_about_numbers(bot: Any) -> None:
    answer = await bot("!massnahme xyzzy")
    assert "„xyzzy“ finde ich nicht – weder als Kennung noch in einem Titel" in answer
    assert "Nummer" not in answer


async def test_exact_measure_id_wins_over_a_topic_synonym(bot: Any) -> None:
    # "stadtradeln" is also a synonym of the topic Mobilität.
    assert "„STADTRADELN und Schulradeln“ abonniert" in await bot("!abonnieren stadtradeln")
    assert "„Mobilität“ abonniert" in await bot("!abonnieren Mobilität")
    subscriptions = bot.services.broadcaster.subscriptions
    assert await subscriptions.of_user(BY_MEASURE) == [
        ("measure", "stadtradeln"),
        ("topic", "mobilitaet"),
    ]


async def test_my_data_names_subscribed_measures_by_title(bot: Any) -> None:
    await bot(f"!abonnieren {MEASURE}")
    await bot("!abonnieren mobilitaet")
    assert "- Abos: Kommunale Wärmeplanung, Mobilität" in (await bot("!meinedaten")).splitlines()


async def test_topic_slug_wins_over_a_measure_with_the_same_id(bot: Any) -> None:
    service = bot.services.measures
    first = service.catalogue.measures[0]
    clash = dataclasses.replace(first, id="mobilitaet")
    service.catalogue = dataclasses.replace(service.catalogue, measures=(clash,))
    assert "„Mobilität“ abonniert" in await bot("!abonnieren mobilitaet")


async def test_stadtradeln_shows_its_published_result_as_the_last_value(bot: Any) -> None:
    # The view's text says 2025 had 150.860 km; the indicator must not say "no value".
    lines = (await bot("!massnahme stadtradeln")).splitlines()
    assert (
        "- Geradelte Kilometer im Aktionszeitraum: zuletzt 150.860 km (18.06.2025)"
        " · Ausgangswert 42.048 km (2019)"
    ) in lines


async def test_an_indicator_without_values_says_none_is_recorded(bot: Any) -> None:
    answer = await bot(f"!massnahme {MEASURE}")
    assert "- Anschlüsse an Wärmenetze: noch kein Wert erfasst ·" in answer
