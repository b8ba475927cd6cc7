"""Actor registration without a homeserver: the one-line form, the dialogue, names."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from config.names import load_reserved_names, poses_as
from tests.commands.fakes import dm_speaker, make_router


@pytest.fixture
async def chat(tmp_path: Path) -> AsyncIterator[Any]:
    router, replier, db, _ = await make_router(tmp_path)

    say = dm_speaker(router, replier, "@anna:ochtrup.test")

    yield say
    await db.close()


async def test_one_line_form_takes_topic_names_and_shows_a_summary_before_consent(
    chat: Any,
) -> None:
    answer = await chat(
        "!registrieren name=Solarverein Ochtrup; typ=Verein; "
        "themen=Erneuerbare Energien, mobilität; biete=PV-Beratung"
    )
    assert "Das habe ich aus Ihrer Zeile übernommen" in answer
    assert "Name (name): Solarverein Ochtrup" in answer
    assert "Typ (typ): Verein/Initiative" in answer
    assert "Themen (themen): Erneuerbare Energien, Mobilität" in answer
    assert "Bietet (biete): PV-Beratung" in answer
    assert "(9/9)" not in answer  # no step numbers the one-line user never saw
    assert "Stimmen Sie zu?" in answer
    assert "Willkommen im Netzwerk, Solarverein Ochtrup!" in await chat("ja")
    assert "Themen: Erneuerbare Energien, Mobilität" in await chat("!profil")


async def test_one_line_form_names_the_options_instead_of_numbers(chat: Any) -> None:
    answer = await chat("!registrieren name=Solarverein; typ=12; themen=Radeln")
    assert "„12“ kenne ich nicht. Möglich sind: Bürger/in, Unternehmen" in answer
    assert "1 bis" not in answer
    answer = await chat("!registrieren name=Solarverein; typ=Verein; themen=Radeln, Mobilität")
    assert "Ein Thema „Radeln“ kenne ich nicht. Möglich sind: Bauen & Sanieren" in answer
    assert ".." not in answer


async def test_one_line_form_says_what_is_missing_in_the_users_words(chat: Any) -> None:
    answer = await chat("!registrieren name=Solarverein; typ=Verein")
    assert "es fehlt die Angabe „themen“." in answer
    assert ".." not in answer
    assert "topics" not in answer


async def test_dialogue_names_an_out_of_range_number(chat: Any) -> None:
    await chat("!registrieren")
    answer = await chat("Anna Schulte")
    assert "(2/8)" in answer
    answer = await chat("12")
    assert answer.startswith("Die Nummer 12 gibt es nicht – bitte eine Zahl von 1 bis 10.")
    await chat("1")  # type
    await chat("-")  # organisation
    assert "Die Nummer 4 gibt es nicht – bitte eine Zahl von 1 bis 3." in await chat("4")
    await chat("Welbergen")  # district by name
    answer = await chat("1, 9")
    assert answer.startswith("Die Nummer 9 gibt es nicht – bitte eine Zahl von 1 bis 8.")
    await chat("Erneuerbare Energien, 4")
    await chat("Lastenrad")  # offers
    await chat("-")  # needs
    answer = await chat("2")  # visibility
    assert "Das habe ich verstanden" in answer
    assert "Anna Schulte – Bürger/in, Welbergen" in answer
    assert "Themen: Erneuerbare Energien, Mobilität" in answer
    assert "nur für Vorschläge" in answer


@pytest.mark.parametrize(
    "name",
    [
        "Klimaschutzmanager Stadt Ochtrup (offiziell)",
        "Stadt Ochtrup",
        "STADT-OCHTRUP",
        "Klimabot",
        "Klima Bot",
        "Klimaschutzmanagement",
        "Bürgermeister",
        "Buergermeisterin Müller",
        "Ѕtadt Оchtrup",  # Cyrillic look-alike letters
        "Stadt\u200bOchtrup",  # zero-width space
    ],
)
async def test_names_posing_as_the_town_or_the_bot_are_refused(chat: Any, name: str) -> None:
    answer = await chat(f"!registrieren name={name}; typ=Verein; themen=Mobilität")
    assert "Diesen Namen vergebe ich nicht" in answer or "passen nicht in einen Namen" in answer
    assert "Das habe ich verstanden" not in answer


async def test_a_posing_name_is_refused_in_the_dialogue_and_on_profile_change(chat: Any) -> None:
    await chat("!registrieren")
    assert "Diesen Namen vergebe ich nicht" in await chat("Stadt Ochtrup")
    await chat("!abbrechen")
    await chat("!registrieren name=Anna Schulte; typ=Bürger; themen=Mobilität")
    await chat("ja")
    assert "Diesen Namen vergebe ich nicht" in await chat("!profil ändern name Klimabot")
    assert "Anna Schulte" in await chat("!profil")


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("42", "Ein Name braucht Buchstaben"),
        ("- -", "Ein Name braucht Buchstaben"),
        ("A", "2 bis 80 Zeichen"),
        ("x" * 81, "2 bis 80 Zeichen"),
        ("[Stadt](https://evil.example)", "passen nicht in einen Namen: : [ ]"),
        ("Anna <b>", "passen nicht in einen Namen: < >"),
    ],
)
async def test_a_name_must_look_like_one(chat: Any, name: str, problem: str) -> None:
    await chat("!registrieren")
    answer = await chat(name)
    assert problem in answer
    assert "(1/8)" in answer  # the question again


def test_real_actor_names_are_not_mistaken_for_the_town() -> None:
    reserved = load_reserved_names()
    for name in (
        "Stadtwerke Ochtrup",
        "Solarverein Ochtrup e.V.",
        "Klimabotschafter Welbergen",
        "Bürgerenergie Ochtrup eG",
        "Anna Schulte",
    ):
        assert not poses_as(name, reserved), name


@pytest.mark.parametrize("answer", ["²", "①", "٣", "99999999999999999999"])
async def test_odd_digits_are_a_clear_answer_not_an_error(chat: Any, answer: str) -> None:
    await chat("!registrieren")
    await chat("Anna Schulte")
    reply = await chat(answer)
    assert "Referenz" not in reply  # no internal error
    assert "(2/8)" in reply  # asked again
    assert "Referenz" not in await chat(f"!akteure seite {answer}")


async def test_an_organisation_posing_as_the_town_is_refused_as_a_name_is(chat: Any) -> None:
    # Shown right after the name ("Anna Schulte (Stadt Ochtrup)"), so it would borrow the same
    # authority; in the form, the dialogue and on profile change.
    form = "!registrieren name=Anna Schulte; typ=Bürger; themen=Mobilität; organisation="
    answer = await chat(form + "Stadt Ochtrup – Klimaschutzmanagement")
    assert "Diesen Namen vergebe ich nicht" in answer
    assert "Das habe ich verstanden" not in answer
    assert "passen nicht in einen Namen" in await chat(form + "Solar\u202eGmbH")
    await chat("!registrieren")
    await chat("Anna Schulte")
    await chat("Bürger")
    assert "Diesen Namen vergebe ich nicht" in await chat("Rathaus Ochtrup")
    await chat("!abbrechen")
    await chat(form + "-")
    await chat("ja")
    assert "Diesen Namen vergebe ich nicht" in await chat("!profil ändern organisation Klimabot")
    assert "Klimabot" not in await chat("!profil")
    await chat("!profil ändern organisation Solar-Verein Ochtrup e.V.")
    assert "Anna Schulte (Solar-Verein Ochtrup e.V.)" in await chat("!profil")


@pytest.mark.parametrize("said", ["abbrechen", "Abbrechen!", "cancel", "stop", "!abbrechen"])
async def test_a_bare_cancel_word_ends_the_dialogue_instead_of_becoming_the_name(
    chat: Any, said: str
) -> None:
    assert "Registrierung (1/8)" in await chat("!registrieren")
    assert "Abgebrochen." in await chat(said)
    assert "noch nicht im Netzwerk" in await chat("!profil")
    # The dialogue is gone: the next message is not taken as an answer to a step.
    assert "Registrierung (2/8)" not in await chat("Anna Schulte")


async def test_cancelling_at_the_consent_step_registers_nothing(chat: Any) -> None:
    await chat("!registrieren name=Anna Schulte; typ=Bürger; themen=Mobilität")
    assert "Abgebrochen." in await chat("abbrechen")
    assert "noch nicht im Netzwerk" in await chat("!profil")


@pytest.mark.parametrize("command", ["!profil", "!vernetzen"])
async def test_a_half_done_registration_is_named_with_its_open_question(
    chat: Any, command: str
) -> None:
    await chat("!registrieren")
    await chat("Anna Schulte")
    await chat("1")  # type
    await chat("-")  # organisation
    answer = await chat(command)
    assert "noch nicht im Netzwerk" not in answer
    assert "Ihre Registrierung ist noch nicht abgeschlossen" in answer
    assert "(4/8)" in answer  # the open step's question again
    assert "`!abbrechen`" in answer or "!abbrechen" in answer
    # The dialogue is still open: the next answer is taken for step 4.
    assert "(5/8)" in await chat("Welbergen")


async def test_a_half_done_registration_is_named_in_english(chat: Any) -> None:
    await chat("!sprache en")
    await chat("!registrieren")
    answer = await chat("!profile")
    assert "registration is not finished yet" in answer
    assert "cancel" in answer


@pytest.mark.parametrize("said", ["zurück", "Zurück!", "zurueck", "back"])
async def test_back_asks_the_previous_step_again_instead_of_becoming_an_answer(
    chat: Any, said: str
) -> None:
    await chat("!registrieren")
    assert "(1/8)" in await chat(said)  # at step 1: step 1 again
    assert "„zurück“ ändern Sie die vorige Antwort" in await chat("Anna Schulte")
    await chat("1")  # type
    assert "(2/8)" in await chat(said)  # from step 3 back to step 2
    await chat("3")  # type again: Handwerk
    await chat("-")  # organisation
    await chat("Welbergen")
    await chat("Mobilität")
    await chat("Lastenräder")  # offers
    assert "(6/8)" in await chat(said)  # from step 7 back to step 6
    await chat("Lastenrad-Reparatur")
    await chat("-")  # needs
    answer = await chat("1")  # visibility
    assert "Anna Schulte – Handwerk, Welbergen" in answer
    assert "Bietet: Lastenrad-Reparatur" in answer
    assert "(8/8)" in await chat(said)  # from consent back to the last step
    await chat("1")
    assert "Willkommen im Netzwerk, Anna Schulte!" in await chat("ja")


async def test_back_at_the_one_line_forms_consent_shows_the_summary_again(chat: Any) -> None:
    await chat("!registrieren name=Anna Schulte; typ=Bürger; themen=Mobilität")
    answer = await chat("zurück")
    assert "Das habe ich aus Ihrer Zeile übernommen" in answer
    assert "(8/8)" not in answer  # no step the one-line user never saw
    assert "Willkommen im Netzwerk, Anna Schulte!" in await chat("ja")


async def test_english_users_see_and_may_write_actor_types_in_english(chat: Any) -> None:
    await chat("!sprache en")
    await chat("!registrieren")
    choices = await chat("Hof Brinkmann")
    assert "6. Farming" in choices
    assert "Landwirtschaft" not in choices
    await chat("!abbrechen")
    answer = await chat("!register name=Hof Brinkmann; type=Farming; topics=Mobilität")
    assert "Type (type): Farming" in answer
    await chat("yes")
    assert "Hof Brinkmann – Farming, Ochtrup" in await chat("!profile")
    assert "Landwirtschaft" not in await chat("!actors farming")
    # Stored under the configured (German) name: German readers see it in German.
    german = await chat("!akteure Landwirtschaft", sender="@bernd:ochtrup.test")
    assert "Hof Brinkmann – Landwirtschaft, Ochtrup" in german
    answer = await chat("!register name=X Y; type=Witch; topics=Mobilität")
    assert "Citizen, Business, Trades/Crafts" in answer
