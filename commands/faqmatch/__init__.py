"""German-first FAQ matching: normalisation, an in-memory index and calibrated outcomes."""

from .index import FaqIndex, Match
from .normalize import tokens
from .outcome import ANSWER_MIN_CONFIDENCE, SUGGEST_MIN_CONFIDENCE, Outcome

__all__ = [
    "ANSWER_MIN_CONFIDENCE",
    "SUGGEST_MIN_CONFIDENCE",
    "FaqIndex",
    "Match",
    "Outcome",
    "tokens",
]
