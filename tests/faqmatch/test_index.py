from __future__ import annotations

import gc
import weakref
from dataclasses import replace

import pytest

from commands.faqmatch import ANSWER_MIN_CONFIDENCE, FaqIndex, Outcome
from config.faq import FaqData


def answer_id(index: FaqIndex, question: str) -> str | None:
    outcome = index.ask(question)
    return outcome.entry_id if outcome.kind == "answer" else None


@pytest.mark.parametrize(
    "question",
    ["Funktioniert eine Wärmepumpe im Altbau?", "waermepumpe altbau", "warmepumpe im altbau"],
)
def test_umlaut_spellings_find_the_same_entry(mini_index: FaqIndex, question: str) -> None:
    assert answer_id(mini_index, question) == "waermepumpe-altbau"


def test_compound_is_found_through_its_parts(mini_index: FaqIndex) -> None:
    assert answer_id(mini_index, "Balkonkraftwerkanmeldung?") == "balkonkraftwerk"


def test_compound_in_the_index_is_found_by_its_part(mini_index: FaqIndex) -> None:
    # The entry says "Heizungstausch"; "Tausch" alone occurs only in another entry.
    assert answer_id(mini_index, "Tausch der Heizung fördern lassen") == "heizungsfoerderung"


def test_typo_is_tolerated(mini_index: FaqIndex) -> None:
    assert answer_id(mini_index, "Wärmepunpe im Altbua") == "waermepumpe-altbau"


def test_synonym_finds_entry_without_the_word(mini_index: FaqIndex) -> None:
    assert answer_id(mini_index, "Steckersolargerät anmelden") == "balkonkraftwerk"


def test_multi_word_synonym_finds_entry(mini_index: FaqIndex) -> None:
    assert answer_id(mini_index, "Wärmepumpe für ein altes Haus") == "waermepumpe-altbau"


def test_english_question_matches_english_phrasings(mini_index: FaqIndex) -> None:
    assert answer_id(mini_index, "does a heat pump work in an old building?") == (
        "waermepumpe-altbau"
    )


def test_exact_phrasing_is_answered_with_full_confidence(mini_index: FaqIndex) -> None:
    outcome = mini_index.ask("Was kannst du?")
    assert (outcome.kind, outcome.entry_id, outcome.confidence) == ("answer", "bot-hilfe", 1.0)


def test_answer_offers_related_entries(mini_index: FaqIndex) -> None:
    outcome = mini_index.ask("Balkonkraftwerk anmelden")
    assert outcome.candidates[0] == "heizungsfoerderung"
    assert len(outcome.candidates) <= 3


@pytest.mark.parametrize("question", ["", "   ", "???", "Was ist das denn?", "<p></p>"])
def test_empty_or_stopword_only_question_is_dont_know(mini_index: FaqIndex, question: str) -> None:
    outcome = mini_index.ask(question)
    assert (outcome.kind, outcome.confidence, outcome.ranked) == ("dont_know", 0.0, ())


@pytest.mark.parametrize(
    "question",
    ["Wie wird das Wetter morgen?", "Rezept für Apfelkuchen", "Wann spielt Preußen Münster?"],
)
def test_off_topic_question_is_dont_know(mini_index: FaqIndex, question: str) -> None:
    assert mini_index.ask(question).kind == "dont_know"


def test_html_question_is_read_as_text(mini_index: FaqIndex) -> None:
    question = "<p>Muss ich mein <b>Balkonkraftwerk</b> anmelden?</p><br/>"
    assert answer_id(mini_index, question) == "balkonkraftwerk"


def test_huge_input_gives_a_sane_outcome(mini_index: FaqIndex) -> None:
    outcome = mini_index.ask("Starkregen im Keller " * 500)  # 10,500 characters
    assert outcome.kind in ("answer", "did_you_mean")
    assert "starkregen" in (outcome.entry_id, *outcome.candidates)


def test_huge_junk_input_is_dont_know(mini_index: FaqIndex) -> None:
    assert mini_index.ask("xq" * 5000).kind == "dont_know"


def assert_consistent(outcome: Outcome) -> None:
    assert 0.0 <= outcome.confidence <= 1.0
    assert len(outcome.ranked) <= 10
    assert [s for _, s in outcome.ranked] == sorted((s for _, s in outcome.ranked), reverse=True)
    if outcome.kind == "answer":
        assert outcome.entry_id is not None
        assert outcome.entry_id not in outcome.candidates
    elif outcome.kind == "did_you_mean":
        assert outcome.entry_id is None
        assert 2 <= len(outcome.candidates) <= 3
    elif outcome.kind == "on_topic":
        assert outcome.entry_id is None
        assert 1 <= len(outcome.candidates) <= 3
    else:
        assert (outcome.entry_id, outcome.candidates) == (None, ())


@pytest.mark.parametrize(
    "question",
    [
        "Wärmepumpe",
        "Förderung",
        "Wärmepumpe Förderung Altbau Starkregen",
        "hilfe",
        "Stadtradeln Keller Balkonkraftwerk",
        "Heizung",
    ],
)
def test_outcomes_are_consistent(mini_index: FaqIndex, question: str) -> None:
    assert_consistent(mini_index.ask(question))


def test_confident_answers_have_at_least_the_answer_confidence(mini_index: FaqIndex) -> None:
    outcome = mini_index.ask("Wann ist das Stadtradeln?")
    assert outcome.kind == "answer"
    assert outcome.confidence >= ANSWER_MIN_CONFIDENCE


def test_index_answers_the_same_question_the_same_way(mini_index: FaqIndex) -> None:
    assert mini_index.ask("Förderung Wärmepumpe") == mini_index.ask("Förderung Wärmepumpe")


def test_question_about_another_town_is_dont_know(mini_index: FaqIndex) -> None:
    assert mini_index.ask("Wann ist das Stadtradeln in Gronau?").kind == "dont_know"
    assert mini_index.ask("Wann ist das Stadtradeln?").entry_id == "stadtradeln"


def test_another_town_beside_the_home_town_is_no_reason_to_abstain(mini_index: FaqIndex) -> None:
    assert answer_id(mini_index, "Wann ist Stadtradeln in Ochtrup, in Gronau war es schon?") == (
        "stadtradeln"
    )


def test_another_town_that_the_entry_names_is_answered(mini_index: FaqIndex) -> None:
    assert answer_id(mini_index, "Starkregen wie in Münster, wie schütze ich mein Haus?") == (
        "starkregen"
    )


def test_a_dropped_index_leaves_no_reference_cycles(mini_faq: FaqData) -> None:
    # FaqIndex.build moves the index out of the cyclic collector's reach (gc.freeze): that is
    # only safe while refcounting alone frees an index that is replaced.
    gc.collect()
    gc.disable()
    try:
        index = FaqIndex(mini_faq)
        index.ask("Wärmepumpe im Altbau")
        del index
        assert gc.collect() == 0
    finally:
        gc.enable()


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def test_garbage_waiting_for_the_collector_is_not_frozen_by_a_build(mini_faq: FaqData) -> None:
    # The bot rebuilds the index on every FAQ change made in the chat; gc.freeze() without a
    # collection first kept the cyclic garbage of that moment for good (a leak per rebuild).
    garbage = _Cycle()
    ref = weakref.ref(garbage)
    del garbage
    FaqIndex.build(mini_faq)
    gc.collect()
    assert ref() is None


def test_what_a_build_froze_is_collected_by_the_next_build_once_it_is_garbage(
    mini_faq: FaqData,
) -> None:
    # A service (or a test's whole bot) alive during a build was frozen with it; once dropped in
    # a cycle it stayed in memory for good (test workers grew to 5 GB, one FAQ service a test).
    holder = _Cycle()
    ref = weakref.ref(holder)
    FaqIndex.build(mini_faq)
    del holder
    FaqIndex.build(mini_faq)
    assert ref() is None


def test_a_place_named_late_in_a_long_entry_counts(mini_faq: FaqData) -> None:
    # The entry names Münster only after more than 1,000 characters of other text.
    long_answer = "Rückstauklappe. " * 80 + "Wie Münster 2014 zeigte."
    entries = tuple(
        replace(e, answer={"de": long_answer}) if e.id == "starkregen" else e
        for e in mini_faq.entries
    )
    index = FaqIndex.build(replace(mini_faq, entries=entries))
    assert answer_id(index, "Starkregen wie in Münster, wie schütze ich mein Haus?") == (
        "starkregen"
    )


@pytest.mark.parametrize(
    ("question", "english"),
    [
        ("Brauche ich für mein Plug-in Solar eine Genehmigung?", False),
        ("Do I need a permit for plug-in solar?", True),
    ],
)
def test_english_evidence_needs_an_english_question(
    mini_index: FaqIndex, question: str, english: bool
) -> None:
    # "plug-in solar" is in the English texts only: a German question found through them
    # shares words, not a language, and earns no English evidence in the confidence.
    best = mini_index.matches(question)[0]
    assert mini_index.entries[best.index].id == "balkonkraftwerk"
    assert mini_index.language(question) == ("en" if english else "de")
    assert best.english is english
