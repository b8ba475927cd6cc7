"""Grouping of open questions: variants of one question share a group, other questions do not,
and the numbers stay."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from commands.faqgroups import question_words, same_question
from config.settings import default_faq_settings
from tests.commands.fakes import MANAGER, make_router, message

TEAM = "!team:ochtrup.test"
DM = "!dm-buerger:ochtrup.test"
HOME = frozenset({"ochtrup", "welbergen", "welberg"})
ELSEWHERE = frozenset({"gronau", "munster"})


def same(a: str, b: str) -> bool:
    return same_question(question_words(a, HOME, ELSEWHERE), question_words(b, HOME, ELSEWHERE))


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Gibt es ein Repair Cafe?", "gibt es ein repaircafe"),
        ("Gibt es ein Repair Cafe?", "Gibt es ein Repair-Café in Ochtrup?"),
        ("gibt es ein repaircafe", "Gibt es ein Repair-Café in Ochtrup?"),
        ("Gibt es ein Repaircafé?", "GIBT ES EIN REPAIR CAFE"),
        ("Was kostet eine Wärmepumpe?", "was kostet eine waermepumpe"),
        ("Was kostet eine Wärmepumpe?", "Was kostet eine Wärme-Pumpe?"),
        ("Was kostet eine Wärmepumpe?", "Was kostet eine Wärme Pumpe"),
        ("Was kostet eine Wärmepumpe?", "Was kostet eine Wärmepunpe?"),
        ("Wo ist der Ochtruper Wertstoffhof?", "Wo ist der Wertstoffhof?"),
    ],
)
def test_spelling_spacing_and_compound_variants_are_the_same_question(
    first: str, second: str
) -> None:
    assert same(first, second)
    assert same(second, first)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Was kostet eine Wärmepumpe?", "Lohnt sich eine Wärmepumpe?"),
        ("Gibt es ein Repair Cafe?", "Gibt es ein Café?"),
        ("Gibt es ein Repair Cafe?", "Wann ist das Repair Café geöffnet?"),
        ("Gibt es ein Repair Café in Ochtrup?", "Gibt es ein Repair Café in Gronau?"),
        ("Wie viel CO2 stößt Ochtrup aus?", "Wie viel CO2 stößt Münster aus?"),
        ("Gibt es Förderung für Wärmepumpen?", "Gibt es Förderung für Solaranlagen?"),
    ],
)
def test_different_questions_stay_apart(first: str, second: str) -> None:
    assert not same(first, second)
    assert not same(second, first)


def test_a_question_of_stopwords_only_is_compared_as_written() -> None:
    assert same("Was?", "was")
    assert not same("Was?", "Wie?")


def test_a_pasted_letter_is_read_in_bounded_time() -> None:
    words = question_words("Repair Cafe " * 5000, HOME, ELSEWHERE)
    assert len(words.stems) <= 40


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Any]:
    router, replier, db, _ = await make_router(
        tmp_path, faq=default_faq_settings(), manager_room=TEAM
    )
    yield router, replier
    await db.close()


async def offen(router: Any, replier: Any, args: str = "") -> str:
    await router.dispatch(message(f"!offen {args}".strip(), sender=MANAGER, room=TEAM))
    return str(replier.texts[-1])


async def test_variants_of_one_question_are_one_group_in_the_open_list(bot: Any) -> None:
    router, replier = bot
    for sender, text in [
        ("@anna:ochtrup.test", "Gibt es ein Repair Cafe?"),
        ("@bert:ochtrup.test", "gibt es ein repaircafe"),
        ("@carl:ochtrup.test", "Gibt es ein Repair-Café in Ochtrup?"),
        ("@dora:ochtrup.test", "Gibt es ein Repair Café in Gronau?"),
    ]:
        await router.dispatch(message(text, sender=sender, direct=True, room=DM))
    listing = await offen(router, replier)
    assert "Nr. 1 – 3× „Gibt es ein Repair Cafe?“" in listing
    assert "Nr. 2 – 1× „Gibt es ein Repair Café in Gronau?“" in listing


async def test_a_variant_joins_its_group_and_keeps_the_numbers_after_a_close(bot: Any) -> None:
    router, replier = bot
    for text in ("Wann wird der Sperrmüll abgeholt?", "Gibt es ein Repair Cafe?", "Hundesteuer?"):
        await router.dispatch(message(text, direct=True, room=DM))
    await offen(router, replier, "erledigt 1")
    await router.dispatch(message("gibt es ein Repaircafé in Ochtrup", direct=True, room=DM))
    listing = await offen(router, replier)
    assert "Nr. 2 – 2× „Gibt es ein Repair Cafe?“" in listing
    assert "Nr. 3 – 1× „Hundesteuer?“" in listing
    assert "Nr. 1 " not in listing
