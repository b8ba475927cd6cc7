"""The decision between answer, did-you-mean and don't-know, on hand-made evidence."""

from __future__ import annotations

from dataclasses import replace

from commands.faqmatch.channel import Match
from commands.faqmatch.index import _better
from commands.faqmatch.outcome import confidence, decide
from config.faq import FaqData, FaqEntry

# A match that explains the whole question with FAQ words, but only as well as the runner-up.
TIED = Match(
    index=0,
    score=0.8,
    bm25=0.5,
    coverage=1.0,
    phrase=0.3,
    recall=0.2,
    centrality=0.3,
    fuzzy=0.3,
    unknown=0.0,
    evidence=0.2,
)


def test_fully_explained_but_tied_question_offers_candidates(mini_faq: FaqData) -> None:
    runner_up = replace(TIED, index=1, score=0.79)
    assert 0.2 <= confidence([TIED, runner_up]) < 0.5
    outcome = decide(mini_faq.entries, [TIED, runner_up], None)
    assert outcome.kind == "did_you_mean"
    assert outcome.candidates[:2] == (mini_faq.entries[0].id, mini_faq.entries[1].id)


def test_tied_question_with_a_word_the_faq_lacks_is_dont_know(mini_faq: FaqData) -> None:
    best = replace(TIED, unknown=0.2)
    runner_up = replace(best, index=1, score=0.79)
    assert decide(mini_faq.entries, [best, runner_up], None).kind == "dont_know"


def test_partly_explained_low_confidence_question_is_dont_know(mini_faq: FaqData) -> None:
    best = replace(TIED, coverage=0.5)
    runner_up = replace(best, index=1, score=0.79)
    assert decide(mini_faq.entries, [best, runner_up], None).kind == "dont_know"


def test_no_match_is_dont_know(mini_faq: FaqData) -> None:
    assert decide(mini_faq.entries, [], None).kind == "dont_know"


def test_near_tie_between_languages_goes_to_the_question_language() -> None:
    german = replace(TIED, score=0.43)
    english = replace(TIED, score=0.42, english=True)
    assert _better(english, german, english=True)
    assert not _better(german, english, english=True)
    assert _better(german, english, english=False)
    # A clearly better match from the other language still wins.
    assert _better(replace(german, score=0.6), english, english=True)


def _tie_on_one_topic(
    mini_faq: FaqData, *answers: tuple[str, ...]
) -> tuple[list[FaqEntry], list[Match]]:
    """Entries that each answer other aspects, and a low-confidence tie between them."""
    entries = [replace(e, answers=a) for e, a in zip(mini_faq.entries, answers, strict=False)]
    low = replace(TIED, coverage=0.5)
    matches = [replace(low, index=i, score=0.8 - i / 100) for i in range(len(answers))]
    assert decide(entries, matches, None).kind == "dont_know"
    return entries, matches


def test_a_tie_that_only_one_entry_explains_offers_that_entry_first(mini_faq: FaqData) -> None:
    # "Was ist Nahwärme?": where the network is, what it costs, and what it is score alike.
    entries, matches = _tie_on_one_topic(mini_faq, ("local",), ("cost",), ("explain",))
    outcome = decide(entries, matches, None, frozenset({"explain"}))
    assert outcome.kind == "did_you_mean"
    assert outcome.candidates == (entries[2].id, entries[0].id, entries[1].id)


def test_the_explaining_entry_is_never_answered_by_the_tie_rule(mini_faq: FaqData) -> None:
    entries, matches = _tie_on_one_topic(mini_faq, ("local",), ("explain",))
    outcome = decide(entries, matches, None, frozenset({"explain"}))
    assert outcome.kind == "did_you_mean"
    assert outcome.entry_id is None


def test_a_tie_stays_dont_know_unless_exactly_one_known_entry_explains(
    mini_faq: FaqData,
) -> None:
    explain = frozenset({"explain"})
    entries, matches = _tie_on_one_topic(mini_faq, ("explain",), ("explain",), ("cost",))
    assert decide(entries, matches, None, explain).kind == "dont_know"
    entries, matches = _tie_on_one_topic(mini_faq, ("local",), ("cost",))
    assert decide(entries, matches, None, explain).kind == "dont_know"
    entries, matches = _tie_on_one_topic(mini_faq, ("local",), ("explain",))
    unknown = [replace(m, unknown=0.2) for m in matches]  # a word the FAQ never uses
    assert decide(entries, unknown, None, explain).kind == "dont_know"
    # Asking what it costs is not asking what it is: the rule is for `explain` only.
    entries, matches = _tie_on_one_topic(mini_faq, ("local",), ("cost",))
    assert decide(entries, matches, None, frozenset({"cost"})).kind == "dont_know"
    # Two explaining entries beyond the tie do not count: only the close ones are compared.
    entries, matches = _tie_on_one_topic(mini_faq, ("local",), ("cost",), ("explain",))
    far = [*matches[:2], replace(matches[2], score=0.5)]
    assert decide(entries, far, None, explain).kind == "dont_know"
