"""Small talk, the welcome in a new DM and choices in words, through the router with the
shipped FAQ, a real SQLite file and a recording fake replier."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from commands.faqmatch import Outcome
from commands.welcome import welcome_first
from config.settings import default_faq_settings
from tests.commands.fakes import CITIZEN, MANAGER, make_router, message

MANAGER_ROOM = "!team:ochtrup.test"
CONTACT = {"de": "Frau Muster, Tel. 02553 0000", "en": "Ms Muster, phone 02553 0000"}
WELCOME_DE = "Willkommen beim Klimabot"
WELCOME_EN = "Welcome to Klimabot"
ROOM = "!room:ochtrup.test"


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Any]:
    settings = dataclasses.replace(default_faq_settings(), contact=CONTACT)
    router, replier, db, _ = await make_router(tmp_path, faq=settings, manager_room=MANAGER_ROOM)
    yield router, replier
    await db.close()


async def _open(router: Any) -> list[Any]:
    return list(await router.services.faq.store.open_questions())


async def _welcomed(router: Any, room: str = ROOM, user: str = CITIZEN) -> None:
    await router.services.users.welcome(user, room)


def _offer(router: Any, candidates: tuple[str, ...], kind: str = "did_you_mean") -> None:
    router.services.faq.ask = lambda text: Outcome(kind, None, candidates, (), 0.3)  # type: ignore[arg-type]


def _question(router: Any, entry_id: str) -> str:
    entry = router.services.faq.data.entry(entry_id)
    assert entry is not None
    return str(entry.question["de"])


# --- small talk ---------------------------------------------------------------------------


async def test_hallo_in_a_new_dm_gets_the_welcome_then_a_greeting_and_nothing_is_stored(
    bot: Any,
) -> None:
    router, replier = bot
    await router.dispatch(message("Hallo", direct=True))
    [text] = replier.texts
    assert text.startswith(WELCOME_DE)
    assert "!hilfe" in text
    assert "!meinedaten" in text
    assert "!vergessen" in text
    greeting = text.split("\n\n", 1)[1]
    assert greeting.startswith(("Guten Tag!", "Hallo!", "Hallo und herzlich willkommen!"))
    assert await _open(router) == []
    assert replier.notices == []


@pytest.mark.parametrize(
    "text",
    [
        "Danke!",
        "super danke",
        "Tschüss",
        "wer bist du?",
        "was kannst du",
        "bist du ein Mensch",
        "ja",
        "nein",
        "ok",
        "👍",
        "??",
        "test",
        "du bist dumm",
        "das hilft mir nicht",
        "Moin",
        "Guten Morgen",
    ],
)
async def test_small_talk_gets_a_short_answer_and_never_reaches_open_or_the_manager(
    bot: Any, text: str
) -> None:
    router, replier = bot
    await _welcomed(router)
    await router.dispatch(message(text, direct=True))
    [answer] = replier.texts
    assert "weitergegeben" not in answer
    assert len(answer) < 700
    assert await _open(router) == []
    assert replier.notices == []
    await router.dispatch(message("!offen", sender=MANAGER))
    assert "keine offenen Fragen" in replier.texts[-1]


async def test_english_small_talk_is_answered_in_english_without_a_language_choice(
    bot: Any,
) -> None:
    router, replier = bot
    await _welcomed(router)
    await router.dispatch(message("thanks!", direct=True))
    await router.dispatch(message("!sprache de", direct=True))
    await router.dispatch(message("thanks!", direct=True))
    catalog = router.catalog
    thanks = [f"smalltalk.thanks_{n}" for n in range(1, 4)]
    assert replier.texts[0] in {catalog.text("en", key) for key in thanks}
    assert replier.texts[2] in {catalog.text("de", key) for key in thanks}


async def test_the_same_event_gets_the_same_wording(tmp_path: Path) -> None:
    texts = []
    for n in range(2):
        router, replier, db, _ = await make_router(tmp_path / str(n), faq=default_faq_settings())
        try:
            msg = dataclasses.replace(message("Hallo", mention=True), event_id="$same")
            await router.dispatch(msg)
            texts += replier.texts
        finally:
            await db.close()
    assert texts[0] == texts[1]


async def test_frustration_offers_the_contact_and_passing_the_question_on(bot: Any) -> None:
    router, replier = bot
    await _welcomed(router)
    await router.dispatch(message("Muss ich mein Balkonkraftwerk anmelden?", direct=True))
    await router.dispatch(message("das hilft mir nicht", direct=True))
    answer = replier.texts[-1]
    assert CONTACT["de"] in answer
    assert "👎" in answer
    assert "Klimaschutzmanagement weiter" in answer
    assert await _open(router) == []


async def test_an_insult_gets_a_calm_answer_with_the_contact(bot: Any) -> None:
    router, replier = bot
    await router.dispatch(message("du bist dumm", mention=True))
    assert CONTACT["de"] in replier.texts[-1]


async def test_small_talk_on_a_mention_in_a_room_is_answered_without_a_welcome(bot: Any) -> None:
    router, replier = bot
    await router.dispatch(message("Hallo", mention=True))
    [text] = replier.texts
    assert WELCOME_DE not in text
    assert await _open(router) == []


async def test_small_talk_in_an_auto_mode_room_gets_no_answer_at_all(bot: Any) -> None:
    router, replier = bot
    await router.dispatch(message("!fragemodus auto", sender=MANAGER))
    before = len(replier.texts)
    for text in ("wer bist du?", "Danke!", "das hilft mir nicht?", "Hallo?"):
        await router.dispatch(message(text))
    assert len(replier.texts) == before
    assert await _open(router) == []
    assert replier.notices == []


async def test_a_greeting_in_front_of_a_question_is_cut_and_the_question_answered(
    bot: Any,
) -> None:
    router, replier = bot
    await _welcomed(router)
    await router.dispatch(message("Hallo, muss ich mein Balkonkraftwerk anmelden?", direct=True))
    [text] = replier.texts
    assert "Marktstammdatenregister" in text


async def test_questions_about_events_and_campaigns_point_to_the_commands_not_the_manager(
    bot: Any,
) -> None:
    router, replier = bot
    await _welcomed(router)
    await router.dispatch(message("Wie melde ich mich für den Solar-Abend an?", direct=True))
    assert "!termine" in replier.texts[-1]
    assert "!anmelden" in replier.texts[-1]
    await router.dispatch(message("Ich will bei der Aktion mitmachen", direct=True))
    assert "!aktionen" in replier.texts[-1]
    assert "!mitmachen" in replier.texts[-1]
    await router.dispatch(message("Wie spät ist es?", direct=True))
    assert "nur mit dem Klimaschutz in Ochtrup" in replier.texts[-1]
    assert await _open(router) == []
    assert replier.notices == []


async def test_a_bare_yes_says_polls_are_answered_in_the_poll_not_by_number(bot: Any) -> None:
    router, replier = bot
    await _welcomed(router)
    await router.dispatch(message("Ja", direct=True))
    assert "in einer Umfrage stimmen Sie direkt in der Umfrage ab" in replier.texts[-1]
    assert await _open(router) == []


async def test_faq_questions_with_anmelden_still_get_the_faq_answer(bot: Any) -> None:
    router, replier = bot
    await _welcomed(router)
    for text in (
        "Muss ich mein Balkonkraftwerk anmelden?",
        "Wo muss ich mein Balkonkraftwerk anmelden?",
        "Guten Abend, muss ich mein Balkonkraftwerk anmelden?",
    ):
        await router.dispatch(message(text, direct=True))
        assert "Marktstammdatenregister" in replier.texts[-1], text


async def test_a_greeting_in_front_of_an_unknown_question_stores_the_question_only(
    bot: Any,
) -> None:
    router, replier = bot
    await _welcomed(router)
    await router.dispatch(message("Guten Tag, wie spät ist es auf dem Mars?", direct=True))
    [question] = await _open(router)
    assert question.text == "wie spät ist es auf dem Mars?"


# --- the welcome ----------------------------------------------------------------------------


async def test_the_welcome_comes_once_per_dm(bot: Any) -> None:
    router, replier = bot
    await router.dispatch(message("Hallo", direct=True))
    await router.dispatch(message("Danke!", direct=True))
    await router.dispatch(message("Hallo", direct=True, room="!other-dm:ochtrup.test"))
    assert replier.texts[0].startswith(WELCOME_DE)
    assert WELCOME_DE not in replier.texts[1]
    assert replier.texts[2].startswith(WELCOME_DE)  # a new DM is new


async def test_the_welcome_goes_in_front_of_a_command_answer(bot: Any) -> None:
    router, replier = bot
    await router.dispatch(message("!themen", direct=True))
    [text] = replier.texts
    assert text.startswith(WELCOME_DE)
    assert "Themen" in text.split("\n\n", 1)[1]


async def test_the_welcome_goes_in_front_of_the_answer_and_is_in_its_language(bot: Any) -> None:
    router, replier = bot
    await router.dispatch(
        message("is there money from the government for a heat pump", direct=True)
    )
    [text] = replier.texts
    assert text.startswith(WELCOME_EN)
    for command in ("!help", "!mydata", "!forget"):
        assert command in text
    assert "Sources:" in text


async def test_hi_from_a_user_without_a_language_gets_the_english_welcome(bot: Any) -> None:
    router, replier = bot
    await router.dispatch(message("hi", direct=True))
    assert replier.texts[0].startswith(WELCOME_EN)


async def test_a_user_who_chose_german_gets_the_german_welcome_for_hi(bot: Any) -> None:
    router, replier = bot
    await router.services.users.set_language(CITIZEN, "de")
    await router.dispatch(message("hi", direct=True))
    assert replier.texts[0].startswith(WELCOME_DE)


async def test_no_welcome_in_rooms(bot: Any) -> None:
    router, replier = bot
    await router.dispatch(message("!themen"))
    assert WELCOME_DE not in replier.texts[0]


async def test_forgetting_the_user_forgets_the_welcome_too(bot: Any) -> None:
    router, replier = bot
    await router.dispatch(message("Hallo", direct=True))
    await router.dispatch(message("!vergessen", direct=True))
    await router.dispatch(message("ja", direct=True))
    await router.dispatch(message("Hallo", direct=True))
    assert replier.texts[-1].startswith(WELCOME_DE)


# --- choices in words -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("said", "picked"),
    [
        ("die zweite", 1),
        ("Nummer 2", 1),
        ("2.", 1),
        ("Nr. 2", 1),
        ("das erste bitte", 0),
        ("die letzte", 2),
        ("the second one", 1),
        ("number 3", 2),
        ("2)", 1),
    ],
)
async def test_a_choice_in_words_picks_that_candidate(bot: Any, said: str, picked: int) -> None:
    router, replier = bot
    await _welcomed(router)
    candidates = ("pv-dach", "balkonkraftwerk", "solarkataster")
    _offer(router, candidates)
    await router.dispatch(message("solar?", direct=True))
    assert "Meinten Sie" in replier.texts[0]
    await router.dispatch(message(said, direct=True))
    assert _question(router, candidates[picked]) in replier.texts[1]


async def test_a_choice_in_words_in_a_room_works_without_a_mention_while_pending(
    bot: Any,
) -> None:
    router, replier = bot
    candidates = ("pv-dach", "balkonkraftwerk", "solarkataster")
    _offer(router, candidates)
    await router.dispatch(message("solar?", mention=True))
    assert await router.dispatch(message("die zweite"))
    assert _question(router, "balkonkraftwerk") in replier.texts[1]


async def test_a_choice_in_words_with_nothing_pending_is_not_a_question(bot: Any) -> None:
    router, replier = bot
    await _welcomed(router)
    await router.dispatch(message("die zweite", direct=True))
    assert "nicht verstanden" in replier.texts[0]
    assert await _open(router) == []
    await router.dispatch(message("die zweite"))  # in a room nobody is asked anything
    assert len(replier.texts) == 1


async def test_a_new_question_ends_the_old_offer(bot: Any) -> None:
    router, replier = bot
    await _welcomed(router)
    _offer(router, ("pv-dach", "balkonkraftwerk", "solarkataster"))
    await router.dispatch(message("solar?", direct=True))
    router.services.faq.ask = lambda text: Outcome("dont_know", None, (), (), 0.1)
    await router.dispatch(message("Wie spät ist es auf dem Mars?", direct=True))
    await router.dispatch(message("2", direct=True))
    assert "nicht verstanden" in replier.texts[-1]


async def test_small_talk_keeps_the_offer(bot: Any) -> None:
    router, replier = bot
    await _welcomed(router)
    _offer(router, ("pv-dach", "balkonkraftwerk", "solarkataster"))
    await router.dispatch(message("solar?", direct=True))
    await router.dispatch(message("hm ok", direct=True))
    await router.dispatch(message("die zweite", direct=True))
    assert _question(router, "balkonkraftwerk") in replier.texts[-1]


async def test_related_questions_under_an_answer_are_numbered_and_selectable(bot: Any) -> None:
    router, replier = bot
    await _welcomed(router)
    related = ("balkonkraftwerk", "solarkataster")
    router.services.faq.ask = lambda text: Outcome("answer", "pv-dach", related, (), 0.9)
    await router.dispatch(message("Lohnt sich eine PV-Anlage?", direct=True))
    answer = replier.texts[0]
    assert f"1. {_question(router, 'balkonkraftwerk')}" in answer
    assert f"2. {_question(router, 'solarkataster')}" in answer
    await router.dispatch(message("2", direct=True))
    assert replier.texts[1].startswith(_question(router, "solarkataster"))
    # The question stays answered by the entry that answered it.
    store = router.services.faq.store
    row = await store._db.fetchone("SELECT open, entry_id FROM faq_questions")
    assert (row["open"], row["entry_id"]) == (0, "pv-dach")


async def test_related_questions_are_offered_in_english_to_an_english_asker(bot: Any) -> None:
    router, replier = bot
    await _welcomed(router)
    await router.dispatch(
        message("is there money from the government for a heat pump", direct=True)
    )
    assert "You might also be interested in (answer with the number):" in replier.texts[0]
    await router.dispatch(message("the first one", direct=True))
    assert "Sources:" in replier.texts[1] or "Source:" in replier.texts[1]


async def test_a_choice_in_words_picks_from_the_on_topic_offer(bot: Any) -> None:
    router, replier = bot
    await _welcomed(router)
    candidates = ("pv-dach", "balkonkraftwerk", "solarkataster")
    _offer(router, candidates, kind="on_topic")
    await router.dispatch(message("Wie funktioniert Solar bei Schnee?", direct=True))
    await router.dispatch(message("Nummer 3", direct=True))
    assert _question(router, "solarkataster") in replier.texts[-1]


async def test_the_welcome_never_goes_into_a_reply_to_someone_elses_message(bot: Any) -> None:
    # e.g. a manager's first DM is '!antworten …', which also replies to a citizen's question
    router, replier = bot
    first = message("!antworten 1 Ja.", sender=MANAGER, direct=True, room="!mgr-dm:x")
    ctx = await welcome_first(await router._context(first))
    other = message("Frage?", direct=True, room="!citizen-dm:x")
    await ctx.replier.reply(other, "Antwort", "Antwort")
    await ctx.reply("Erledigt.")
    assert replier.texts[0] == "Antwort"
    assert replier.texts[1].startswith(WELCOME_DE)


async def test_the_welcome_is_its_own_message_before_an_image(bot: Any) -> None:
    router, replier = bot
    ctx = await welcome_first(await router._context(message("!statistik", direct=True)))
    await ctx.send_image("chart.png", b"\x89PNG", "image/png", 10, 10, "Diagramm")
    [welcome] = replier.texts
    assert welcome.startswith(WELCOME_DE)


async def test_words_of_no_language_are_answered_in_the_language_last_written(bot: Any) -> None:
    router, replier = bot
    await _welcomed(router)
    await router.dispatch(
        message("Do I have to register my balcony solar system?", room=ROOM, direct=True)
    )
    await router.dispatch(message("ok", room=ROOM, direct=True))
    assert "Gut!" not in replier.texts[-1]
    assert "Alles klar" not in replier.texts[-1]
    await router.dispatch(message("7", room=ROOM, direct=True))  # not one of the related three
    assert "Please answer with a number" in replier.texts[-1]
    # A German question switches back, and "ok" follows it.
    await router.dispatch(
        message("Muss ich mein Balkonkraftwerk anmelden?", room=ROOM, direct=True)
    )
    await router.dispatch(message("ok", room=ROOM, direct=True))
    assert "Gut!" in replier.texts[-1] or "Alles klar" in replier.texts[-1]


async def test_forgetting_the_user_forgets_the_language_they_wrote_in(bot: Any) -> None:
    router, replier = bot
    await _welcomed(router)
    await router.dispatch(message("thanks!", room=ROOM, direct=True))
    assert router.services.languages.get(CITIZEN) == "en"
    await router.dispatch(message("!vergessen", room=ROOM, direct=True))
    await router.dispatch(message("ja", room=ROOM, direct=True))
    assert router.services.languages.get(CITIZEN) is None
