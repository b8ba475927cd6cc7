"""The held-out scorer records each engine version's numbers once and refuses to score it again.

Scored here on a small set of our own questions, never on a held-out set.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from tests.faqmatch.heldout import AlreadyScored, faq_fingerprint, load_records, score

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "config"
CASES = """\
- question: "Muss ich mein Balkonkraftwerk anmelden?"
  expected: balkonkraftwerk
- question: "Wann kommt die Müllabfuhr?"
  expected: null
"""


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "mini.yaml").write_text(CASES, encoding="utf-8")
    return folder


def test_a_version_is_recorded_once_with_its_summary_and_not_scored_again(
    data: Path, tmp_path: Path
) -> None:
    records = tmp_path / "scores.yaml"
    today = dt.date(2026, 12, 7)
    record = score(CONFIG, data, records, ("mini.yaml",), engine="test.1", today=today)
    assert record["sets"]["mini.yaml"]["cases"] == 2
    assert set(record["sets"]["mini.yaml"]) >= {"top1", "abstain_ok", "wrong_answer"}
    assert record["date"] == "2026-12-07"
    with pytest.raises(AlreadyScored, match="test.1"):
        score(CONFIG, data, records, ("mini.yaml",), engine="test.1", today=today)
    assert [r["engine"] for r in load_records(records)] == ["test.1"]


def test_a_new_engine_version_gets_its_own_record(data: Path, tmp_path: Path) -> None:
    records = tmp_path / "scores.yaml"
    score(CONFIG, data, records, ("mini.yaml",), engine="test.1")
    score(CONFIG, data, records, ("mini.yaml",), engine="test.2", note="cue change")
    assert [(r["engine"], r["note"]) for r in load_records(records)] == [
        ("test.1", ""),
        ("test.2", "cue change"),
    ]


def test_the_fingerprint_follows_the_faq_content(tmp_path: Path) -> None:
    copy = tmp_path / "config"
    shutil.copytree(CONFIG / "faq", copy / "faq")
    for name in ("topics.yaml", "synonyms.yaml"):
        shutil.copy(CONFIG / name, copy / name)
    before = faq_fingerprint(copy)
    assert faq_fingerprint(copy) == before
    first = sorted((copy / "faq").glob("*.yaml"))[0]
    first.write_text(first.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    assert faq_fingerprint(copy) != before


def test_a_broken_record_file_is_an_error_not_an_empty_history(tmp_path: Path) -> None:
    records = tmp_path / "scores.yaml"
    records.write_text("engine: not a list\n", encoding="utf-8")
    with pytest.raises(ValueError, match="list of records"):
        load_records(records)
