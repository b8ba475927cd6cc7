"""German-first text normalisation: folding, tokenising, stopwords and stemming.

Folding scheme (applied to index and query alike): lowercase, NFKD without accents, `ß`→`ss`,
umlauts to the bare vowel (`ä`→`a`) and their transliterations too (`ae`→`a`, `oe`→`o`,
`ue`→`u` except after `q`), so "wärmepumpe", "waermepumpe" and "warmepumpe" all become
"warmepumpe". The Snowball German stemmer (3.x) uses the same scheme, so stems agree.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable

import snowballstemmer

from .lexicon import ENGLISH_STOP, GERMAN_STOP

__all__ = [
    "ENGLISH_STOPWORDS",
    "GERMAN_STOPWORDS",
    "MAX_QUERY_CHARS",
    "clean",
    "fold_de",
    "fold_en",
    "folded",
    "pieces",
    "stem_all",
    "stemmer",
    "tokens",
    "words",
]

# Longer input is cut before any regex runs, so a pasted novel costs no more than a paragraph.
MAX_QUERY_CHARS = 1000

_TAG_RE = re.compile(r"<[^<>]{0,300}>")
_URL_RE = re.compile(r"(?:https?://|www\.)\S+")
_UE_RE = re.compile(r"(?<!q)ue")
_WORD_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def clean(text: str, limit: int | None = None) -> str:
    """Drop HTML tags, entities and URLs; optionally cut to `limit` characters first."""
    if limit is not None:
        text = text[:limit]
    text = html.unescape(text)  # returns at once when there is no "&"
    if "<" in text:
        text = _TAG_RE.sub(" ", text)
    if "://" in text or "www." in text:
        text = _URL_RE.sub(" ", text)
    return text


def _strip_accents(text: str) -> str:
    """Casefold and remove combining marks (ä→a, é→e, ß→ss); plain ASCII takes the fast path."""
    text = text.casefold()
    if text.isascii():
        return text
    text = text.replace("ä", "a").replace("ö", "o").replace("ü", "u")
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def fold_de(text: str) -> str:
    """Fold German text: lowercase, no accents, umlaut transliterations collapsed."""
    text = _strip_accents(text).replace("ae", "a").replace("oe", "o")
    return _UE_RE.sub("u", text) if "ue" in text else text


_SPELLED_OUT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue"})


def spell_out(text: str) -> str:
    """Casefold with umlauts written out (ä→ae, ß→ss) and other accents dropped: the form in
    which people type a name ("Straße" and "strasse", "Café" and "cafe" alike)."""
    folded = unicodedata.normalize("NFC", text).casefold().translate(_SPELLED_OUT)
    return "".join(c for c in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(c))


def name_key(text: str) -> str:
    """A name as people type it, as a key: case, umlauts and ß, other accents, spaces and
    punctuation do not matter ("Repair-Café" and "repair cafe" alike)."""
    return "".join(c for c in spell_out(text) if c.isalnum())


def fold_en(text: str) -> str:
    """Fold English text: lowercase, no accents."""
    return _strip_accents(text)


def words(folded: str) -> list[str]:
    """Split folded text into words; hyphenated words such as "e-auto" stay whole."""
    return _WORD_RE.findall(folded)


def pieces(word: str) -> tuple[str, ...]:
    """The word itself, or for "e-auto" the joined word and its parts: ("eauto", "e", "auto")."""
    if "-" not in word:
        return (word,)
    return (word.replace("-", ""), *word.split("-"))


def stemmer(language: str) -> Callable[[str], str]:
    """A fresh Snowball stem function for "german" or "english" (stemmers are not thread-safe)."""
    return snowballstemmer.stemmer(language).stemWord  # type: ignore[no-any-return]


def stem_all(language: str, words: list[str]) -> list[str]:
    """Stems of many words in one call into the stemmer (much faster than one by one)."""
    return snowballstemmer.stemmer(language).stemWords(words)  # type: ignore[no-any-return]


def tokens(text: str) -> list[str]:
    """Normalised German stems of the informative words of `text` (stopwords dropped)."""
    stem = stemmer("german")
    result: list[str] = []
    for word in words(fold_de(clean(text))):
        result.extend(stem(p) for p in pieces(word) if p not in GERMAN_STOPWORDS and len(p) > 1)
    return result


def folded(raw: str, fold: Callable[[str], str]) -> frozenset[str]:
    """The whitespace-separated words of `raw`, each folded with `fold`."""
    return frozenset(fold(word) for word in raw.split())


GERMAN_STOPWORDS = folded(GERMAN_STOP, fold_de)
ENGLISH_STOPWORDS = folded(ENGLISH_STOP, fold_en)
