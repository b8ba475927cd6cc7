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

__all__ = [
    "ENGLISH_STOPWORDS",
    "GERMAN_STOPWORDS",
    "MAX_QUERY_CHARS",
    "clean",
    "fold_de",
    "fold_en",
    "pieces",
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
    text = _TAG_RE.sub(" ", html.unescape(text))
    return _URL_RE.sub(" ", text)


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
    return _UE_RE.sub("u", _strip_accents(text).replace("ae", "a").replace("oe", "o"))


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


def tokens(text: str) -> list[str]:
    """Normalised German stems of the informative words of `text` (stopwords dropped)."""
    stem = stemmer("german")
    result: list[str] = []
    for word in words(fold_de(clean(text))):
        result.extend(stem(p) for p in pieces(word) if p not in GERMAN_STOPWORDS and len(p) > 1)
    return result


def _folded_set(raw: str, fold: Callable[[str], str]) -> frozenset[str]:
    return frozenset(fold(word) for word in raw.split())


# Standard function words plus chat fillers ("hallo", "bitte", "infos", "erfahren") that say
# nothing about which FAQ entry is meant. Question words are fillers too: the FAQ answers
# "wann"/"wo"/"wer" for a topic in the same entry.
GERMAN_STOPWORDS = _folded_set(
    """
    aber alle allem allen aller alles als also am an ander andere anderem anderen anderer
    anderes anders auch auf aus bei beim bin bis bist bzw da dabei dafür dagegen daher damit
    danach dann daran darauf darf darfst darin darüber darum das dass daß davon dazu dein deine
    deinem deinen deiner deines dem den denen denn der deren des dessen dich die dies diese
    diesem diesen dieser dieses dir doch dort du durch eben ein eine einem einen einer eines
    einfach einige einigem einigen einiger einiges einmal er es etwa etwas euch euer eure eurem
    euren eurer eures für gegen gehabt gewesen hab habe haben hast hat hatte hatten hätte hätten
    hier hin hinter ich ihm ihn ihnen ihr ihre ihrem ihren ihrer ihres im in indem ins ist ja je
    jede jedem jeden jeder jedes jemand jene jenem jenen jener jenes jetzt kann kannst kein keine
    keinem keinen keiner keines können könnt könnte könnten könntest man manche manchem manchen
    mancher manches mein meine meinem meinen meiner meines mich mir mit muss musst müssen müsste
    nach nicht nichts noch nun nur ob oder ohne sehr sein seine seinem seinen seiner seines seid
    selbst sich sie sind so solche solchem solchen solcher solches soll sollen sollte sollten
    sondern sonst über um und uns unser unsere unserem unseren unserer unseres unter viel viele
    vom von vor weiter weitere weiteren weiterer weiteres wäre wären war waren warst was weil
    welche welchem welchen welcher welches wem
    wen wenn wer werde werden werdet wie wieder will willst wir wird wirst wo wollen wollte
    worden wurde wurden würde würden würdest zu zum zur zwar zwischen
    wann warum wieso weshalb woher wohin womit wofür worum wozu wobei woran worauf welches
    hallo hi hey moin servus tag guten morgen abend bitte danke dankeschön gerne gern mal
    eigentlich genau eventuell vielleicht irgendwie irgendwas irgendwo ok okay nein naja
    gibt gibts geben frage fragen infos info informationen information erfahren wissen weiß
    sagen sag sagt erklären erkläre erklär brauche brauchen suche suchen finde finden kriege
    möchte möchten möchtest mag ganz schon bereits dazu denn wohl gerade etc usw
    ne nem nen ner eh halt echt total wirklich überhaupt immer nochmal mehr weniger
    tun tut tue machen macht mache gemacht gehen geht gehe kommen kommt komme bekommen
    bekomme bekommt bekomm kriegt stehen steht sehen sehe sieht lassen lasse lässt stimmt
    heißt bedeutet gut gute guten besser beste bzgl bezüglich leute jemand irgendwer
    wieviel wieviele wievielen erst erste ersten ersteres sowas sowie damit dadurch
    nächste nächsten nächster nächstes letzte letzten letzter letztes
    """,
    fold_de,
)

ENGLISH_STOPWORDS = _folded_set(
    """
    a about above after again all am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had
    has have having he her here hers herself him himself his how i if in into is it its itself
    just me more most my myself no nor not now of off on once only or other our ours ourselves
    out over own same she should so some such than that the their theirs them themselves then
    there these they this those through to too under until up very was we were what when where
    which while who whom why will with would you your yours yourself yourselves
    hello hi hey please thanks thank tell know want need get got there's what's i'm is there
    info information find look looking anything something any way much many also
    """,
    fold_en,
)
