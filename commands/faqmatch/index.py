"""The FAQ index: one channel per language, merged per entry, then the decision."""

from __future__ import annotations

import gc
from dataclasses import replace
from pathlib import Path

from config.faq import FaqData, FaqEntry, Topic

from .aspects import CONCRETE, Asked, AspectDetector, shown
from .channel import Channel, Fields, Match
from .meaning import Embedder, Meaning, MeaningCheck
from .normalize import MAX_QUERY_CHARS, clean, fold_de, words
from .outcome import AMBIGUOUS_MIN_COVERAGE, RUNNER_UP_SHARE, Outcome, decide, suggestions
from .vocab import ENGLISH, GERMAN

__all__ = ["FaqIndex", "Match"]


class FaqIndex:
    """The searchable FAQ; build once at start, then `ask` many times (read-only, thread-safe)."""

    def __init__(self, data: FaqData) -> None:
        topics = {topic.slug: topic for topic in data.topics}
        self.entries: tuple[FaqEntry, ...] = data.entries
        self._channels = tuple(
            Channel(
                lang,
                [_fields(e, topics.get(e.topic), lang.code) for e in data.entries],
                data.synonyms,
            )
            for lang in (GERMAN, ENGLISH)
        )
        self._home = frozenset(fold_de(place) for place in data.home_places)
        self._elsewhere = frozenset(fold_de(place) for place in data.other_places)
        self._named = tuple(self._places_in(_texts(e)) for e in data.entries)
        self.aspects = AspectDetector(w for c in self._channels for w in c.analyzer.vocab.stems)
        # Per entry: the concrete values (an amount, a span of time) its answer shows, and
        # whether it explains how its subject works. They only matter for the aspects an entry
        # declares in `answers`, so entries without them cost nothing here.
        self._shows = tuple(self._shown(e) for e in data.entries)
        # The second opinion by meaning (meaning.py), attached once it is built: slow to build,
        # so the bot answers lexically until then.
        self.meaning: MeaningCheck | None = None

    @classmethod
    def build(cls, data: FaqData) -> FaqIndex:
        """Precompute everything needed to answer questions about `data`."""
        # Building allocates millions of small objects and frees none in cycles: the cyclic
        # collector would only walk them again and again (a fifth of the build time). Afterwards
        # they are moved out of its reach (gc.freeze), or the first collection after the build
        # would walk them all at once in the middle of a question (about 50 ms at 5,000 entries).
        # The index holds no reference cycles, so a replaced index is still freed by refcounts.
        # Freezing also takes every other object alive at that moment (the bot builds in a
        # thread while the event loop runs on, with the collector off meanwhile), and one that
        # later ends up in a garbage cycle is never collected while frozen. So each build first
        # unfreezes what the last one froze and collects once (about 0.1 s at 5,000 entries,
        # once per build): garbage is then kept at most until the next build, not for good.
        enabled = gc.isenabled()
        gc.disable()
        try:
            return cls(data)
        finally:
            if enabled:
                gc.unfreeze()
                gc.collect()
                gc.freeze()
                gc.enable()

    def with_meaning(self, embedder: Embedder | None, cache: Path | None = None) -> FaqIndex:
        """Attach the second opinion by meaning, built now (slow: see meaning.py; `cache` is a
        file that keeps the FAQ's vectors between runs); None leaves the index lexical.
        Returns the index itself."""
        if embedder is not None:
            self.meaning = MeaningCheck.build(embedder, self.entries, cache)
        return self

    def vocabulary_size(self) -> int:
        """Number of distinct words the index knows, over both languages."""
        return sum(len(c.analyzer.vocab.stems) for c in self._channels)

    def language(self, text: str) -> str:
        """ "en" for a question written in English, else "de"."""
        return "en" if self._channels[0].analyzer.is_english(text) else "de"

    def matches(self, text: str) -> list[Match]:
        """Candidates for `text` over both languages, best first."""
        english = self.language(text) == "en"
        best: dict[int, Match] = {}
        for channel in self._channels:
            for match in channel.score(text):
                other = best.get(match.index)
                if other is None or _better(match, other, english):
                    best[match.index] = match
        # The confidence's `english` evidence is for an English question explained by the
        # English texts; a German question that only shares a name with them earns none.
        chosen = (
            m if english or not m.english else replace(m, english=False) for m in best.values()
        )
        return sorted(chosen, key=lambda m: -m.score)

    def ask(self, text: str, meaning: bool = True) -> Outcome:
        """Answer, suggest candidates, or admit not knowing; `meaning` False leaves the meaning
        check out (a quick guess: the ranking is the same, only the confidence is lexical)."""
        exact = next((i for c in self._channels if (i := c.exact_match(text)) is not None), None)
        matches = self.matches(text)
        asked = self.aspects.analyse(text) if exact is None else Asked(frozenset(), False)
        check = self.meaning if meaning else None
        opinion = check.of(text) if check is not None and exact is None and matches else None
        outcome = self._decide(matches, exact, asked, opinion)
        if outcome.kind == "dont_know" and opinion is not None and _keywords(text):
            outcome = self._by_words(outcome, matches, exact, asked, opinion)
        if exact is None and matches and self._elsewhere_than(text, matches[0].index):
            # What the FAQ says about the town is no answer about another place.
            return Outcome("dont_know", None, (), outcome.ranked, 0.0)
        return outcome

    def _by_words(
        self,
        outcome: Outcome,
        matches: list[Match],
        exact: int | None,
        asked: Asked,
        opinion: Meaning,
    ) -> Outcome:
        """A keyword question the model left unknown: candidates if the words find it.

        "wärmepumpe", "wp förderung": the model finds a bare keyword less close to any full
        question than a question is, which lowers the confidence although its closest entries
        are those the words found. Unless the model points elsewhere (the entry closest in
        meaning is none of the best matches), such a question gets the candidates its words
        give; an answer the words alone are sure of is offered, not given.

        Keywords that the FAQ's words explain completely ("solar", "sanierung", "kontakt") get
        candidates even when the words tie between many entries or the model points elsewhere:
        for a bare word the model's similarities crowd together (0.90 ± 0.01 for every entry),
        so its closest entry says little, and a person who typed a topic's word wants to see
        what the FAQ has on it, not be told that nothing fits. Never an answer by this rule.
        """
        best = matches[0]
        explained = best.unknown == 0 and best.coverage >= AMBIGUOUS_MIN_COVERAGE
        top = matches[:KEYWORD_AGREE]
        agrees = any(opinion.similarity(m.index) >= opinion.closest for m in top)
        if not agrees and not explained:
            return outcome
        # The words choose the candidates; the confidence stays the one with the model's
        # opinion in it (what the manager is shown for the question).
        by_words = replace(self._decide(matches, exact, asked, None), confidence=outcome.confidence)
        if by_words.kind == "did_you_mean":
            return by_words
        if by_words.kind == "dont_know" and explained and len(matches) > 1:
            offers = suggestions(self.entries, matches)
            return replace(by_words, kind="did_you_mean", candidates=offers)
        if by_words.kind != "answer":
            return outcome
        first = matches[0].score
        close = (i for i, score in by_words.ranked if score >= RUNNER_UP_SHARE * first)
        chosen = by_words.entry_id or ""
        offers = (chosen, *(i for i in close if i != chosen))[:3]
        return replace(by_words, kind="did_you_mean", entry_id=None, candidates=offers)

    def _decide(
        self, matches: list[Match], exact: int | None, asked: Asked, opinion: Meaning | None
    ) -> Outcome:
        return decide(
            self.entries,
            matches,
            exact,
            asked.aspects,
            asked.topicless,
            asked.concrete,
            self._shows,
            asked.points,
            opinion,
        )

    def _shown(self, entry: FaqEntry) -> frozenset[str]:
        """The concrete aspects (cost, time, explain) whose value the entry's answer shows.

        `explain` counts if the entry's own question asks what its subject is, what it does or
        how it works: only such an entry explains how a thing works; others say what it is for.
        """
        declared = CONCRETE.intersection(entry.answers or ())
        if not declared:
            return frozenset()
        found = shown("\n".join(entry.answer.values())) & declared
        if "explain" in declared and any(self.aspects.explains(q) for q in entry.question.values()):
            found |= {"explain"}
        return frozenset(found)

    def _places_in(self, text: str) -> frozenset[str]:
        """The other places named in the whole of `text` (entry texts are long: no cut)."""
        if not self._elsewhere:
            return frozenset()
        return self._elsewhere.intersection(words(fold_de(clean(text))))

    def _elsewhere_than(self, text: str, entry: int) -> bool:
        """True if `text` asks about another place that the entry does not name itself."""
        if not self._elsewhere:
            return False
        folded = words(fold_de(clean(text, MAX_QUERY_CHARS)))
        named = self._elsewhere.intersection(folded)
        return bool(named - self._named[entry]) and self._home.isdisjoint(folded)


# A question of at most this many words is a keyword search ("fernwärme", "e auto förderung").
KEYWORD_MAX_WORDS = 3
# ... and its closest entry in meaning must be among this many of the best matches by words.
KEYWORD_AGREE = 10


def _keywords(text: str) -> bool:
    """True for a question of a few words, typed as into a search box."""
    return len(words(fold_de(clean(text, MAX_QUERY_CHARS)))) <= KEYWORD_MAX_WORDS


# A match from the channel of the question's language is kept unless the other channel's match
# for the same entry scores this much higher: near-ties go to the language the question is in,
# whose texts explain it better.
# (On the tuning sets any margin from 1.05 to 1.2 gave the same results.)
OWN_LANGUAGE_MARGIN = 1.1


def _better(match: Match, other: Match, english: bool) -> bool:
    """Whether `match` should replace `other` as the match for their entry."""
    if match.english == other.english:
        return match.score > other.score
    own, foreign = (match, other) if match.english == english else (other, match)
    keep_own = own.score * OWN_LANGUAGE_MARGIN >= foreign.score
    return (match is own) == keep_own


def _texts(entry: FaqEntry) -> str:
    """All curated text of an entry, every language, as one string."""
    parts = [*entry.question.values(), *entry.answer.values(), *entry.keywords]
    parts.extend(p for phrasings in entry.phrasings.values() for p in phrasings)
    return "\n".join(parts)


def _fields(entry: FaqEntry, topic: Topic | None, lang: str) -> Fields:
    """The texts of `entry` that belong to language `lang`."""
    question = (entry.question[lang],) if lang in entry.question else ()
    if topic is None:
        names: tuple[str, ...] = ()
    else:
        names = (topic.name_de, *topic.aliases) if lang == "de" else (topic.name_en,)
    return Fields(
        phrases=question + entry.phrasings.get(lang, ()),
        keywords=entry.keywords if lang == "de" else (),
        topic=names,
        answer=entry.answer.get(lang, ""),
    )
