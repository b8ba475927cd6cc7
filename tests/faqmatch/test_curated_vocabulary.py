"""Words of the curated FAQ's synonym list that citizens use in another sense."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from commands.faqmatch import FaqIndex
from commands.faqmatch.analyzer import _keys
from config.faq import load_faq

CONFIG = Path(__file__).resolve().parents[2] / "config"


@cache
def _index() -> FaqIndex:
    return FaqIndex.build(
        load_faq(CONFIG / "faq", CONFIG / "topics.yaml", CONFIG / "synonyms.yaml")
    )


def test_kwp_after_a_number_is_the_solar_unit_not_the_heat_plan() -> None:
    index = _index()
    for question in ("Ist eine 10-kWp-Anlage rentabel?", "Was bringt eine Anlage mit 10 kWp?"):
        ranked = [index.entries[m.index].id for m in index.matches(question)]
        assert "waermeplanung" not in ranked[:6], question


def test_a_solar_battery_is_a_home_storage_battery() -> None:
    index = _index()
    outcome = index.ask("Wie viel Solarbatterie brauche ich?")
    assert (outcome.kind, outcome.entry_id) == ("answer", "stromspeicher-funktion")


def test_pay_off_and_worth_it_are_the_same_question() -> None:
    index = _index()
    ranked = [
        index.entries[m.index].id for m in index.matches("do solar panels on my house pay off")
    ]
    assert "pv-dach" in ranked[:2]


def test_a_district_of_the_town_of_steinfurt_is_another_place() -> None:
    outcome = _index().ask("Wer ist in Borghorst für Klimaschutz zuständig?")
    assert outcome.kind == "dont_know"


def test_synonym_groups_merge_only_through_a_phrase_they_both_list() -> None:
    # Groups that share a stem are merged (synonymy is transitive): "Stromer" (an e-car) once
    # stemmed to "strom" and made every E-Auto question one about electricity.
    data = load_faq(CONFIG / "faq", CONFIG / "topics.yaml", CONFIG / "synonyms.yaml")
    for channel in _index()._channels:
        analyzer = channel.analyzer
        stem = analyzer._stem_fn()
        owners: dict[str, set[int]] = {}
        for number, group in enumerate(data.synonyms):
            for phrase in group:
                for key in _keys(analyzer.words(phrase), stem):
                    token = analyzer.synonyms.single.get(key[0]) if len(key) == 1 else None
                    for other, name in analyzer.synonyms.phrases.get(key[0], ()):
                        token = name if other == key else token
                    if token is not None:
                        owners.setdefault(token, set()).add(number)
        for token, groups in owners.items():
            listed = [{analyzer.language.fold(p) for p in data.synonyms[g]} for g in groups]
            apart = [a for a in listed for b in listed if a is not b and a.isdisjoint(b)]
            assert not apart, (analyzer.language.code, token, [data.synonyms[g] for g in groups])


def test_an_entry_that_only_says_what_a_thing_is_for_does_not_explain_how_it_works() -> None:
    # The solar thermal entry asks whether it pays off and says what it yields, not how it
    # works; the home battery entry asks what one is and how it works.
    index = _index()
    assert index.ask("Wie genau funktioniert eigentlich eine Solarthermieanlage?").kind == (
        "on_topic"
    )
    outcome = index.ask("Wie funktioniert ein Stromspeicher?")
    assert (outcome.kind, outcome.entry_id) == ("answer", "stromspeicher-funktion")
