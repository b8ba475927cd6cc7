"""The manager answers open questions from the chat and the FAQ learns: stable numbers,
delivery to every asker, saving as an entry, editing, deleting and history."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commands import faqteach
from commands.faqteach import clean_question
from config.settings import default_faq_settings
from tests.commands.fakes import CITIZEN, MANAGER, make_router, message

TEAM = "!team:ochtrup.test"
OTHER = "@nachbarin:ochtrup.test"
DM = "!dm-buerger:ochtrup.test"
ANSWER = "Der Sperrmüll wird in Ochtrup viermal im Jahr abgeholt; Termine stehen im Abfallkalender."


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Any]:
    router, replier, db, _ = await make_router(
        tmp_path, faq=default_faq_settings(), manager_room=TEAM
    )
    yield router, replier
    await db.close()


async def manager(router: Any, replier: Any, text: str, **extra: Any) -> str:
    msg = dataclasses.replace(message(text, sender=MANAGER, room=TEAM), **extra)
    await router.dispatch(msg)
    return str(replier.texts[-1])


async def test_open_numbers_stay_when_another_group_is_closed(bot: Any) -> None:
    router, replier = bot
    for text in ("Wann wird der Sperrmüll abgeholt?", "Hundesteuer?", "Wo ist das Freibad?"):
        await router.dispatch(message(text, direct=True, room=DM))
    listing = await manager(router, replier, "!offen")
    assert "Nr. 1 – 1× „Wann wird der Sperrmüll abgeholt?“" in listing
    assert "Nr. 2 – 1× „Hundesteuer?“" in listing
    assert "Nr. 3 – 1× „Wo ist das Freibad?“" in listing
    await manager(router, replier, "!offen erledigt 2")
    await router.dispatch(message("Was kostet ein Parkausweis?", direct=True, room=DM))
    listing = await manager(router, replier, "!offen")
    assert "Nr. 1 – 1× „Wann wird der Sperrmüll abgeholt?“" in listing
    assert "Hundesteuer" not in listing
    assert "Nr. 3 – 1× „Wo ist das Freibad?“" in listing
    assert "Nr. 4 – 1× „Was kostet ein Parkausweis?“" in listing
    assert "gibt es nicht" in await manager(router, replier, "!offen erledigt 2")


async def test_open_list_says_when_who_and_whether_an_answer_can_reach_them(bot: Any) -> None:
    router, replier = bot
    await router.dispatch(message("Wann wird der Sperrmüll abgeholt?", direct=True, room=DM))
    await router.dispatch(message("Hundesteuer?", mention=True))
    await router.dispatch(message("Wann wird Sperrmüll abgeholt", sender=OTHER, direct=True))
    listing = await manager(router, replier, "!offen")
    sperr, hund = listing.split("Nr. 2")
    assert "zuerst " in sperr
    assert ", zuletzt " in sperr
    assert "Antwort geht an 2 Personen" in sperr
    assert "gefragt am " in hund
    assert "gefragt in einem Raum: Antwort per neuer Direktnachricht" in hund
    assert "Vermutung" in listing or "keine Vermutung" in listing


async def test_single_dm_asker_is_shown_as_reachable(bot: Any) -> None:
    router, replier = bot
    await router.dispatch(message("Hundesteuer?", direct=True, room=DM))
    listing = await manager(router, replier, "!offen")
    assert "Antwort erreicht die Person im Direktchat" in listing


async def test_answer_reaches_every_asker_where_they_asked_and_closes_the_group(
    bot: Any,
) -> None:
    router, replier = bot
    asked_dm = dataclasses.replace(
        message("Wann wird der Sperrmüll abgeholt?", direct=True, room=DM), thread_root="$root"
    )
    await router.dispatch(asked_dm)
    await router.dispatch(message("wann wird sperrmüll abgeholt", sender=OTHER, mention=True))
    before = len(replier.sent)
    report = await manager(router, replier, f"!antworten 1 {ANSWER}")
    to_citizen = replier.sent[before]
    assert to_citizen[0].room_id == DM
    assert to_citizen[0].reply_to == asked_dm.event_id  # a reply quoting their question
    assert to_citizen[0].thread_root == "$root"  # in their thread
    assert "Antwort des Klimaschutzmanagements" in to_citizen[1]
    assert "„Wann wird der Sperrmüll abgeholt?“" in to_citizen[1]
    assert ANSWER in to_citizen[1]
    [(user, dm_text)] = router.services.network.messenger.dms
    assert user == OTHER  # asked in a room: the answer comes by DM
    assert ANSWER in dm_text
    assert "„wann wird sperrmüll abgeholt“" in dm_text
    assert "an 2 Personen gesendet" in report
    assert "Als FAQ-Eintrag speichern? ja/nein" in report
    assert "keine offenen Fragen" in await manager(router, replier, "!offen")


async def test_english_asker_gets_an_english_frame_around_the_german_answer(bot: Any) -> None:
    router, replier = bot
    await router.dispatch(message("When is bulky waste collected?", direct=True, room=DM))
    before = len(replier.sent)
    await manager(router, replier, f"!answer 1 {ANSWER}")
    text = replier.sent[before][1]
    assert "Answer from the climate management" in text
    assert "only available in German" in text


async def test_a_reply_to_the_notice_answers_that_question(bot: Any) -> None:
    router, replier = bot
    await router.dispatch(message("Hundesteuer?", direct=True, room=DM))
    await router.dispatch(message("Wann wird der Sperrmüll abgeholt?", direct=True, room=DM))
    [(_, first, _), (_, second, _)] = replier.notices
    assert "Nr. 1" in first
    assert "Nr. 2" in second
    before = len(replier.sent)
    report = await manager(router, replier, ANSWER, in_reply_to="$notice2")
    assert "Antwort auf Nr. 2" in report
    assert "„Wann wird der Sperrmüll abgeholt?“" in replier.sent[before][1]
    assert "Hundesteuer" in await manager(router, replier, "!offen")


async def test_a_citizens_reply_to_a_notice_is_no_answer(bot: Any) -> None:
    router, replier = bot
    await router.dispatch(message("Hundesteuer?", direct=True, room=DM))
    reply = dataclasses.replace(
        message("Ich weiß es!", sender=OTHER, room=TEAM), in_reply_to="$notice1"
    )
    assert await router.route(reply) is None


async def test_yes_saves_the_answer_and_a_similar_question_gets_it(bot: Any) -> None:
    router, replier = bot
    await router.dispatch(message("Wann wird der Sperrmüll abgeholt?", direct=True, room=DM))
    await manager(router, replier, f"!antworten 1 {ANSWER}")
    saved = await manager(router, replier, "ja")
    assert "Gespeichert als FAQ-Eintrag sperrmuell-abgeholt;" in saved
    await router.dispatch(
        message("wann wird bei uns der sperrmüll abgeholt", sender=OTHER, direct=True)
    )
    answer = replier.texts[-1]
    assert ANSWER in answer
    assert "Klimaschutzmanagement Ochtrup" in answer  # the source, by name
    shown = await manager(router, replier, "!faq sperrmuell-abgeholt")
    assert "Herkunft: im Chat angelegt" in shown
    assert f"verantwortlich: {MANAGER}" in shown
    assert CITIZEN not in shown


async def test_no_keeps_the_faq_as_it_was(bot: Any) -> None:
    router, replier = bot
    await router.dispatch(message("Wann wird der Sperrmüll abgeholt?", direct=True, room=DM))
    entries = len(router.services.faq.data.entries)
    await manager(router, replier, f"!antworten 1 {ANSWER}")
    assert "kein FAQ-Eintrag" in await manager(router, replier, "nein")
    assert len(router.services.faq.data.entries) == entries


async def test_saved_entry_survives_a_reload_and_a_restart(bot: Any, tmp_path: Path) -> None:
    router, replier = bot
    await router.dispatch(message("Wann wird der Sperrmüll abgeholt?", direct=True, room=DM))
    await manager(router, replier, f"!antworten 1 {ANSWER}")
    await manager(router, replier, "ja")
    assert "FAQ neu geladen" in await manager(router, replier, "!faq-neu-laden")
    assert router.services.faq.data.entry("sperrmuell-abgeholt") is not None
    service = router.services.faq
    fresh = type(service)(service.settings, service.store, TEAM, chat=service.chat)
    assert fresh.data.entry("sperrmuell-abgeholt") is None
    await fresh.ready()
    assert fresh.data.entry("sperrmuell-abgeholt") is not None


async def test_manager_edits_a_yaml_entry_and_the_change_is_in_use_with_history(
    bot: Any,
) -> None:
    router, replier = bot
    changed = await manager(
        router, replier, "!faq-bearbeiten balkonkraftwerk antwort Neu: bitte beim Netzbetreiber."
    )
    assert "geändert" in changed
    await router.dispatch(message("Muss ich mein Balkonkraftwerk anmelden?", direct=True))
    assert "Neu: bitte beim Netzbetreiber." in replier.texts[-1]
    shown = await manager(router, replier, "!faq balkonkraftwerk")
    assert "im Chat geändert" in shown
    assert "Letzte Änderungen:" in shown
    assert f"{MANAGER} – antwort: Neu: bitte beim Netzbetreiber." in shown
    assert "FAQ neu geladen" in await manager(router, replier, "!faq-neu-laden")
    await router.dispatch(message("Muss ich mein Balkonkraftwerk anmelden?", direct=True))
    assert "Neu: bitte beim Netzbetreiber." in replier.texts[-1]


async def test_edit_checks_the_value_like_the_yaml_does(bot: Any) -> None:
    router, replier = bot
    text = await manager(router, replier, "!faq-bearbeiten balkonkraftwerk quelle htp:/kaputt")
    assert "nichts geändert" in text
    text = await manager(router, replier, "!faq-bearbeiten balkonkraftwerk thema Kochen")
    assert "Kochen" in text
    assert router.services.faq.data.entry("balkonkraftwerk").origin == "yaml"


async def test_citizen_cannot_edit_or_delete(bot: Any) -> None:
    router, replier = bot
    await router.dispatch(message("!faq-bearbeiten balkonkraftwerk antwort Quatsch"))
    assert "vorbehalten" in replier.texts[-1]
    await router.dispatch(message("!faq-loeschen balkonkraftwerk"))
    assert "vorbehalten" in replier.texts[-1]
    await router.dispatch(message("!faq balkonkraftwerk"))
    # A citizen may read the entry, not its file and owner (tests/commands/test_faqedit.py).
    assert "Balkonkraftwerk" in replier.texts[-1]
    assert "Herkunft" not in replier.texts[-1]


async def test_delete_hides_a_yaml_entry_after_yes(bot: Any) -> None:
    router, replier = bot
    ask = await manager(router, replier, "!faq-loeschen stadtradeln-historie")
    assert "löschen? ja/nein" in ask
    assert "Nicht gelöscht" in await manager(router, replier, "nein")
    assert router.services.faq.data.entry("stadtradeln-historie") is not None
    await manager(router, replier, "!faq-loeschen stadtradeln-historie")
    assert "gelöscht" in await manager(router, replier, "ja")
    assert router.services.faq.data.entry("stadtradeln-historie") is None
    assert "gibt es nicht" in await manager(router, replier, "!faq stadtradeln-historie")
    assert "FAQ neu geladen" in await manager(router, replier, "!faq-neu-laden")
    assert router.services.faq.data.entry("stadtradeln-historie") is None


async def test_delete_removes_a_chat_entry(bot: Any) -> None:
    router, replier = bot
    await router.dispatch(message("Wann wird der Sperrmüll abgeholt?", direct=True, room=DM))
    await manager(router, replier, f"!antworten 1 {ANSWER}")
    await manager(router, replier, "ja")
    await manager(router, replier, "!faq-loeschen sperrmuell-abgeholt")
    await manager(router, replier, "ja")
    assert router.services.faq.data.entry("sperrmuell-abgeholt") is None
    assert await router.services.faq.chat.get("sperrmuell-abgeholt") is None
    [latest, *_] = await router.services.faq.chat.history("sperrmuell-abgeholt")
    assert latest.action == "delete"


async def test_forgetting_the_asker_keeps_the_entry_without_a_trace_of_them(bot: Any) -> None:
    router, replier = bot
    await router.dispatch(message("Wann wird der Sperrmüll abgeholt?", direct=True, room=DM))
    await manager(router, replier, f"!antworten 1 {ANSWER}")
    await manager(router, replier, "ja")
    await router.services.privacy.forget(CITIZEN)
    service = router.services.faq
    service._chat_read = False  # as after a restart
    await service.ready()
    assert service.data.entry("sperrmuell-abgeholt") is not None
    for row in await service.chat.all():
        assert CITIZEN not in str(row)
    assert "keine offenen Fragen" in await manager(router, replier, "!offen")


async def test_a_chat_entry_answers_in_german_with_a_note_until_the_english_is_added(
    bot: Any,
) -> None:
    router, replier = bot
    await router.dispatch(message("Wann wird der Sperrmüll abgeholt?", direct=True, room=DM))
    await manager(router, replier, f"!antworten 1 {ANSWER}")
    await manager(router, replier, "ja")
    await router.dispatch(message("!language en", sender=OTHER, direct=True))
    await router.dispatch(message("!ask wann wird bei uns der sperrmüll abgeholt", sender=OTHER))
    assert ANSWER in replier.texts[-1]
    assert "only available in German" in replier.texts[-1]
    english = "Bulky waste is collected four times a year."
    await manager(router, replier, f"!faq-bearbeiten sperrmuell-abgeholt antwort-en {english}")
    await router.dispatch(message("!ask wann wird bei uns der sperrmüll abgeholt", sender=OTHER))
    assert english in replier.texts[-1]


async def test_an_entry_other_features_need_cannot_be_deleted(bot: Any) -> None:
    router, replier = bot
    refused = await manager(router, replier, "!faq-loeschen stadtradeln")
    assert "lässt sich nicht löschen" in refused
    assert router.services.faq.data.entry("stadtradeln") is not None


async def test_a_bare_yes_replying_to_a_notice_answers_nobody(bot: Any) -> None:
    router, replier = bot
    await router.dispatch(message("Hundesteuer?", direct=True, room=DM))
    reply = dataclasses.replace(message("ja", sender=MANAGER, room=TEAM), in_reply_to="$notice1")
    route = await router.route(reply)
    assert route is None or not route.text.startswith("antworten")


@pytest.mark.parametrize("number", ["1", "Nr. 1", "nr.1", "#1"])
async def test_the_number_may_be_written_as_in_the_list(bot: Any, number: str) -> None:
    router, replier = bot
    await router.dispatch(message("Hundesteuer?", direct=True, room=DM))
    assert "an 1 Person gesendet" in await manager(router, replier, f"!antworten {number} Ja.")


@pytest.mark.parametrize("args", ["", "1", "eins Text", "1 " + "x" * 4001, "99 Text"])
async def test_a_wrong_answer_command_says_what_is_wrong(bot: Any, args: str) -> None:
    router, replier = bot
    await router.dispatch(message("Hundesteuer?", direct=True, room=DM))
    said = await manager(router, replier, f"!antworten {args}")
    assert "antworten <Nr.> <Text>" in said or "zu lang" in said or "gibt es nicht" in said
    assert "Hundesteuer" in await manager(router, replier, "!offen")


async def test_a_dm_starting_with_faq_is_still_a_question(bot: Any) -> None:
    router, replier = bot
    await router.dispatch(message("FAQ Balkonkraftwerk anmelden", direct=True))
    assert "Marktstammdatenregister" in replier.texts[-1]
    await router.dispatch(message("faq balkonkraftwerk", direct=True))
    assert "(balkonkraftwerk)" in replier.texts[-1]


async def test_the_index_is_rebuilt_off_the_event_loop(bot: Any) -> None:
    router, replier = bot
    service = router.services.faq
    build = service._build

    def slow_build() -> Any:
        time.sleep(0.5)  # a large FAQ's index takes this long and more
        return build()

    service._build = slow_build
    await manager(router, replier, "!faq-bearbeiten balkonkraftwerk formulierung pv steckdose")
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    await service.chat.save("x-test", "yaml", None, MANAGER, "delete", "")
    ticker = asyncio.create_task(tick())
    await asyncio.sleep(0)
    before = ticks
    await service.load_chat()
    ticker.cancel()
    assert ticks - before > 10  # the loop went on while the index was built


async def test_a_save_confirmed_after_the_manager_role_was_taken_away_saves_nothing(
    bot: Any,
) -> None:
    # The question "Als FAQ-Eintrag speichern?" was asked of a manager; the "ja" must be one too.
    router, replier = bot
    await router.dispatch(message("Wann wird der Sperrmüll abgeholt?", direct=True, room=DM))
    entries = len(router.services.faq.data.entries)
    await manager(router, replier, f"!antworten 1 {ANSWER}")
    router.settings = dataclasses.replace(router.settings, managers=frozenset())
    assert "vorbehalten" in await manager(router, replier, "ja")
    assert len(router.services.faq.data.entries) == entries


async def test_a_delete_confirmed_after_the_manager_role_was_taken_away_deletes_nothing(
    bot: Any,
) -> None:
    router, replier = bot
    await manager(router, replier, "!faq-loeschen stadtradeln-historie")
    router.settings = dataclasses.replace(router.settings, managers=frozenset())
    assert "vorbehalten" in await manager(router, replier, "ja")
    assert router.services.faq.data.entry("stadtradeln-historie") is not None


@pytest.mark.parametrize("question", ["Sperrmüll?", "Hundesteuer", "Repaircafé Ochtrup", "ab wann"])
async def test_a_one_word_question_can_be_saved_as_an_entry(bot: Any, question: str) -> None:
    router, replier = bot
    await router.dispatch(message(question, direct=True, room=DM))
    await manager(router, replier, f"!antworten 1 {ANSWER}")
    saved = await manager(router, replier, "ja")
    assert "Gespeichert als FAQ-Eintrag" in saved
    assert "phrasings" not in saved


@given(
    question=st.text(min_size=1, max_size=80).filter(lambda t: t.strip(" .!?")),
    wordings=st.lists(st.text(max_size=80), max_size=3),
)
def test_a_draft_always_has_three_distinct_phrasings(question: str, wordings: list[str]) -> None:
    cleaned = clean_question(question)
    phrasings = faqteach._phrasings(cleaned, wordings)
    assert len(phrasings) >= 3
    keys = [" ".join(p.casefold().split()) for p in phrasings]
    assert len(set(keys)) == len(keys)
    assert all(p.strip() for p in phrasings)


async def test_a_translation_or_a_reworded_question_keeps_the_stand(bot: Any) -> None:
    router, replier = bot
    before = router.services.faq.data.entry("balkonkraftwerk").checked
    await manager(router, replier, "!faq-bearbeiten balkonkraftwerk antwort-en Yes, online.")
    await manager(router, replier, "!faq-bearbeiten balkonkraftwerk frage Balkonkraftwerk melden?")
    assert router.services.faq.data.entry("balkonkraftwerk").checked == before
    await manager(router, replier, "!faq-bearbeiten balkonkraftwerk antwort Ja, online.")
    assert router.services.faq.data.entry("balkonkraftwerk").checked != before


async def test_an_entry_shows_its_topic_by_name_and_english_lists_as_lists(bot: Any) -> None:
    router, replier = bot
    await manager(
        router, replier, "!faq-bearbeiten balkonkraftwerk antwort-en Rules:\n- **800 VA**\n- 2 kWp"
    )
    shown = await manager(router, replier, "!faq balkonkraftwerk")
    assert "Thema: Erneuerbare Energien" in shown
    # On a line of its own (plain text here): the English list starts a paragraph of its own.
    assert "\n\nEnglisch:\nRules:\n- 800 VA\n- 2 kWp\n\n" in shown
