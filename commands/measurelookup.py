"""Finding a measure by what people type: its id, or title words that fit exactly one."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from typing import NamedTuple

from commands.context import Context
from commands.errors import CommandError
from commands.faqmatch.normalize import spell_out
from commands.formatting import Markup
from config.measures import Measure

__all__ = ["Lookup", "look_up", "measure_not_found"]

MAX_SUGGESTIONS = 3
_NON_WORD = re.compile(r"[^0-9a-z]+")
# "1", "Nr. 3", "#3", "Nummer 2": a list number, which measures do not have.
_NUMBER = re.compile(r"^\s*(?:nr\.?|nummer|no\.?|number|#)?\s*\d+\s*\.?\s*$", re.IGNORECASE)


class Lookup(NamedTuple):
    """The measure meant, else the closest ones; `several`: they all fit, none was picked."""

    measure: Measure | None
    near: list[Measure]
    several: bool = False


def look_up(measures: Sequence[Measure], text: str) -> Lookup:
    """By id, else by title words that fit exactly one measure; never a guess among several."""
    wanted = text.strip().lower()
    exact = next((m for m in measures if m.id == wanted), None)
    if exact is not None:
        return Lookup(exact, [])
    # Single letters ("e" of "E-Mobilität", "a" of a pasted link) begin too many title words.
    words = [w for w in _words(text) if len(w) > 1]
    if not words or _NUMBER.match(text):  # a list number fits no title, only by chance
        return Lookup(None, [])
    scored = [(_fits(words, m), m) for m in measures]
    fitting = [m for score, m in scored if score == len(words)]
    if len(fitting) == 1:
        return Lookup(fitting[0], [])
    if fitting:
        return Lookup(None, fitting[:MAX_SUGGESTIONS], several=True)
    return Lookup(None, _closest(wanted, measures, scored))


def _closest(
    wanted: str, measures: Sequence[Measure], scored: list[tuple[int, Measure]]
) -> list[Measure]:
    """Measures sharing most of the words, else those whose id looks like the text."""
    best = max((score for score, _ in scored), default=0)
    if best:
        return [m for score, m in scored if score == best][:MAX_SUGGESTIONS]
    near = difflib.get_close_matches(wanted, [m.id for m in measures], MAX_SUGGESTIONS, 0.6)
    return [m for m in measures if m.id in near]


def _words(text: str) -> list[str]:
    """Lower-case words with umlauts written out and accents dropped ("Straße" -> strasse)."""
    return [w for w in _NON_WORD.split(spell_out(text)) if w]


def _fits(words: list[str], measure: Measure) -> int:
    """How many of `words` the measure's id or titles contain: inside a word for longer words
    (compounds: "beleuchtung"), at a word's start for short ones ("led", not "controlled")."""
    own = set(_words(" ".join((measure.id, *measure.title.values()))))
    return sum(any(w in o if len(w) >= 4 else o.startswith(w) for o in own) for w in words)


def measure_not_found(ctx: Context, text: str, found: Lookup, command: str) -> CommandError:
    """The error for a measure not found: the closest ones, each with `<prefix><command> <id>`."""
    if not found.near:
        key = "measures.unknown_number" if _NUMBER.match(text) else "measures.unknown"
        return CommandError(key, id=text[:60], prefix=ctx.prefix)
    lines = [
        ctx.t(
            "measures.suggestion",
            title=m.title.get(ctx.language, m.title["de"]),
            prefix=ctx.prefix,
            command=command,
            id=m.id,
        )
        for m in found.near
    ]
    key = "measures.ambiguous" if found.several else "measures.unknown_near"
    return CommandError(key, id=text[:60], prefix=ctx.prefix, choices=Markup("\n").join(lines))
