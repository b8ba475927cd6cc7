"""The FAQ feature with the shipped FAQ, a real SQLite file and a recording fake replier."""

from __future__ import annotations

import dataclasses
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from commands.context import Reaction
from commands.faqmatch import Outcome
from config.settings import default_faq_settings
from tests.commands.fakes import CITIZEN, MANAGER, make_router, message

MANAGER_ROOM = "!team:ochtrup.test"
CONTACT = {"de": "Frau Muster, Tel. 02553 0000", "en": "Ms Muster, phone 02553 0000"}


@pytest.fixture
async def faq_router(tmp_path: Path) -> AsyncIterator[Any]:
    settings = dataclasses.replace(default_faq_settings(), contact=CONTACT)
    router, replier, db, clock = await make_router(
        tmp_path, faq=settings, manager_room=MANAGER_ROOM
    )
    yield router, replier
    await db.close()


async def test_dm_question_gets_answer_with_source_and_stand(faq_router: Any) -> None:
    router, replier = faq_router
    await router.dispatch(message("Muss ich mein Balkonkraftwerk anmelden?", direct=True))
    [(_, plain, html)] = replier.sent
    assert "Marktstammdatenregister" in plain
    assert "Quelle" in plain
    assert "Stand: " in plain
    assert '<a href="https://' in html


async def test_ask_command_works_in_rooms_and_mentions_too(faq_router: Any) -> None:
    router, replier = faq_router
    await router.dispatch(message("!frage gibt es zuschuss für ne wärmepumpe"))
    await router.dispatch(message("wann kommt die wärmeplanung in ochtrup", mention=True))
    assert len(replier.sent) == 2
    assert "KfW" in replier.texts[0]
    assert "Wärmeplanung" in replier.texts[1]


async def test_room_message_without_mention_is_ignored_in_mention_mode(faq_router: Any) -> None:
    router, replier = faq_router
    assert not await router.dispatch(message("Muss ich mein Balkonkraftwerk anmelden?"))
    assert replier.sent == []


async def test_auto_mode_answers_confident_questions_only(faq_router: Any) -> None:
    router, replier = faq_router
    await router.dispatch(message("!fragemodus auto", sender=MANAGER))
    await router.dispatch(message("Muss ich mein Balkonkraftwerk anmelden?"))
    await router.dispatch(message("Wann wird bei mir der Müll abgeholt?"))
    await router.dispatch(message("Schönes Wetter heute."))
    assert len(replier.sent) == 2
    assert "Marktstammdatenregister" in replier.texts[1]


async def test_off_mode_ignores_questions_even_when_mentioned(faq_router: Any) -> None:
    router, replier = faq_router
    await router.dispatch(message("!fragemodus off", sender=MANAGER))
    await router.dispatch(message("Muss ich mein Balkonkraftwerk anmelden?", mention=True))
    assert "Marktstammdatenregister" not in replier.texts[1]


async def test_citizen_cannot_change_the_room_mode(faq_router: Any) -> None:
    router, replier = faq_router
    await router.dispatch(message("!fragemodus off"))
    assert "vorbehalten" in replier.texts[0]


async def test_unknown_question_is_passed_on_to_the_manager(faq_router: Any) -> None:
    router, replier = faq_router
    await router.dispatch(message("Wann wird der Sperrmüll abgeholt?", direct=True))
    assert "weitergegeben" in replier.texts[0]
    assert CONTACT["de"] in replier.texts[0]
    [(room, note, _)] = replier.notices
    assert room == MANAGER_ROOM
    assert "Sperrmüll" in note
    assert CITIZEN in note


async def test_open_questions_are_grouped_with_counts_and_can_be_ticked_off(
    faq_router: Any,
) -> None:
    router, replier = faq_router
    for text in (
        "Wann wird der Sperrmüll abgeholt?",
        "wann wird sperrmüll abgeholt",
        "Hundesteuer?",
    ):
        await router.dispatch(message(text, direct=True))
    await router.dispatch(message("!offen", sender=MANAGER))
    listing = replier.texts[-1]
    assert "Offene Fragen (3)" in listing
    assert "Nr. 1 – 2×" in listing
    assert "Nr. 2 – 1× „Hundesteuer?“" in listing
    await router.dispatch(message("!offen erledigt 1", sender=MANAGER))
    assert "Erledigt: 2 Fragen abgehakt." in replier.texts[-1]
    await router.dispatch(message("!offen", sender=MANAGER))
    assert "Offene Fragen (1)" in replier.texts[-1]


async def test_did_you_mean_then_number_gives_that_candidate(faq_router: Any) -> None:
    router, replier = faq_router
    service = router.services.faq
    candidates = ("pv-dach", "balkonkraftwerk", "solarkataster")
    service.ask = lambda text: Outcome("did_you_mean", None, candidates, (), 0.3)
    await router.dispatch(message("solar?", direct=True))
    offer = replier.texts[0]
    assert "Meinten Sie" in offer
    assert "1. " in offer
    assert "3. " in offer
    await router.dispatch(message("2", direct=True))
    assert "Marktstammdatenregister" in replier.texts[1]
    await router.dispatch(message("2", direct=True))
    assert "nicht verstanden" in replier.texts[2]  # the offer was used up


async def test_english_offer_and_its_choice_are_in_english(faq_router: Any) -> None:
    router, replier = faq_router
    await router.dispatch(message("is there a grant?", direct=True))
    assert "Did you mean" in replier.texts[0]
    await router.dispatch(message("2", direct=True))
    assert "Sources:" in replier.texts[1]


async def test_number_out_of_range_is_explained(faq_router: Any) -> None:
    router, replier = faq_router
    service = router.services.faq
    service.ask = lambda text: Outcome("did_you_mean", None, ("pv-dach", "solarkataster"), (), 0.3)
    await router.dispatch(message("solar?", direct=True))
    await router.dispatch(message("3", direct=True))
    assert replier.texts[1] == "Bitte antworten Sie mit einer Nummer von 1 bis 2."


async def test_bare_number_in_a_room_without_offer_is_ignored(faq_router: Any) -> None:
    router, replier = faq_router
    await router.dispatch(message("2"))
    assert replier.sent == []


async def test_thumbs_reactions_are_recorded_per_entry(faq_router: Any) -> None:
    router, replier = faq_router
    await router.dispatch(message("Muss ich mein Balkonkraftwerk anmelden?", direct=True))
    answer_id = "$answer1"
    await router.react(Reaction("$r1", "!room:ochtrup.test", CITIZEN, answer_id, "👍"))
    await router.react(Reaction("$r2", "!room:ochtrup.test", MANAGER, answer_id, "👎"))
    await router.react(Reaction("$r3", "!room:ochtrup.test", MANAGER, answer_id, "🎉"))
    totals = await router.services.faq.store.feedback_totals()
    assert totals == {"balkonkraftwerk": (1, 1)}


async def test_thumbs_down_reopens_the_question_and_tells_the_manager_once(
    faq_router: Any,
) -> None:
    router, replier = faq_router
    question = "Muss ich mein Balkonkraftwerk anmelden?"
    await router.dispatch(message(question, direct=True))
    answer_id = "$answer1"
    await router.react(Reaction("$r1", "!room:ochtrup.test", CITIZEN, answer_id, "👎"))
    [(room, to_reader, _), (team, to_manager, _)] = replier.notices
    assert room == "!room:ochtrup.test"
    assert "Rückmeldung" in to_reader
    assert CONTACT["de"] in to_reader
    assert team == MANAGER_ROOM
    assert question in to_manager
    assert "balkonkraftwerk" in to_manager
    await router.dispatch(message("!offen", sender=MANAGER))
    assert "Offene Fragen (1)" in replier.texts[-1]
    assert question in replier.texts[-1]
    # A second 👎 (another reader, or the same one again) is recorded, but says nothing new.
    await router.react(Reaction("$r2", "!room:ochtrup.test", MANAGER, answer_id, "👎"))
    assert len(replier.notices) == 2
    totals = await router.services.faq.store.feedback_totals()
    assert totals == {"balkonkraftwerk": (0, 2)}


async def test_thumbs_down_on_a_chosen_candidate_reopens_that_question(faq_router: Any) -> None:
    router, replier = faq_router
    await router.dispatch(message("Förderung?", direct=True))
    assert "Meinten Sie" in replier.texts[-1]
    await router.dispatch(message("1", direct=True))
    await router.react(Reaction("$r1", "!room:ochtrup.test", CITIZEN, "$answer2", "👎"))
    await router.dispatch(message("!offen", sender=MANAGER))
    assert "„Förderung?“" in replier.texts[-1]


async def test_thumbs_up_reopens_nothing(faq_router: Any) -> None:
    router, replier = faq_router
    await router.dispatch(message("Muss ich mein Balkonkraftwerk anmelden?", direct=True))
    await router.react(Reaction("$r1", "!room:ochtrup.test", CITIZEN, "$answer1", "👍"))
    assert replier.notices == []
    await router.dispatch(message("!offen", sender=MANAGER))
    assert "Offene Fragen" not in replier.texts[-1]


async def test_english_user_gets_english_answer(faq_router: Any) -> None:
    router, replier = faq_router
    await router.dispatch(message("!language en"))
    await router.dispatch(message("!ask do i need to register my balcony solar"))
    assert "Sources" in replier.texts[1] or "Source" in replier.texts[1]
    assert "As of" in replier.texts[1]


async def test_english_question_gets_english_answer_without_a_language_setting(
    faq_router: Any,
) -> None:
    router, replier = faq_router
    await router.dispatch(
        message("is there money from the government for a heat pump", direct=True)
    )
    [text] = replier.texts
    assert "Sources:" in text
    assert "Federal programme" in text
    assert "You might also be interested in (answer with the number):\n1. " in text
    assert "„" not in text


async def test_chosen_language_wins_over_the_language_of_the_question(faq_router: Any) -> None:
    router, replier = faq_router
    await router.dispatch(message("!sprache de", direct=True))
    await router.dispatch(
        message("is there money from the government for a heat pump", direct=True)
    )
    assert "Quelle" in replier.texts[1]
    assert "Bundesförderung" in replier.texts[1]


async def test_contact_placeholder_comes_from_config(faq_router: Any) -> None:
    router, replier = faq_router
    entry = router.services.faq.data.entry("klimaschutzmanagement-kontakt")
    await router.dispatch(message("!frage " + entry.question["de"]))
    assert CONTACT["de"] in replier.texts[0]
    assert "{kontakt}" not in replier.texts[0]


async def test_broken_faq_file_keeps_old_faq_and_names_file_and_line(
    tmp_path: Path,
) -> None:
    shipped = default_faq_settings()
    faq_dir = tmp_path / "faq"
    shutil.copytree(shipped.directory, faq_dir)
    settings = dataclasses.replace(shipped, directory=faq_dir)
    router, replier, db, _ = await make_router(tmp_path, faq=settings)
    try:
        (faq_dir / "kaputt.yaml").write_text("entries:\n  - id: x\n    topic: [unclosed\n")
        await router.dispatch(message("!faq-neu-laden", sender=MANAGER))
        assert re.search(r"kaputt\.yaml:\d+: invalid YAML", replier.texts[0])
        assert "bisherige FAQ bleibt aktiv" in replier.texts[0]
        await router.dispatch(message("Muss ich mein Balkonkraftwerk anmelden?", direct=True))
        assert "Marktstammdatenregister" in replier.texts[1]
        (faq_dir / "kaputt.yaml").write_text("entries:\n  - id: neu\n    topic: gibtsnicht\n")
        await router.dispatch(message("!faq-reload", sender=MANAGER))
        assert "kaputt.yaml:2: entries[0]" in replier.texts[2]
        (faq_dir / "kaputt.yaml").unlink()
        await router.dispatch(message("!faq-reload", sender=MANAGER))
        assert replier.texts[3].startswith("FAQ neu geladen")
    finally:
        await db.close()


async def test_dont_know_names_the_configured_contact(faq_router: Any) -> None:
    router, replier = faq_router
    await router.dispatch(message("Wann wird bei uns der Sperrmüll abgeholt?", direct=True))
    assert f"Sie erreichen das Klimaschutzmanagement direkt: {CONTACT['de']}" in replier.texts[0]


async def test_dont_know_without_a_configured_contact_says_no_empty_contact_line(
    tmp_path: Path,
) -> None:
    # Without a contact the line would read "reach the climate management directly: the
    # climate management of your town".
    router, replier, db, _ = await make_router(tmp_path, faq=default_faq_settings())
    try:
        await router.dispatch(message("Wann wird bei uns der Sperrmüll abgeholt?", direct=True))
        assert "weitergegeben" in replier.texts[-1]
        assert "erreichen das Klimaschutzmanagement direkt" not in replier.texts[-1]
        await router.dispatch(message("Du bist doch dumm", direct=True))  # small talk, too
        assert "Klimaschutzmanagement" in replier.texts[-1]
        assert "erreichen das Klimaschutzmanagement direkt" not in replier.texts[-1]
    finally:
        await db.close()


async def test_room_mode_says_what_it_means(faq_router: Any) -> None:
    router, replier = faq_router
    await router.dispatch(message("!fragemodus auto", sender=MANAGER))
    assert replier.texts[-1] == (
        "In diesem Raum gilt jetzt der Fragemodus „auto“: Ich beantworte auch erkennbare "
        "Fragen ohne Erwähnung, wenn ich mir sicher bin."
    )


async def test_room_mode_in_a_dm_is_refused_as_it_would_change_nothing(faq_router: Any) -> None:
    router, replier = faq_router
    await router.dispatch(message("!fragemodus off", sender=MANAGER, direct=True))
    assert "gilt nur für Gruppenräume" in replier.texts[-1]
    await router.dispatch(message("Muss ich mein Balkonkraftwerk anmelden?", direct=True))
    assert "Marktstammdatenregister" in replier.texts[-1]


async def test_room_mode_alone_shows_the_mode_in_force(faq_router: Any) -> None:
    router, replier = faq_router
    await router.dispatch(message("!fragemodus", sender=MANAGER))
    assert replier.texts[-1].startswith(
        "In diesem Raum gilt der Fragemodus „mention“: Ich beantworte Fragen nur, wenn mich "
        "jemand erwähnt."
    )
