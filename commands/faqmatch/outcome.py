"""The three outcomes of a question and how calibrated confidence picks one."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from config.faq import FaqEntry

    from .channel import Match

__all__ = [
    "ANSWER_MIN_CONFIDENCE",
    "FEATURES",
    "SUGGEST_MIN_CONFIDENCE",
    "Outcome",
    "confidence",
    "decide",
    "features",
]

# Confidence is a logistic model of the evidence for the best match: the share of the question
# it explains (coverage), how much of the entry's best phrasing the question contains (recall),
# how central the question's words are to the entry (centrality), the central evidence itself
# (saturating, so that a long question with much on-topic content is not worth less than a short
# one), the lead over the runner-up, the share of words the FAQ never uses and whether the match
# came from the English texts (fewer of them explain an English question). The weights come
# from `python -m tests.faqmatch.calibrate`: maximum likelihood of "is the best match the right
# answer?" over the tuning sets (each set weighted equally), then rounded. Centrality moves with
# coverage; once coverage is in the model its own weight comes out negative, a correction rather
# than evidence against central words.
FEATURES = ("coverage", "recall", "centrality", "evidence", "gap", "unknown", "english")
WEIGHTS = (8.2, 3.7, -2.1, 6.8, 1.5, -0.3, 1.2)
BIAS = -10.9
# Central evidence worth this many words of a single entry counts 63 % of the most.
EVIDENCE_SCALE = 0.75
ANSWER_MIN_CONFIDENCE = 0.5
# Just below the answer cut-off we suggest candidates, but only when every word of the question
# is known to the FAQ: in that band questions with unknown words were nearly all off-topic.
SUGGEST_MIN_CONFIDENCE = 0.45
# A question that the best entry explains (nearly) completely, with no word the FAQ lacks, is
# ambiguous rather than unknown when others explain it as well ("Förderung?"): the tie keeps the
# confidence low, but candidates help. On the tuning sets no question without an answer in the
# FAQ got candidates through this rule.
AMBIGUOUS_MIN_COVERAGE = 0.8
AMBIGUOUS_MIN_CONFIDENCE = 0.2
# Two candidates whose scores differ by less than this share are a tie: offer both.
MIN_GAP = 0.02
# Runners-up scoring at least this share of the best are worth offering too.
RUNNER_UP_SHARE = 0.75
RANKED = 10

Kind = Literal["answer", "did_you_mean", "dont_know"]


@dataclass(frozen=True)
class Outcome:
    """What the engine makes of a question."""

    kind: Kind
    entry_id: str | None
    candidates: tuple[str, ...]
    ranked: tuple[tuple[str, float], ...]
    confidence: float


def _gap(matches: Sequence[Match]) -> float:
    first = matches[0].score
    second = matches[1].score if len(matches) > 1 else 0.0
    return (first - second) / first if first > 0 else 0.0


def features(matches: Sequence[Match]) -> tuple[float, ...]:
    """The evidence for the best match that confidence weighs, in the order of FEATURES."""
    best = matches[0]
    evidence = 1 - math.exp(-best.evidence / EVIDENCE_SCALE)
    return (
        best.coverage,
        best.recall,
        best.centrality,
        evidence,
        _gap(matches),
        best.unknown,
        float(best.english),
    )


def confidence(matches: Sequence[Match]) -> float:
    """How sure we are that the best match is what was asked, in [0, 1]."""
    if not matches:
        return 0.0
    z = BIAS + sum(w * x for w, x in zip(WEIGHTS, features(matches), strict=True))
    return 1 / (1 + math.exp(-z))


def decide(entries: Sequence[FaqEntry], matches: Sequence[Match], exact: int | None) -> Outcome:
    """Turn ranked matches into an answer, a did-you-mean or a don't-know."""
    ranked = tuple((entries[m.index].id, round(m.score, 4)) for m in matches[:RANKED])
    if exact is not None:
        return Outcome("answer", entries[exact].id, _offers(entries, exact, matches), ranked, 1.0)
    conf = confidence(matches)
    if conf >= ANSWER_MIN_CONFIDENCE and _gap(matches) >= MIN_GAP:
        best = matches[0].index
        return Outcome("answer", entries[best].id, _offers(entries, best, matches), ranked, conf)
    if conf >= ANSWER_MIN_CONFIDENCE or (matches and _worth_suggesting(matches[0], conf)):
        return Outcome("did_you_mean", None, _suggestions(entries, matches), ranked, conf)
    return Outcome("dont_know", None, (), ranked, conf)


def _worth_suggesting(best: Match, conf: float) -> bool:
    """Below the answer cut-off: offer candidates for a question made only of FAQ words that is
    nearly confident, or fully explained but ambiguous."""
    if best.unknown > 0:
        return False
    if conf >= SUGGEST_MIN_CONFIDENCE:
        return True
    return conf >= AMBIGUOUS_MIN_CONFIDENCE and best.coverage >= AMBIGUOUS_MIN_COVERAGE


def _close(matches: Sequence[Match]) -> list[Match]:
    """Matches after the first that score nearly as well as it."""
    return [m for m in matches[1:3] if m.score >= RUNNER_UP_SHARE * matches[0].score]


def _suggestions(entries: Sequence[FaqEntry], matches: Sequence[Match]) -> tuple[str, ...]:
    """Two or three candidates: the best two, and a third if it is close."""
    chosen = list(matches[:2]) + [m for m in _close(matches) if m not in matches[:2]]
    return tuple(entries[m.index].id for m in chosen)


def _offers(entries: Sequence[FaqEntry], best: int, matches: Sequence[Match]) -> tuple[str, ...]:
    """Up to three ids to offer after an answer: curated related ids, then close runners-up."""
    ids = [*entries[best].related, *(entries[m.index].id for m in _close(matches))]
    return tuple(dict.fromkeys(i for i in ids if i != entries[best].id))[:3]
