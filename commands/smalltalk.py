"""Small talk: greetings, thanks, "wer bist du?", a bare "ok", an emoji, an insult — told apart
from real questions, so that it gets a short friendly answer and never becomes an open question.

`classify` is a pure function. A message is small talk of a kind when it holds at least one of
that kind's phrases and nothing else but filler words (greetings, "bitte", "mal" …): "super,
danke dir!" is thanks, "Danke. Und was kostet eine Wärmepumpe?" is a question. A greeting in
front of a question is only a greeting: `strip_greeting` cuts it off so the question is answered.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice

from commands.botquestions import feature_kind
from commands.context import Context
from commands.languages import in_language

__all__ = ["KINDS", "VARIANTS", "SmallTalk", "classify", "reply", "strip_greeting"]


@dataclass(frozen=True)
class SmallTalk:
    """What kind of small talk a message is, and its language if the words tell."""

    kind: str
    language: str | None = None


# Per kind: (German phrases, English phrases, phrases of either language, extra filler words).
_PHRASES: dict[str, tuple[str, str, str, str]] = {
    "person": (
        "mit einem menschen sprechen | mit einem menschen reden | mit einem menschen schreiben | "
        "mit jemandem sprechen | mit jemandem reden | mit jemandem von der stadt sprechen | mit "
        "jemandem von der stadt reden | mit einer person sprechen | einen menschen sprechen | "
        "ansprechpartner | ansprechpartnerin | persönlich sprechen | jemanden anrufen | "
        "mit der stadt sprechen | mit der stadt reden | mit dem klimaschutzmanagement sprechen",
        "talk to a human | talk to a person | speak to a human | speak to a person | talk to "
        "someone | speak to someone | a real person | contact person | talk to the town",
        "",
        "ich | will | möchte | würde | kann | könnte | gerne | gern | lieber | bitte | einem | "
        "echten | wer | ist | der | die | mein | meine | i | want | would | like | to | can | "
        "could | please | a | real | rather | wie | erreiche | ich | how | do | reach | einen | "
        "lieber | doch | hier | jetzt | now",
    ),
    "frustration": (
        "das hilft mir nicht | das hilft nicht | hilft nicht | hilft mir nicht | hilft mir nicht "
        "weiter | hilft nicht weiter | bringt mir nichts | das bringt nichts | keine antwort | "
        "das war keine antwort | das ist keine antwort | beantwortet meine frage nicht | "
        "beantwortet nicht meine frage | das ist falsch | falsch | stimmt nicht | quatsch | "
        "unsinn | schwachsinn | blödsinn | du verstehst mich nicht | du verstehst nicht | "
        "das meinte ich nicht | das wollte ich nicht wissen | nicht hilfreich | war nicht "
        "hilfreich | nicht das was ich gesucht habe | ich verstehe das nicht | versteh ich nicht | "
        "verstehe ich nicht | schade | mist | nicht gut | nicht zufrieden | passt nicht | "
        "geht am thema vorbei | das ist nicht meine frage | das war nicht meine frage | hä | "
        "wie bitte | was soll das | das ist nicht was ich gefragt habe",
        "that does not help | that doesnt help | this doesnt help | doesnt help | does not help | "
        "didnt help | did not help | not helpful | unhelpful | thats wrong | that is wrong | "
        "wrong | wrong answer | not what i asked | thats not what i asked | you dont understand | "
        "useless answer | no answer | i dont understand | not my question | nonsense | not what "
        "i asked | not what i meant | what do you mean",
        "huh",
        "leider | irgendwie | wirklich | gar | überhaupt | echt | total | ganz | aber | weiter | "
        "sorry | really | at all | the | that | this | mir | me | auf | meine | frage | on | my | "
        "question | antwort | answer | hm | hmm | na | ja | nein | no | oh | ach | so | eben | "
        "das | was | what | is | it | this | ist | ein | eine | i | du | you | ich | mich | für | "
        "doch | denn | totaler | kompletter | a | load | of",
    ),
    "insult": (
        "du bist dumm | du bist blöd | du bist doof | du bist nutzlos | du bist schlecht | du bist "
        "unfähig | bist du dumm | bist du blöd | bist du doof | dummer bot | blöder bot | doofer "
        "bot | scheiß bot | scheissbot | nutzloser bot | dumm | blöd | doof | nutzlos | "
        "idiot | du idiot | depp | vollidiot | halt die klappe | halts maul | du nervst | nervig | "
        "scheiße | scheiß | dummes ding | saublöd | was für ein mist | dummer | blöder | doofer",
        "stupid | stupid bot | you are stupid | youre stupid | you are useless | youre useless | "
        "useless | useless bot | dumb | dumb bot | you suck | this sucks | shut up | idiot bot | "
        "you are dumb | youre dumb | crap | what a joke",
        "wtf | omg | lol",
        "echt | total | so | völlig | voll | einfach | wirklich | really | so | totally | a | "
        "such | ein | eine | bot | klimabot | du | you | ist | is | this | das | hier | here | "
        "bist | sind | sie | are | youre | so | ja | aber | but | irgendwie | doch | eigentlich | "
        "denn | mal | ziemlich | richtig | wohl | halt | eh | was | für | what | pretty | just",
    ),
    "human": (
        "bist du ein mensch | bist du ein bot | bist du eine ki | bist du ein roboter | bist du "
        "echt | bist du real | bist du eine maschine | bist du ein chatbot | ist das ein bot | ist "
        "das ein mensch | spreche ich mit einem menschen | schreibe ich mit einem menschen | "
        "bist du chatgpt | bist du eine echte person | ist das eine ki | bist du künstliche "
        "intelligenz | sind sie ein mensch | sind sie ein bot",
        "are you human | are you a human | are you a bot | are you a robot | are you real | are "
        "you an ai | are you a person | are you a real person | is this a bot | is this a human | "
        "am i talking to a human | am i talking to a bot | are you chatgpt | is this ai",
        "",
        "oder | or | wirklich | really | eigentlich | actually | echter | echt | real | ein | "
        "a | nur | just",
    ),
    "identity": (
        "wer bist du | wer sind sie | was bist du | wie heißt du | wie heissen sie | stell dich "
        "vor | stellen sie sich vor | mit wem spreche ich | mit wem schreibe ich | wer ist da | "
        "wer ist das | wer spricht da | wer bist du denn | und wer bist du",
        "who are you | what are you | whats your name | what is your name | introduce yourself | "
        "who is this | who am i talking to | who am i speaking to",
        "",
        "denn | eigentlich | überhaupt | mal | kurz | bitte | please | actually | exactly | "
        "genau | und | and | hier | here | gerade | eigentlich",
    ),
    "capabilities": (
        "was kannst du | was können sie | was kann ich dich fragen | was kann ich sie fragen | "
        "was kann ich fragen | wobei kannst du helfen | wobei können sie helfen | wie kannst du "
        "helfen | wie kannst du mir helfen | wie können sie mir helfen | kannst du mir helfen | "
        "können sie mir helfen | wobei kannst du mir helfen | wobei können sie mir helfen | womit "
        "kannst du mir helfen | womit kannst du helfen | was machst du | was machen sie | "
        "wozu bist du da | was weißt du | "
        "was kann der bot | was kann dieser bot | wie funktionierst du | wie funktioniert das hier "
        "| was soll ich fragen | was kann man dich fragen | was geht hier "
        "| worum geht es hier | was ist das hier | was ist das für ein bot | was bietest du an",
        "what can you do | how can you help | how can you help me | what do you do | can you help "
        "me | can you help | what do you know | how does this work | what can i ask | what can i "
        "ask you | what is this | what are you for | help me | what is this bot",
        "hilfe | help | hilfe bitte | help please",
        "denn | eigentlich | überhaupt | alles | so | mir | genau | hier | eigentlich | all | "
        "exactly | here | actually | please | bitte | mal | und | and | klimabot | bot",
    ),
    "thanks": (
        "danke | dankeschön | danke schön | danke sehr | vielen dank | besten dank | herzlichen "
        "dank | lieben dank | tausend dank | danke vielmals | vergelts gott | dank dir | merci | "
        "das hilft mir | das hat geholfen | hat geholfen | sehr hilfreich | hilfreich | das hilft "
        "mir weiter | hilft mir weiter | das hilft",
        "thanks | thank you | thank u | thx | ty | many thanks | thanks a lot | thank you very "
        "much | much appreciated | appreciated | that helps | that helped | very helpful | "
        "helpful | cheers",
        "",
        "für | die | deine | ihre | info | infos | information | informationen | antwort | "
        "antworten | hilfe | auskunft | schnelle | schnell | nochmal | noch mal | dafür | dir | "
        "ihnen | euch | so | much | a | lot | very | for | the | your | help | info | answer | "
        "quick | that | sehr | vielmals | wirklich | echt | really | das | war | ist | was | is | "
        "it | weiter | mir | me | me a lot | klasse | spitze | bestens | wunderbar | schön | "
        "super | top | prima | toll | perfekt | ok | okay | alles klar | gut | ah | oh | ja | "
        "cool | great | nice | perfect | awesome | wow | yes | vielen | herzlichen | lieben | "
        "besten",
    ),
    "goodbye": (
        "tschüss | tschüs | tschau | ciao | auf wiedersehen | wiedersehen | bis dann | bis später "
        "| bis bald | bis morgen | bis zum nächsten mal | schönen tag noch | schönen tag | schönen "
        "abend | schönes wochenende | gute nacht | machs gut | ade | adieu | man sieht sich | "
        "einen schönen tag",
        "bye | bye bye | goodbye | good bye | see you | see ya | cu | good night | have a nice "
        "day | have a good day | take care | later | see you later",
        "",
        "noch | ihnen | dir | euch | auch | und | and | then | dann | erstmal | for now | "
        "you | too | schon | mal | nochmal | wieder | ok | okay | danke | thanks | alles klar | "
        "gut | super | ja",
    ),
    "probe": (
        "ist da jemand | jemand da | bist du da | sind sie da | funktionierst du | funktioniert "
        "das hier | funktioniert das | hörst du mich | bist du wach | lebst du noch | teste | "
        "probe",
        "testing | are you there | anyone there | is anyone there | is this working | does this "
        "work | hello anyone | can you hear me",
        "test | test test | test 123 | 123",
        "hier | here | noch | still | eigentlich | überhaupt | mal | nur | just | ein | a | 1 | "
        "2 | 3 | eins | zwei | drei | one | two | three",
    ),
    "no": (
        "nein | nö | nee | ne | nein danke | nicht wirklich | eher nicht | nicht nötig | nein "
        "brauche ich nicht | lieber nicht | kein bedarf | nichts",
        "no | nope | no thanks | no thank you | not really | nah | nothing | no need",
        "",
        "leider | erstmal | jetzt | gerade | momentan | aktuell | sorry | now | right | for | now",
    ),
    "yes": (
        "ja | jo | jep | jap | jawohl | genau | richtig | klar | sicher | gerne | gern | na klar "
        "| ja bitte | ja gerne | ja gern | auf jeden fall | stimmt | korrekt | exakt | jaa | jup "
        "| jepp | japp",
        "yes | yep | yeah | yup | sure | of course | correct | right | exactly | yes please | "
        "absolutely | indeed",
        "",
        "doch | schon | natürlich | bitte | please | gerne | gern | ok | okay",
    ),
    "ok": (
        "alles klar | klar | gut | sehr gut | super | prima | toll | verstanden | aha | achso | "
        "ach so | verstehe | ich verstehe | passt | in ordnung | klingt gut | interessant | "
        "schön | fein | na gut | okidoki "
        "| perfekt | spitze | klasse | wunderbar | geil | cool | top | ah | oh | hm | hmm | mhm "
        "| alles gut | gut zu wissen | ach was | na dann | na ja | naja",
        "got it | fine | great | nice | perfect | good | alright | all right | understood | i see "
        "| sounds good | interesting | good to know | awesome | cool | neat | wow",
        "ok | okay | oki | okey | k | kk",
        "danke | ja | dann | also | gut | ok | okay | so | then | well | very | sehr | echt | "
        "wirklich | really | thanks",
    ),
    # "hä?", "hmm was?": the reader did not follow; a question without a topic of its own.
    "puzzled": (
        "was | hä | häh | hä was | wie bitte | wie jetzt | was meinen sie | was meinst du | "
        "verstehe ich nicht | versteh ich nicht | ich verstehe nicht | ich verstehe das nicht | "
        "das verstehe ich nicht | kapier ich nicht | was soll das heißen | was heißt das",
        "what | huh | pardon | come again | what do you mean | i don't understand | i do not "
        "understand | i don't get it",
        "",
        "hm | hmm | ähm | äh | denn | jetzt | nochmal | bitte | sorry | entschuldigung | oh | "
        "ok | okay | aber | but | eh | um",
    ),
}
_GREETINGS: tuple[str, str, str] = (
    "hallo | moin | moin moin | moinsen | servus | huhu | tach | tag | guten tag | guten morgen | "
    "guten abend | guten mittag | grüß gott | grüß dich | grüezi | nabend | n abend | "
    "mahlzeit | hallöchen | hallihallo | sehr geehrte damen und herren | sehr geehrtes team | "
    "liebes team | liebes klimaschutzteam | liebes klimaschutz team | liebe stadt | na du | "
    "schönen guten tag | schönen guten morgen | einen schönen guten tag",
    "hi | hello | good morning | good afternoon | good evening | howdy | greetings | hi there | "
    "hello there | dear team | dear sir or madam",
    "hey | hej | yo | salut | ahoi | hola | na",
)
# Words a greeting may carry ("Hallo zusammen, lieber Klimabot").
_GREETING_FILLERS = (
    "zusammen | leute | allerseits | ihr | du | lieber | liebe | liebes | klimabot | bot | "
    "chatbot | team | there | everyone | all | folks | you | dear | ochtrup | und | and | erstmal"
)
# Filler words allowed in any small talk (and nowhere near enough to make a question).
_COMMON_FILLERS = (
    "bitte | mal | nochmal | auch | please | lieber | liebe | bot | klimabot | ähm | äh | em | um"
)

# Questions about the bot's own features, or beyond it (commands/botquestions.py).
_FEATURE_KINDS = ("events", "campaigns", "subscribe", "vote", "offtopic")
KINDS = (*_PHRASES, "greeting", "emoji", *_FEATURE_KINDS)
# How many wordings each kind has in the catalogs (smalltalk.<kind>_<n>).
VARIANTS: dict[str, int] = {
    "greeting": 3,
    "thanks": 3,
    "goodbye": 2,
    "identity": 1,
    "capabilities": 1,
    "human": 1,
    "yes": 1,
    "no": 1,
    "ok": 2,
    "emoji": 2,
    "probe": 2,
    "insult": 2,
    "frustration": 1,
    "person": 1,
    "puzzled": 1,
    **dict.fromkeys(_FEATURE_KINDS, 1),
}
# Kinds whose answer tells how to reach the climate management.
_WITH_CONTACT = frozenset({"frustration", "insult", "human", "person"})

_AMBIGUOUS = frozenset({"tag", "tach", "na", "yo", "mahlzeit", "salut", "hola", "ahoi", "servus"})
_SEPARATOR = re.compile(r"[,!.:;\n–—-]")
_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
# One emoticon each; no quantifier around the alternatives, so a long run cannot backtrack.
_EMOTICON = re.compile(r"[:;=8xX][-o^']?[()\[\]DPpOo3/\\|*]+|<3+|\^\^|xD+")
# Small talk is short; a longer message is never taken for it (and costs no regex time).
_MAX_LENGTH = 200
_ELONGATED = re.compile(r"(\w)\1{2,}")


def _fold(word: str) -> str:
    """Lower case, umlauts written out, apostrophes dropped, "hallooo" as "hallo"."""
    word = word.lower().replace("’", "").replace("'", "")
    for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        word = word.replace(a, b)
    return _ELONGATED.sub(r"\1", word)


def _phrases(spec: str) -> list[tuple[str, ...]]:
    """Phrases of a '|'-separated list as word tuples, longest first."""
    found = {tuple(_fold(w) for w in p.split()) for p in spec.split("|") if p.strip()}
    return sorted(found, key=len, reverse=True)


def _words(spec: str) -> frozenset[str]:
    return frozenset(word for phrase in _phrases(spec) for word in phrase)


_Lexicon = tuple[list[tuple[tuple[str, ...], str | None]], frozenset[str]]


def _lexicon(de: str, en: str, either: str, fillers: str) -> _Lexicon:
    cores: list[tuple[tuple[str, ...], str | None]] = [(p, "de") for p in _phrases(de)]
    cores += [(p, "en") for p in _phrases(en)] + [(p, None) for p in _phrases(either)]
    cores.sort(key=lambda item: len(item[0]), reverse=True)
    return cores, _words(fillers) | _words(_COMMON_FILLERS)


_LEXICONS: dict[str, _Lexicon] = {kind: _lexicon(*spec) for kind, spec in _PHRASES.items()}
_GREETING_LEXICON = _lexicon(*_GREETINGS, _GREETING_FILLERS)


def classify(text: str) -> SmallTalk | None:
    """The kind of small talk `text` is, or None if it is (or may be) a real question."""
    stripped = text.strip()
    if not stripped or len(stripped) > _MAX_LENGTH:
        return None
    if _only_symbols(stripped):
        return _symbols(stripped)
    if (feature := feature_kind(strip_greeting(stripped))) is not None:
        return SmallTalk(feature)
    words = [_fold(m.group()) for m in _TOKEN.finditer(stripped)]
    if len(words) > 14:
        return None
    greeting, rest = _consume(words, _GREETING_LEXICON)
    for kind, lexicon in _LEXICONS.items():
        # "Hallo zusammen, danke" and "Hallo du bist dumm": the greeting's fillers count only
        # right after it, so try with and without them.
        fits, language = _fits(words[rest:], lexicon)
        if not fits:
            fits, language = _fits(words, lexicon)
        if fits:
            return SmallTalk(kind, language or greeting or None)
    if rest == len(words) and rest > 0:
        # "Hallo?" alone asks whether anybody is there.
        kind = "probe" if stripped.endswith("?") else "greeting"
        return SmallTalk(kind, greeting or None)
    return None


def strip_greeting(text: str) -> str:
    """`text` without a greeting in front ("Hallo, lohnt sich …" → "lohnt sich …")."""
    matches = list(islice(_TOKEN.finditer(text), 24))  # a greeting is a few words at most
    words = [_fold(m.group()) for m in matches]
    _, rest = _consume(words, _GREETING_LEXICON)
    if rest == 0 or rest == len(matches):
        return text.strip()
    between = text[matches[rest - 1].end() : matches[rest].start()]
    # "Tag der Energie?" and "Na und?" start with a word that is only sometimes a greeting.
    if rest == 1 and words[0] in _AMBIGUOUS and not _SEPARATOR.search(between):
        return text.strip()
    return text[matches[rest].start() :].strip()


def _consume(words: list[str], lexicon: _Lexicon) -> tuple[str, int]:
    """Match greeting phrases (and their fillers) at the start: (language, words used)."""
    cores, fillers = lexicon
    language, i, found = "", 0, False
    while i < len(words):
        match = _core_at(words, i, cores)
        if match is not None:
            phrase, lang = match
            language = language or (lang or "")
            found, i = True, i + len(phrase)
        elif found and words[i] in fillers:
            i += 1
        else:
            break
    return language, i if found else 0


def _fits(words: list[str], lexicon: _Lexicon) -> tuple[bool, str | None]:
    """Whether `words` are only this kind's phrases and fillers, and the phrases' language
    (None: either language)."""
    cores, fillers = lexicon
    language: str | None = None
    found, i = False, 0
    while i < len(words):
        match = _core_at(words, i, cores) or _core_at(words, i, _GREETING_LEXICON[0])
        if match is not None:
            phrase, lang = match
            if _core_at(words, i, cores) is not None:
                found = True
                language = language or lang
            i += len(phrase)
        elif words[i] in fillers:
            i += 1
        else:
            return False, None
    return found, language


def _core_at(
    words: list[str], i: int, cores: list[tuple[tuple[str, ...], str | None]]
) -> tuple[tuple[str, ...], str | None] | None:
    for phrase, lang in cores:
        if tuple(words[i : i + len(phrase)]) == phrase:
            return phrase, lang
    return None


def _only_symbols(text: str) -> bool:
    return not any(ch.isalnum() for ch in text) or _only_emoticons(text)


def _only_emoticons(text: str) -> bool:
    return not _EMOTICON.sub("", text).strip()


def _symbols(text: str) -> SmallTalk:
    """Emoji and emoticons: emoji; "?", "..." and other signs: a probe."""
    if _only_emoticons(text) or any(_is_emoji(ch) for ch in text):
        return SmallTalk("emoji")
    # "?", "...", "-": someone checking whether the bot is there.
    return SmallTalk("probe")


def _is_emoji(ch: str) -> bool:
    return unicodedata.category(ch) == "So" or 0x1F000 <= ord(ch) <= 0x1FAFF


def variant_key(kind: str, seed: str) -> str:
    """The catalog key of one of the kind's wordings, always the same for the same seed."""
    count = VARIANTS[kind]
    n = int.from_bytes(hashlib.sha256(seed.encode()).digest()[:4], "big") % count + 1
    return f"smalltalk.{kind}_{n}"


def all_keys() -> Iterator[str]:
    """Every catalog key small talk may use."""
    for kind, count in VARIANTS.items():
        for n in range(1, count + 1):
            yield f"smalltalk.{kind}_{n}"


async def reply(ctx: Context, talk: SmallTalk, contact_line: Callable[[Context], str]) -> None:
    """Answer small talk briefly in the user's language: the words' language unless the user
    chose one with !sprache. `contact_line` says how to reach the climate management ("" if
    no contact is configured)."""
    if talk.language:
        ctx = await in_language(ctx, talk.language)
    text = ctx.t(variant_key(talk.kind, ctx.message.event_id), prefix=ctx.prefix)
    if talk.kind in _WITH_CONTACT and (line := contact_line(ctx)):
        text += "\n" + line
    await ctx.reply(text)
