"""Offer and need texts as matchable terms: stems, hyphen parts and synonym groups.

Each word goes through `commands.faqmatch.tokens` (folding, stemming, hyphen parts) and then
through the synonym groups, so "Solaranlage", "PV-Installation" and "Photovoltaikanlage
montieren" share one term. Generic words that every offer or need contains never count.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from types import MappingProxyType

from commands.faqmatch import tokens

__all__ = ["GENERIC_WORDS", "MAX_QUOTE", "TermAnalyzer", "Terms", "phrases_with"]

# Words that appear in any offer or need ("Hilfe", "Austausch", "Ochtrup") and would match
# everyone with everyone; they never count as a need met.
GENERIC_WORDS = frozenset(
    """
    biete bieten suche suchen hilfe helfen unterstützung unterstützen angebot angebote
    interesse möglichkeit möglichkeiten partner partnerin partnerinnen kontakt kontakte
    austausch zusammenarbeit projekt projekte idee ideen thema themen klima klimaschutz
    ochtrup welbergen langenhorst person personen leute menschen gemeinsam neu neue
    """.split()
)

_WORD_RE = re.compile(r"\w+(?:-\w+)*")
# Where a list of offers or needs splits into its items ("Betriebe mit Dächern, Lastenrad").
_ITEM_SPLIT = re.compile(r"[,;\n]+|\s+(?:und|oder|and|or|sowie)\s+", re.IGNORECASE)
MAX_QUOTE = 60  # characters of one quoted item; a longer one is cut around the matched word
# The per-index word cache is emptied when it reaches this size; real vocabularies stay far below.
_MAX_CACHED_WORDS = 200_000


@dataclass(frozen=True)
class Terms:
    """The matchable terms of one text, and which original word or phrase gave each term."""

    terms: frozenset[str]
    spans: tuple[tuple[str, str], ...]  # (term, original text) in text order

    def words(self, matched: AbstractSet[str]) -> tuple[str, ...]:
        """Original words/phrases behind `matched`, in text order, without repeats."""
        return tuple(dict.fromkeys(text for term, text in self.spans if term in matched))


def phrases_with(text: str, words: Sequence[str]) -> tuple[str, ...]:
    """The items of `text` (split at commas, "und", …) that contain any of `words`, as the
    author wrote them, each shortened to about MAX_QUOTE characters: quotable words."""
    wanted = {w.casefold() for phrase in words for w in phrase.split()}
    found: list[str] = []
    for item in _ITEM_SPLIT.split(text):
        item = " ".join(item.split())
        hits = [i for i, w in enumerate(item.split()) if _bare(w) & wanted]
        if hits and (short := _shortened(item.split(), hits[0])) not in found:
            found.append(short)
    return tuple(found)


def _bare(word: str) -> set[str]:
    """The words inside one whitespace-separated token, folded ("(PV-Anlage)," -> pv-anlage)."""
    return {w.casefold() for w in _WORD_RE.findall(word)}


def _shortened(tokens_: list[str], first_hit: int) -> str:
    """The item, or a window of it from shortly before the first matched word, with "…"."""
    text = " ".join(tokens_)
    if len(text) <= MAX_QUOTE:
        return text
    start = max(0, first_hit - 2)
    kept: list[str] = []
    for token in tokens_[start:]:
        if kept and len(" ".join([*kept, token])) > MAX_QUOTE:
            break
        kept.append(token)
    head = "… " if start else ""
    tail = " …" if start + len(kept) < len(tokens_) else ""
    return head + " ".join(kept) + tail


Phrase = tuple[tuple[str, ...], str]  # (stem sequence, group term)


@dataclass(frozen=True)
class _Synonyms:
    """Synonym groups as stems: single stems and multi-word stem sequences -> one group term."""

    single: Mapping[str, str]
    phrases: Mapping[str, tuple[Phrase, ...]]  # keyed by first stem, longest first

    @classmethod
    def build(cls, groups: Sequence[Sequence[str]]) -> _Synonyms:
        """Stem every phrase; a key claimed by two groups goes to its shortest spelling."""
        # No transitive merge: "stromer" (an e-car) stems to "strom" and would make electricity
        # and e-cars one group; "strom" itself is the closer spelling and wins the key.
        owner: dict[tuple[str, ...], tuple[int, str]] = {}
        for number, group in enumerate(groups):
            for phrase in group:
                for key in _phrase_keys(phrase):
                    if key not in owner or len(phrase) < len(owner[key][1]):
                        owner[key] = (number, phrase)
        names: dict[int, str] = {}  # a group's term is named after its first key
        for key, (number, _) in owner.items():
            names.setdefault(number, "~" + "_".join(key))
        single = {key[0]: names[n] for key, (n, _) in owner.items() if len(key) == 1}
        phrases: dict[str, list[Phrase]] = {}
        for key, (number, _) in owner.items():
            if len(key) > 1:
                phrases.setdefault(key[0], []).append((key, names[number]))
        ordered = {
            first: tuple(sorted(v, key=lambda p: -len(p[0]))) for first, v in phrases.items()
        }
        return cls(MappingProxyType(single), MappingProxyType(ordered))


def _phrase_keys(phrase: str) -> list[tuple[str, ...]]:
    """Stem keys of a phrase: "pv-anlage" gives ("pvanlag",) and ("pv", "anlag")."""
    per_word = [toks for word in phrase.split() if (toks := tokens(word))]
    keys = [tuple(toks[0] for toks in per_word)] if per_word else []
    # Parts only when none was dropped: "e-auto" must not make plain "auto" a synonym.
    if len(per_word) == 1 and len(per_word[0]) - 1 == phrase.count("-") + 1 > 1:
        keys.append(tuple(per_word[0][1:]))
    return keys


class TermAnalyzer:
    """Turns offer/need texts into terms; caches the stems of each word it has seen."""

    def __init__(self, synonyms: Sequence[Sequence[str]]) -> None:
        self._synonyms = _Synonyms.build(synonyms)
        self._generic = frozenset(t for word in GENERIC_WORDS for t in tokens(word))
        self._stems: dict[str, tuple[str, ...]] = {}

    def stems(self, word: str) -> tuple[str, ...]:
        """tokens(word), memoised: stemming is the costly part of analysing a text."""
        cached = self._stems.get(word)
        if cached is None:
            if len(self._stems) >= _MAX_CACHED_WORDS:
                self._stems.clear()
            cached = self._stems[word] = tuple(tokens(word))
        return cached

    def terms(self, text: str) -> Terms:
        """Terms of `text`; multi-word synonym phrases first, then each remaining word."""
        found = [(word, s) for word in _WORD_RE.findall(text) if (s := self.stems(word))]
        spans: list[tuple[str, str]] = []
        i = 0
        while i < len(found):
            length, term = self._phrase_at(found, i)
            if length:
                spans.append((term, " ".join(word for word, _ in found[i : i + length])))
                i += length
                continue
            word, stems = found[i]
            spans.extend((t, word) for t in self._word_terms(stems))
            i += 1
        return Terms(frozenset(t for t, _ in spans), tuple(spans))

    def _phrase_at(self, found: list[tuple[str, tuple[str, ...]]], i: int) -> tuple[int, str]:
        """Length and group term of the synonym phrase starting at word `i`, or (0, "")."""
        for key, term in self._synonyms.phrases.get(found[i][1][0], ()):
            window = tuple(stems[0] for _, stems in found[i : i + len(key)])
            if window == key:
                return len(key), term
        return 0, ""

    def _word_terms(self, stems: tuple[str, ...]) -> list[str]:
        """Terms of one word; a hyphenated word known as a whole does not add its parts."""
        single, generic = self._synonyms.single, self._generic
        if stems[0] in single and stems[0] not in generic:
            return [single[stems[0]]]
        terms = (single.get(s, s) for s in stems if s not in generic)
        return list(dict.fromkeys(terms))
