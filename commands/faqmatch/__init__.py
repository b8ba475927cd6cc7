"""German-first FAQ matching: normalisation, an in-memory index and calibrated outcomes."""

from .index import FaqIndex, Match
from .normalize import tokens
from .outcome import ANSWER_MIN_CONFIDENCE, SUGGEST_MIN_CONFIDENCE, Outcome
from .version import ENGINE_VERSION

__all__ = [
    "ANSWER_MIN_CONFIDENCE",
    "ENGINE_VERSION",
    "SUGGEST_MIN_CONFIDENCE",
    "FaqIndex",
    "Match",
    "Outcome",
    "tokens",
]
