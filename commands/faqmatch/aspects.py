"""What a question asks about its topic (cost, rules, how it works …), from cue phrases.

The matching ranks entries by topic words and treats question words as fillers; this channel
runs beside it and keeps what the fillers said: "Was kostet ein Balkonkraftwerk?" asks `cost`,
"Muss ich es anmelden?" asks `rules`. An entry declares the aspects its answer really answers
(`answers:` in the FAQ YAML); the decision compares both (outcome.py). Most questions ask no
aspect the cues can see ("Balkonkraftwerk Förderung Ochtrup" asks `subsidy`, "Balkonkraftwerk?"
nothing): an empty set puts no constraint on the answer.

Cues are regular expressions over the question folded as the index folds German (lowercase,
umlauts to bare vowels, `ß`→`ss`) with words joined by single spaces, so punctuation and case
never matter. They are written in plain spelling below and folded the same way at import.
A misspelt cue word ("funktionirt", "förderng") is corrected to the cue word one typo away,
unless the FAQ itself uses the misspelt form as a word of its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple

from rapidfuzz import process
from rapidfuzz.distance import OSA

from .lexicon import ENGLISH_STOP, ENGLISH_WEAK, GERMAN_STOP, GERMAN_WEAK
from .normalize import MAX_QUERY_CHARS, clean, fold_de, folded, words

__all__ = ["CONCRETE", "CONCRETE_CUES", "CUES", "AspectDetector", "Asked", "shown"]

_ANY = r"(?: \w+){0,4}"  # up to four words in between ("wie lange hält so eine Anlage")
# "Wann ist die Wärmepumpe die beste Lösung?" asks under which conditions it pays, not a date.
_BEST = r"(beste|besten|besser|sinnvoll|sinnvoller|lohnenswert|richtig|geeignet|gut)"
_NOT_WHEN_BEST = r"(?!( \w+){0,5} " + _BEST + r"\b)"

# aspect -> cue patterns (German first, then English). Word boundaries are added around each.
# A key naming two aspects ("procedure+tips") is for cues that ask one or the other: "Worauf
# sollte ich achten?" is answered by the steps to take as well as by practical tips. The entry
# needs to answer one of the aspects a question asks (outcome.answers).
CUES: dict[str, tuple[str, ...]] = {
    "explain": (
        r"was (ist|sind|isn|is|war) (ein|eine|einen|denn|genau|eigentlich|so|überhaupt)",
        # "Was ist, wenn …?" and "Was ist mit …?" ask what happens, not what a thing is.
        r"^(was|wat) (ist|sind|is)(?! (wenn|falls|mit|los|dann)\b)( \w+){1,4}$",
        r"(was|wat) (ist|sind|is) (das|dat)( denn| eigentlich| genau)?$",
        r"was (bedeutet|bedeuten|heißt|heisst|meint|versteht)",
        r"was (ist|sind|wird)( \w+){0,4} gemeint",
        r"versteht man unter",
        r"was (steckt|verbirgt sich) hinter",
        r"wie (funktioniert|funktionieren|funktionert|arbeitet|arbeiten|geht das mit)",
        r"wie( \w+){1,3} (funktioniert|funktionieren|funktionert)",
        r"(funktionsweise|funktionsprinzip|definition|erklärung|erklär\w*)",
        r"(unterschied|unterschiede|unterscheidet)",
        r"was (macht|machen|tut) (ein|eine|der|die|das)\b(?! stadt)",
        r"welche (arten|typen|varianten|sorten)",
        r"worum geht es",
        r"what(s| is| are)( \w+)?$",
        r"what (is|are|s) (a|an)",
        r"what (is|s) (that|this)\b",
        r"what (is|s) the(?! town| city| best)"
        r"(?!( \w+){0,6} (current|currently|now|moment|today|rate|average))",
        r"what (does|do)(?! the town| ochtrup| the city)" + _ANY + r" (mean|do)",
        r"what (does|do)( \w+){1,8} mean",
        r"how (does|do|is)" + _ANY + r" work",
        r"(meaning of|meaning|difference between|explain|explained|definition)",
        r"(kinds|types) of",
    ),
    "cost": (
        r"was (kostet|kosten|kosted|kostn)",
        r"(kostet|kosted|kostn|kostenlos|kostenfrei|kostenpflichtig|unkosten)",
        r"(welche|mit welchen|die|an) kosten"
        r" (kommen|entstehen|fallen|muss|hat|habe|sind|verursacht)",
        r"(welche|mit welchen)( \w+)? (kosten|preise)",
        r"kosten (ungefähr|etwa|circa|ca|im jahr|pro jahr|pro monat|monatlich)",
        r"wie hoch (sind|ist|wären|wäre) (die|der) (kosten|preis|preise|gebühr|gebühren)",
        r"mit (welchen|welcher|welchem) \w*(kosten|preis|preisen|summe|betrag)",
        r"(anschaffungskosten|betriebskosten|folgekosten|mehrkosten|gesamtkosten)",
        r"(anschaffungspreis|kaufpreis|preis|preise|preisen|strompreis|gaspreis)",
        r"(teuer|teurer|günstig|günstiger|billig|billiger)",
        r"(gebühr|gebühren)",
        r"(abgerechnet|abrechnung|abrechnen)",
        r"was (muss|müsste|zahle|zahlt|bezahle|bezahlt)" + _ANY + r" (zahlen|bezahlen|zahlt|zahle)",
        r"wie ?viel (geld|euro)",
        r"(wie viel|wieviel) (muss|zahle|zahlt|bezahle|kostet)",
        r"(price|prices|pricing|expensive|cheap|cheaper|fee|fees|billed|billing|cost of)",
        r"(what|how much)( \w+){0,8} (cost|costs|pay|charge)",
    ),
    "payoff": (
        r"(lohnt|lohnen|lohnend|lohnenswert|rentiert|rentabel|amortisiert|amortisation|rendite)",
        r"(wirtschaftlich|sinnvoller)",
        r"(ist|sind|wäre|wären|ist es|ist das|macht es|halten sie)( \w+){0,5} sinnvoll",
        r"sinnvoll$",
        r"rechnet (sich|es sich|das sich)",
        r"wann (ist|sind|wäre|wären)( \w+){0,5} " + _BEST,
        r"(macht|ergibt) (das|es|sowas)( \w+)? sinn",
        r"sinn (macht|hat)",
        r"bringt (das|es|sowas|so was|ein|eine|der|die)( \w+){0,3} (was|etwas|überhaupt|viel)",
        r"bringt das",
        r"(welche|wie viel|wieviel|wie hoch|wie groß) (ist die )?(einsparung|ersparnis)",
        r"zahlt (sich|es sich|das sich)( \w+)? aus",
        r"(worth it|worthwhile|pay off|pays off|paying off|payback)",
        r"make(s)? sense",
        r"(profitable|is it worth|does it help|does it make a difference)",
    ),
    "subsidy": (
        r"(förder\w*|gefördert|fördert|fördern|zuschuss\w*|zuschüsse|kredit\w*|darlehen)",
        r"(steuerlich|absetzen|absetzbar|steuerbonus|\w*prämie|\w*prämien|bafa|kfw)",
        r"finanzielle unterstützung",
        r"(geld|zuschuss|zuschüsse) (vom|von der) (staat|stadt|kreis)",
        r"(zahlt|zahlen|legt|bekomme|bekommt|bekommen|kriege|kriegt)( \w+){0,3} dazu",
        r"(dazuzahlen|zuzahlung|staatlich|staatliche)",
        r"(grant|grants|subsidy|subsidies|subsidised|subsidized|funding|funded)",
        r"(loan|loans|tax relief|tax deduction|deduct|rebate|incentive|incentives)",
        r"financial (support|help)",
        r"(pay|zahlen|bezahlen|tragen)( \w+){0,3} (myself|ourselves|selbst|selber)",
    ),
    "rules": (
        r"(muss|müssen) (der|die|das|ein|eine|mein|meine|man)( \w+){0,4}"
        r" (angemeldet|gemeldet|genehmigt|beantragt|gedämmt|ausgetauscht|getauscht|stillgelegt)",
        r"(darf|dürfen|darfst|dürfte) (ich|man|wir|mein|meine|der|die|das|ein|eine|ne|nen|so)",
        r"(erlaubt|verboten|zulässig|unzulässig|genehmigung\w*|erlaubnis|verpflichtet)",
        r"(\w*pflicht|\w*pflichten|\w*pflichtig|gesetz|gesetze|gesetzlich|\w*gesetz|geg)",
        r"(vorschrift|vorschriften|verordnung|regel|regeln|regelung|regelungen|vorgaben)",
        r"(was|welche) (gilt|gelten)",
        r"(haftet|haftung|wer übernimmt|wer trägt|wer haftet)",
        r"brauche? (ich|man|wir) (eine|einen|ein) (genehmigung|erlaubnis|zustimmung)",
        r"(allowed|permitted|permission|permit)",
        r"(requirement|requirements|obligation|obligatory|mandatory|law|laws|legal)",
        r"(rules|regulation|regulations|banned|prohibited|forbidden|liable)",
        r"(can|may) i (legally|still)",
    ),
    "procedure": (
        r"wie gehe? (ich|man|wir) vor",
        r"(vorgehen|vorgehensweise|ablauf|abläuft|schritte|schritt für schritt)",
        r"wie (läuft|laufen)" + _ANY + r" ab",
        r"(beantrage|beantragen|antrag stellen|antragstellung|registrieren)",
        r"(melde|meldet|melden)" + _ANY + r" an",
        r"\w*anmelden",
        r"anmeldung",
        r"(kann|könnte|können|darf) (ich|man|wir)( \w+){0,5} (teilnehmen|mitmachen|bewerben)",
        r"(wo|wie|womit) (fange|fangen|starte|beginne) (ich|man|wir)",
        r"(where|how) (do|should|can) (i|we)( even)? (start|begin)",
        r"wie (baue|installiere|montiere|bekomme|beantrage)",
        r"wie (kündige|kündigt|kündigen|storniere|wechsle|wechsele|bestelle|buche|beende)",
        r"how (do|can) (i|we|you) (cancel|switch|order|book|terminate)",
        r"(how do i|how to|how can i) (apply|register|sign up|join|take part|participate|proceed)",
        r"(apply for|to apply|application|register|registration|sign up|procedure|steps)",
        r"(what do i need to do|how do i go about)",
    ),
    "contact": (
        r"wo (bekomm\w*|krieg\w*|find\w*|gibt|gibts|könnte|konnen|können|muss|soll|melde)",
        r"wo kann (ich|man|wir)(?! (mich|sich|uns))",
        r"wer (ist|is|sind)( eigentlich| denn| hier)* (der|die|hier|bei uns|in ochtrup)",
        r"wo (erhalte|erhält|beantrage|lade|laden|tanke|steht|stehen|liegt|kaufe|hole|bringe)",
        r"wo (ist|sind) (die|der|das|eine|ein|den)",
        # "Woher kommt der Strom?" asks where it comes from, not where to get it.
        r"woher(?! (kommt|kommen|stammt|stammen))",
        r"(an wen|bei wem|wohin)",
        r"(ansprechpartner\w*|ansprechperson|anlaufstelle)",
        r"(kontakt|kontaktieren|telefonnummer|erreichbar|sprechzeiten)",
        r"(wie|wo) erreiche",
        r"wer (hilft|berät|macht|baut|installiert|bietet|verkauft|kümmert)",
        r"(welche|welcher|welches|welchen) (firma|firmen|handwerker|anbieter|händler)",
        r"(welche|welcher|welches|welchen)"
        r" (heizungsbauer|elektriker|solarteur|dachdecker|installateur)",
        r"(könnt|können|kannst|könnten) (ihr|sie|du)( \w+){0,5} empfehlen",
        r"(welche|welcher|welches|welchen) \w*versicherung"
        r" (ist|nehme|nehmen|soll|sollte|am|empfehl\w*)",
        r"(suche|empfehlen|empfehlung)( \w+){0,3} (firma|handwerker|anbieter|händler)",
        r"(welche|welcher|welches|welchen|eine|einen) installateur",
        r"(where can|where do|where is|where are|where to|who do i|who can)"
        r"(?! (i|we)( even)? (start|begin))(?! (start|begin))",
        r"(who is responsible|contact|phone number|which company)",
        r"(which installer|find an installer)",
        r"who (should|do|can|could) (i|we) (talk|speak|turn|ask|call|write)",
    ),
    "time": (
        r"(bis|ab|seit) wann",
        r"wann (genau |eigentlich |denn )?(ist|sind|findet|finden|fängt|beginnt|startet|endet)"
        + _NOT_WHEN_BEST,
        r"wann (genau |eigentlich |denn )?(kommt|kommen|gibt)",
        r"when (is|are|does|do|will|was|were|did|can i|should i|must i)",
        r"wann (wird|werden|war|läuft|geht es los|geht|soll|sollen|ging|wurde)",
        r"wie (lange|lang|schnell|oft)",
        r"(frist|fristen|deadline|stichtag|termin|termine|zeitplan|dauer|dauert|lebensdauer)",
        r"(how long|how soon|how often|deadline|until when|lifetime|lifespan|schedule)",
        r"(wie viele|wieviele|how many) (jahre|jahren|years)",
    ),
    "local": (
        r"(gibt es|gibts|gibt's)( \w+){0,3} (in|hier in|bei uns in) ochtrup",
        r"(hat|haben|plant|macht|tut|fördert|unternimmt|baut) (die stadt|ochtrup)",
        r"wie weit ist (die stadt )?ochtrup",
        r"(stand|situation) in ochtrup",
        r"(hier vor ort|bei uns in ochtrup|in ochtrup schon|in ochtrup bereits|in ochtrup auch)",
        r"(does|is|has) (ochtrup|the town)",
        r"is there" + _ANY + r" in ochtrup",
    ),
    "tips": (
        r"(spartipp\w*|energiespartipp\w*|tipp|tipps|ratschläge|ratschlag)",
        r"wie (kann|könnte|spare|spart) (ich|man|wir)"
        + _ANY
        + r" (senken|reduzieren|verringern|sparen|einsparen)",
        r"wie (spare|spart|senke|senkt|reduziere) (ich|man|wir)",
        r"wie (kann|können) (ich|man|wir) (helfen|beitragen|mithelfen)",
        r"wie schütze",
        r"(how can i|how do i|how to|ways to) (save|cut|reduce|lower)",
        r"(tips|tip)",
    ),
    "procedure+tips": (
        r"worauf (muss|sollte|soll|müssen|muß)?( ich| man| wir)?( \w+){0,4} (achten|geachtet)",
        r"(was|worauf|auf was)" + _ANY + r" (beachten|achten|beachtet|geachtet)",
        r"(beachten|zu beachten)",
        # "Was können wir gegen den Klimawandel tun?" asks for tips; "Was kann man da machen?"
        # after a described fault asks for the remedy, which the entry on it is.
        r"was (muss|soll|sollte|kann|könnte|können|könnten) (ich|man|wir|jeder|jede)"
        r"( (jetzt|nun|dann|selbst|konkret|persönlich|einzeln))?"
        r"( (gegen|für|fürs|zum|zur|beim|im|bei)( \w+){1,3})? (tun|machen|unternehmen|beitragen)",
        r"was (ist zu )?tun",
        r"(look out for|watch out for|pay attention to|what can i do|what should i do)",
        r"what (can|could|should) (i|we|one|you|individuals|people|a person|one person)"
        r"( \w+){0,3} do",
        r"can (i|we|you|one|individuals|people)( \w+){0,4} do (anything|something)",
        r"wo (fange|fangen|starte|beginne) (ich|man|wir)",
        r"where to (start|begin)",
        r"(best way|best ways|beste weg|besten weg)",
    ),
    "rules+procedure": (
        r"(?<!was )(muss|muß|mus|musst|müssen) (ich|man|wir|mein|meine)(?!( \w+){0,8} rechnen\b)",
        r"(do|will|would|does) (i|we|one|my|our)( \w+){0,2} (have|need|has|needs) to",
        r"must (i|we)",
        # cancelling is a matter of notice periods (rules) and of the steps to take
        r"(kündigen|kündigung|kündbar|cancel|cancellation)",
        r"(required|mandatory|compulsory|obliged)",
    ),
    # "Wann muss das Dach gedämmt werden?" asks when the rules demand it.
    "rules+time": (r"wann (muss|müssen|muß)",),
    "cost+figures": (r"mit (wie viel|wieviel|was)( \w+){0,3} rechnen",),
    "rules+subsidy": (
        r"wer (zahlt|bezahlt|übernimmt die kosten)",
        # Conditions are rules, or for a grant who is eligible.
        r"(voraussetzung|voraussetzungen|grundvoraussetzung|fördervoraussetzungen)",
    ),
    "contact+procedure": (
        r"wo (kann|könnte|können) (ich|man|wir) (mich|sich|uns)",
        r"where can (i|we) (get involved|volunteer|help|join)",
    ),
    "contact+rules": (
        r"(zuständig|zuständige|zuständigen|verantwortlich)",
        r"(who is responsible|responsible for)",
    ),
    "figures": (
        r"wie ?viele",
        r"(wie viel|wieviel)(?! (kostet|kosten|geld|euro|muss|zahle|zahlt|bezahle))",
        r"wie (hoch|groß|gross|stark|laut)(?! (sind|ist) (die|der) (kosten|preis))",
        r"(anteil|prozent|menge|statistik|bilanz)",
        r"(how many|share of|percent|percentage|figures|statistics|how loud|how big|how high)",
        r"(average|durchschnitt|durchschnittlich|im schnitt)",
        r"how much (energy|electricity|power|co2|carbon|heat|money|subsidy|funding)",
    ),
}

# "Wie finde ich heraus, ob sich Module lohnen?" asks how to find out, not whether they pay
# off: what follows such a verb and "ob"/"whether" is the matter checked, not the question.
_CHECK_WHETHER = re.compile(
    fold_de(
        r"\b(prüfen|nachprüfen|überprüfen|nachschauen|nachsehen|herausfinden|rausfinden|erkennen"
        r"|feststellen|checken|testen|check|find out|tell|see|estimate|estimates"
        r"|berechnet|berechnen|abschätzen|einschätzen)"
        r"( \w+){0,3} (ob|whether|if|wie viel|wieviel|how much)\b"
    )
)
CHECK_ASPECTS = frozenset({"procedure", "contact"})

# Cues that ask for a concrete value: an amount of money ("Was kostet …?"), a span of time
# ("Wie lange hält …?"). An entry that declares the aspect answers such a question only if its
# answer shows such a value (`shown`): "Wie wird Mieterstrom abgerechnet?" asks `cost` too, and
# an answer on the billing answers it without a price; "Wie lange hält ein Stromspeicher?" is not
# answered by an entry whose `time` is the time of day it charges.
CONCRETE_CUES: dict[str, tuple[str, ...]] = {
    "cost": (
        r"(was|wie ?viel) (kostet|kosten|kosted|kostn)",
        r"wie (teuer|günstig)",
        r"(welche|mit welchen|wie hoch sind die)( \w+)? (kosten|preise)",
        r"(anschaffungskosten|anschaffungspreis|kaufpreis)",
        r"how much( \w+){0,6} (cost|costs|charge|pay)",
        r"what (does|do|will)( \w+){0,6} cost",
    ),
    "explain": (
        r"wie (funktioniert|funktionieren|funktionert|arbeitet|arbeiten)",
        r"wie( \w+){1,3} (funktioniert|funktionieren|funktionert)",
        r"(funktionsweise|funktionsprinzip)",
        r"how (does|do|is)( \w+){0,4} work",
    ),
    "time": (
        r"wie (lange|lang)",
        r"(lebensdauer|haltbarkeit|nutzungsdauer)",
        r"(wie viele|wieviele) (jahre|jahren)",
        r"(how long|lifetime|lifespan|life span|how many years)",
    ),
}
CONCRETE = frozenset(CONCRETE_CUES)
# Words after a number that make it a price or a span of time, and words that are a price.
_CURRENCY = frozenset({"€", "£", "euro", "eur", "ct", "cent", "cents", "pence"})
_FREE = frozenset({"kostenlos", "kostenlose", "kostenfrei", "kostenfreie", "gratis", "free"})
_UNITS = frozenset(
    """jahre jahren jahr jahrzehnte monate monaten monat wochen woche tage tagen tag stunden
    stunde minuten years year decades months month weeks week days day hours hour minutes""".split()
)
_RANGE = frozenset({"bis", "to", "and", "oder", "or", "und"})
_VALUE_TOKENS = re.compile(r"\d[\d.,]*|[^\W\d_]+|[€£]")


# A curated question that starts like this asks what a thing is or does ("Was sind …?",
# "Was kann der Bot?").
_WHAT_IS = re.compile(fold_de(r"(was|what) (ist|sind|kann|können|is|are|can|does|do)\b"))


def shown(text: str) -> frozenset[str]:
    """The concrete aspects an answer text shows a value for: an amount of money ("500 €",
    "30 ct", "kostenlos"), a span of time ("10 bis 15 Jahre")."""
    found: set[str] = set()
    number = False  # the previous token, or the one before a range word, was a number
    tokens = _VALUE_TOKENS.findall(text.lower())
    for position, token in enumerate(tokens):
        if token in _FREE:
            found.add("cost")
        elif number and token in _CURRENCY:
            found.add("cost")
        elif number and token in _UNITS:
            found.add("time")
        elif (
            token in ("€", "£") and position + 1 < len(tokens) and tokens[position + 1][0].isdigit()
        ):
            found.add("cost")
        if token[0].isdigit():
            number = True
        elif token not in _RANGE:
            number = False
    return frozenset(found)


ASPECT_NOUNS = """
    förderung förderungen fördermittel förderprogramm förderprogramme zuschuss zuschüsse
    prämie prämien kredit kredite pflicht pflichten gesetz gesetze regel regeln vorschriften
    anmeldung antrag anträge tipp tipps preis preise kosten gebühr gebühren infos
    grant grants subsidy subsidies funding rules law cost costs price prices tips
"""


class Asked(NamedTuple):
    """What a question asks, and whether it names no topic besides ("Was kostet das?")."""

    aspects: frozenset[str]
    topicless: bool
    # Aspects asked for a concrete value (an amount, a span of time): see CONCRETE_CUES.
    concrete: frozenset[str] = frozenset()
    # The points asked, each as the aspects that would answer it ("Was kostet das und gibt es
    # Förderung?" asks two: {cost} and {subsidy}); an answer has to answer every one.
    points: tuple[frozenset[str], ...] = ()


def _points(groups: list[frozenset[str]]) -> tuple[frozenset[str], ...]:
    """The distinct points among the cues' aspect groups: a group that contains another one
    ("rules or procedure" beside "rules") asks nothing more than it."""
    unique = sorted(set(groups), key=len)
    kept: list[frozenset[str]] = []
    for group in unique:
        if not any(other <= group for other in kept):
            kept.append(group)
    return tuple(sorted(kept, key=sorted))


def _cue_words(text: str) -> list[str]:
    """The folded words that cues read; a hyphenated word counts as its parts, so that a cue's
    "( \\w+)" spans "PV-Anlage" ("Worauf muss ich bei einer PV-Anlage achten?") and "Was ist das
    Deutschland-Jobticket?" is as plain a "what is" as "Was ist das Deutschlandticket?"."""
    folded = words(fold_de(clean(text, MAX_QUERY_CHARS)))
    return [part for word in folded for part in word.split("-") if part]


# Typos only in words this long; two typos from this length on ("vorangehen" is no "vorgehen").
MIN_FUZZY = 7
FAR_FUZZY = 12


def _compile(patterns: Iterable[str]) -> re.Pattern[str]:
    """One regex for an aspect's cues, folded like questions, each cue bounded by words."""
    folded = (fold_de(p) for p in patterns)
    return re.compile("|".join(rf"(?:\b(?:{p})\b)" for p in folded))


class AspectDetector:
    """Finds the aspects a question asks; built once per index (read-only afterwards)."""

    def __init__(self, known_words: Iterable[str] = ()) -> None:
        self._patterns = tuple(
            (frozenset(aspects.split("+")), _compile(cues)) for aspects, cues in CUES.items()
        )
        self._concrete = tuple((aspect, _compile(cues)) for aspect, cues in CONCRETE_CUES.items())
        self._explain = _compile(CUES["explain"])
        cue_words = {
            w for cues in CUES.values() for p in cues for w in re.findall(r"[a-z]+", fold_de(p))
        }
        self._cue_words = frozenset(w for w in cue_words if len(w) >= MIN_FUZZY)
        self._choices = sorted(self._cue_words)
        # Words the FAQ uses are real words, never typos of a cue word ("posten" is no "kosten").
        lexicon = folded(GERMAN_STOP + GERMAN_WEAK + ENGLISH_STOP + ENGLISH_WEAK, fold_de)
        self._known = frozenset(known_words) | self._cue_words | lexicon
        # Words that name no topic: function words, general words, the cues' own words and the
        # aspects' bare names ("Was kostet das denn?", "Förderung?", "Tipps").
        self._filler = lexicon | frozenset(cue_words) | folded(ASPECT_NOUNS, fold_de)

    def explains(self, question: str) -> bool:
        """Whether a curated question asks what a thing is, what it does or how it works.

        Curated questions are spelt right: no typo correction, which would cost a second at
        5,000 entries.
        """
        line = " ".join(_cue_words(question))
        return bool(_WHAT_IS.match(line) or self._explain.search(line))

    def detect(self, text: str) -> frozenset[str]:
        """The aspects `text` asks, e.g. {"cost"}; empty if no cue is found."""
        return self.analyse(text).aspects

    def analyse(self, text: str) -> Asked:
        """The aspects `text` asks, and whether it names nothing but them ("Förderung?")."""
        line = " ".join(self._correct(w) for w in _cue_words(text))
        groups: list[frozenset[str]] = []
        asking = line
        checked = _CHECK_WHETHER.search(line)
        if checked is not None:
            asking = line[: checked.start(3)]  # up to "ob" / "wie viel"
            groups.append(CHECK_ASPECTS)
        groups.extend(aspects for aspects, pattern in self._patterns if pattern.search(asking))
        if not groups:
            return Asked(frozenset(), False)
        found = frozenset().union(*groups)
        concrete = frozenset(
            aspect
            for aspect, pattern in self._concrete
            if aspect in found and pattern.search(asking)
        )
        topicless = all(w in self._filler for w in line.split())
        return Asked(found, topicless, concrete, _points(groups))

    def _correct(self, word: str) -> str:
        """`word`, or the cue word it misspells."""
        if len(word) < MIN_FUZZY or word in self._known or not word.isalpha():
            return word
        limit = 2 if len(word) >= FAR_FUZZY else 1
        found = process.extractOne(word, self._choices, scorer=OSA.distance, score_cutoff=limit)
        return found[0] if found is not None else word
