"""Turn text into weighted terms: stems, compound parts, synonym groups and typo fixes."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from itertools import chain
from types import MappingProxyType
from typing import cast

from .lexicon import ENGLISH_STOP, GERMAN_STOP
from .normalize import MAX_QUERY_CHARS, clean, folded, pieces, stemmer, words
from .vocab import Language, Vocabulary

__all__ = ["Analyzer", "Terms"]

# Parts of a word the index knows as a whole (Balkon|kraftwerk) and the words inside a synonym
# phrase count half: the whole word or the phrase's group carries the meaning.
PART_WEIGHT = 0.5
# A typo-corrected word counts a little less than a correctly spelt one, and a word two typos
# away from an index word is as likely another word altogether ("computer" is no "commute").
FUZZY_WEIGHT = 0.8
FAR_FUZZY_WEIGHT = 0.5
# Known pieces found at the start or end of an unknown word ("Müllabfuhr|termin") are weak:
# a compound's head alone is often generic.
AFFIX_WEIGHT = 0.5
# Each part of a compound the index lacks ("Standes|amt") says less than a known word.
SPLIT_WEIGHT = 0.8
# Content words beyond this many are ignored; a question never needs more.
MAX_QUERY_WORDS = 40
# Marks a term that stands for doubt about a guessed word; it never matches anything.
UNKNOWN_PREFIX = "?"
# Weight of a general word in a question: a weak word of the lexicon, or in a question written
# with German capitalisation a lowercase word (verb, adjective, adverb) that no curated text of
# the FAQ uses. Such words neither point to an entry nor speak against one.
WEAK_WEIGHT = 0.3
# A word followed by one of these starts a sentence, so its capital letter says nothing.
_SENTENCE_END = frozenset('.!?:;\n"(')
_TOKEN_RE = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")

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


def _capitalises_nouns(marks: Sequence[tuple[bool, bool]]) -> bool:
    """True if a text has capitalised and lowercase words within sentences, as German has."""
    capitals = sum(not low and not initial for low, initial in marks)
    return capitals > 0 and any(low for low, _ in marks)


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
        curated: Iterable[list[str]] = (),
    ) -> None:
        self.language = language
        # Function words of only one language tell which language a question is written in.
        english, german = folded(ENGLISH_STOP, language.fold), folded(GERMAN_STOP, language.fold)
        self._english_only, self._german_only = english - german, german - english
        counts: Counter[str] = Counter(chain.from_iterable(texts))
        synonym_words = [w for group in synonyms for phrase in group for w in self.words(phrase)]
        counts.update(synonym_words)
        for word in [w for w in counts if "-" in w]:
            counts.update(pieces(word))
        self.vocab = Vocabulary(language, counts)
        stem = self._stem_fn()
        self.synonyms = _Synonyms(synonyms, language.fold, stem)
        # Private plain dicts, not read-only proxies: the build looks words up in them about a
        # million times for 5,000 entries.
        self._known: dict[str, Weighted] = {w: self._word_terms(w, False, stem) for w in counts}
        # Words that stand for exactly one term at full weight, the common case; the others
        # with any terms at all.
        self._plain: dict[str, str] = {
            w: t[0][0] for w, t in self._known.items() if len(t) == 1 and t[0][1] == 1.0
        }
        self._other = {w: t for w, t in self._known.items() if t and w not in self._plain}
        self._phrase_starts = frozenset(w for w in counts if stem(w) in self.synonyms.phrases)
        self.curated = self._curated_terms(curated, synonym_words)
        # Stems of the general words the index uses: they weigh little in a phrasing too.
        self.weak_terms = frozenset(stem(w) for w in counts if w in language.weak)

    def _curated_terms(
        self, texts: Iterable[list[str]], synonym_words: list[str]
    ) -> frozenset[str]:
        """Terms of the curated texts (questions, phrasings, keywords, topics, synonyms)."""
        result = {t for tokens in self.synonyms.phrases.values() for _, t in tokens}
        result.update(self.synonyms.single.values())
        known = self._known
        for word in set(synonym_words).union(*texts):
            result.update(term for term, _ in known.get(word, ()))
        return frozenset(result)

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

    def is_english(self, text: str) -> bool:
        """True if `text` uses more English-only than German-only function words."""
        return self._english(self.words(text, MAX_QUERY_CHARS))

    def _english(self, split: list[str]) -> bool:
        english = sum(w in self._english_only for w in split)
        return english > sum(w in self._german_only for w in split)

    def query(self, text: str) -> Terms:
        """Analyse a user question, with typo correction and splitting of unknown compounds."""
        split, lower = self._query_words(clean(text, MAX_QUERY_CHARS))
        return self.analyze(split, query=True, lower=lower)

    def _query_words(self, text: str) -> tuple[list[str], list[bool]]:
        """Folded words of a question, each marked if its spelling says it is no noun.

        German capitalises nouns, so in a question written that way a lowercase word within a
        sentence is a verb, adjective or adverb. English capitalises none: there every word is
        marked, and only the FAQ's own vocabulary keeps its full weight.
        """
        split, marks = self._cased_words(text)
        if self._english(split):
            return split, [True] * len(split)
        if not _capitalises_nouns(marks):
            return split, [False] * len(split)
        return split, [low and not initial for low, initial in marks]

    def _cased_words(self, text: str) -> tuple[list[str], list[tuple[bool, bool]]]:
        """Folded words, each with (written lowercase, starts a sentence)."""
        split: list[str] = []
        marks: list[tuple[bool, bool]] = []
        end = 0
        for match in _TOKEN_RE.finditer(text):
            token = match.group()
            initial = not split or not _SENTENCE_END.isdisjoint(text[end : match.start()])
            end = match.end()
            for word in words(self.language.fold(token)):
                split.append(word)
                marks.append((token[0].islower(), initial))
        return split, marks

    def analyze(self, text: list[str], query: bool = False, lower: Sequence[bool] = ()) -> Terms:
        """Weighted terms of split text; `query` enables fixes for words the index lacks.

        `lower` marks query words whose spelling says they are no noun: unless the FAQ's
        curated texts use them, they count as weak words.
        """
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
            if query:
                scale *= self._informative(word, terms, bool(lower) and lower[position])
            for term, weight in terms:
                if weights.get(term, 0.0) < weight * scale:
                    weights[term] = weight * scale
        return weights

    def _informative(self, word: str, terms: Weighted, lowercase: bool) -> float:
        """How much a query word can say about the topic: 1, or WEAK_WEIGHT for general words.

        A number counts only where a curated text uses it ("30 Jahre", "800 Watt"): an age or a
        date that happens to occur in some answer says nothing.
        """
        if word.isdigit():
            return 1.0 if not self.curated.isdisjoint(term for term, _ in terms) else 0.0
        if word in self.language.weak:
            return WEAK_WEIGHT
        if lowercase and self.curated.isdisjoint(term for term, _ in terms):
            return WEAK_WEIGHT
        return 1.0

    def _analyze_known(self, text: list[str]) -> Terms:
        """Fast path for index text without synonym phrases: one lookup per word."""
        # map/filter keep the per-word loop in C; the order of terms is that of a plain loop.
        found = dict.fromkeys(map(self._plain.get, text), 1.0)
        found.pop(None, None)
        weights = cast(dict[str, float], found)
        for terms in filter(None, map(self._other.get, text)):
            for term, weight in terms:
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
        corrected = vocab.correction(word)
        if corrected is not None:
            share = FUZZY_WEIGHT if corrected[1] <= 1 else FAR_FUZZY_WEIGHT
            terms = self._plain_terms(corrected[0], False, stem)
            return (*((t, w * share) for t, w in terms), (UNKNOWN_PREFIX + word, 1 - share))
        found = vocab.affixes(word)
        if found:
            return tuple((stem(p), AFFIX_WEIGHT) for p in found) + (
                (UNKNOWN_PREFIX + word, 1 - AFFIX_WEIGHT),
            )
        return ((own, 1.0),)
