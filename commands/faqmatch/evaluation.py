"""Score the engine against a list of questions with the entry each should get (or none)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from config.yamllines import safe_load

from .index import FaqIndex
from .outcome import Outcome
from .version import ENGINE_VERSION

__all__ = ["Case", "CasesError", "Report", "evaluate", "load_cases"]


# Outcomes that answer nothing and pass the question on.
ABSTAIN = ("dont_know", "on_topic")


class CasesError(Exception):
    """The cases file cannot be used; the message says why."""


@dataclass(frozen=True)
class Case:
    """One question and the entry id that should answer it (None: the FAQ has no answer)."""

    question: str
    expected: str | None


@dataclass(frozen=True)
class Miss:
    """A case the engine did not get right."""

    case: Case
    outcome: Outcome


@dataclass(frozen=True)
class Report:
    """Metrics over a set of cases (fractions in [0, 1]; an empty denominator counts as 1)."""

    cases: int
    top1: float
    did_you_mean_hit: float
    abstain_ok: float
    wrong_answer: float
    misses: tuple[Miss, ...]
    # Questions answered "on topic, not this point" (counted as abstaining in abstain_ok).
    on_topic: int = 0
    # Whether the second opinion by meaning took part (commands/faqmatch/meaning.py).
    meaning: bool = False

    def metrics(self) -> dict[str, float | int | str]:
        """The numbers in the order the eval command prints them, rounded to 3 decimals, whether
        the meaning check took part, and the engine version that produced them (held-out sets
        are scored once per version)."""
        return {
            "cases": self.cases,
            "top1": round(self.top1, 3),
            "did_you_mean_hit": round(self.did_you_mean_hit, 3),
            "abstain_ok": round(self.abstain_ok, 3),
            "wrong_answer": round(self.wrong_answer, 3),
            "on_topic": self.on_topic,
            "meaning": self.meaning,
            "engine": ENGINE_VERSION,
        }


def load_cases(path: Path, known_ids: frozenset[str]) -> tuple[Case, ...]:
    """Read a YAML list of {question, expected}; expected ids must exist in the FAQ."""
    try:
        data = safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise CasesError(f"{path}: cannot read: {exc}") from exc
    except yaml.YAMLError as exc:
        raise CasesError(f"{path}: invalid YAML: {exc}") from exc
    if not isinstance(data, list) or not data:
        raise CasesError(f"{path}: must be a non-empty list of {{question, expected}}")
    return tuple(_case(item, f"{path}: [{i}]", known_ids) for i, item in enumerate(data))


def _case(item: Any, where: str, known_ids: frozenset[str]) -> Case:
    if not isinstance(item, dict) or set(item) != {"question", "expected"}:
        raise CasesError(f"{where}: must be a mapping with exactly 'question' and 'expected'")
    question, expected = item["question"], item["expected"]
    if not isinstance(question, str):
        raise CasesError(f"{where}.question: must be a string")
    if expected is not None and (not isinstance(expected, str) or expected not in known_ids):
        raise CasesError(f"{where}.expected: {expected!r} is not an id of the FAQ (or null)")
    return Case(question, expected)


def evaluate(index: FaqIndex, cases: Sequence[Case]) -> Report:
    """Ask every case and compute top1, did_you_mean_hit, abstain_ok and wrong_answer.

    "On topic, not this point" abstains: it answers nothing and passes the question on. Its
    candidates are selectable as a did-you-mean's are, so they count as offered.
    """
    answerable = [c for c in cases if c.expected is not None]
    unanswerable = [c for c in cases if c.expected is None]
    outcomes = {id(c): index.ask(c.question) for c in cases}
    top1 = sum(_answered(outcomes[id(c)], c.expected) for c in answerable)
    offered = sum(_offered(outcomes[id(c)], c.expected) for c in answerable)
    abstained = sum(outcomes[id(c)].kind in ABSTAIN for c in unanswerable)
    wrong = sum(
        o.kind == "answer" and o.entry_id != c.expected for c in cases if (o := outcomes[id(c)])
    )
    misses = tuple(Miss(c, outcomes[id(c)]) for c in cases if not _right(outcomes[id(c)], c))
    return Report(
        cases=len(cases),
        top1=_fraction(top1, len(answerable)),
        did_you_mean_hit=_fraction(offered, len(answerable)),
        abstain_ok=_fraction(abstained, len(unanswerable)),
        wrong_answer=_fraction(wrong, len(cases), empty=0.0),
        misses=misses,
        on_topic=sum(o.kind == "on_topic" for o in outcomes.values()),
        meaning=index.meaning is not None,
    )


def _answered(outcome: Outcome, expected: str | None) -> bool:
    return outcome.kind == "answer" and outcome.entry_id == expected


def _offered(outcome: Outcome, expected: str | None) -> bool:
    return _answered(outcome, expected) or (
        outcome.kind in ("did_you_mean", "on_topic") and expected in outcome.candidates
    )


def _right(outcome: Outcome, case: Case) -> bool:
    if case.expected is None:
        return outcome.kind in ABSTAIN
    return _answered(outcome, case.expected)


def _fraction(count: int, total: int, empty: float = 1.0) -> float:
    return count / total if total else empty
