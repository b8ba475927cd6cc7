"""Optional measure fields (issue 13): owners, indicators, CO₂, milestones, eea field, links."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from config.measures import MeasuresError, load_measures

SLUGS = frozenset({"mobilitaet"})

HEAD = """\
measures:
  - id: radweg
    title: {de: Radweg, en: Cycle path}
    topic: mobilitaet
    description: {de: Text, en: Text}
    target_group: {de: Alle, en: Everyone}
    responsible: Stadt
    status: in Umsetzung
    progress: 40
    sources: ["https://example.org/a"]
"""

FULL = (
    HEAD
    + """\
    co2_achieved_t_per_year: 3
    eea_field: mobilitaet
    owners:
      department: Tiefbauamt
      users: ["@anna:ochtrup.invalid"]
    indicators:
      - id: km
        name: Radwege
        unit: km
        baseline: {value: 10, year: 2020}
        target: {value: 25.5, year: 2030}
        values:
          - {date: 2025-05-01, value: 14, source: Tiefbauamt}
    milestones:
      - {name: Planung, date: 2025-01-31, done: true}
      - {name: Bau, date: 2027-06-30}
    links: ["https://example.org/plan"]
"""
)


def _load(tmp_path: Path, text: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "measures.yaml"
    path.write_text(text, encoding="utf-8")
    return load_measures(path, SLUGS)


def test_all_new_fields_are_read(tmp_path: Path) -> None:
    measure = _load(tmp_path, FULL).measures[0]
    assert measure.owners.department == "Tiefbauamt"
    assert measure.owners.users == ("@anna:ochtrup.invalid",)
    assert measure.co2_achieved_t_per_year == 3.0
    assert measure.eea_field == "mobilitaet"
    (indicator,) = measure.indicators
    assert (indicator.id, indicator.unit, indicator.baseline, indicator.target) == (
        "km",
        "km",
        (10.0, 2020),
        (25.5, 2030),
    )
    assert indicator.values[0].date == datetime.date(2025, 5, 1)
    assert indicator.values[0].source == "Tiefbauamt"
    assert [(m.number, m.name, m.done) for m in measure.milestones] == [
        (1, "Planung", True),
        (2, "Bau", False),
    ]
    assert measure.links == ("https://example.org/plan",)
    assert measure.indicator("RADWEGE") is indicator
    assert measure.indicator("km") is indicator


def test_absent_new_fields_default_to_empty(tmp_path: Path) -> None:
    measure = _load(tmp_path, HEAD).measures[0]
    assert measure.owners.users == ()
    assert measure.owners.department is None
    assert measure.indicators == ()
    assert measure.milestones == ()
    assert measure.links == ()
    assert measure.eea_field is None
    assert measure.co2_achieved_t_per_year is None


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("eea_field: mobilitaet", "eea_field: verkehr", ":12: measures[0].eea_field: unknown eea"),
        (
            '["@anna:ochtrup.invalid"]',
            '["anna"]',
            ":15: measures[0].owners.users[0]: 'anna' is not a Matrix ID",
        ),
        ("year: 2030}", "year: 30}", ":21: measures[0].indicators[0].target.year: must be a year"),
        (
            "value: 14,",
            'value: "viel",',
            ":23: measures[0].indicators[0].values[0].value: must be a number",
        ),
        (
            "date: 2027-06-30",
            "date: bald",
            ":26: measures[0].milestones[1].date: must be a date",
        ),
        ("done: true", "done: ja", ":25: measures[0].milestones[0].done: must be true or false"),
        (
            '["https://example.org/plan"]',
            '["plan.pdf"]',
            ":27: measures[0].links[0]: 'plan.pdf' is not an http(s) URL",
        ),
        ("unit: km", "einheit: km", ":19: measures[0].indicators[0].einheit: unknown key"),
    ],
)
def test_bad_new_field_names_file_line_and_key(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    assert old in FULL
    with pytest.raises(MeasuresError) as info:
        _load(tmp_path, FULL.replace(old, new, 1))
    assert expected in str(info.value)


def test_duplicate_indicator_id_is_refused(tmp_path: Path) -> None:
    text = FULL.replace(
        "    milestones:",
        "      - {id: km, name: Noch, unit: km}\n    milestones:",
    )
    with pytest.raises(MeasuresError, match="duplicate indicator id 'km'"):
        _load(tmp_path, text)


def test_shipped_example_catalogue_has_owned_measures_with_indicators() -> None:
    from tests.config.test_measures import CONFIG  # the shipped config directory

    topics = frozenset(
        {
            "bauen-sanieren", "waerme-heizung", "erneuerbare-energien", "mobilitaet",
            "wirtschaft-unternehmen", "kommune-verwaltung", "klimaanpassung", "bildung-mitmachen",
        }
    )  # fmt: skip
    catalogue = load_measures(CONFIG / "measures.yaml", topics)
    owned = [m for m in catalogue.measures if m.owners.users]
    assert catalogue.example
    assert len(owned) >= 3
    assert any(m.indicators and m.milestones for m in owned)
