"""An entry made from the manager's answer reads like an FAQ entry: its question is cleaned up,
its id is a short readable ASCII slug that no other entry has or had."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commands.faqteach import clean_question, id_slug
from config.settings import default_faq_settings
from tests.commands.fakes import MANAGER, make_router, message

TEAM = "!team:ochtrup.test"
DM = "!dm-buerger:ochtrup.test"
ANSWER = "Ja, jeden ersten Samstag im Monat im Jugendzentrum."


@pytest.mark.parametrize(
    ("asked", "question"),
    [
        ("  gibt es   ein repaircafe ?? ", "Gibt es ein repaircafe?"),
        ("gibt es ein repair café", "Gibt es ein repair café?"),
        ("- was kostet das?!", "Was kostet das?"),
        ("„gibt es ein Repair-Café?“", "Gibt es ein Repair-Café?"),
        ("Was heißt „Sektorkopplung“?", "Was heißt „Sektorkopplung“?"),
        ("wann ist das\nrepaircafe ?", "Wann ist das repaircafe?"),
        ("Ist PV sinnvoll (Dach).", "Ist PV sinnvoll (Dach)?"),
        ("\u202egibt es\x00 das\u200b", "Gibt es das?"),
    ],
)
def test_the_question_is_trimmed_capitalised_and_ends_with_one_question_mark(
    asked: str, question: str
) -> None:
    assert clean_question(asked) == question


@pytest.mark.parametrize(
    ("question", "slug"),
    [
        ("Gibt es ein Repair-Café in Ochtrup?", "repair-cafe"),
        ("Gibt es ein repaircafe?", "repaircafe"),
        ("Wann wird der Sperrmüll abgeholt?", "sperrmuell-abgeholt"),
        ("Wie kann ich als Mieter in Ochtrup Strom sparen?", "mieter-strom-sparen"),
        (
            "Was ist eigentlich der Unterschied zwischen einer Wärmepumpe und einer Gasheizung?",
            "unterschied-waermepumpe-gasheizung",
        ),
        ("Ist das Ölheizungsverbot schon beschlossen?", "oelheizungsverbot-beschlossen"),
        ("Lohnt sich ein E-Auto?", "lohnt-e-auto"),
        ("Straße?", "strasse"),
        ("???", "frage"),
    ],
)
def test_the_id_is_a_few_telling_words_in_ascii(question: str, slug: str) -> None:
    assert id_slug(question, ["ochtrup", "welbergen"]) == slug


@given(st.text(max_size=300))
def test_any_question_gives_a_valid_short_ascii_id(question: str) -> None:
    slug = id_slug(question)
    assert slug.isascii()
    assert len(slug) <= 40
    assert re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", slug)  # what `faq check` accepts


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Any]:
    router, replier, db, _ = await make_router(
        tmp_path, faq=default_faq_settings(), manager_room=TEAM
    )
    yield router, replier
    await db.close()


async def manager(router: Any, replier: Any, text: str) -> str:
    await router.dispatch(message(text, sender=MANAGER, room=TEAM))
    return str(replier.texts[-1])


async def teach(router: Any, replier: Any, asked: str, number: int) -> str:
    await router.dispatch(message(asked, direct=True, room=DM))
    await manager(router, replier, f"!antworten {number} {ANSWER}")
    return await manager(router, replier, "ja")


async def test_a_saved_entry_has_a_clean_question_and_keeps_the_askers_wording(
    bot: Any,
) -> None:
    router, replier = bot
    saved = await teach(router, replier, "  gibt es   ein repaircafe ?? ", 1)
    assert "Gespeichert als FAQ-Eintrag repaircafe;" in saved
    entry = router.services.faq.data.entry("repaircafe")
    assert entry.question["de"] == "Gibt es ein repaircafe?"
    assert "gibt es ein repaircafe ??" in entry.phrasings["de"]


async def test_a_new_entry_does_not_take_over_the_id_of_a_deleted_one(bot: Any) -> None:
    router, replier = bot
    await teach(router, replier, "Gibt es ein Repair Cafe?", 1)
    await manager(router, replier, "!faq-loeschen repair-cafe")
    await manager(router, replier, "ja")
    saved = await teach(router, replier, "gibt es ein repair-cafe", 2)
    assert "Gespeichert als FAQ-Eintrag repair-cafe-2;" in saved
    assert len(await router.services.faq.chat.history("repair-cafe-2")) == 1
