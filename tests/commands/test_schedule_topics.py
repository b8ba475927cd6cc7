"""`!planen` and `!ankuendigen` take a topic by slug or by the full name `!themen` shows
(walk-through 12, #1), and `!planen` shows the text it will post."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from commands.broadcast import TopicIndex
from config.faq import load_topics
from config.settings import default_faq_settings
from tests.commands.fakes import MANAGER, dm_speaker, make_router


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Any]:
    router, replier, db, _ = await make_router(tmp_path)
    say = dm_speaker(router, replier, MANAGER)
    say.services = router.services  # type: ignore[attr-defined]
    yield say
    await db.close()


def _topics() -> TopicIndex:
    return TopicIndex(load_topics(default_faq_settings().topics_file))


def test_longest_topic_name_wins_over_its_first_word_synonym() -> None:
    found = _topics().split("Bauen & Sanieren Sprechstunde im Rathaus")
    assert found is not None
    assert (found[0].slug, found[1]) == ("bauen-sanieren", "Sprechstunde im Rathaus")


def test_topic_name_is_found_regardless_of_case_and_accents() -> None:
    found = _topics().split("KOMMUNE & VERWALTUNG Rathaus zu")
    assert found is not None
    assert (found[0].slug, found[1]) == ("kommune-verwaltung", "Rathaus zu")
    found = _topics().split("Bauen & Sanièren Sprechstunde")
    assert found is not None
    assert (found[0].slug, found[1]) == ("bauen-sanieren", "Sprechstunde")
    found = _topics().split("mobilität\nRadtour am Samstag")
    assert found is not None
    assert (found[0].slug, found[1]) == ("mobilitaet", "Radtour am Samstag")
    found = _topics().split("Wärme & Heizung Neue Förderung")
    assert found is not None
    assert (found[0].slug, found[1]) == ("waerme-heizung", "Neue Förderung")


async def test_planen_with_a_spaced_topic_name_keeps_the_whole_text(bot: Any) -> None:
    answer = await bot("!planen morgen 9:00 Bauen & Sanieren Sprechstunde im Rathaus")
    assert "„Bauen & Sanieren“" in answer
    posts = await bot.services.schedules.store.active()
    assert [(p.topic, p.body) for p in posts] == [("bauen-sanieren", "Sprechstunde im Rathaus")]


async def test_planen_confirmation_shows_the_text_that_will_be_posted(bot: Any) -> None:
    answer = await bot("!planen morgen 9:00 mobilitaet Radtour am Samstag")
    assert "Radtour am Samstag" in answer
    assert "!planung-loeschen 1" in answer


async def test_planen_with_only_a_topic_and_no_text_shows_usage(bot: Any) -> None:
    answer = await bot("!planen morgen 9:00 Bauen & Sanieren")
    assert "So verwenden Sie den Befehl" in answer
    assert await bot.services.schedules.store.active() == []


async def test_ankuendigen_with_a_spaced_topic_name_previews_the_whole_text(bot: Any) -> None:
    await bot("!abonnieren kommune-verwaltung", sender="@carla:x")
    answer = await bot("!ankuendigen Kommune & Verwaltung Am Montag ist das Rathaus zu.")
    assert "„Kommune & Verwaltung“" in answer
    assert "\nAm Montag ist das Rathaus zu.\n" in answer
    assert "& Verwaltung Am" not in answer
