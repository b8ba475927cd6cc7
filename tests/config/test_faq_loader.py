from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest

from config.faq import FaqError, load_faq, load_places, load_synonyms, load_topics

ROOT = Path(__file__).resolve().parents[2] / "config"

TOPICS = """\
topics:
  - slug: energie
    name: {de: Energie, en: Energy}
    aliases: [strom]
"""
SYNONYMS = """\
synonyms:
  - [förderung, zuschuss]
"""
ENTRY = """\
  - id: {id}
    topic: energie
    question:
      de: "Frage?"
    phrasings:
      de: [eins, zwei, drei]
    answer:
      de: "Antwort, Kontakt: {{kontakt}}"
    sources: ["https://example.org/quelle"]
    checked: 2026-01-01
"""


def write_faq(tmp_path: Path, files: dict[str, str]) -> tuple[Path, Path, Path]:
    faq_dir = tmp_path / "faq"
    faq_dir.mkdir()
    for name, text in files.items():
        (faq_dir / name).write_text(text, encoding="utf-8")
    (tmp_path / "topics.yaml").write_text(TOPICS, encoding="utf-8")
    (tmp_path / "synonyms.yaml").write_text(SYNONYMS, encoding="utf-8")
    return faq_dir, tmp_path / "topics.yaml", tmp_path / "synonyms.yaml"


def entries(*ids: str) -> str:
    return "entries:\n" + "\n".join(ENTRY.format(id=i) for i in ids)


def load_error(tmp_path: Path, text: str) -> str:
    with pytest.raises(FaqError) as info:
        load_faq(*write_faq(tmp_path, {"a.yaml": text}))
    return str(info.value)


def test_valid_entry_loads_into_frozen_objects(tmp_path: Path) -> None:
    data = load_faq(*write_faq(tmp_path, {"a.yaml": entries("eins", "zwei")}))
    first = data.entries[0]
    assert (first.id, first.topic, first.line) == ("eins", "energie", 2)
    assert first.phrasings["de"] == ("eins", "zwei", "drei")
    assert first.checked == datetime.date(2026, 1, 1)
    assert first.file.endswith("a.yaml")
    assert (first.volatile, first.related, first.keywords) == (False, (), ())
    with pytest.raises(TypeError):
        first.answer["de"] = "x"  # type: ignore[index]
    assert data.synonyms == (("förderung", "zuschuss"),)
    assert data.topics[0].aliases == ("strom",)


def test_missing_key_names_file_line_and_key(tmp_path: Path) -> None:
    message = load_error(
        tmp_path, entries("eins").replace('    sources: ["https://example.org/quelle"]\n', "")
    )
    assert re.search(r"a\.yaml:2: entries\[0\]\.sources: missing required key", message)


def test_unknown_key_names_file_line_and_key(tmp_path: Path) -> None:
    message = load_error(tmp_path, entries("eins") + "    anwser: x\n")
    assert re.search(r"a\.yaml:12: entries\[0\]\.anwser: unknown key", message)


def test_wrong_type_names_file_line_and_key(tmp_path: Path) -> None:
    message = load_error(tmp_path, entries("eins").replace("checked: 2026-01-01", "checked: soon"))
    assert re.search(r"a\.yaml:11: entries\[0\]\.checked: 'soon' is not a date", message)


def test_too_few_phrasings_is_an_error(tmp_path: Path) -> None:
    message = load_error(tmp_path, entries("eins", "zwei").replace("[eins, zwei, drei]", "[eins]"))
    assert re.search(r"a\.yaml:7: entries\[0\]\.phrasings\.de: at least 3 phrasings", message)


def test_source_must_be_a_url(tmp_path: Path) -> None:
    message = load_error(tmp_path, entries("eins").replace("https://example.org/quelle", "quelle"))
    assert re.search(
        r"a\.yaml:10: entries\[0\]\.sources\[0\]: 'quelle' is not an http\(s\) URL", message
    )


def test_unknown_topic_is_an_error(tmp_path: Path) -> None:
    message = load_error(tmp_path, entries("eins").replace("topic: energie", "topic: verkehr"))
    assert re.search(r"a\.yaml:3: entries\[0\]\.topic: unknown topic 'verkehr'", message)


def test_unknown_related_id_is_an_error(tmp_path: Path) -> None:
    message = load_error(tmp_path, entries("eins") + "    related: [eins-b, zwei]\n")
    assert re.search(
        r"a\.yaml:12: entries\[0\]\.related\[0\]: unknown related id 'eins-b'", message
    )


def test_unknown_placeholder_is_an_error(tmp_path: Path) -> None:
    message = load_error(tmp_path, entries("eins").replace("{kontakt}", "{telefon}"))
    assert re.search(
        r"a\.yaml:9: entries\[0\]\.answer\.de: unknown placeholder \{telefon\}", message
    )


def test_duplicate_id_across_files_names_both_places(tmp_path: Path) -> None:
    paths = write_faq(tmp_path, {"a.yaml": entries("eins"), "b.yaml": entries("zwei", "eins")})
    with pytest.raises(
        FaqError,
        match=r"b\.yaml:13: entries\[1\]\.id: duplicate id 'eins' \(first at .*a\.yaml:2\)",
    ):
        load_faq(*paths)


def test_broken_yaml_names_file_and_line(tmp_path: Path) -> None:
    message = load_error(
        tmp_path, entries("eins").replace('      de: "Frage?"', '      de: "Frage?')
    )
    # The parser notices the unclosed quote a few lines later; the message names that line.
    assert re.search(
        r"a\.yaml:(9|1\d): invalid YAML: (did not find expected key|expected <block end>)", message
    )


def test_duplicate_yaml_key_is_an_error(tmp_path: Path) -> None:
    message = load_error(tmp_path, entries("eins") + "    topic: energie\n")
    assert re.search(r"a\.yaml:12: invalid YAML: duplicate key 'topic'", message)


def test_empty_faq_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(FaqError, match="no \\*.yaml FAQ files"):
        load_faq(*write_faq(tmp_path, {}))


def test_numbers_in_keywords_are_read_as_words(tmp_path: Path) -> None:
    data = load_faq(
        *write_faq(tmp_path, {"a.yaml": entries("eins") + "    keywords: [kfw, 800]\n"})
    )
    assert data.entries[0].keywords == ("kfw", "800")


def test_topic_without_english_name_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "topics.yaml"
    path.write_text(TOPICS.replace(", en: Energy", ""), encoding="utf-8")
    with pytest.raises(
        FaqError, match=r"topics\.yaml:3: topics\[0\]\.name\.en: missing required key"
    ):
        load_topics(path)


def test_synonym_group_needs_two_words(tmp_path: Path) -> None:
    path = tmp_path / "synonyms.yaml"
    path.write_text("synonyms:\n  - [förderung]\n", encoding="utf-8")
    with pytest.raises(FaqError, match=r"synonyms\.yaml:2: synonyms\[0\]: at least 2 item"):
        load_synonyms(path)


def test_real_config_loads() -> None:
    data = load_faq(ROOT / "faq", ROOT / "topics.yaml", ROOT / "synonyms.yaml")
    ids = {entry.id for entry in data.entries}
    assert {"balkonkraftwerk", "bot-hilfe", "datenschutz-bot"} <= ids
    assert all(entry.topic in {t.slug for t in data.topics} for entry in data.entries)


def test_places_are_single_words(tmp_path: Path) -> None:
    path = tmp_path / "synonyms.yaml"
    path.write_text(
        "synonyms: []\nhome_places: [ochtrup]\nother_places:\n  - gronau\n  - bad bentheim\n"
    )
    with pytest.raises(
        FaqError, match=r"synonyms\.yaml:5: other_places\[1\]: place names are single"
    ):
        load_places(path)


def test_places_are_optional_and_folded_to_lowercase(tmp_path: Path) -> None:
    path = tmp_path / "synonyms.yaml"
    path.write_text("synonyms: []\nother_places: [Gronau, Münster]\n")
    assert load_places(path) == ((), ("gronau", "münster"))
