from __future__ import annotations

import datetime
import json
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType

import pytest

from commands.faqmatch import ENGINE_VERSION, FaqIndex
from commands.faqtool import contact_misfit, lint, run_faq_cli
from config.faq import FaqData, load_faq

DATA = Path(__file__).parent / "data"
CONFIG = Path(__file__).resolve().parents[2] / "config"


def run(argv: list[str], faq_dir: Path = DATA / "faq", vectors: Path | None = None) -> int:
    return run_faq_cli(argv, faq_dir, DATA / "topics.yaml", DATA / "synonyms.yaml", vectors)


def test_unknown_subcommand_prints_usage(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["frobnicate"]) == 2
    assert "usage: klimabot faq" in capsys.readouterr().out


def test_ask_without_question_prints_usage(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["ask"]) == 2
    assert "usage:" in capsys.readouterr().out


def test_check_reports_schema_error_and_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "bad.yaml").write_text("entries:\n  - id: x\n", encoding="utf-8")
    assert run(["check"], tmp_path) == 1
    assert "bad.yaml:2: entries[0].answer: missing required key" in capsys.readouterr().out


def test_check_fails_when_required_entries_are_missing(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["check"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert "error: required entry 'pv-dach' is missing" in out
    assert out[-1].startswith("6 entries, ")


def test_lint_warns_about_stale_entries(mini_faq: FaqData, mini_index: FaqIndex) -> None:
    problems = list(lint(mini_faq, mini_index, datetime.date(2027, 7, 15)))
    stale = [m for level, m in problems if level == "warning" and "more than a year ago" in m]
    assert len(stale) == 2  # starkregen (2026-05-01) and stadtradeln (2026-06-01)
    assert all("energie.yaml" not in m for m in stale)


def test_lint_flags_a_phrasing_shared_with_another_entry(mini_faq: FaqData) -> None:
    by_id = {entry.id: entry for entry in mini_faq.entries}
    entry, other = by_id["stadtradeln"], by_id["starkregen"]
    phrasings = MappingProxyType({"de": (*entry.phrasings["de"], other.question["de"])})
    changed = replace(entry, phrasings=phrasings)
    data = replace(mini_faq, entries=tuple(changed if e is entry else e for e in mini_faq.entries))
    messages = [m for _, m in lint(data, FaqIndex.build(data), datetime.date(2026, 11, 25))]
    assert any("starkregen: phrasing" in m and "also belongs to stadtradeln" in m for m in messages)
    assert any("stadtradeln: phrasing" in m and "matches starkregen better" in m for m in messages)


def test_ask_prints_outcome_and_ranking(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["ask", "Balkonkraftwerk anmelden"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("outcome: answer  confidence: ")
    assert "answer: balkonkraftwerk" in out
    assert any(line.strip().startswith("1. ") and line.endswith("balkonkraftwerk") for line in out)


def test_eval_prints_misses_and_metrics_last(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cases = tmp_path / "cases.yaml"
    cases.write_text(
        '- {question: "Balkonkraftwerk anmelden", expected: balkonkraftwerk}\n'
        '- {question: "Wärmepumpe im Altbau", expected: waermepumpe-altbau}\n'
        '- {question: "Wie wird das Wetter?", expected: null}\n'
        '- {question: "Stadtradeln Termin", expected: starkregen}\n'
        '- {question: "Was kostet ein Balkonkraftwerk?", expected: null}\n',
        encoding="utf-8",
    )
    assert run(["eval", str(cases)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert json.loads(out[-1]) == {
        "cases": 5,
        "top1": 0.667,
        "did_you_mean_hit": 0.667,
        "abstain_ok": 1.0,  # "on topic, not this point" abstains
        "wrong_answer": 0.2,
        "on_topic": 1,
        "meaning": False,  # the meaning check is off in tests not marked `meaning`
        "engine": ENGINE_VERSION,  # held-out sets are scored once per engine version
    }
    assert list(json.loads(out[-1])) == [
        "cases",
        "top1",
        "did_you_mean_hit",
        "abstain_ok",
        "wrong_answer",
        "on_topic",
        "meaning",
        "engine",
    ]
    assert len(out) == 2
    assert "expected=starkregen got=answer:stadtradeln" in out[0]


@pytest.mark.parametrize(
    "content",
    [
        "not: a list\n",
        "- {question: x}\n",
        "- {question: x, expected: no-such-id}\n",
        "[unclosed\n",
    ],
)
def test_eval_rejects_a_bad_cases_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str
) -> None:
    cases = tmp_path / "cases.yaml"
    cases.write_text(content, encoding="utf-8")
    assert run(["eval", str(cases)]) == 2
    assert capsys.readouterr().out.startswith(f"error: {cases}")


def test_ask_shows_the_aspect_asked_and_the_entries_on_the_topic(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run(["ask", "Was kostet ein Balkonkraftwerk?"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("outcome: on_topic  confidence: ")
    assert out[1] == "asks: cost"
    assert out[2] == "on the topic: balkonkraftwerk"


def test_check_warns_about_entries_without_answers(mini_faq: FaqData, mini_index: FaqIndex) -> None:
    messages = [m for _, m in lint(mini_faq, mini_index, datetime.date(2026, 11, 25))]
    missing = [m for m in messages if "no 'answers'" in m]
    assert len(missing) == len(mini_faq.entries) - 1  # all but balkonkraftwerk
    assert all("energie.yaml" not in m for m in missing)


def test_check_warns_about_a_contact_after_a_dative_preposition(
    mini_faq: FaqData, mini_index: FaqIndex
) -> None:
    by_id = {entry.id: entry for entry in mini_faq.entries}
    entry = by_id["stadtradeln"]
    answer = MappingProxyType(
        {**entry.answer, "de": "Bitte beim Kreis oder unter {kontakt} fragen."}
    )
    changed = replace(entry, answer=answer)
    data = replace(mini_faq, entries=tuple(changed if e is entry else e for e in mini_faq.entries))
    warnings = [m for level, m in lint(data, mini_index, datetime.date(2026, 11, 25))]
    assert any("stadtradeln: the German answer says 'unter {kontakt}'" in m for m in warnings)
    before = [m for _, m in lint(mini_faq, mini_index, datetime.date(2026, 11, 25))]
    assert not any("the German answer says" in m for m in before)


def test_shipped_german_answers_name_the_contact_where_any_contact_text_fits() -> None:
    data = load_faq(CONFIG / "faq", CONFIG / "topics.yaml", CONFIG / "synonyms.yaml")
    misfits = [(e.id, contact_misfit(e)) for e in data.entries if contact_misfit(e)]
    assert misfits == []


def test_check_warns_when_an_entrys_own_question_asks_what_it_does_not_answer(
    mini_faq: FaqData, mini_index: FaqIndex
) -> None:
    by_id = {entry.id: entry for entry in mini_faq.entries}
    changed = replace(by_id["balkonkraftwerk"], answers=("cost",))
    data = replace(
        mini_faq, entries=tuple(changed if e.id == changed.id else e for e in mini_faq.entries)
    )
    messages = [m for level, m in lint(data, mini_index, datetime.date(2026, 11, 25))]
    assert any(
        "balkonkraftwerk: question (de) asks procedure, rules but answers lists cost" in m
        for m in messages
    )


def test_check_warns_once_per_entry_about_phrasings_that_ask_what_it_does_not_answer(
    mini_faq: FaqData, mini_index: FaqIndex
) -> None:
    by_id = {entry.id: entry for entry in mini_faq.entries}
    phrasings = MappingProxyType(
        {"de": ("was kostet ein balkonkraftwerk", "kosten balkon pv", "x y z")}
    )
    changed = replace(by_id["balkonkraftwerk"], phrasings=phrasings)
    data = replace(
        mini_faq, entries=tuple(changed if e.id == changed.id else e for e in mini_faq.entries)
    )
    messages = [
        m for _, m in lint(data, mini_index, datetime.date(2026, 11, 25)) if "phrasing(s) ask" in m
    ]
    assert messages == [
        f"{changed.file}:{changed.line}: balkonkraftwerk: 1 phrasing(s) ask cost "
        "(e.g. 'was kostet ein balkonkraftwerk'), which answers does not list: add the aspect "
        "if the answer holds it, else such questions get 'on topic, not this point'"
    ]


def test_eval_rejects_a_missing_cases_file(tmp_path: Path) -> None:
    assert run(["eval", str(tmp_path / "nope.yaml")]) == 2


def test_ask_keeps_the_faq_vectors_in_the_file_it_is_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # `klimabot faq --config FILE ask …` uses the bot's file: later runs embed only the question.
    from config.faq import load_faq
    from tests.faqmatch.test_meaning import Scripted

    faq = load_faq(DATA / "faq", DATA / "topics.yaml", DATA / "synonyms.yaml")
    embedder = Scripted(faq)
    monkeypatch.setattr("commands.faqtool.load_embedder", lambda: embedder)
    monkeypatch.setattr("commands.faqmatch.meaning._VECTORS", {})
    vectors = tmp_path / "data" / "faq-vectors.npz"
    argv = ["ask", "Wie melde ich das Balkonkraftwerk an?"]
    assert (
        run_faq_cli(argv, DATA / "faq", DATA / "topics.yaml", DATA / "synonyms.yaml", vectors) == 0
    )
    assert vectors.exists()
    assert "1. " in capsys.readouterr().out
    embedder.embedded.clear()
    monkeypatch.setattr("commands.faqmatch.meaning._VECTORS", {})  # the next run
    assert (
        run_faq_cli(argv, DATA / "faq", DATA / "topics.yaml", DATA / "synonyms.yaml", vectors) == 0
    )
    assert embedder.embedded == [argv[1]]
