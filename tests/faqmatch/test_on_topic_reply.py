"""How the bot says "on topic, not this point": the topic's entries to choose, the question open."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from commands.faqmatch import Outcome
from config.settings import default_faq_settings
from tests.commands.fakes import CITIZEN, make_router, message

MANAGER_ROOM = "!team:ochtrup.test"
CANDIDATES = ("balkonkraftwerk", "pv-dach", "solarkataster")


@pytest.fixture
async def router(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Any]:
    settings = dataclasses.replace(default_faq_settings(), contact={"de": "Frau Muster"})
    router, replier, db, _ = await make_router(tmp_path, faq=settings, manager_room=MANAGER_ROOM)
    monkeypatch.setattr(
        router.services.faq,
        "ask",
        lambda text: Outcome("on_topic", None, CANDIDATES, (), 0.9, frozenset({"cost"})),
    )
    yield router, replier
    await db.close()


async def test_on_topic_lists_the_topics_entries_and_passes_the_question_on(router: Any) -> None:
    router, replier = router
    await router.dispatch(message("Was kostet ein Balkonkraftwerk?", direct=True))
    reply = replier.texts[0]
    assert "Genau dazu habe ich keine geprüfte Antwort. Zum Thema " in reply  # after a welcome
    faq = router.services.faq
    topic = next(t for t in faq.data.topics if t.slug == faq.data.entry(CANDIDATES[0]).topic)
    assert f"Zum Thema {topic.name_de} kann ich Ihnen sagen:" in reply
    for n, entry_id in enumerate(CANDIDATES, start=1):
        assert f"{n}. {faq.data.entry(entry_id).question['de']}" in reply
    assert reply.endswith("Ihre Frage habe ich an das Klimaschutzmanagement weitergegeben.")
    [(room, note, _)] = replier.notices
    assert room == MANAGER_ROOM
    assert "Was kostet ein Balkonkraftwerk?" in note
    assert CITIZEN in note
    assert topic.name_de in note
    [open_question] = await faq.store.open_questions()
    assert open_question.text == "Was kostet ein Balkonkraftwerk?"


async def test_a_number_after_on_topic_answers_that_entry_and_the_question_stays_open(
    router: Any,
) -> None:
    router, replier = router
    await router.dispatch(message("Was kostet ein Balkonkraftwerk?", direct=True))
    await router.dispatch(message("1", direct=True))
    assert "Marktstammdatenregister" in replier.texts[1]
    [open_question] = await router.services.faq.store.open_questions()
    assert open_question.text == "Was kostet ein Balkonkraftwerk?"


async def test_on_topic_in_english(router: Any) -> None:
    router, replier = router
    await router.dispatch(message("How much does a balcony solar system cost?", direct=True))
    reply = replier.texts[0]
    assert "I have no checked answer to exactly that. On the topic " in reply
    assert reply.endswith("I have passed your question on to the climate management.")


async def test_the_real_engine_says_on_topic_for_a_point_the_faq_lacks(tmp_path: Path) -> None:
    settings = dataclasses.replace(default_faq_settings(), contact={"de": "Frau Muster"})
    router, replier, db, _ = await make_router(tmp_path, faq=settings, manager_room=MANAGER_ROOM)
    try:
        # The shipped FAQ: the climate management's entry answers "how to reach it", not
        # what it costs.
        await router.dispatch(
            message("Was kostet das Klimaschutzmanagement die Stadt?", direct=True)
        )
        assert "Genau dazu habe ich keine geprüfte Antwort." in replier.texts[0]
    finally:
        await db.close()
