from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest
import yaml

from config.measures import STATUSES, MeasuresError, load_measures, normalize_status

CONFIG = Path(__file__).resolve().parents[2] / "config"
SLUGS = frozenset({"mobilitaet", "waerme-heizung"})

# Line numbers matter: the error tests below name them.
VALID = """\
example: false
checked: 2026-11-25
measures:
  - id: erste
    title: {de: Erste, en: First}
    topic: mobilitaet
    description: {de: Beschreibung, en: Description}
    target_group: {de: Alle, en: Everyone}
    responsible: Stadt Ochtrup
    status: in Umsetzung
    progress: 50
    start: 2024-01-01
    end: 2025-01-01
    co2_saving_t_per_year: 12.5
    sources: ["https://example.org/a"]
  - id: zweite
    title:
      de: Zweite
      en: Second
    topic: waerme-heizung
    description: {de: Text, en: Text}
    target_group: {de: Alle, en: Everyone}
    responsible: Stadtwerke
    status: abgeschlossen
    status_note: {de: Geschätzt, en: Estimated}
    progress: 100
    sources:
      - "https://example.org/b"
"""


def topic_slugs() -> frozenset[str]:
    data = yaml.safe_load((CONFIG / "topics.yaml").read_text(encoding="utf-8"))
    return frozenset(topic["slug"] for topic in data["topics"])


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "measures.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def changed(old: str, new: str) -> str:
    assert VALID.count(old) == 1, old
    return VALID.replace(old, new)


def load_error(tmp_path: Path, text: str) -> str:
    path = write(tmp_path, text)
    with pytest.raises(MeasuresError) as info:
        load_measures(path, SLUGS)
    message = str(info.value)
    assert message.startswith(f"{path}:")
    return message.removeprefix(f"{path}:")


# --- the real file ------------------------------------------------------------------------


def test_shipped_catalogue_loads_with_shipped_topics() -> None:
    catalogue = load_measures(CONFIG / "measures.yaml", topic_slugs())
    assert catalogue.example is True
    assert catalogue.checked == datetime.date(2026, 11, 25)
    assert catalogue.measures
    assert len({m.id for m in catalogue.measures}) == len(catalogue.measures)
    assert all(m.status in STATUSES for m in catalogue.measures)
    assert all(set(m.title) == {"de", "en"} for m in catalogue.measures)


def test_shipped_catalogue_finds_measure_by_id() -> None:
    catalogue = load_measures(CONFIG / "measures.yaml", topic_slugs())
    measure = catalogue.get("kommunale-waermeplanung")
    assert measure is not None
    assert measure.topic == "waerme-heizung"
    assert measure.start == datetime.date(2024, 11, 5)
    assert measure.end == datetime.date(2028, 6, 30)


# --- a small valid file -------------------------------------------------------------------


def test_valid_file_gives_typed_immutable_measures(tmp_path: Path) -> None:
    catalogue = load_measures(write(tmp_path, VALID), SLUGS)
    first, second = catalogue.measures
    assert catalogue.example is False
    assert first.title == {"de": "Erste", "en": "First"}
    assert first.co2_saving_t_per_year == 12.5
    assert first.start == datetime.date(2024, 1, 1)
    assert first.status_note == {}
    assert first.sources == ("https://example.org/a",)
    assert second.status_note["en"] == "Estimated"
    with pytest.raises(TypeError):
        first.title["de"] = "anders"  # type: ignore[index]


def test_optional_fields_default_when_absent(tmp_path: Path) -> None:
    text = VALID.replace("example: false\nchecked: 2026-11-25\n", "")
    catalogue = load_measures(write(tmp_path, text), SLUGS)
    second = catalogue.measures[1]
    assert catalogue.example is False
    assert catalogue.checked is None
    assert (second.start, second.end, second.co2_saving_t_per_year) == (None, None, None)


def test_whole_number_co2_becomes_float(tmp_path: Path) -> None:
    catalogue = load_measures(write(tmp_path, changed("12.5", "25")), SLUGS)
    assert catalogue.measures[0].co2_saving_t_per_year == 25.0
    assert isinstance(catalogue.measures[0].co2_saving_t_per_year, float)


def test_get_ignores_case_and_spaces_and_returns_none_for_unknown(tmp_path: Path) -> None:
    catalogue = load_measures(write(tmp_path, VALID), SLUGS)
    second = catalogue.get(" Zweite ")
    assert second is not None
    assert second.id == "zweite"
    assert catalogue.get("dritte") is None


def test_empty_measures_list_is_allowed(tmp_path: Path) -> None:
    catalogue = load_measures(write(tmp_path, "measures: []\n"), SLUGS)
    assert catalogue.measures == ()


# --- errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "    status: abgeschlossen",
            "    status: erledigt",
            "24: measures[1].status: must be one of geplant, in Umsetzung, abgeschlossen, "
            "zurückgestellt (did you mean 'abgeschlossen'?)",
        ),
        ("    status: abgeschlossen", "    status: kaputt", "24: measures[1].status: must be one"),
        ("    responsible: Stadtwerke", "    resposible: Stadtwerke", "23: measures[1].resposible"),
        ("    responsible: Stadtwerke\n", "", "16: measures[1].responsible: missing required key"),
        ("      en: Second\n", "", "17: measures[1].title.en: missing required key"),
        ("      en: Second", "      fr: Second", "19: measures[1].title.fr: unknown key"),
        ("      en: Second", "      en: 42", "19: measures[1].title.en: must be a string, got int"),
        ("      en: Second", '      en: "  "', "19: measures[1].title.en: must not be empty"),
        ("    progress: 100", "    progress: '100'", "26: measures[1].progress: must be a whole"),
        ("    progress: 100", "    progress: 99.5", "26: measures[1].progress: must be a whole"),
        ("    progress: 50", "    progress: 101", "11: measures[0].progress: must be between 0"),
        ("    progress: 50", "    progress: -1", "11: measures[0].progress: must be between 0"),
        ("    progress: 50", "    progress: true", "11: measures[0].progress: must be a whole"),
        ("    progress: 50", "    progress: 100", "11: measures[0].progress: must be 100 if and"),
        ("    progress: 100", "    progress: 90", "26: measures[1].progress: must be 100 if and"),
        ("  - id: zweite", "  - id: erste", "16: measures[1].id: duplicate id 'erste'"),
        ("  - id: zweite", "  - id: Zweite", "16: measures[1].id: 'Zweite' is not a slug"),
        ("    topic: mobilitaet", "    topic: verkehr", "6: measures[0].topic: unknown topic"),
        ("    start: 2024-01-01", "    start: 2026-01-01", "13: measures[0].end: 2025-01-01 is"),
        ("    start: 2024-01-01", "    start: 2024-13-01", "12: measures[0].start: must be a date"),
        ("    start: 2024-01-01", "    start: 2024-01-01 10:00", "12: measures[0].start: must be"),
        ("    end: 2025-01-01", "    end: soon", "13: measures[0].end: must be a date"),
        ("12.5", "-1", "14: measures[0].co2_saving_t_per_year: must be a finite number"),
        ("12.5", ".nan", "14: measures[0].co2_saving_t_per_year: must be a finite number"),
        ("12.5", "viel", "14: measures[0].co2_saving_t_per_year: must be a number or null"),
        ('"https://example.org/b"', "www.example.org", "28: measures[1].sources[0]: 'www.ex"),
        ('"https://example.org/b"', '"ftp://example.org/b"', "28: measures[1].sources[0]: "),
        ('"https://example.org/b"', '"https://exa mple.org"', "28: measures[1].sources[0]: "),
        ('["https://example.org/a"]', "[]", "15: measures[0].sources: needs at least 1 item"),
        ('["https://example.org/a"]', '"https://e.org"', "15: measures[0].sources: must be a li"),
        ("example: false", "example: nein", "1: example: must be true or false, got str"),
        ("checked: 2026-11-25", "checked: gestern", "2: checked: must be a date"),
        ("checked: 2026-11-25", "checkd: 2026-11-25", "2: checkd: unknown key"),
        ("    status_note: {de: Geschätzt, en: Estimated}", "    status_note: ja", "25: measures"),
    ],
)
def test_invalid_value_names_line_and_key_path(
    tmp_path: Path, old: str, new: str, expected: str
) -> None:
    assert load_error(tmp_path, changed(old, new)).startswith(expected)


def test_measure_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    text = VALID + "  - nur ein Text\n"
    assert load_error(tmp_path, text) == "29: measures[2]: must be a mapping, got str"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "1: must be a mapping, got nothing"),
        ("- a\n- b\n", "1: must be a mapping, got a list"),
        ("example: true\n", "1: measures: missing required key"),
        ("measures: {}\n", "1: measures: must be a list, got a mapping"),
    ],
)
def test_wrong_file_shape_is_refused(tmp_path: Path, text: str, expected: str) -> None:
    assert load_error(tmp_path, text) == expected


def test_broken_yaml_names_the_line_of_the_problem(tmp_path: Path) -> None:
    text = changed("    title: {de: Erste, en: First}", "    title: {de: Erste, en: First")
    assert re.match(r"^[56]: invalid YAML: ", load_error(tmp_path, text))


def test_duplicate_yaml_key_is_refused_with_its_line(tmp_path: Path) -> None:
    text = changed("    progress: 50\n", "    progress: 50\n    progress: 60\n")
    assert load_error(tmp_path, text) == "12: invalid YAML: duplicate key 'progress'"


def test_missing_file_is_a_measures_error(tmp_path: Path) -> None:
    with pytest.raises(MeasuresError, match="cannot read file"):
        load_measures(tmp_path / "nope.yaml", SLUGS)


# --- normalize_status ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("in umsetzung", "in Umsetzung"),
        ("In Umsetzung", "in Umsetzung"),
        ("umsetzung", "in Umsetzung"),
        ("in_umsetzung", "in Umsetzung"),
        ("in-umsetzung", "in Umsetzung"),
        ("laufend", "in Umsetzung"),
        ("in progress", "in Umsetzung"),
        ("abgeschlossen", "abgeschlossen"),
        ("fertig", "abgeschlossen"),
        ("DONE", "abgeschlossen"),
        ("planned", "geplant"),
        ("geplant", "geplant"),
        ("zurueckgestellt", "zurückgestellt"),
        ("zurückgestellt", "zurückgestellt"),
        ("Zurückgestellt", "zurückgestellt"),
        ("zuru\u0308ckgestellt", "zurückgestellt"),
        ("paused", "zurückgestellt"),
        ("  on   hold ", "zurückgestellt"),
    ],
)
def test_normalize_status_maps_variants_to_canonical(text: str, expected: str) -> None:
    assert normalize_status(text) == expected


@pytest.mark.parametrize("text", ["", "vielleicht", "in", "umsetzungen", "<b>done</b>"])
def test_normalize_status_returns_none_for_unknown(text: str) -> None:
    assert normalize_status(text) is None


def test_every_canonical_status_normalizes_to_itself() -> None:
    assert [normalize_status(status) for status in STATUSES] == list(STATUSES)
