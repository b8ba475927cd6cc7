"""Turn text into weighted terms: stems, compound parts, synonym groups and typo fixes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import MappingProxyType

from .normalize import MAX_QUERY_CHARS, clean, pieces, stemmer, words
from .vocab import Language, Vocabulary

__all__ = ["Analyzer", "Terms"]

# Parts of a word the index knows as a whole (Balkon|kraftwerk) and the words inside a synonym
# phrase count half: the whole word or the phrase's group carries the meaning.
PART_WEIGHT = 0.5
# A typo-corrected word counts a little less than a correctly spelt one.
FUZZY_WEIGHT = 0.8
# Known pieces found at the start or end of an unknown word ("Müllabfuhr|termin") are weak:
# a compound's head alone is often generic.
AFFIX_WEIGHT = 0.5
# Each part of a compound the index lacks ("Standes|amt") says less than a known word.
SPLIT_WEIGHT = 0.8
# Content words beyond this many are ignored; a question never needs more.
MAX_QUERY_WORDS = 40
# Marks a term that stands for doubt about a guessed word; it never matches anything.
UNKNOWN_PREFIX = "?"

Weighted = tuple[tuple[str, float], ...]
Terms = Mapping[str, float]
Stem = Callable[[str], str]


class _Synonyms:
    """Synonym groups as stem sequences, each group named by one token ("~forder")."""

    def __init__(
        self, groups: Sequence[Sequence[str]], fold: Callable[[str], str], stem: Stem
    ) -> None:
        keys = [[_keys(words(fold(phrase)), stem) for phrase in group] for group in groups]
        single: dict[str, str] = {}
        phrases: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for group_keys in _merge(keys):
            token = "~" + "_".join(group_keys[0])
            for key in group_keys:
                if len(key) == 1:
                    single[key[0]] = token
                else:
                    phrases.setdefault(key[0], []).append((key, token))
        self.single: Mapping[str, str] = MappingProxyType(single)
        self.phrases: Mapping[str, tuple[tuple[tuple[str, ...], str], ...]] = MappingProxyType(
            {first: tuple(sorted(v, key=lambda kv: -len(kv[0]))) for first, v in phrases.items()}
        )

    def find(self, stems: Sequence[str]) -> tuple[list[str], set[int]]:
        """Group tokens of the multi-word phrases in `stems` and the positions they cover."""
        found: list[str] = []
        covered: set[int] = set()
        for start, first in enumerate(stems):
            for key, token in self.phrases.get(first, ()):
                if tuple(stems[start : start + len(key)]) == key:
                    found.append(token)
                    covered.update(range(start, start + len(key)))
                    break
        return found, covered


def _keys(phrase: list[str], stem: Stem) -> list[tuple[str, ...]]:
    """Stem sequences that spell a synonym: "mini-pv" is ("minipv",) and ("mini", "pv")."""
    keys = [tuple(stem(pieces(w)[0]) for w in phrase)]
    if any("-" in w for w in phrase):
        keys.append(tuple(stem(p) for w in phrase for p in w.split("-")))
    return [key for key in keys if key]


def _merge(groups: list[list[list[tuple[str, ...]]]]) -> list[list[tuple[str, ...]]]:
    """Flatten each group's keys and merge groups that share a key (synonymy is transitive)."""
    owner: dict[tuple[str, ...], int] = {}
    merged: list[list[tuple[str, ...]]] = []
    for group in groups:
        flat = [key for keys in group for key in keys]
        hits = sorted({owner[k] for k in flat if k in owner})
        target = hits[0] if hits else len(merged)
        if not hits:
            merged.append([])
        for other in hits[1:]:
            merged[target].extend(merged[other])
            merged[other] = []
        merged[target].extend(k for k in flat if k not in merged[target])
        for key in merged[target]:
            owner[key] = target
    return [group for group in merged if group]


class Analyzer:
    """Analyses index texts and queries of one language against one vocabulary.

    Every word of the index is analysed once at build time; analysing an index text is then a
    dictionary lookup per word. Only words the index lacks cost stemming, splitting or fuzzing.
    """

    def __init__(
        self,
        language: Language,
        texts: Iterable[list[str]],
        synonyms: Sequence[Sequence[str]],
    ) -> None:
        self.language = language
        counts: Counter[str] = Counter()
        for text in texts:
            counts.update(text)
        synonym_words = [w for group in synonyms for phrase in group for w in self.words(phrase)]
        counts.update(synonym_words)
        for word in [w for w in counts if "-" in w]:
            counts.update(pieces(word))
        self.vocab = Vocabulary(language, counts)
        stem = self._stem_fn()
        self.synonyms = _Synonyms(synonyms, language.fold, stem)
        self._known: Mapping[str, Weighted] = MappingProxyType(
            {w: self._word_terms(w, False, stem) for w in counts}
        )
        self._phrase_starts = frozenset(w for w in counts if stem(w) in self.synonyms.phrases)

    def _stem_fn(self) -> Stem:
        """Stem via the precomputed table, else a fresh stemmer whose results this call keeps."""
        live = stemmer(self.language.snowball)
        seen: dict[str, str] = {}
        known = self.vocab.stems

        def stem(word: str) -> str:
            found = known.get(word) or seen.get(word)
            if found is None:
                found = seen[word] = live(word)
            return found

        return stem

    def words(self, text: str, limit: int | None = None) -> list[str]:
        """Clean, fold and split text into words."""
        return words(self.language.fold(clean(text, limit)))

    def query(self, text: str) -> Terms:
        """Analyse a user question, with typo correction and splitting of unknown compounds."""
        return self.analyze(self.words(text, MAX_QUERY_CHARS), query=True)

    def analyze(self, text: list[str], query: bool = False) -> Terms:
        """Weighted terms of split text; `query` enables fixes for words the index lacks."""
        if not query and self._phrase_starts.isdisjoint(text):
            return self._analyze_known(text)
        stem = self._stem_fn()
        if query or any(w in self._phrase_starts for w in text):
            found, covered = self.synonyms.find([stem(pieces(w)[0]) for w in text])
        else:
            found, covered = [], set()
        weights: dict[str, float] = dict.fromkeys(found, 1.0)
        budget = MAX_QUERY_WORDS if query else len(text)
        for position, word in enumerate(text):
            terms = self._known.get(word)
            if terms is None:
                terms = self._word_terms(word, query, stem)
            budget -= bool(terms)
            if budget < 0:
                break
            scale = PART_WEIGHT if position in covered else 1.0
            for term, weight in terms:
                if weights.get(term, 0.0) < weight * scale:
                    weights[term] = weight * scale
        return weights

    def _analyze_known(self, text: list[str]) -> Terms:
        """Fast path for index text without synonym phrases: one lookup per word."""
        known = self._known
        weights: dict[str, float] = {}
        for word in text:
            for term, weight in known[word]:
                if weights.get(term, 0.0) < weight:
                    weights[term] = weight
        return weights

    def _content(self, word: str) -> bool:
        return len(word) > 1 and word not in self.language.stopwords

    def _word_terms(self, word: str, query: bool, stem: Stem) -> Weighted:
        """Terms of one word (synonyms applied); a hyphenated word adds its pieces."""
        if "-" not in word:
            return self._canon(self._plain_terms(word, query, stem)) if self._content(word) else ()
        joined, *parts = pieces(word)
        known = self._content(joined) and (not query or self.vocab.knows(joined))
        result = list(self._canon(self._plain_terms(joined, False, stem))) if known else []
        scale = PART_WEIGHT if known else 1.0
        for part in parts:
            terms = self._word_terms(part, query, stem)
            result.extend((t, w * scale) for t, w in terms)
        return tuple(result)

    def _canon(self, terms: Iterable[tuple[str, float]]) -> Weighted:
        """Replace stems that belong to a synonym group by the group's token."""
        single = self.synonyms.single
        return tuple((single.get(term, term), weight) for term, weight in terms)

    def _plain_terms(self, word: str, query: bool, stem: Stem) -> Weighted:
        """Terms of one plain word: stem plus known parts, or the best guess for an unknown word."""
        vocab = self.vocab
        if not query or vocab.knows(word):
            parts = vocab.splits.get(word, ())
            return ((stem(word), 1.0), *((stem(p), PART_WEIGHT) for p in parts))
        if word.isdigit():
            return ()  # a year or amount the FAQ never mentions says nothing about the topic
        own = stem(word)
        if own in vocab.stem_set:
            return ((own, 1.0),)
        base = vocab.uninflect(word)
        if base is not None:
            return self._plain_terms(base, False, stem)
        # A guessed word keeps part of its weight as an unmatched "?word" term, so that a
        # question resting on guesses is never fully covered.
        doubt = ((UNKNOWN_PREFIX + word, 1 - FUZZY_WEIGHT),)
        parts = vocab.split(word) or ()
        if parts:
            return tuple((stem(p), SPLIT_WEIGHT) for p in parts) + doubt
        corrected = vocab.correct(word)
        if corrected is not None:
            terms = self._plain_terms(corrected, False, stem)
            return tuple((t, w * FUZZY_WEIGHT) for t, w in terms) + doubt
        found = vocab.affixes(word)
        if found:
            return tuple((stem(p), AFFIX_WEIGHT) for p in found) + (
                (UNKNOWN_PREFIX + word, 1 - AFFIX_WEIGHT),
            )
        return ((own, 1.0),)
