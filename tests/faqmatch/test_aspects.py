"""What a question asks (aspects), the `answers` key, and the "on topic, not this point" outcome."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from commands.faqmatch.aspects import AspectDetector, shown
from commands.faqmatch.channel import Match
from commands.faqmatch.outcome import confidence, decide
from config.faq import FaqData, FaqEntry, FaqError, load_faq
from tests.config.test_faq_loader import entries, write_faq

DETECT = AspectDetector(["vorhaben", "contract"]).detect


@pytest.mark.parametrize(
    ("question", "aspects"),
    [
        ("Was ist ein Balkonkraftwerk?", {"explain"}),
        ("wie funktioniert eine wärmepumpe", {"explain"}),
        ("Was bedeutet klimaneutral", {"explain"}),
        ("Was kostet ein Balkonkraftwerk ungefähr?", {"cost"}),
        ("wie teuer ist fernwärme", {"cost"}),
        ("Wie wird Mieterstrom abgerechnet?", {"cost"}),
        ("Lohnt sich eine Wärmepumpe im Altbau?", {"payoff"}),
        ("rechnet sich ein stromspeicher", {"payoff"}),
        ("Gibt es eine Förderung für Wärmepumpen?", {"subsidy"}),
        ("zuschuss dämmung", {"subsidy"}),
        ("Muss ich mein Balkonkraftwerk anmelden?", {"rules", "procedure"}),
        ("Darf ich einen Kaminofen einbauen?", {"rules"}),
        ("Muss ich für meine PV-Anlage Steuern zahlen", {"rules", "procedure"}),
        ("Was muss ich beim Kauf beachten?", {"procedure", "tips"}),
        ("Wie kann man Regenwasser sinnvoll nutzen?", set()),
        ("Ist eine Infrarotheizung sinnvoll?", {"payoff"}),
        ("Wir wollen Energie sparen, gibt es ein Programm für Betriebe?", set()),
        ("Wer ist für die Rückstauklappe zuständig?", {"contact", "rules"}),
        ("Kann ich online prüfen, ob sich Module lohnen?", {"procedure", "contact"}),
        ("Was tun, wenn die Einspeisevergütung ausläuft?", {"procedure", "tips"}),
        ("Wie beantrage ich den Zuschuss", {"procedure", "subsidy"}),
        ("Wo kann ich in Ochtrup mein E-Auto laden?", {"contact"}),
        ("An wen wende ich mich bei Fragen zum Klimaschutz", {"contact"}),
        ("Wie lange hält eine PV-Anlage?", {"time"}),
        ("Wann ist das nächste Stadtradeln", {"time"}),
        ("Heizkosten senken: Wann ist die Wärmepumpe die beste Lösung?", {"payoff"}),
        ("Hat Ochtrup ein Klimaschutzkonzept?", {"local"}),
        ("Wie kann ich Heizkosten sparen?", {"tips"}),
        ("Wie viele Betriebe machen bei Ökoprofit mit?", {"figures"}),
        ("Wie viel kostet eine Wärmepumpe", {"cost"}),
        ("Balkonkraftwerk", set()),
        ("solarpflicht nrw neubau", {"rules"}),
        ("", set()),
    ],
)
def test_german_cues_find_the_aspect_asked(question: str, aspects: set[str]) -> None:
    assert DETECT(question) == aspects


@pytest.mark.parametrize(
    ("question", "aspects"),
    [
        ("What is a heat pump?", {"explain"}),
        ("how does a balcony solar system work", {"explain"}),
        ("How much does a heat pump cost?", {"cost"}),
        ("is a battery worth it", {"payoff"}),
        ("Is there a grant for insulation?", {"subsidy"}),
        ("Do I have to register my solar panels?", {"rules", "procedure"}),
        ("Where can I charge my electric car", {"contact"}),
        ("How long does a solar panel last?", {"time"}),
        ("How do I stay safe when it's really hot?", set()),
        ("Who should I talk to about solar?", {"contact"}),
        ("How can I find out if there is a charge point near me?", {"procedure", "contact"}),
        ("tips to save energy at home", {"tips"}),
        ("how many companies take part", {"figures"}),
    ],
)
def test_english_cues_find_the_aspect_asked(question: str, aspects: set[str]) -> None:
    assert DETECT(question) == aspects


@pytest.mark.parametrize(
    ("question", "aspect"),
    [
        ("WIE FUNKTIONIERT EINE WÄRMEPUMPE", "explain"),
        ("wie funktionirt eine waermepumpe", "explain"),
        ("was kosted ein balkonkraftwerk", "cost"),
        ("förderng wärmepumpe", "subsidy"),
        ("gibts ne foerderung fuer pv", "subsidy"),
        ("lohnt sich dat überhaupt", "payoff"),
        ("muss ich das anmelden...???", "rules"),
    ],
)
def test_typos_case_and_punctuation_do_not_hide_the_aspect(question: str, aspect: str) -> None:
    assert aspect in DETECT(question)


def test_a_word_of_the_faq_is_not_taken_for_a_misspelt_cue() -> None:
    assert DETECT("unser vorhaben im garten") == frozenset()
    assert AspectDetector().detect("unser vorhaben im garten") == {"rules"}  # "vorgaben"


# --- the `answers` key --------------------------------------------------------------------


def test_answers_key_loads_in_order(tmp_path: Path) -> None:
    text = entries("eins", "zwei").replace(
        "    checked: 2026-01-01\n", "    checked: 2026-01-01\n    answers: [cost, payoff]\n", 1
    )
    data = load_faq(*write_faq(tmp_path, {"a.yaml": text}))
    assert data.entries[0].answers == ("cost", "payoff")
    assert data.entries[1].answers is None  # not declared yet: no constraint


def test_unknown_aspect_names_file_and_line(tmp_path: Path) -> None:
    text = entries("eins") + "    answers:\n      - cost\n      - price\n"
    with pytest.raises(FaqError) as info:
        load_faq(*write_faq(tmp_path, {"a.yaml": text}))
    assert re.search(
        r"a\.yaml:14: entries\[0\]\.answers\[1\]: unknown aspect 'price'", str(info.value)
    )


@pytest.mark.parametrize("value", ["[]", "cost", "[cost, cost]", "[3]"])
def test_answers_must_be_a_list_of_distinct_aspects(tmp_path: Path, value: str) -> None:
    with pytest.raises(FaqError, match=r"a\.yaml:\d+: entries\[0\]\.answers"):
        load_faq(*write_faq(tmp_path, {"a.yaml": entries("eins") + f"    answers: {value}\n"}))


# --- the decision -------------------------------------------------------------------------

SURE = Match(
    index=0,
    score=0.9,
    bm25=0.8,
    coverage=1.0,
    phrase=0.8,
    recall=1.0,
    centrality=1.0,
    fuzzy=0.8,
    unknown=0.0,
    evidence=3.0,
)


def _faq(mini_faq: FaqData, answers: dict[str, tuple[str, ...]], topic: str = "") -> list[FaqEntry]:
    """The mini FAQ with `answers` declared (and every entry on `topic`, if given)."""
    result = []
    for entry in mini_faq.entries:
        entry = replace(entry, answers=answers.get(entry.id, entry.answers))
        result.append(replace(entry, topic=topic) if topic else entry)
    return result


def test_best_entry_that_answers_the_aspect_is_kept(mini_faq: FaqData) -> None:
    faq = _faq(mini_faq, {faq_id(mini_faq, 0): ("rules",)})
    matches = [SURE, replace(SURE, index=1, score=0.5)]
    assert confidence(matches) >= 0.5
    outcome = decide(faq, matches, None, frozenset({"rules", "procedure"}))
    assert (outcome.kind, outcome.entry_id) == ("answer", faq[0].id)


def test_close_runner_up_that_answers_the_aspect_is_answered_instead(mini_faq: FaqData) -> None:
    faq = _faq(mini_faq, {faq_id(mini_faq, 0): ("rules",), faq_id(mini_faq, 1): ("cost",)})
    matches = [SURE, replace(SURE, index=1, score=0.85)]
    outcome = decide(faq, matches, None, frozenset({"cost"}))
    assert (outcome.kind, outcome.entry_id) == ("answer", faq[1].id)
    far = decide(faq, [SURE, replace(SURE, index=1, score=0.7)], None, frozenset({"cost"}))
    assert far.kind == "on_topic"  # not close enough to take the best one's place


def test_no_close_entry_answers_the_aspect_gives_on_topic(mini_faq: FaqData) -> None:
    faq = _faq(mini_faq, {e.id: ("rules",) for e in mini_faq.entries}, topic="energie")
    matches = [replace(SURE, index=i, score=0.9 - i / 10) for i in range(5)]
    outcome = decide(faq, matches, None, frozenset({"cost"}))
    assert outcome.kind == "on_topic"
    assert outcome.entry_id is None
    assert outcome.candidates == tuple(e.id for e in faq[:3])


def test_on_topic_offers_only_entries_of_the_best_matchs_topic(mini_faq: FaqData) -> None:
    faq = _faq(mini_faq, {e.id: ("rules",) for e in mini_faq.entries})
    matches = [replace(SURE, index=i, score=0.9 - i / 10) for i in range(len(faq))]
    outcome = decide(faq, matches, None, frozenset({"cost"}))
    assert outcome.kind == "on_topic"
    assert {faq[i].topic for i in range(len(faq)) if faq[i].id in outcome.candidates} == {
        faq[0].topic
    }


def test_entry_without_declared_answers_is_not_constrained(mini_faq: FaqData) -> None:
    outcome = decide(list(mini_faq.entries), [SURE], None, frozenset({"cost"}))
    assert (outcome.kind, outcome.entry_id) == ("answer", mini_faq.entries[0].id)


def test_exact_phrasing_is_answered_whatever_it_asks(mini_faq: FaqData) -> None:
    faq = _faq(mini_faq, {faq_id(mini_faq, 0): ("rules",)})
    outcome = decide(faq, [SURE], 0, frozenset({"cost"}))
    assert (outcome.kind, outcome.entry_id) == ("answer", faq[0].id)


def test_local_said_in_passing_does_not_block_an_answer(mini_faq: FaqData) -> None:
    faq = _faq(mini_faq, {faq_id(mini_faq, 0): ("subsidy",)})
    outcome = decide(faq, [SURE], None, frozenset({"subsidy", "local"}))
    assert (outcome.kind, outcome.entry_id) == ("answer", faq[0].id)


def test_did_you_mean_puts_candidates_that_answer_first(mini_faq: FaqData) -> None:
    faq = _faq(mini_faq, {faq_id(mini_faq, 0): ("rules",), faq_id(mini_faq, 1): ("cost",)})
    tied = [
        replace(
            SURE,
            score=0.8,
            coverage=1.0,
            recall=0.2,
            centrality=0.3,
            evidence=0.2,
            bm25=0.5,
            phrase=0.3,
            fuzzy=0.3,
        )
    ]
    tied.append(replace(tied[0], index=1, score=0.79))
    plain = decide(faq, tied, None)
    assert plain.kind == "did_you_mean"
    assert plain.candidates[:2] == (faq[0].id, faq[1].id)
    outcome = decide(faq, tied, None, frozenset({"cost"}))
    assert outcome.kind == "did_you_mean"
    assert outcome.candidates[:2] == (faq[1].id, faq[0].id)


def test_a_confident_tie_is_broken_by_the_one_entry_that_answers_the_aspect(
    mini_faq: FaqData,
) -> None:
    faq = _faq(mini_faq, {faq_id(mini_faq, 0): ("payoff",), faq_id(mini_faq, 1): ("figures",)})
    tied = [SURE, replace(SURE, index=1, score=0.895)]
    assert decide(faq, tied, None).kind == "did_you_mean"
    outcome = decide(faq, tied, None, frozenset({"figures"}))
    assert (outcome.kind, outcome.entry_id) == ("answer", faq[1].id)
    both = _faq(mini_faq, {faq_id(mini_faq, 0): ("figures",), faq_id(mini_faq, 1): ("figures",)})
    assert decide(both, tied, None, frozenset({"figures"})).kind == "did_you_mean"


def faq_id(mini_faq: FaqData, position: int) -> str:
    return mini_faq.entries[position].id


@pytest.mark.parametrize(
    ("question", "topicless"),
    [
        ("Förderung?", True),
        ("Was kostet das denn?", True),
        ("Lohnt sich das?", True),
        ("tips?", True),
        ("Solarpflicht?", False),
        ("förderung wärmepumpe", False),
        ("Was kostet ein Balkonkraftwerk?", False),
        ("Balkonkraftwerk", False),  # asks nothing: no aspect, nothing to be topicless about
        ("How can I tell whether a green tariff is genuine?", False),
    ],
)
def test_a_question_naming_only_an_aspect_has_no_topic(question: str, topicless: bool) -> None:
    assert AspectDetector().analyse(question).topicless is topicless


def test_topicless_question_gets_candidates_not_one_answer(mini_faq: FaqData) -> None:
    faq = _faq(mini_faq, {faq_id(mini_faq, 0): ("subsidy",), faq_id(mini_faq, 1): ("subsidy",)})
    matches = [SURE, replace(SURE, index=1, score=0.5)]
    assert decide(faq, matches, None, frozenset({"subsidy"})).kind == "answer"
    outcome = decide(faq, matches, None, frozenset({"subsidy"}), topicless=True)
    assert outcome.kind == "did_you_mean"
    assert outcome.candidates[:2] == (faq[0].id, faq[1].id)


@pytest.mark.parametrize(
    ("question", "aspects"),
    [
        # a tariff is a product, not a question of price
        ("does a green energy tariff really cut co2", set()),
        # "share" as a verb asks no figure; averages are figures
        ("can farming and solar share the same land", set()),
        ("what is the average footprint in germany", {"figures"}),
        # "Mit welchen Kosten muss ich rechnen?" is no obligation
        ("Mit welchen Stromkosten muss ich rechnen?", {"cost"}),
        # where to begin asks for the first steps, not for a place
        ("I don't know where to begin", {"procedure", "tips"}),
        ("Wo fange ich am besten an?", {"procedure", "tips"}),
        ("What's the best way to collect rain?", {"procedure", "tips"}),
        # an installer named in passing is no question for a contact
        ("The installer wants to sell us a battery", set()),
        ("Was ist mit klimaneutral gemeint?", {"explain"}),
        ("how many years will solar panels last", {"time", "figures"}),
        ("im internet nachschauen wie viel strom mein dach bringt", {"procedure", "contact"}),
        ("Welche Dämmung ist gut, wenn eine Firma sie empfiehlt?", set()),
        ("What is that and do I have to pay for it all myself?", None),
        # which insurer to take asks for a provider
        ("Welche Hausratversicherung nehme ich?", {"contact"}),
        ("Welche Versicherung zahlt bei Rückstau?", set()),
        ("Welchen Elektriker können Sie für eine Wallbox empfehlen?", {"contact"}),
        ("What does the number on my heat pump label mean?", {"explain"}),
    ],
)
def test_words_said_in_passing_are_no_cues(question: str, aspects: set[str] | None) -> None:
    if aspects is None:  # "pay for it myself" asks for a subsidy, "what is that" to explain
        assert {"explain", "subsidy"} <= DETECT(question)
    else:
        assert DETECT(question) == aspects


@pytest.mark.parametrize(
    ("question", "aspects"),
    [
        # "X – was ist das?" asks what X is, as "Was ist X?" does
        ("Heizungspumpe – was ist das eigentlich?", {"explain"}),
        # "wann muss …" asks when the rules demand it
        ("Wann müssen Rohre gedämmt werden?", {"rules", "time"}),
        ("Wann muss ein Speicher angemeldet werden?", {"rules", "time"}),
        # conditions are rules, or who may get a grant
        ("Welche Voraussetzungen gelten für die Prämie?", {"rules", "subsidy"}),
        # "woher kommt" asks where something comes from, not where to get it
        ("Woher kommt die Wärme im Netz?", set()),
        ("Woher bekomme ich einen Energieausweis?", {"contact"}),
        # the passive "geachtet" asks what to look out for, as "achten" does
        ("Worauf sollte bei der Montage geachtet werden?", {"procedure", "tips"}),
        ("Welche Ersparnis bringt eine neue Pumpe?", {"payoff"}),
        # how to cancel or switch is a matter of steps (and of notice periods)
        ("Wie wechsle ich den Anbieter?", {"procedure"}),
        ("Ist der Vertrag monatlich kündbar?", {"rules", "procedure"}),
        # what one can do against something asks for tips; "da machen" after a fault does not
        ("Was können wir gegen den Klimawandel tun?", {"procedure", "tips"}),
        ("Was kann ich persönlich für den Klimaschutz tun?", {"procedure", "tips"}),
        ("Was kann man da machen?", set()),
        ("Climate change: what can one person do?", {"procedure", "tips"}),
        ("Can we actually do anything about climate change?", {"procedure", "tips"}),
        # "Was ist, wenn …?" asks what happens, not what something is
        ("Was ist, wenn meine Heizung kaputtgeht?", set()),
        ("Was ist mit meiner alten Ölheizung?", set()),
        ("Was ist eine Wärmepumpe?", {"explain"}),
    ],
)
def test_more_ways_of_asking_find_the_aspect(question: str, aspects: set[str]) -> None:
    assert DETECT(question) == aspects


@pytest.mark.parametrize(
    ("question", "concrete"),
    [
        ("Was kostet eine Wärmepumpe?", {"cost"}),
        ("How much does a wallbox cost?", {"cost"}),
        ("Wie wird Mieterstrom abgerechnet?", set()),  # billing, not an amount
        ("Mit welchen Kosten muss ein Vermieter rechnen?", {"cost"}),
        ("Welche laufenden Kosten hat ein Speicher?", {"cost"}),
        ("Wie lange hält ein Speicher?", {"time"}),
        ("What is the lifespan of a solar panel?", {"time"}),
        ("Wann ist das nächste Stadtradeln?", set()),  # a date, not a span of time
        ("Wie funktioniert ein Stromspeicher?", {"explain"}),  # how it works, not what it is
        ("Was ist ein Stromspeicher?", set()),
    ],
)
def test_a_price_or_a_span_of_time_is_asked_as_a_concrete_value(
    question: str, concrete: set[str]
) -> None:
    assert AspectDetector().analyse(question).concrete == concrete


@pytest.mark.parametrize(
    ("answer", "values"),
    [
        ("Ein Set kostet rund 500 € inklusive Montage.", {"cost"}),
        ("Die Erstberatung ist kostenlos.", {"cost"}),
        ("The first consultation is free.", {"cost"}),
        ("Freiwillige helfen mit.", set()),
        ("Laden kostet etwa 30 ct/kWh.", {"cost"}),
        ("Module halten 25 bis 35 Jahre.", {"time"}),
        ("A battery lasts 10-15 years.", {"time"}),
        ("Er lädt mittags und gibt den Strom abends ab.", set()),
        ("Die Anlage hat 10 kWh und kostet 8.000 Euro.", {"cost"}),
    ],
)
def test_an_answer_shows_an_amount_or_a_span_of_time(answer: str, values: set[str]) -> None:
    assert shown(answer) == values


def test_an_entry_without_a_price_does_not_answer_what_something_costs(
    mini_faq: FaqData,
) -> None:
    faq = _faq(mini_faq, {faq_id(mini_faq, 0): ("cost", "explain")})
    shows: list[frozenset[str]] = [frozenset()] * len(faq)
    asked = frozenset({"cost"})
    billing = decide(faq, [SURE], None, asked, shows=shows)  # asks cost, but no amount
    assert (billing.kind, billing.entry_id) == ("answer", faq[0].id)
    price = decide(faq, [SURE], None, asked, concrete=asked, shows=shows)
    assert price.kind == "on_topic"
    priced = [frozenset({"cost"})] * len(faq)
    shown_price = decide(faq, [SURE], None, asked, concrete=asked, shows=priced)
    assert (shown_price.kind, shown_price.entry_id) == ("answer", faq[0].id)


def test_the_close_entry_that_answers_more_of_what_was_asked_is_taken(mini_faq: FaqData) -> None:
    faq = _faq(
        mini_faq,
        {
            faq_id(mini_faq, 0): ("explain",),
            faq_id(mini_faq, 1): ("rules",),
            faq_id(mini_faq, 2): ("rules", "time"),
        },
    )
    matches = [SURE, replace(SURE, index=1, score=0.86), replace(SURE, index=2, score=0.85)]
    asked = frozenset({"rules", "time"})
    outcome = decide(faq, matches, None, asked, points=(asked,))
    assert (outcome.kind, outcome.entry_id) == ("answer", faq[2].id)


@pytest.mark.parametrize(
    ("question", "points"),
    [
        ("Was kostet das und gibt es eine Förderung?", [{"cost"}, {"subsidy"}]),
        # "muss ich … Pflicht" asks one point: the rule
        ("Muss ich eine Genehmigung haben, ist das Pflicht?", [{"rules"}]),
    ],
)
def test_each_point_asked_is_kept_apart(question: str, points: list[set[str]]) -> None:
    assert sorted(map(sorted, AspectDetector().analyse(question).points)) == sorted(
        map(sorted, points)
    )


def test_how_it_works_is_answered_only_by_an_entry_that_explains_the_thing(
    mini_faq: FaqData,
) -> None:
    faq = _faq(mini_faq, {faq_id(mini_faq, 0): ("explain", "payoff")})
    asked = frozenset({"explain"})
    says_what_it_is_for: list[frozenset[str]] = [frozenset()] * len(faq)
    outcome = decide(faq, [SURE], None, asked, concrete=asked, shows=says_what_it_is_for)
    assert outcome.kind == "on_topic"
    explains = [frozenset({"explain"})] * len(faq)
    outcome = decide(faq, [SURE], None, asked, concrete=asked, shows=explains)
    assert (outcome.kind, outcome.entry_id) == ("answer", faq[0].id)


def test_an_entry_that_has_the_point_but_not_its_value_is_not_replaced_by_a_neighbour(
    mini_faq: FaqData,
) -> None:
    # The best entry lists cost but names no price; a close one with a price is about
    # something else, so the question is on topic, not answered by the neighbour.
    faq = _faq(mini_faq, {faq_id(mini_faq, 0): ("cost",), faq_id(mini_faq, 1): ("cost",)})
    matches = [SURE, replace(SURE, index=1, score=0.88)]
    asked = frozenset({"cost"})
    shows = [frozenset(), frozenset({"cost"})] + [frozenset()] * (len(faq) - 2)
    outcome = decide(faq, matches, None, asked, concrete=asked, shows=shows)
    assert outcome.kind == "on_topic"
    undeclared = _faq(mini_faq, {faq_id(mini_faq, 0): ("rules",), faq_id(mini_faq, 1): ("cost",)})
    swapped = decide(undeclared, matches, None, asked, concrete=asked, shows=shows)
    assert (swapped.kind, swapped.entry_id) == ("answer", undeclared[1].id)


@pytest.mark.parametrize(
    ("question", "explains"),
    [
        ("Was sind Energieeffizienz-Netzwerke für Unternehmen?", True),
        ("Was kann der Klimabot und welche Befehle gibt es?", True),
        ("Wie funktioniert eine Wärmepumpe?", True),
        ("What is district heating and how does it work?", True),
        ("Lohnt sich Solarthermie für warmes Wasser?", False),
        ("Wie kann ich als Vermieter Mieterstrom anbieten?", False),
    ],
)
def test_a_curated_question_that_asks_what_a_thing_is_explains_it(
    question: str, explains: bool
) -> None:
    assert AspectDetector().explains(question) is explains


@pytest.mark.parametrize(
    ("question", "aspects"),
    [
        ("Worauf muss ich bei einer PV-Anlage achten?", {"procedure", "tips", "rules"}),
        ("Was ist das Deutschland-Jobticket?", {"explain"}),
        ("Wie funktioniert eine Luft-Wasser-Wärmepumpe im Winter?", {"explain"}),
    ],
)
def test_a_hyphenated_word_does_not_hide_the_aspect(question: str, aspects: set[str]) -> None:
    # A cue spans words; "PV-Anlage" is one word to the index, but two to the cues.
    assert DETECT(question) == aspects
