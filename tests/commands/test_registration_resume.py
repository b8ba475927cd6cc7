"""`!registrieren` again midway keeps the answers; the one-line form shows every field it set."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.commands.fakes import dm_speaker, make_router

FORM = "!registrieren name=Anna Schulte; typ=Bürger; themen=Mobilität; biete=Lastenrad"


@pytest.fixture
async def chat(tmp_path: Path) -> AsyncIterator[Any]:
    router, replier, db, _ = await make_router(tmp_path)
    yield dm_speaker(router, replier, "@anna:ochtrup.test")
    await db.close()


@pytest.fixture
async def chat_html(tmp_path: Path) -> AsyncIterator[Any]:
    """Like `chat`, but answers the HTML the bot would send."""
    router, replier, db, _ = await make_router(tmp_path)
    say = dm_speaker(router, replier, "@anna:ochtrup.test")

    async def html(text: str) -> str:
        before = len(replier.sent)
        await say(text)
        return "\n".join(sent[2] for sent in replier.sent[before:])

    yield html
    await db.close()


async def _halfway(chat: Any) -> None:
    await chat("!registrieren")
    await chat("Anna Schulte")
    await chat("3")  # type: Handwerk
    await chat("-")  # organisation


async def test_registering_again_midway_keeps_the_answers_and_repeats_the_open_question(
    chat: Any,
) -> None:
    await _halfway(chat)
    answer = await chat("!registrieren")
    assert "mitten in der Registrierung" in answer
    assert "(4/8)" in answer  # the open question again, not step 1
    assert "(1/8)" not in answer
    assert "„neu“" in answer
    assert "!registrieren neu" in answer
    assert "„abbrechen“" in answer
    assert "(5/8)" in await chat("Welbergen")  # just answering goes on where it was


async def test_registering_again_midway_then_answering_finishes_with_the_earlier_answers(
    chat: Any,
) -> None:
    await _halfway(chat)
    await chat("!registrieren")
    assert "(5/8)" in await chat("Welbergen")
    await chat("Mobilität")
    await chat("-")  # offers
    await chat("-")  # needs
    summary = await chat("1")  # visibility
    assert "Anna Schulte – Handwerk, Welbergen" in summary
    assert "Willkommen im Netzwerk, Anna Schulte!" in await chat("ja")


async def test_neu_after_the_reminder_starts_over(chat: Any) -> None:
    await _halfway(chat)
    await chat("!registrieren")
    assert "Registrierung (1/8)" in await chat("neu")
    assert "(2/8)" in await chat("Bernd Brinkmann")


async def test_registrieren_neu_starts_over_at_once(chat: Any) -> None:
    await _halfway(chat)
    assert "Registrierung (1/8)" in await chat("!registrieren neu")


async def test_neu_is_an_answer_unless_the_reminder_asked_for_it(chat: Any) -> None:
    await chat("!registrieren")
    assert "(2/8)" in await chat("Neu")  # a name like any other, not "start over"
    await chat("!registrieren")
    await chat("1")  # answers the reminder's open question: the offer to start over ends
    assert "(4/8)" in await chat("neu")  # the organisation "neu", not "start over"


async def test_cancel_after_the_reminder_registers_nothing(chat: Any) -> None:
    await _halfway(chat)
    await chat("!registrieren")
    assert "Abgebrochen." in await chat("abbrechen")
    assert "noch nicht im Netzwerk" in await chat("!profil")


async def test_registering_again_at_the_one_line_forms_consent_shows_its_summary(
    chat: Any,
) -> None:
    await chat(FORM)
    answer = await chat("!registrieren")
    assert "mitten in der Registrierung" in answer
    assert "Ortsteil (ort): Ochtrup" in answer
    assert "Stimmen Sie zu?" in answer
    assert "Willkommen im Netzwerk, Anna Schulte!" in await chat("ja")


async def test_registering_again_midway_in_english(chat: Any) -> None:
    await chat("!sprache en")
    await chat("!register")
    await chat("Anna Schulte")
    answer = await chat("!register")
    assert "in the middle of registering" in answer
    assert "(2/8)" in answer
    assert "“restart”" in answer
    assert "!register restart" in answer
    assert "“cancel”" in answer
    assert "Registration (1/8)" in await chat("restart")


async def test_one_line_form_shows_every_field_and_marks_the_preset_ones(chat: Any) -> None:
    answer = await chat(FORM)
    assert "Name (name): Anna Schulte" in answer
    assert "Typ (typ): Bürger/in" in answer
    assert "Organisation (organisation): –" in answer
    assert "Ortsteil (ort): Ochtrup (nicht angegeben, voreingestellt)" in answer
    assert "Themen (themen): Mobilität" in answer
    assert "Bietet (biete): Lastenrad" in answer
    assert "Sucht (suche): –" in answer
    assert "Sichtbarkeit (sichtbar): im Verzeichnis (nicht angegeben, voreingestellt)" in answer
    assert "z. B. ort=Welbergen" in answer  # how to correct
    answer = await chat(FORM + "; ort=Langenhorst; sichtbar=nein")
    assert "Ortsteil (ort): Langenhorst\n" in answer
    assert "Sichtbarkeit (sichtbar): nur für Vorschläge\n" in answer


async def test_one_line_form_shows_every_field_in_english(chat: Any) -> None:
    await chat("!sprache en")
    answer = await chat("!register name=Anna Schulte; type=Citizen; topics=Mobilität; needs=Roof")
    assert "Type (type): Citizen" in answer
    assert "District (district): Ochtrup (not given, preset)" in answer
    assert "Topics (topics): Mobility" in answer
    assert "Looking for (needs): Roof" in answer
    assert "e.g. district=Welbergen" in answer
    assert "Ortsteil" not in answer


async def test_a_correction_at_the_one_line_forms_consent_changes_that_field(chat: Any) -> None:
    await chat(FORM)
    answer = await chat("ort=Welbergen; suche=Dachfläche")
    assert "Ortsteil (ort): Welbergen\n" in answer
    assert "Sucht (suche): Dachfläche" in answer
    assert "Bietet (biete): Lastenrad" in answer  # the rest is kept
    assert "Stimmen Sie zu?" in answer
    answer = await chat("ort=Nirgendwo")
    assert "Diese Korrektur kann ich nicht übernehmen" in answer
    assert "„Nirgendwo“ kenne ich nicht" in answer
    welcome = await chat("ja")
    assert "Willkommen im Netzwerk, Anna Schulte!" in welcome
    assert "!profil ändern ort" in welcome  # how to change it later
    profile = await chat("!profil")
    assert "Anna Schulte – Bürger/in, Welbergen" in profile
    assert "Sucht: Dachfläche" in profile


async def test_a_one_line_form_replacing_a_half_done_dialogue_says_so(chat: Any) -> None:
    await _halfway(chat)
    answer = await chat(FORM)
    assert "Ihre begonnene Registrierung habe ich durch diese Zeile ersetzt" in answer
    assert "Name (name): Anna Schulte" in answer


async def test_user_text_in_the_form_summary_is_never_markup(chat_html: Any) -> None:
    html = await chat_html(FORM.replace("Lastenrad", "**fett** [Link](https://evil.example)"))
    assert "<strong>fett</strong>" not in html
    assert "<a " not in html
    assert "fett" in html
