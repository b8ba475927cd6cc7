"""Load and strictly validate the curated FAQ: topics, synonyms and entries."""

from __future__ import annotations

import dataclasses
import datetime
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

from config.yamllines import (
    LineMap,
    LineSeq,
    Where,
    check_mapping,
    check_slug,
    check_string,
    kind_of,
    read_yaml,
)

__all__ = [
    "ASPECTS",
    "FaqData",
    "FaqEntry",
    "FaqError",
    "Topic",
    "entry_from_mapping",
    "is_source_name",
    "load_faq",
    "load_places",
    "load_synonyms",
    "load_topics",
]

LANGUAGES = ("de", "en")
MIN_PHRASINGS_DE = 3
ALLOWED_PLACEHOLDERS = frozenset({"kontakt"})

_PLACEHOLDER_RE = re.compile(r"\{([^{}]*)\}")
_ENTRY_REQUIRED = frozenset(
    {"id", "topic", "question", "phrasings", "answer", "sources", "checked"}
)
_ENTRY_OPTIONAL = frozenset({"keywords", "volatile", "related", "answers", "owner", "review"})
# What an entry's answer can answer about its topic (`answers:`); the engine compares it with
# what a question asks (commands/faqmatch/aspects.py). Closed: a new aspect needs cue patterns.
ASPECTS = (
    "explain", "cost", "payoff", "subsidy", "rules", "procedure",
    "contact", "time", "local", "tips", "figures",
)  # fmt: skip


class FaqError(Exception):
    """A FAQ data file is broken; the message names file, line and key path."""


@dataclass(frozen=True)
class Topic:
    """A topic that FAQ entries belong to."""

    slug: str
    name_de: str
    name_en: str
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class FaqEntry:
    """One curated question with its phrasings, answer and provenance."""

    id: str
    topic: str
    question: Mapping[str, str]
    phrasings: Mapping[str, tuple[str, ...]]
    keywords: tuple[str, ...]
    answer: Mapping[str, str]
    sources: tuple[str, ...]
    checked: datetime.date
    volatile: bool
    related: tuple[str, ...]
    file: str
    line: int
    # The aspects of its topic that the answer really answers; None: not declared yet (then
    # the engine puts no constraint on it).
    answers: tuple[str, ...] | None = None
    # Who keeps the entry up to date and when it is due for review; None: the config's
    # defaults (faq.default_owner; `checked` plus faq.review_months).
    owner: str | None = None
    review: datetime.date | None = None
    # "yaml" for a curated file's entry, "chat" for one made in the chat; an entry changed in
    # the chat is "yaml+chat" (config/faqoverlay.py).
    origin: str = "yaml"


@dataclass(frozen=True)
class FaqData:
    """Everything the FAQ engine needs, validated and immutable."""

    topics: tuple[Topic, ...]
    entries: tuple[FaqEntry, ...]
    synonyms: tuple[tuple[str, ...], ...]
    # Places other than the town itself: a question naming one (and none of `home_places`)
    # is about somewhere else, unless the entry itself names that place.
    other_places: tuple[str, ...] = ()
    home_places: tuple[str, ...] = ()

    def entry(self, entry_id: str) -> FaqEntry | None:
        """Return the entry with this id, or None."""
        return next((e for e in self.entries if e.id == entry_id), None)


# --- YAML with line numbers: config/yamllines.py ------------------------------------------

_Map = LineMap
_Seq = LineSeq


def _read_yaml(path: Path) -> Any:
    """Parse one YAML file; syntax errors become FaqError with file:line."""
    return read_yaml(path, FaqError)


# --- validation helpers -----------------------------------------------------------------


_Where = Where


def _sequence(value: Any, where: _Where, min_items: int = 0) -> _Seq:
    """Check that value is a list with at least `min_items` items."""
    if not isinstance(value, _Seq):
        raise where.error(f"must be a list, got {kind_of(value)}")
    if len(value) < min_items:
        raise where.error(f"at least {min_items} item(s) required")
    return value


def _strings(value: Any, where: _Where, min_items: int = 0) -> tuple[str, ...]:
    """Check that value is a list of non-empty strings."""
    seq = _sequence(value, where, min_items)
    return tuple(check_string(item, item_where) for item_where, item in where.items(seq))


def _top_list(data: Any, key: str, where: _Where) -> tuple[_Where, _Seq]:
    """The list under the single top-level `key` of a data file."""
    root = check_mapping(data, where, frozenset({key}), frozenset())
    return where.key(root, key), _sequence(root[key], where.key(root, key))


# --- topics and synonyms ----------------------------------------------------------------


def load_topics(path: Path) -> tuple[Topic, ...]:
    """Load and validate topics.yaml."""
    where, items = _top_list(_read_yaml(path), "topics", Where(str(path), 1, "", FaqError))
    topics: dict[str, Topic] = {}
    for item_where, item in where.items(items):
        topic = _topic(item, item_where)
        if topic.slug in topics:
            raise item_where.error(f"duplicate topic slug {topic.slug!r}")
        topics[topic.slug] = topic
    return tuple(topics.values())


def _topic(value: Any, where: _Where) -> Topic:
    """Validate one topic mapping."""
    item = check_mapping(value, where, frozenset({"slug", "name"}), frozenset({"aliases"}))
    name_where = where.key(item, "name")
    name = check_mapping(item["name"], name_where, frozenset(LANGUAGES), frozenset())
    aliases = item.get("aliases", _Seq(item.line))
    return Topic(
        slug=check_slug(item["slug"], where.key(item, "slug")),
        name_de=check_string(name["de"], name_where.key(name, "de")),
        name_en=check_string(name["en"], name_where.key(name, "en")),
        aliases=_strings(aliases, where.key(item, "aliases")),
    )


def _search_vocabulary(path: Path) -> tuple[_Where, LineMap]:
    """The root of synonyms.yaml: `synonyms` and, optionally, the place lists."""
    where = Where(str(path), 1, "", FaqError)
    optional = frozenset({"other_places", "home_places"})
    return where, check_mapping(_read_yaml(path), where, frozenset({"synonyms"}), optional)


def load_synonyms(path: Path) -> tuple[tuple[str, ...], ...]:
    """Load and validate synonyms.yaml: groups of at least two equivalent words or phrases."""
    return _synonym_groups(*_search_vocabulary(path))


def load_places(path: Path) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The optional `home_places` and `other_places` lists of synonyms.yaml (single words)."""
    return _places(*_search_vocabulary(path))


def _synonym_groups(where: _Where, root: LineMap) -> tuple[tuple[str, ...], ...]:
    groups_where = where.key(root, "synonyms")
    result = []
    for group_where, group in groups_where.items(_sequence(root["synonyms"], groups_where)):
        words = _strings(group, group_where, min_items=2)
        result.append(tuple(dict.fromkeys(word.lower() for word in words)))
    return tuple(result)


def _places(where: _Where, root: LineMap) -> tuple[tuple[str, ...], tuple[str, ...]]:
    result: list[tuple[str, ...]] = []
    for key in ("home_places", "other_places"):
        if key not in root:
            result.append(())
            continue
        places_where = where.key(root, key)
        names = _strings(root[key], places_where)
        for item_where, name in places_where.items(root[key]):
            if len(name.split()) != 1:
                raise item_where.error(f"place names are single words, got {name!r}")
        result.append(tuple(dict.fromkeys(name.strip().lower() for name in names)))
    return result[0], result[1]


# --- FAQ entries ------------------------------------------------------------------------


def load_faq(faq_dir: Path, topics_path: Path, synonyms_path: Path) -> FaqData:
    """Load topics, synonyms and every `*.yaml` under faq_dir; cross-check ids and topics."""
    topics = load_topics(topics_path)
    vocabulary = _search_vocabulary(synonyms_path)  # read once: groups and places
    synonyms = _synonym_groups(*vocabulary)
    home_places, other_places = _places(*vocabulary)
    files = sorted(faq_dir.glob("*.yaml"))
    if not files:
        raise FaqError(f"{faq_dir}: no *.yaml FAQ files found")
    slugs = frozenset(topic.slug for topic in topics)
    entries: dict[str, FaqEntry] = {}
    related_where: dict[str, tuple[_Where, ...]] = {}
    for path in files:
        for entry, where, rel_where in _load_entries_file(path, slugs):
            if entry.id in entries:
                first = entries[entry.id]
                raise where.error(f"duplicate id {entry.id!r} (first at {first.file}:{first.line})")
            entries[entry.id] = entry
            related_where[entry.id] = rel_where
    _check_related(entries, related_where)
    return FaqData(
        topics=topics,
        entries=tuple(entries.values()),
        synonyms=synonyms,
        other_places=other_places,
        home_places=home_places,
    )


def _load_entries_file(
    path: Path, slugs: frozenset[str]
) -> Iterator[tuple[FaqEntry, _Where, tuple[_Where, ...]]]:
    """Validate one FAQ file; yield each entry with the locations of its id and related ids."""
    where, items = _top_list(_read_yaml(path), "entries", Where(str(path), 1, "", FaqError))
    for item_where, item in where.items(items):
        entry, related_where = _entry(item, item_where, slugs)
        yield entry, item_where.key(item, "id"), related_where


def _entry(value: Any, where: _Where, slugs: frozenset[str]) -> tuple[FaqEntry, tuple[_Where, ...]]:
    """Validate one entry mapping."""
    item = check_mapping(value, where, _ENTRY_REQUIRED, _ENTRY_OPTIONAL)
    topic = check_slug(item["topic"], where.key(item, "topic"))
    if topic not in slugs:
        raise where.key(item, "topic").error(f"unknown topic {topic!r}")
    related_seq = _sequence(item.get("related", _Seq(item.line)), where.key(item, "related"))
    related_where = tuple(w for w, _ in where.key(item, "related").items(related_seq))
    entry = FaqEntry(
        id=check_slug(item["id"], where.key(item, "id")),
        topic=topic,
        question=_texts(item["question"], where.key(item, "question")),
        phrasings=_phrasings(item["phrasings"], where.key(item, "phrasings")),
        keywords=_keywords(item.get("keywords", _Seq(item.line)), where.key(item, "keywords")),
        answer=_answers(item["answer"], where.key(item, "answer")),
        sources=_sources(item["sources"], where.key(item, "sources")),
        checked=_date(item["checked"], where.key(item, "checked")),
        volatile=_bool(item.get("volatile", False), where.key(item, "volatile")),
        related=tuple(check_slug(r, w) for r, w in zip(related_seq, related_where, strict=True)),
        file=where.file,
        line=where.line,
        answers=_aspects(item["answers"], where.key(item, "answers"))
        if "answers" in item
        else None,
        owner=check_string(item["owner"], where.key(item, "owner")) if "owner" in item else None,
        review=_date(item["review"], where.key(item, "review")) if "review" in item else None,
    )
    return entry, related_where


def _aspects(value: Any, where: _Where) -> tuple[str, ...]:
    """A non-empty list of distinct aspects from ASPECTS."""
    seq = _sequence(value, where, min_items=1)
    result: list[str] = []
    for item_where, item in where.items(seq):
        aspect = check_string(item, item_where).strip()
        if aspect not in ASPECTS:
            raise item_where.error(f"unknown aspect {aspect!r} (allowed: {', '.join(ASPECTS)})")
        if aspect in result:
            raise item_where.error(f"aspect {aspect!r} listed twice")
        result.append(aspect)
    return tuple(result)


def _texts(value: Any, where: _Where) -> Mapping[str, str]:
    """A {de, en?} mapping of non-empty strings."""
    langs = check_mapping(value, where, frozenset({"de"}), frozenset(LANGUAGES) - {"de"})
    return MappingProxyType(
        {lang: check_string(langs[lang], where.key(langs, lang)) for lang in langs}
    )


def _phrasings(value: Any, where: _Where) -> Mapping[str, tuple[str, ...]]:
    """A {de: [≥3], en?: [≥1]} mapping of phrasing lists."""
    langs = check_mapping(value, where, frozenset({"de"}), frozenset(LANGUAGES) - {"de"})
    result = {}
    for lang in langs:
        lang_where = where.key(langs, lang)
        if isinstance(langs[lang], _Seq) and lang == "de" and len(langs[lang]) < MIN_PHRASINGS_DE:
            raise lang_where.error(f"at least {MIN_PHRASINGS_DE} phrasings required")
        result[lang] = _strings(langs[lang], lang_where, min_items=1)
    return MappingProxyType(result)


def _keywords(value: Any, where: _Where) -> tuple[str, ...]:
    """Search keywords; a bare whole number (`60000`) is taken as the word it spells."""
    seq = _sequence(value, where)
    return tuple(
        str(item) if isinstance(item, int) and not isinstance(item, bool) else check_string(item, w)
        for w, item in where.items(seq)
    )


def _answers(value: Any, where: _Where) -> Mapping[str, str]:
    """Answer texts; the only placeholder allowed is {kontakt}."""
    texts = _texts(value, where)
    for lang, text in texts.items():
        for name in _PLACEHOLDER_RE.findall(text):
            if name not in ALLOWED_PLACEHOLDERS:
                allowed = ", ".join("{" + p + "}" for p in sorted(ALLOWED_PLACEHOLDERS))
                raise where.key(value, lang).error(
                    f"unknown placeholder {{{name}}} (allowed: {allowed})"
                )
    return texts


def _sources(value: Any, where: _Where) -> tuple[str, ...]:
    """At least one absolute http(s) URL, or the name of an office ("Klimaschutzmanagement
    Ochtrup": an answer the manager gave in the chat has no page to link)."""
    urls = _strings(value, where, min_items=1)
    for (item_where, _), url in zip(where.items(value), urls, strict=True):
        if is_source_name(url):
            continue
        parts = urlsplit(url)
        if (
            parts.scheme not in ("http", "https")
            or not parts.netloc
            or any(c.isspace() for c in url)
        ):
            raise item_where.error(f"{url!r} is not an http(s) URL")
    return urls


def is_source_name(source: str) -> bool:
    """True for a source given by name: two words or more, nothing of a URL (no scheme, dot
    or slash), so a mistyped link is still an error."""
    return len(source.split()) >= 2 and not any(c in source for c in ":/.")


def _date(value: Any, where: _Where) -> datetime.date:
    """A calendar date (YYYY-MM-DD)."""
    if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date | str):
        raise where.error(f"must be a date (YYYY-MM-DD), got {kind_of(value)}")
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(value.strip())
    except ValueError:
        raise where.error(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _bool(value: Any, where: _Where) -> bool:
    """A YAML boolean."""
    if not isinstance(value, bool):
        raise where.error(f"must be true or false, got {kind_of(value)}")
    return value


def _check_related(
    entries: Mapping[str, FaqEntry], related_where: Mapping[str, tuple[_Where, ...]]
) -> None:
    """Every related id must name another existing entry."""
    for entry in entries.values():
        for related, where in zip(entry.related, related_where[entry.id], strict=True):
            if related == entry.id:
                raise where.error("an entry cannot be related to itself")
            if related not in entries:
                raise where.error(f"unknown related id {related!r}")


# --- entries made or changed in the chat (stored as plain mappings in the database) -------


def entry_from_mapping(
    value: Mapping[str, Any], slugs: frozenset[str], where: str, origin: str
) -> FaqEntry:
    """Validate an entry given as plain data (the YAML format) with the same checks as a file;
    `where` names it in errors (e.g. "chat:balkon-frage")."""
    entry, _ = _entry(_lined(value), Where(where, 1, "", FaqError), slugs)
    return dataclasses.replace(entry, origin=origin)


def _lined(value: Any) -> Any:
    """Plain dicts and lists as the YAML reader's LineMap/LineSeq (every line 1)."""
    if isinstance(value, Mapping):
        result = LineMap(1)
        for key, item in value.items():
            result[key] = _lined(item)
            result.lines[key] = result.key_lines[key] = 1
        return result
    if isinstance(value, list | tuple):
        seq = LineSeq(1)
        seq.extend(_lined(item) for item in value)
        seq.lines = [1] * len(seq)
        return seq
    return value
