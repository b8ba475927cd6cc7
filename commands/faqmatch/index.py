"""The FAQ index: one channel per language, merged per entry, then the decision."""

from __future__ import annotations

from config.faq import FaqData, FaqEntry, Topic

from .channel import Channel, Fields, Match
from .outcome import Outcome, decide
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

    @classmethod
    def build(cls, data: FaqData) -> FaqIndex:
        """Precompute everything needed to answer questions about `data`."""
        return cls(data)

    def vocabulary_size(self) -> int:
        """Number of distinct words the index knows, over both languages."""
        return sum(len(c.analyzer.vocab.stems) for c in self._channels)

    def matches(self, text: str) -> list[Match]:
        """Candidates for `text` over both languages, best first."""
        best: dict[int, Match] = {}
        for channel in self._channels:
            for match in channel.score(text):
                if match.index not in best or best[match.index].score < match.score:
                    best[match.index] = match
        return sorted(best.values(), key=lambda m: -m.score)

    def ask(self, text: str) -> Outcome:
        """Answer, suggest candidates, or admit not knowing."""
        exact = next((i for c in self._channels if (i := c.exact_match(text)) is not None), None)
        matches = self.matches(text)
        return decide(self.entries, matches, exact)


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
