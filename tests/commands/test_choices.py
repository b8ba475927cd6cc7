"""Numbered choices in words (commands/choices.py): what picks a candidate and what does not."""

from __future__ import annotations

import pytest

from commands.choices import LAST, parse_choice


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("2", 2),
        ("2.", 2),
        ("2)", 2),
        ("(2)", 2),
        ("#2", 2),
        ("Nr. 2", 2),
        ("nr 2", 2),
        ("Nummer 2", 2),
        ("die Nummer 3", 3),
        ("number 2", 2),
        ("no. 3", 3),
        ("option 2", 2),
        ("die zweite", 2),
        ("Die Zweite!", 2),
        ("das erste bitte", 1),
        ("der erste davon", 1),
        ("die erste Frage", 1),
        ("ich nehme die dritte", 3),
        ("ja, die zweite bitte", 2),
        ("die 2.", 2),
        ("die zweite?", 2),
        ("zwei", 2),
        ("eins", 1),
        ("erstens", 1),
        ("the second one", 2),
        ("the second", 2),
        ("I meant the second one", 2),
        ("i'd like the first", 1),
        ("number 2 please", 2),
        ("2nd", 2),
        ("the 3rd", 3),
        ("one", 1),
        ("die letzte", LAST),
        ("die Letzte bitte", LAST),
        ("the last one", LAST),
    ],
)
def test_a_choice_in_words_gives_its_number(text: str, number: int) -> None:
    assert parse_choice(text) == number


@pytest.mark.parametrize(
    "text",
    [
        "",
        "0",
        "10",
        "ja",
        "ok",
        "bitte",
        "hallo",
        "zwei Fragen",
        "die zweite Wärmepumpe ist kaputt",
        "Wie hoch ist die zweite Förderung?",
        "Nummer 2 der Liste ist falsch, was nun",
        "Gibt es 2 Förderprogramme?",
        "?",
        "die",
        "the",
        "x" * 200,
    ],
)
def test_other_text_is_no_choice(text: str) -> None:
    assert parse_choice(text) is None
