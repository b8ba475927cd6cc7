"""The decision between answer, did-you-mean and don't-know, on hand-made evidence."""

from __future__ import annotations

from dataclasses import replace

from commands.faqmatch.channel import Match
from commands.faqmatch.index import _better
from commands.faqmatch.outcome import confidence, decide
from config.faq import FaqData

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
