"""What an owner's message to a nudge says: "45 %", "unverändert", "abgeschlossen" or a text,
perhaps with the measure's number in the DM ("1: 45 %") or its id ("M3 45 %") in front.

A pure function, so every form (and every hostile one) is tested without a bot. Only clear
forms count: a question such as "Was bedeutet 45 %?" is no answer and stays a question.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from commands.dialogs import is_no, is_yes

__all__ = ["MAX_NOTE", "Answer", "parse_answer"]

MAX_NOTE = 1000  # characters of a free-text note kept in the measure's history

AnswerKind = Literal["percent", "bad_percent", "unchanged", "done", "text"]

# Invisible characters that act on the text around them (bidi, zero width) and controls.
_INVISIBLE = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]"
)
# ASCII digits only: int() would take any script's digits.
_PERCENT = re.compile(
    r"(?:(?:bei|auf|jetzt|now|at)\s+)?([0-9]{1,3}(?:[.,][0-9]{1,2})?)\s*(?:%|prozent|percent)",
    re.IGNORECASE,
)
_UNCHANGED = frozenset(
    {"unverändert", "unveraendert", "keine änderung", "keine aenderung", "unchanged", "no change"}
)
_DONE = frozenset({"abgeschlossen", "erledigt", "fertig", "done", "completed", "finished"})
# "Nr. 2 45 %", "#2: …"; "2: …", "2) …", "2. …" (a dot only before a space: "1.5 %" is a number).
_NUMBERED = re.compile(
    r"(?:nr\.?|no\.?|#)\s*([0-9]{1,2})\s*[:.)]?\s+(\S.*)|([0-9]{1,2})\s*(?::|\)|\.(?=\s))\s*(\S.*)",
    re.IGNORECASE | re.DOTALL,
)
_WHOLE = re.compile(r"[0-9]{1,3}")
_FIRST_WORD = re.compile(r"([^\s:]{1,80})\s*(?::\s*|\s+)(\S.*)", re.DOTALL)


@dataclass(frozen=True)
class Answer:
    """One answer: its kind, which measure it names (number in the DM or id; None: not said),
    the new progress for a percentage, the note for a text."""

    kind: AnswerKind
    ref: int | str | None = None
    percent: int | None = None
    text: str = ""


def parse_answer(text: object, ids: Iterable[str] = (), free_text: bool = False) -> Answer | None:
    """The answer `text` gives, or None if it is none of the clear forms.

    `ids` are the measures the sender was asked about (a prefix may name one); a free text
    counts only with such a prefix or a number, or with `free_text` (a reply to the nudge).
    """
    if not isinstance(text, str):
        return None
    body = _INVISIBLE.sub("", unicodedata.normalize("NFC", text)).strip()
    ref, rest = _prefix(body, ids)
    pointed = ref is not None or free_text  # the owner said which nudge they answer
    answer = _kind(rest, bare_number=pointed)
    if answer is not None:
        return Answer(answer[0], ref, answer[1])
    if not rest or not pointed or is_yes(rest) or is_no(rest):
        return None  # a bare "ja" is never a note: it belongs to a confirmation or request
    if rest.endswith("?"):
        return None  # a question, also as a reply to the nudge, is asked, not recorded
    note = rest if len(rest) <= MAX_NOTE else rest[: MAX_NOTE - 1] + "…"
    return Answer("text", ref, text=note)


def _prefix(body: str, ids: Iterable[str]) -> tuple[int | str | None, str]:
    """(number or measure id in front, the rest); (None, body) if none."""
    numbered = _NUMBERED.fullmatch(body)
    if numbered:
        number = numbered.group(1) or numbered.group(3)
        return int(number), (numbered.group(2) or numbered.group(4)).strip()
    first = _FIRST_WORD.fullmatch(body)
    if first:
        known = {str(i).casefold(): str(i) for i in ids}
        found = known.get(first.group(1).casefold())
        if found is not None:
            return found, first.group(2).strip()
    return None, body


def _kind(rest: str, bare_number: bool) -> tuple[AnswerKind, int | None] | None:
    """What `rest` says; a number without % only where the nudge is named (alone, "2" is the
    choice of a "did you mean" list)."""
    word = " ".join(rest.casefold().split()).rstrip(".!")
    if bare_number and _WHOLE.fullmatch(word):
        word += " %"
    if word in _UNCHANGED:
        return "unchanged", None
    if word in _DONE:
        return "done", None
    percent = _PERCENT.fullmatch(word)
    if percent is None:
        return None
    value = float(percent.group(1).replace(",", "."))
    if value > 100:
        return "bad_percent", None
    return "percent", int(value + 0.5)  # 44,5 % → 45 (half up, as people round)
