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
    "SUGGEST_MIN_CONFIDENCE",
    "Outcome",
    "confidence",
    "decide",
]

# Calibration (tests/data/faq_eval.yaml, leave-one-out phrasings of the FAQ, ~100 off-topic
# questions of our own): the evidence for the best match is
#     z = s1 + GAP_BONUS * s1 * gap - UNKNOWN_PENALTY * unknown
# with s1 its score, gap = (s1 - s2) / s1 its lead over the runner-up and `unknown` the share
# of the question (by idf) made of words the FAQ never uses. Searching these three constants
# and the cut-off for the most right answers under "wrong answers <= 3 %, off-topic questions
# answered "don't know" >= 85 %" on the tuning set gave the values below; confidence is z mapped
# through a logistic centred on that cut-off, so 0.5 means "just enough to answer".
GAP_BONUS = 0.25
UNKNOWN_PENALTY = 0.2
Z_ANSWER = 0.28
STEEPNESS = 10.0
ANSWER_MIN_CONFIDENCE = 0.5
# Just below the answer cut-off we suggest candidates, but only when every word of the question
# is known to the FAQ: in that band questions with unknown words were nearly all off-topic.
SUGGEST_MIN_CONFIDENCE = 0.45
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


def confidence(matches: Sequence[Match]) -> float:
    """How sure we are that the best match is what was asked, in [0, 1]."""
    if not matches:
        return 0.0
    best = matches[0]
    z = best.score + GAP_BONUS * best.score * _gap(matches) - UNKNOWN_PENALTY * best.unknown
    return 1 / (1 + math.exp(-STEEPNESS * (z - Z_ANSWER)))


def decide(entries: Sequence[FaqEntry], matches: Sequence[Match], exact: int | None) -> Outcome:
    """Turn ranked matches into an answer, a did-you-mean or a don't-know."""
    ranked = tuple((entries[m.index].id, round(m.score, 4)) for m in matches[:RANKED])
    if exact is not None:
        return Outcome("answer", entries[exact].id, _offers(entries, exact, matches), ranked, 1.0)
    conf = confidence(matches)
    if conf >= ANSWER_MIN_CONFIDENCE and _gap(matches) >= MIN_GAP:
        best = matches[0].index
        return Outcome("answer", entries[best].id, _offers(entries, best, matches), ranked, conf)
    if conf >= ANSWER_MIN_CONFIDENCE or (
        conf >= SUGGEST_MIN_CONFIDENCE and matches[0].unknown == 0
    ):
        return Outcome("did_you_mean", None, _suggestions(entries, matches), ranked, conf)
    return Outcome("dont_know", None, (), ranked, conf)


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
