from __future__ import annotations

import pytest

from commands.faqmatch import FaqIndex
from commands.faqmatch.analyzer import WEAK_WEIGHT, Analyzer


@pytest.fixture
def analyzer(mini_index: FaqIndex) -> Analyzer:
    return mini_index._channels[0].analyzer


def test_polite_formulas_are_dropped(analyzer: Analyzer) -> None:
    assert analyzer.query("Sehr geehrte Damen und Herren, vielen Dank im Voraus!") == {}


def test_general_words_and_the_town_name_are_weak(analyzer: Analyzer) -> None:
    terms = analyzer.query("Meine Eltern haben gelesen, dass Ochtrup eine Wärmepumpe hat")
    assert terms["~warmepump"] == 1.0
    assert {weight for term, weight in terms.items() if term != "~warmepump"} == {WEAK_WEIGHT}


def test_lowercase_word_in_capitalised_german_is_weak(analyzer: Analyzer) -> None:
    cased = analyzer.query("Wir haben ausprobiert, ob die Wärmepumpe im Altbau geht")
    assert cased["ausprobiert"] == WEAK_WEIGHT
    assert cased["~altbau"] == 1.0


def test_all_lowercase_question_keeps_unknown_words_strong(analyzer: Analyzer) -> None:
    assert analyzer.query("wir haben ausprobiert ob die wärmepumpe geht")["ausprobiert"] == 1.0


def test_number_counts_only_where_a_curated_text_uses_it(analyzer: Analyzer) -> None:
    terms = analyzer.query("Mein Sohn ist 14 und das Balkonkraftwerk hat 70 Prozent")
    assert not any(term.isdigit() for term in terms)


def test_two_typos_are_trusted_less_than_one(analyzer: Analyzer) -> None:
    one = analyzer.query("warmepunpe")
    two = analyzer.query("wärmpemupe")
    assert one["~warmepump"] > two["~warmepump"] > 0


def test_long_polite_question_is_answered(mini_index: FaqIndex) -> None:
    question = (
        "Guten Tag, meine Eltern haben sich letzte Woche ein Steckersolargerät gekauft und "
        "überlegen jetzt: Muss man das irgendwo anmelden? Vielen Dank im Voraus!"
    )
    outcome = mini_index.ask(question)
    assert (outcome.kind, outcome.entry_id) == ("answer", "balkonkraftwerk")


@pytest.mark.parametrize(
    "question",
    ["Wie hoch ist die Hundesteuer in Ochtrup?", "Wann hat das Rathaus in Ochtrup geöffnet?"],
)
def test_town_name_alone_is_no_evidence(mini_index: FaqIndex, question: str) -> None:
    assert mini_index.ask(question).kind == "dont_know"
