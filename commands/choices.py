"""A numbered choice in words: "2", "2.", "Nr. 2", "die zweite", "das erste bitte", "the second
one", "die letzte" — told apart from everything else, which is not a choice.

Only a whole message that is nothing but a choice counts: "die zweite Wärmepumpe ist kaputt" is a
sentence, not a pick. Pure functions, no I/O.
"""

from __future__ import annotations

import re

__all__ = ["LAST", "parse_choice"]

# "die letzte" / "the last one": the number is known only to whoever made the offer.
LAST = -1

_ORDINALS = {
    "erst": 1,
    "zweit": 2,
    "dritt": 3,
    "viert": 4,
    "fünft": 5,
    "fuenft": 5,
    "sechst": 6,
    "siebt": 7,
    "siebent": 7,
    "acht": 8,
    "neunt": 9,
    "letzt": LAST,
}
_ENGLISH_ORDINALS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "last": LAST,
}
_WORDS = {
    "eins": 1,
    "zwei": 2,
    "drei": 3,
    "vier": 4,
    "fünf": 5,
    "fuenf": 5,
    "sechs": 6,
    "sieben": 7,
    "acht": 8,
    "neun": 9,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
}
# Words around the pick that change nothing: "ja, die zweite bitte", "I meant the second one".
_LEAD = re.compile(
    r"^(?:(?:ja|ok(?:ay)?|gut|also|dann|hm+|äh+|yes|well|so)\b[\s,]*)*"
    r"(?:(?:ich\s+)?(?:nehme|nehm|möchte|moechte|hätte\s+gerne?|meine|meinte|wähle|waehle|will)"
    r"\s+(?:gerne?\s+)?|(?:i\s+|i')?(?:meant|mean|take|choose|pick|want|would\s+like|d\s+like|"
    r"ll\s+take)\s+|nimm\s+|gib\s+mir\s+)?",
    re.IGNORECASE,
)
_TAIL = re.compile(
    r"(?:[\s,]+(?:bitte|please|pls|danke|thanks|gerne?|davon|of\s+them|frage|antwort|option|"
    r"möglichkeit|moeglichkeit|eintrag|one|question|answer))*[\s.!?)]*$",
    re.IGNORECASE,
)
# What the number itself may look like once the fillers are gone.
_DIGIT = re.compile(
    r"^(?:(?:die|das|der|den|the)\s+)?(?:nr\.?|nummer|number|no\.?|option|frage|antwort|#|\()?\s*([1-9])$"
)
_ORDINAL = re.compile(r"^(?:(?:die|das|der|den|the)\s+)?([a-zäöüß]+?)(?:e[rsnm]?|ens)?$")
_NUMERAL_ORDINAL = re.compile(r"^(?:(?:die|das|der|den|the)\s+)?([1-9])(?:\.|st|nd|rd|th)$")


def parse_choice(text: str) -> int | None:
    """The number chosen (1–9, or LAST), or None if `text` is not just a choice."""
    core = _core(text)
    if not core:
        return None
    for pattern in (_DIGIT, _NUMERAL_ORDINAL):
        match = pattern.match(core)
        if match:
            return int(match.group(1))
    match = _ORDINAL.match(core)
    if match is None:
        return None
    word = core.split()[-1]
    return _ordinal(match.group(1), word)


def _core(text: str) -> str:
    """The message without fillers in front and behind, lower case, single spaces."""
    text = " ".join(text.strip().lower().split())
    if len(text) > 60:
        return ""
    text = _LEAD.sub("", text, count=1)
    # "Nr. 2." keeps its own dot in front of the digit; only the tail is trimmed.
    return _TAIL.sub("", text, count=1).strip(" ,")


def _ordinal(stem: str, word: str) -> int | None:
    if word in _ENGLISH_ORDINALS:
        return _ENGLISH_ORDINALS[word]
    if word in _WORDS:
        return _WORDS[word]
    return _ORDINALS.get(stem)
