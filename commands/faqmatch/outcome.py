"""The four outcomes of a question and how calibrated confidence and asked aspects pick one."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from config.faq import FaqEntry

    from .channel import Match
    from .meaning import Meaning

__all__ = [
    "ANSWER_MIN_CONFIDENCE",
    "FEATURES",
    "SUGGEST_MIN_CONFIDENCE",
    "Outcome",
    "answers",
    "confidence",
    "decide",
    "features",
    "suggestions",
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
WEIGHTS: tuple[float, ...] = (8.2, 3.7, -2.1, 6.8, 1.5, -0.3, 1.2)
BIAS = -10.9
# With the second opinion by meaning (meaning.py), two more features: how much closer in meaning
# the entry closest to the question is than the best match (0 when it is the best match), and
# the best match's own similarity in meaning. Fitted the same way, all weights anew; the bias
# is then lowered by MEANING_CAUTION: the model makes confident answers cheaper to reach, and
# a wrong answer costs a citizen more than a question passed on (README, "Matching by meaning").
MEANING_FEATURES = (*FEATURES, "meaning_gap", "meaning_similarity")
MEANING_WEIGHTS: tuple[float, ...] = (3.4, 0.4, -2.6, 3.59, 2.51, -1.25, 0.35, -30.48, 36.79)
MEANING_CAUTION = 0.5
MEANING_BIAS = -37.12 - MEANING_CAUTION
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
# Matches (after the best) that may take its place when it does not answer what was asked.
TOP_NEAR = 4
# A runner-up that answers the aspect asked ("Was kostet …") takes the place of a best match
# that does not, when it scores at least this share of the best (see `_answerable`).
ASPECT_SHARE = 0.9
# Entries offered with "on topic, not this point".
ON_TOPIC_OFFERS = 3

# on_topic: the question is about an entry's topic, but asks what no close entry answers.
Kind = Literal["answer", "did_you_mean", "on_topic", "dont_know"]


@dataclass(frozen=True)
class Outcome:
    """What the engine makes of a question."""

    kind: Kind
    entry_id: str | None
    candidates: tuple[str, ...]
    ranked: tuple[tuple[str, float], ...]
    confidence: float
    # The aspects the question asks (cost, rules …); empty when no cue was found.
    asked: frozenset[str] = frozenset()


def _gap(matches: Sequence[Match]) -> float:
    first = matches[0].score
    second = matches[1].score if len(matches) > 1 else 0.0
    return (first - second) / first if first > 0 else 0.0


def features(matches: Sequence[Match], meaning: Meaning | None = None) -> tuple[float, ...]:
    """The evidence for the best match that confidence weighs, in the order of FEATURES (of
    MEANING_FEATURES when the meaning of the question is known)."""
    best = matches[0]
    evidence = 1 - math.exp(-best.evidence / EVIDENCE_SCALE)
    lexical = (
        best.coverage,
        best.recall,
        best.centrality,
        evidence,
        _gap(matches),
        best.unknown,
        float(best.english),
    )
    if meaning is None:
        return lexical
    similarity = meaning.similarity(best.index)
    return (*lexical, meaning.closest - similarity, similarity)


def confidence(matches: Sequence[Match], meaning: Meaning | None = None) -> float:
    """How sure we are that the best match is what was asked, in [0, 1]."""
    if not matches:
        return 0.0
    weights, bias = (WEIGHTS, BIAS) if meaning is None else (MEANING_WEIGHTS, MEANING_BIAS)
    z = bias + sum(w * x for w, x in zip(weights, features(matches, meaning), strict=True))
    return 1 / (1 + math.exp(-z))


def decide(
    entries: Sequence[FaqEntry],
    matches: Sequence[Match],
    exact: int | None,
    asked: frozenset[str] = frozenset(),
    topicless: bool = False,
    concrete: frozenset[str] = frozenset(),
    shows: Sequence[frozenset[str]] | None = None,
    points: tuple[frozenset[str], ...] = (),
    meaning: Meaning | None = None,
) -> Outcome:
    """Turn ranked matches into an answer, a did-you-mean, an on-topic or a don't-know.

    `asked` holds the aspects the question asks (aspects.py); an exact phrasing is answered
    whatever it asks. A `topicless` question names nothing but what it asks ("Förderung?"):
    many entries answer that, so it gets candidates, never one confident answer. `concrete`
    holds the aspects asked for a concrete value, `shows` per entry the values its answer shows,
    `points` the points asked, each a set of aspects that would answer it (see `answers`);
    `meaning` how close in meaning the question is to each entry, where that is known.
    """
    ranked = tuple((entries[m.index].id, round(m.score, 4)) for m in matches[:RANKED])
    if exact is not None:
        return Outcome("answer", entries[exact].id, _offers(entries, exact, matches), ranked, 1.0)
    outcome = replace(_decide(entries, matches, ranked, meaning), asked=asked)
    if topicless and outcome.kind == "answer" and len(matches) > 1:
        offers = suggestions(entries, matches)
        outcome = replace(outcome, kind="did_you_mean", entry_id=None, candidates=offers)
    if not asked:
        return outcome
    fit = _Fit(entries, asked, points or (asked,), concrete, shows)
    if outcome.kind in ("answer", "did_you_mean"):
        return _answerable(entries, matches, outcome, fit)
    if "explain" in asked and outcome.kind == "dont_know" and matches and not topicless:
        return _the_explaining_one(entries, matches, outcome, fit)
    return outcome


def _decide(
    entries: Sequence[FaqEntry],
    matches: Sequence[Match],
    ranked: tuple[tuple[str, float], ...],
    meaning: Meaning | None,
) -> Outcome:
    """The outcome by confidence alone (what the question asks aside)."""
    conf = confidence(matches, meaning)
    if conf >= ANSWER_MIN_CONFIDENCE and _gap(matches) >= MIN_GAP:
        best = matches[0].index
        return Outcome("answer", entries[best].id, _offers(entries, best, matches), ranked, conf)
    if conf >= ANSWER_MIN_CONFIDENCE or (matches and _worth_suggesting(matches[0], conf)):
        return Outcome("did_you_mean", None, suggestions(entries, matches), ranked, conf)
    return Outcome("dont_know", None, (), ranked, conf)


def answers(
    entry: FaqEntry,
    asked: frozenset[str],
    concrete: frozenset[str] = frozenset(),
    shows: frozenset[str] | None = None,
    points: tuple[frozenset[str], ...] = (),
) -> bool | None:
    """Whether the entry answers what the question asks; None if it declares no `answers` or
    the question asks nothing that counts.

    The entry needs to answer one of the aspects `asked` (one of the `points`, when given:
    requiring every point hid too many answers whose `answers` lists are short of complete).
    `local` never counts: "in Ochtrup" or
    "macht die Stadt …" is said in passing so often, and an entry on the topic is what the FAQ
    says about the town, that it would only hide answers. An aspect asked for a concrete value
    (`concrete`: a price, a span of time) counts only if the entry's answer `shows` such a
    value; `shows` None skips that check.
    """
    if entry.answers is None:
        return None
    found = _answered(entry, points or (asked,), concrete, shows)
    return None if found is None else bool(found)


def _answered(
    entry: FaqEntry,
    points: tuple[frozenset[str], ...],
    concrete: frozenset[str],
    shows: frozenset[str] | None,
) -> list[frozenset[str]] | None:
    """The points (besides `local`) that the entry answers; None if none counts."""
    wanted = [point - {"local"} for point in points]
    wanted = [point for point in wanted if point]
    if not wanted:
        return None
    declared = frozenset(entry.answers or ())
    if shows is not None:
        declared -= concrete - shows
    return [point for point in wanted if not point.isdisjoint(declared)]


class _Fit:
    """Whether, and how fully, the entry at an index answers what a question asks."""

    def __init__(
        self,
        entries: Sequence[FaqEntry],
        asked: frozenset[str],
        points: tuple[frozenset[str], ...],
        concrete: frozenset[str],
        shows: Sequence[frozenset[str]] | None,
    ) -> None:
        self._entries, self._asked, self._points = entries, asked - {"local"}, points
        self._concrete, self._shows = concrete, shows

    def __call__(self, index: int) -> bool | None:
        entry = self._entries[index]
        return answers(entry, self._asked, self._concrete, self._shows_of(index), self._points)

    def fullness(self, index: int) -> tuple[int, int]:
        """How many of the points asked the entry answers, and of the aspects named in them."""
        found = _answered(self._entries[index], self._points, self._concrete, self._shows_of(index))
        named = self._asked.intersection(self._entries[index].answers or ())
        return len(found or ()), len(named)

    def lacks_value(self, index: int) -> bool:
        """True if the entry declares an aspect asked for a concrete value but shows none."""
        shows = self._shows_of(index)
        if shows is None:
            return False
        missing = self._concrete - shows
        return not missing.isdisjoint(self._entries[index].answers or ())

    def _shows_of(self, index: int) -> frozenset[str] | None:
        return None if self._shows is None else self._shows[index]


def _answerable(
    entries: Sequence[FaqEntry], matches: Sequence[Match], outcome: Outcome, fit: _Fit
) -> Outcome:
    """Keep an outcome whose entry answers what was asked; else a close entry that does, else
    say that the FAQ has the topic but not this point."""
    if outcome.kind == "did_you_mean":
        return _reorder(entries, matches, outcome, fit)
    best = matches[0]
    if fit(best.index) is not False:
        return outcome
    if fit.lacks_value(best.index):
        # The entry on the thing asked about has the point but not its value (a price, a
        # span of time): a neighbour with a value is about something else.
        return _on_topic(entries, matches, outcome)
    near = [m for m in matches[1:TOP_NEAR] if m.score >= ASPECT_SHARE * best.score]
    fitting = [m for m in near if fit(m.index)]
    if fitting:
        # "Wann muss ein Balkonkraftwerk angemeldet werden?": the entry that answers both the
        # rule and the date beats a closer one that answers only the rule.
        match = max(fitting, key=lambda m: fit.fullness(m.index))
        offers = _offers(entries, match.index, matches)
        return replace(outcome, entry_id=entries[match.index].id, candidates=offers)
    return _on_topic(entries, matches, outcome)


def _the_explaining_one(
    entries: Sequence[FaqEntry], matches: Sequence[Match], outcome: Outcome, fit: _Fit
) -> Outcome:
    """A don't-know for "Was ist Nahwärme?" that only a tie caused: several entries on the
    topic score alike (where it is, what it costs, what it is), so confidence is low, but only
    one of them explains what the thing is. Offer it first, with the others of the tie; never
    answer by this rule (on the tuning sets it fired once, for a question of another kind, and
    for other aspects than `explain` it chose wrong entries more often than right ones)."""
    best = matches[0]
    if best.unknown > 0:
        return outcome
    near = [m for m in matches[:TOP_NEAR] if m.score >= ASPECT_SHARE * best.score]
    fitting = [m for m in near if fit(m.index) is True]
    if len(near) < 2 or len(fitting) != 1:
        return outcome
    chosen = [fitting[0], *(m for m in near if m is not fitting[0])][:ON_TOPIC_OFFERS]
    offers = tuple(entries[m.index].id for m in chosen)
    return replace(outcome, kind="did_you_mean", candidates=offers)


def _reorder(
    entries: Sequence[FaqEntry], matches: Sequence[Match], outcome: Outcome, fit: _Fit
) -> Outcome:
    """Candidates that answer what was asked first; none that could: on topic, not this point."""
    index = {entries[m.index].id: m for m in matches}
    fits = [fit(index[i].index) for i in outcome.candidates]
    if fits and all(f is False for f in fits):
        return _on_topic(entries, matches, outcome)
    if outcome.confidence >= ANSWER_MIN_CONFIDENCE and fits.count(True) == 1 and None not in fits:
        # A tie that the aspect breaks: only one of the close candidates answers what was asked.
        chosen = index[outcome.candidates[fits.index(True)]]
        if chosen.score >= ASPECT_SHARE * matches[0].score:
            offers = _offers(entries, chosen.index, matches)
            return replace(
                outcome, kind="answer", entry_id=entries[chosen.index].id, candidates=offers
            )
    order = sorted(range(len(fits)), key=lambda i: fits[i] is not True)
    return replace(outcome, candidates=tuple(outcome.candidates[i] for i in order))


def _on_topic(entries: Sequence[FaqEntry], matches: Sequence[Match], outcome: Outcome) -> Outcome:
    """The best entries on the best match's topic, offered as what the FAQ can say instead."""
    topic = entries[matches[0].index].topic
    same = (entries[m.index].id for m in matches if entries[m.index].topic == topic)
    return replace(
        outcome, kind="on_topic", entry_id=None, candidates=tuple(same)[:ON_TOPIC_OFFERS]
    )


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


def suggestions(entries: Sequence[FaqEntry], matches: Sequence[Match]) -> tuple[str, ...]:
    """Two or three candidates: the best two, and a third if it is close."""
    chosen = list(matches[:2]) + [m for m in _close(matches) if m not in matches[:2]]
    return tuple(entries[m.index].id for m in chosen)


def _offers(entries: Sequence[FaqEntry], best: int, matches: Sequence[Match]) -> tuple[str, ...]:
    """Up to three ids to offer after an answer: curated related ids, then close runners-up."""
    ids = [*entries[best].related, *(entries[m.index].id for m in _close(matches))]
    return tuple(dict.fromkeys(i for i in ids if i != entries[best].id))[:3]
