"""Words of the curated FAQ's synonym list that citizens use in another sense."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from commands.faqmatch import FaqIndex
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
