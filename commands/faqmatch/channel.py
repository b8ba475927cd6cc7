"""The inverted index of one language: BM25F over weighted fields plus phrasing overlap."""

from __future__ import annotations

import heapq
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from operator import itemgetter

from rapidfuzz import fuzz

from .analyzer import WEAK_WEIGHT, Analyzer, Terms
from .normalize import MAX_QUERY_CHARS, clean, words
from .vocab import Language

__all__ = ["Channel", "Fields", "Match"]

# BM25 saturation and answer-length normalisation (the usual defaults).
K1 = 1.2
B = 0.75
# Field weights: the curated question and phrasings say best what an entry is about; keywords
# nearly as well; the topic's name and aliases are shared by many entries; answer text is weakest.
W_PHRASE = 3.0
W_KEYWORD = 2.0
W_TOPIC = 0.3
W_ANSWER = 0.6
# How much an answer-only or topic-only hit counts towards "the query is covered".
ANSWER_COVERAGE = 0.5
TOPIC_COVERAGE = 0.3
# A keyword alone makes a term only this central to an entry (phrasings show what is asked).
KEYWORD_CENTRALITY = 1.0
# Candidates from the inverted index that get the finer (per-phrasing) scoring.
TOP_K = 20
# A term found in more than 1/COMMON_FRACTION of the entries (and more than COMMON_MIN) only
# adds to entries that rarer terms found: its contribution is small and its list long. This is
# for speed at thousands of entries; in a FAQ of a few hundred the lists are short, and a bound
# of 64 made rankings hinge on whether a word like "Anlage" was in 64 entries or 65.
COMMON_FRACTION = 8
COMMON_MIN = 512
# A query word the index does not know weighs like a word found in this many entries: it is
# evidence that the question is about something else, but could also be chat or a rare typo.
UNKNOWN_DF = 1.0
# Weights of the evidences in the ranking score (each in [0, 1]), searched for the best rank-1
# accuracy on faq_eval.yaml, faq_dev2.yaml and leave-one-out phrasings of the FAQ together, then
# rounded: BM25, coverage and centrality count most, the best phrasing's overlap and recall and
# the spelling's similarity to a phrasing break ties.
S_BM25 = 0.25
S_COVERAGE = 0.25
S_PHRASE = 0.1
S_RECALL = 0.1
S_CENTRALITY = 0.2
S_FUZZY = 0.1


@dataclass(frozen=True)
class Match:
    """One scored candidate entry and the evidence behind its score.

    All shares are in [0, 1] and weigh terms by idf: `coverage` is the share of the question
    the entry explains, `recall` the share of the entry's best phrasing found in the question,
    `unknown` the share of the question made of words the FAQ never uses, `centrality` the
    share weighted by how central each word is to the entry. `evidence` is that central part
    itself, not a share, so that a long question is not worth less than a short one just because
    it also tells a story; it counts idf in units of a word that only one entry uses, so it reads
    alike for FAQs of any size.
    """

    index: int
    score: float
    bm25: float
    coverage: float
    phrase: float
    recall: float
    centrality: float
    fuzzy: float
    unknown: float
    evidence: float
    # Found by the English channel (English questions are explained by fewer curated texts).
    english: bool = False


@dataclass(frozen=True)
class Fields:
    """Texts of one entry in one language."""

    phrases: tuple[str, ...]
    keywords: tuple[str, ...]
    topic: tuple[str, ...]
    answer: str


@dataclass(frozen=True)
class _Doc:
    """Terms of one entry's fields, kept for the fine scoring of candidates."""

    phrasings: tuple[Terms, ...]
    keywords: Terms
    topic: Terms
    answer: Terms
    raw: tuple[str, ...]
    # Per term over question and phrasings: the share of them that use it, and its top weight.
    phrase_share: Terms
    phrase_best: Terms

    def centrality(self, term: str) -> float:
        """Share of the phrasings that use `term` (a keyword counts as part of them)."""
        share = self.phrase_share.get(term, 0.0)
        return max(share, KEYWORD_CENTRALITY * self.keywords.get(term, 0.0))

    def strength(self, term: str) -> float:
        """How clearly this entry is about `term`: 1 in a phrasing, less in answer or topic."""
        return max(
            self.phrase_best.get(term, 0.0),
            self.keywords.get(term, 0.0),
            ANSWER_COVERAGE * self.answer.get(term, 0.0),
            TOPIC_COVERAGE * self.topic.get(term, 0.0),
        )


@dataclass(frozen=True)
class _Postings:
    """Entries containing one term with its saturated frequency in each (BM25 without idf)."""

    idf: float
    entries: dict[int, float]  # entry -> saturated frequency, in entry order
    # A common term (see COMMON_FRACTION) only adds to entries that rarer terms found.
    common: bool


class Channel:
    """Index and scoring for one language; all statistics are computed at build time."""

    def __init__(
        self, language: Language, fields: Sequence[Fields], synonyms: Sequence[Sequence[str]]
    ) -> None:
        texts = {t: None for f in fields for t in (*f.phrases, *f.keywords, *f.topic, f.answer)}
        split = {text: words(language.fold(clean(text))) for text in texts}
        curated = [split[t] for f in fields for t in (*f.phrases, *f.keywords, *f.topic)]
        self.analyzer = analyzer = Analyzer(language, split.values(), synonyms, curated)
        shared: dict[tuple[str, ...], Terms] = {}  # keywords and topic names recur across entries
        self.docs = tuple(_analyse(analyzer, split, f, shared) for f in fields)
        self.postings = _postings(self.docs)
        self.idf = {term: postings.idf for term, postings in self.postings.items()}
        self.idf_unknown = _idf(UNKNOWN_DF, len(fields))
        self.info = {
            t: i * WEAK_WEIGHT if t in analyzer.weak_terms else i for t, i in self.idf.items()
        }
        self.masses = tuple(tuple(self._mass(p) for p in doc.phrasings) for doc in self.docs)
        self.exact = {" ".join(split[p]): i for i, f in enumerate(fields) for p in f.phrases[::-1]}

    def _mass(self, terms: Terms) -> float:
        """Informative mass of index text: idf-weighted, general words weak."""
        info, unknown = self.info, self.idf_unknown
        return sum([w * info.get(t, unknown) for t, w in terms.items()])

    def _query_mass(self, query: Terms) -> float:
        """Informative mass of a question (its general words are weak already)."""
        idf, unknown = self.idf, self.idf_unknown
        return sum(w * idf.get(t, unknown) for t, w in query.items())

    def exact_match(self, text: str) -> int | None:
        """The entry one of whose phrasings is `text`, word for word, if any."""
        return self.exact.get(" ".join(self.analyzer.words(text, MAX_QUERY_CHARS)))

    def score(self, text: str) -> list[Match]:
        """Best TOP_K entries for `text`, finely scored, best first."""
        query = self.analyzer.query(text)
        total = self._query_mass(query)
        if total <= 0:
            return []
        top = heapq.nlargest(TOP_K, self._accumulate(query).items(), key=itemgetter(1))
        raw = " ".join(self.analyzer.words(text, MAX_QUERY_CHARS))
        matches = [self._match(query, total, entry, bm, raw) for entry, bm in top]
        return sorted(matches, key=lambda m: -m.score)

    def _accumulate(self, query: Terms) -> dict[int, float]:
        """Sum BM25 contributions; common terms only add to entries already found."""
        postings = self.postings
        found = [(postings[t], w * postings[t].idf) for t, w in query.items() if t in postings]
        found.sort(key=lambda pw: len(pw[0].entries))
        acc: dict[int, float] = {}
        for posting, weight in found:
            if posting.common and acc:
                lookup = posting.entries
                for entry in acc:
                    acc[entry] += weight * lookup.get(entry, 0.0)
                continue
            get = acc.get
            for entry, saturated in posting.entries.items():
                acc[entry] = get(entry, 0.0) + weight * saturated
        return acc

    def _match(self, query: Terms, total: float, entry: int, bm: float, raw: str) -> Match:
        """Fine score of one candidate: BM25, coverage of the query and best phrasing overlap."""
        doc = self.docs[entry]
        idf, unknown = self.idf, self.idf_unknown
        weighted = {t: w * idf.get(t, unknown) for t, w in query.items()}
        central = sum(v * doc.centrality(t) for t, v in weighted.items())
        phrase, recall = self._best_phrasing(query, total, entry)
        match = Match(
            index=entry,
            score=0.0,
            bm25=bm / (total * (K1 + 1)),
            coverage=sum(v * doc.strength(t) for t, v in weighted.items()) / total,
            phrase=phrase,
            recall=recall,
            centrality=central / total,
            fuzzy=max((fuzz.ratio(raw, p) for p in doc.raw), default=0.0) / 100,
            unknown=sum(v for t, v in weighted.items() if t not in idf) / total,
            evidence=central / self.idf_unknown,
            english=self.analyzer.language.code == "en",
        )
        return replace(match, score=_score(match))

    def _best_phrasing(self, query: Terms, total: float, entry: int) -> tuple[float, float]:
        """Dice overlap and recall of the entry's phrasing that shares most with the query."""
        phrase = recall = 0.0
        for phrasing, mass in zip(self.docs[entry].phrasings, self.masses[entry], strict=True):
            shared = self._shared(query, phrasing)
            phrase = max(phrase, 2 * shared / (total + mass))
            recall = max(recall, shared / mass if mass > 0 else 0.0)
        return phrase, recall

    def _shared(self, query: Terms, phrasing: Terms) -> float:
        """Informative mass that the query and one phrasing have in common."""
        info = self.info
        return sum(min(w, phrasing[t]) * info[t] for t, w in query.items() if t in phrasing)


def _score(match: Match) -> float:
    """The ranking score: a weighted sum of the match's evidences."""
    return (
        S_BM25 * match.bm25
        + S_COVERAGE * match.coverage
        + S_PHRASE * match.phrase
        + S_RECALL * match.recall
        + S_CENTRALITY * match.centrality
        + S_FUZZY * match.fuzzy
    )


def _analyse(
    analyzer: Analyzer,
    split: Mapping[str, list[str]],
    fields: Fields,
    shared: dict[tuple[str, ...], Terms],
) -> _Doc:
    """Analyse one entry's fields; `shared` keeps the terms of keyword and topic lists."""

    def terms(text: str) -> Terms:
        return analyzer.analyze(split[text])

    def union(texts: tuple[str, ...]) -> Terms:
        found = shared.get(texts)
        if found is None:
            found = shared[texts] = _union(terms(t) for t in texts)
        return found

    phrasings = tuple(terms(p) for p in fields.phrases)
    share: dict[str, float] = {}
    best: dict[str, float] = {}
    count = len(phrasings)
    for phrasing in phrasings:
        for term, weight in phrasing.items():
            share[term] = share.get(term, 0.0) + weight / count
            if best.get(term, 0.0) < weight:
                best[term] = weight
    return _Doc(
        phrasings=phrasings,
        keywords=union(fields.keywords),
        topic=union(fields.topic),
        answer=terms(fields.answer),
        raw=tuple(" ".join(split[p]) for p in fields.phrases),
        phrase_share=share,
        phrase_best=best,
    )


def _union(terms: Iterable[Terms]) -> Terms:
    result: dict[str, float] = {}
    for mapping in terms:
        for term, weight in mapping.items():
            if result.get(term, 0.0) < weight:
                result[term] = weight
    return result


def _postings(docs: Sequence[_Doc]) -> dict[str, _Postings]:
    """term -> entries with their saturated BM25F term frequencies, and the term's idf.

    BM25F: per entry, each term's frequency is the field-weighted sum over its fields (answer
    length-normalised), saturated as BM25 does; idf is applied per term at query time. The idf
    counts only entries that use a term in their own texts: a topic alias ("klimafit") is shared
    by every entry of the topic, and counting those would make a word that one entry is all
    about look common.
    """
    average = max(sum(len(d.answer) for d in docs) / max(len(docs), 1), 1.0)
    saturate = K1 + 1
    grouped: defaultdict[str, dict[int, float]] = defaultdict(dict)
    topic_only: Counter[str] = Counter()
    for entry, doc in enumerate(docs):
        answer_weight = W_ANSWER / (1 - B + B * len(doc.answer) / average)
        # The answer has the most terms: it seeds the dictionary, the other fields add to it.
        tf = {term: answer_weight * weight for term, weight in doc.answer.items()}
        for terms, factor in (
            (doc.phrase_share, W_PHRASE),
            (doc.keywords, W_KEYWORD),
            (doc.topic, W_TOPIC),
        ):
            for term, weight in terms.items():
                tf[term] = tf.get(term, 0.0) + factor * weight
        for term, f in tf.items():
            grouped[term][entry] = f * saturate / (f + K1)
        own = (doc.phrase_share, doc.keywords, doc.answer)
        topic_only.update(t for t in doc.topic if not any(t in field for field in own))
    n = len(docs)
    common = max(COMMON_MIN, n // COMMON_FRACTION)
    result = {}
    for term, entries in grouped.items():
        idf = _idf((len(entries) - topic_only[term]) or len(entries), n)
        result[term] = _Postings(idf, entries, len(entries) > common)
    return result


def _idf(df: float, n: int) -> float:
    """BM25 inverse document frequency."""
    return math.log(1 + (n - df + 0.5) / (df + 0.5))
