"""What the index knows about words: stems, compound parts and typo correction."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from rapidfuzz import process
from rapidfuzz.distance import OSA

from .lexicon import ENGLISH_STOP, ENGLISH_WEAK, GERMAN_STOP, GERMAN_WEAK
from .normalize import fold_de, fold_en, folded, stem_all

__all__ = ["ENGLISH", "GERMAN", "Language", "Vocabulary"]

# Compound parts shorter than this are noise ("an", "ab"); "rad", "bus", "gas" still split off.
MIN_PART = 3
# A bare stem (not a real word) may only serve as a compound part from this length on.
MIN_STEM_PART = 4
# Only words at least this long are tried as compounds.
MIN_COMPOUND = 6
# Linking elements (Fugen) allowed between compound parts: Heizung-s-gesetz, Pumpe-n-förderung.
FUGEN = ("", "s", "n", "en", "e", "es")
# Verb prefixes and suffixes that spell no word of their own, so never count as a part.
NOT_PARTS = frozenset({"ver", "zer", "ent", "emp", "ung", "heit", "keit", "lich", "isch"})
# Inflection endings tried when a question word is unknown: "speicherst" is "speicher".
ENDINGS = ("est", "st", "et", "t", "en", "e", "n", "s", "er", "em", "es")
# Verb endings the Snowball stemmer keeps; a word with one whose base is an index word too
# shares that word's stem.
VERB_ENDINGS = ("est", "st", "et", "t")  # all end in "t" (_merge_verb_forms relies on it)
# Typo correction only for words this long (shorter words have too many neighbours).
MIN_FUZZY = 5


@dataclass(frozen=True)
class Language:
    """How one language is folded, filtered and stemmed."""

    code: str
    fold: Callable[[str], str]
    stopwords: frozenset[str]
    weak: frozenset[str]
    snowball: str
    compounds: bool


def _language(code: str, fold: Callable[[str], str], snowball: str, compounds: bool) -> Language:
    """A language whose word lists are both languages' lists in its own folding.

    Questions come in either language and both channels see every question, so each drops the
    other language's function words too ("what is" must not look like unknown German words).
    """
    stop = folded(GERMAN_STOP + ENGLISH_STOP, fold)
    weak = folded(GERMAN_WEAK + ENGLISH_WEAK, fold) - stop
    return Language(code, fold, stop, weak, snowball, compounds)


GERMAN = _language("de", fold_de, "german", compounds=True)
ENGLISH = _language("en", fold_en, "english", compounds=False)


def max_edits(length: int) -> int:
    """Typos tolerated in a word of this length: 1 up to 7 letters, then 2."""
    return 1 if length <= 7 else 2


class Vocabulary:
    """Surface words of the index with their stems, compound splits and typo lookup."""

    def __init__(self, language: Language, counts: Counter[str]) -> None:
        self.language = language
        stems = dict(zip(counts, stem_all(language.snowball, list(counts)), strict=True))
        content = [
            w
            for w in counts
            if w not in language.stopwords and len(w) >= MIN_PART and w not in NOT_PARTS
        ]
        self.surfaces = frozenset(content)
        if language.compounds:
            _merge_verb_forms(stems, self.surfaces)
        self.stems: Mapping[str, str] = MappingProxyType(stems)
        self.stem_set = frozenset(stems[w] for w in content)
        self.splits: Mapping[str, tuple[str, ...]] = MappingProxyType(self._all_splits(content))
        # Most frequent first, ties alphabetical (a stable sort by count over sorted words).
        by_freq = sorted(
            sorted(w for w in content if w.isalpha() and len(w) >= MIN_FUZZY - 2),
            key=counts.__getitem__,
            reverse=True,
        )
        self._pools = _fuzzy_pools(by_freq)

    def _all_splits(self, content: Iterable[str]) -> dict[str, tuple[str, ...]]:
        """Precompute compound parts of every long index word."""
        if not self.language.compounds:
            return {}
        result = {}
        for word in content:
            if len(word) < MIN_COMPOUND:
                continue
            parts = self.split(word, self.stems[word])
            if parts:
                result[word] = parts
        return result

    def knows(self, word: str) -> bool:
        """True if the folded word occurs in the index (or in a synonym)."""
        return word in self.surfaces

    def _part_ok(self, segment: str) -> bool:
        if segment in self.surfaces:
            return True
        return len(segment) >= MIN_STEM_PART and segment in self.stem_set

    def uninflect(self, word: str) -> str | None:
        """The index word that `word` inflects by a common ending ("verbraucht" -> "verbrauch")."""
        if not self.language.compounds:
            return None
        for ending in ENDINGS:
            base = word[: -len(ending)]
            if word.endswith(ending) and len(base) >= MIN_FUZZY - 1 and base in self.surfaces:
                return base
        return None

    def split(self, word: str, own: str = "") -> tuple[str, ...] | None:
        """Split a compound into ≥2 known parts (fewest parts, then longest head), or None.

        `own` is the word's own stem: it is no part of it, though other words' stems are
        ("Energiewende" stems to "energiew", which left "ende" as a second part).
        """
        n = len(word)
        if not self.language.compounds or n < MIN_COMPOUND:
            return None
        # Breadth-first over part counts: positions reached with k parts, a Fuge allowed
        # after each part; only reachable positions are ever tried. A new position whose rest
        # is a part ends the search at once: it is the first that the next round would find.
        # (`_part_ok` inlined: this runs for every long word of the index at build time.)
        surfaces, stem_set = self.surfaces, self.stem_set
        reached: dict[int, tuple[str, ...]] = {0: ()}
        frontier = [0]
        while frontier:
            following = []
            for start in frontier:
                for end in range(n - 1, start + MIN_PART - 1, -1):
                    segment = word[start:end]
                    if segment not in surfaces and (
                        end - start < MIN_STEM_PART or segment not in stem_set or segment == own
                    ):
                        continue
                    parts = (*reached[start], segment)
                    for fuge in FUGEN:
                        position = end + len(fuge)
                        if position < n and position not in reached and word.startswith(fuge, end):
                            reached[position] = parts
                            rest = word[position:]
                            if len(rest) >= MIN_PART and self._part_ok(rest):
                                return (*parts, rest)
                            following.append(position)
            frontier = following
        return None

    def correct(self, word: str) -> str | None:
        """The most frequent index word within a few typos of `word`, or None."""
        found = self.correction(word)
        return None if found is None else found[0]

    def correction(self, word: str) -> tuple[str, int] | None:
        """Like `correct`, with the number of typos fixed."""
        if len(word) < MIN_FUZZY or not word.isalpha():
            return None
        limit = max_edits(len(word))
        pool = self._pools.get((len(word), word[0]), ())
        found = process.extractOne(word, pool, scorer=OSA.distance, score_cutoff=limit)
        return None if found is None else (found[0], int(found[1]))

    def affixes(self, word: str) -> list[str]:
        """Known leading/trailing pieces of an unknown long word, the rest typo-corrected."""
        if not self.language.compounds or len(word) < MIN_COMPOUND + 1:
            return []
        for cut in range(len(word) - MIN_FUZZY, MIN_STEM_PART - 1, -1):
            if self._part_ok(word[:cut]):
                return [word[:cut], *self._rest(word[cut:])]
        for cut in range(MIN_FUZZY, len(word) - MIN_STEM_PART + 1):
            if self._part_ok(word[cut:]):
                return [word[cut:]]
        return []

    def _rest(self, rest: str) -> list[str]:
        """Resolve the remainder after a known prefix: strip a Fuge, then split or correct."""
        for fuge in sorted(FUGEN, key=len, reverse=True):
            candidate = rest[len(fuge) :] if rest.startswith(fuge) else ""
            if len(candidate) < MIN_FUZZY:
                continue
            found = self.split(candidate) or (self.correct(candidate),)
            if found[0] is not None:
                return [p for p in found if p is not None]
        return []


def _merge_verb_forms(stems: dict[str, str], surfaces: frozenset[str]) -> None:
    """Give "speichert"/"speicherst" the stem of "speicher": Snowball keeps verb endings."""
    # Every verb ending ends in "t": only such words can take a base's stem.
    candidates = [w for w in surfaces if w.endswith("t")]
    for word in sorted(candidates, key=lambda w: (len(w), w)):  # bases first, deterministically
        for ending in VERB_ENDINGS:
            base = word[: -len(ending)]
            if word.endswith(ending) and len(base) >= MIN_STEM_PART and base in surfaces:
                stems[word] = stems[base]
                break


def _fuzzy_pools(words: list[str]) -> dict[tuple[int, str], tuple[str, ...]]:
    """Candidates per (length, first letter), most frequent first.

    The first letter must match: typos there are rare, "kuchen" is no typo of "suchen", and it
    keeps each pool small.
    """
    rank = {word: i for i, word in enumerate(words)}
    by_key: dict[tuple[int, str], list[str]] = {}
    for word in words:
        by_key.setdefault((len(word), word[0]), []).append(word)
    pools: dict[tuple[int, str], list[str]] = {}
    for (length, first), group in by_key.items():
        for near in range(length - 2, length + 3):
            if near >= MIN_FUZZY and abs(near - length) <= max_edits(near):
                pools.setdefault((near, first), []).extend(group)
    return {key: tuple(sorted(pool, key=rank.__getitem__)) for key, pool in pools.items()}
