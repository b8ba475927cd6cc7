"""Questions about the bot's own features ("Wie melde ich mich für den Solar-Abend an?", "Ich
will bei der Aktion mitmachen") and questions it cannot answer at all ("Wie spät ist es?"): told
apart from climate questions, so that they get a pointer to the right command and never become
an open question for the climate management.

Conservative on purpose: a climate question that merely shares a word ("Muss ich mein
Balkonkraftwerk anmelden?", "Wie kann ich mitmachen?", "Gibt es wieder eine Thermografie-Aktion?")
must still reach the FAQ, so each kind needs a verb of its own AND a word naming the bot's
feature. Pure functions, no I/O.
"""

from __future__ import annotations

import re

__all__ = ["feature_kind"]

# Events: a sign-up word and a word naming an event. Event names are free ("Solar-Abend"), so a
# compound ending in an event word counts. "Termin" does not: "Vor-Ort-Termin" is the energy
# advice's visit, an FAQ topic.
_SIGN_UP = re.compile(
    r"\b(?:anmelden|anmeldung|anmelde|melde\w*\b.*\ban|teilnehmen|teilnahme|sign\s+up|"
    r"register|registration)\b",
    re.IGNORECASE,
)
_EVENT = re.compile(
    r"(?:veranstaltung(?:en)?|vortrag|vorträge|workshops?|seminar(?:e|en)?|webinar(?:e)?|"
    r"exkursion(?:en)?|führung(?:en)?|stammtisch|radtour|aktionstag|events?|evening|talk)\b"
    # "Solar-Abend", "Infoabend"; the bare word is the time of day ("heute Abend").
    r"|(?<=[^\W\d_]|-)abend\b",
    re.IGNORECASE,
)
# Campaigns: joining "die Aktion" itself. A named one ("Thermografie-Aktion") is an FAQ topic.
_JOIN = re.compile(
    r"\b(?:mitmachen|mitmache|mache\s+mit|mach\s+mit|teilnehmen|dabei\s+sein|zusagen|join|"
    r"take\s+part|pledge)\b",
    re.IGNORECASE,
)
_CAMPAIGN = re.compile(
    r"(?<![\w-])(?:aktion|aktionen|mitmach-aktion(?:en)?|kampagne|challenge|campaigns?)\b",
    re.IGNORECASE,
)
# "bei der Aktion mitmachen" asks about the bot's campaigns; "die Aktion mit dem Fahrrad zur
# Arbeit" or "the cycling campaign" names one the FAQ knows: every other word must be filler.
_CAMPAIGN_FILLERS = frozenset(
    "ich will möchte würde wuerde gerne gern bei beim an am der die den einer einen eine einem "
    "ihrer ihren eurer euren laufenden aktuellen wie kann könnte koennte wo man mich mir da "
    "auch mal bitte und hier dabei sein zu mit mache mach machen teil nehmen also jetzt "
    "i want would like to in the a an how can do please your this current one ok okay "
    "hallo moin hi hey".split()
)
_WORD = re.compile(r"[^\W\d_]+")


def _only_campaign_words(text: str) -> bool:
    rest = _CAMPAIGN.sub(" ", _JOIN.sub(" ", text))
    return all(word.lower() in _CAMPAIGN_FILLERS for word in _WORD.findall(rest))


# Subscribing to the bot's news; "das Deutschlandticket abonnieren" is a mobility question.
_SUBSCRIBE = re.compile(
    r"\b(?:abonnieren|abonniere|abbestellen|bestellen|bekomme|bekommen|erhalte|erhalten|subscribe|"
    r"unsubscribe|get)\b",
    re.IGNORECASE,
)
_NEWS = re.compile(
    r"\b(?:neuigkeiten|news|nachrichten|updates?|thema|themen|benachrichtigung(?:en)?|"
    r"topics?)\b",
    re.IGNORECASE,
)
_NEWSLETTER = re.compile(
    r"\bnewsletter\b|^\W*(?:wie\s+(?:kann\s+ich\s+(?:etwas\s+)?abonnieren|abonniere\s+ich)|"
    r"how\s+(?:can|do)\s+i\s+subscribe)\W*$",
    re.IGNORECASE,
)
# Voting in a poll; "abstimmen" alone also means "to match" (Dämmung und Fenster abstimmen).
_VOTE = re.compile(
    r"\b(?:umfrage\w*|abstimmung\w*|vote|voting|poll)\b|"
    r"^\W*(?:wie|wo)\s+(?:kann\s+ich\s+abstimmen|stimme\s+ich\s+ab)\W*$",
    re.IGNORECASE,
)
# Questions about the clock, the date or the weather: nothing the bot knows about.
_OFF_TOPIC = re.compile(
    r"^\W*(?:(?:und|sag\s+mal|sagen\s+sie\s+mal|weißt\s+du|wissen\s+sie)\W+)?(?:"
    r"wie\s+spät\s+ist\s+es|wie\s*viel\s+uhr\s+ist\s+es|welche\s+uhrzeit\s+haben\s+wir|"
    r"wie\s+spät\s+haben\s+wir|welche[rsn]?\s+(?:tag|datum)\s+(?:ist|haben\s+wir)\s+heute|"
    r"der\s+wievielte\s+ist\s+heute|"
    r"wie\s+(?:ist|wird)\s+das\s+wetter(?:\s+(?:heute|morgen|in\s+ochtrup))*|"
    r"what\s+time\s+is\s+it|what\s+is\s+the\s+time|what\s+day\s+is\s+(?:it\s+)?today|"
    r"what(?:'s|\s+is)\s+the\s+(?:date|weather)(?:\s+today)?"
    r")(?:\s+(?:jetzt|gerade|eigentlich|denn|bitte|now|please))*\W*$",
    re.IGNORECASE,
)
# Longer messages tell something of their own; they go to the FAQ.
_MAX_LENGTH = 120


def feature_kind(text: str) -> str | None:
    """ "events", "campaigns", "subscribe", "vote" or "offtopic" for a question about the
    bot's own features or beyond its scope; None for everything else."""
    text = " ".join(text.split())
    if not text or len(text) > _MAX_LENGTH:
        return None
    if _OFF_TOPIC.match(text):
        return "offtopic"
    if _SIGN_UP.search(text) and _EVENT.search(text):
        return "events"
    if _JOIN.search(text) and _CAMPAIGN.search(text) and _only_campaign_words(text):
        return "campaigns"
    if (_SUBSCRIBE.search(text) and _NEWS.search(text)) or _NEWSLETTER.search(text):
        return "subscribe"
    if _VOTE.search(text):
        return "vote"
    return None
