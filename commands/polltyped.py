"""A poll's answer as a person types it where the poll is shown only as text: "2", "2.",
"Nr. 12", "die zweite", "the second one", or the answer's own text ("nein", "Weiss nicht").

Pure functions, no I/O; commands/pollservice.py counts what they find.
"""

from __future__ import annotations

import re
import unicodedata

from commands.choices import LAST, parse_choice
from commands.faqmatch.normalize import name_key
from store.polls import Poll

__all__ = ["typed_answer"]

# A typed answer number up to the 20 answers a poll may have: "12", "12.", "Nr. 12", "#12".
_TYPED_NUMBER = re.compile(r"(?:nr\.?\s*|nummer\s+|#)?(\d{1,2})\s*[.)]?", re.IGNORECASE)
# Around an answer's text, nothing that changes which answer it is: "Nein." is "Nein".
_EDGES = " \t\n.,;:!?\"'„“”‚‘’«»()"


def _fold(text: str) -> str:
    """Text as compared with an answer: no case, no accents, no punctuation around it."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.strip(_EDGES).split())


def typed_answer(poll: Poll, text: str) -> int | None:
    """The answer `text` picks, counted from 1: an answer's exact text (case and accents
    aside), else its number ("2", "2.", "die zweite", "the second one"); 0 for a number the
    poll does not have; None if `text` is no answer at all."""
    key = _fold(text)
    texts = [_fold(answer) for _, answer in poll.answers]
    if key and key in texts:  # an answer's own text first: in "1 | 3 | 5", "3" is "3"
        return texts.index(key) + 1
    # Then spaces and punctuation aside, umlauts written out ("ja gerne" for "Ja, gerne!",
    # "Fahrraeder" for "Fahrräder"), if exactly one answer reads so.
    loose = name_key(text)
    keys = [name_key(answer) for _, answer in poll.answers]
    if loose and keys.count(loose) == 1:
        return keys.index(loose) + 1
    number = _typed_number(text)
    if number is None:
        return None
    if number == LAST:
        return len(poll.answers)
    return number if 1 <= number <= len(poll.answers) else 0


def _typed_number(text: str) -> int | None:
    """A number as typed ("12", "Nr. 2") or in words ("die zweite"; LAST for "die letzte")."""
    match = _TYPED_NUMBER.fullmatch(text.strip())
    return int(match[1]) if match else parse_choice(text)
