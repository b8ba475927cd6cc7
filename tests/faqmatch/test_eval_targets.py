"""Quality targets on the curated FAQ: the tuning set and the held-out set."""

from __future__ import annotations

from pathlib import Path

import pytest

from commands.faqmatch import FaqIndex
from commands.faqmatch.evaluation import evaluate, load_cases
from config.faq import load_faq

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "config"


@pytest.fixture(scope="module")
def index() -> FaqIndex:
    return FaqIndex.build(
        load_faq(CONFIG / "faq", CONFIG / "topics.yaml", CONFIG / "synonyms.yaml")
    )


@pytest.mark.parametrize(
    "cases_file",
    [
        "faq_eval.yaml",
        pytest.param(
            "faq_holdout.yaml",
            # Known and reported: the first engine reached top1 0.685 / wrong 0.07 on the
            # held-out set. strict: the moment it passes, this marker must go.
            marks=pytest.mark.xfail(strict=True, reason="held-out targets not met yet"),
        ),
    ],
)
def test_engine_meets_quality_targets(index: FaqIndex, cases_file: str) -> None:
    ids = frozenset(entry.id for entry in index.entries)
    report = evaluate(index, load_cases(ROOT / "tests" / "data" / cases_file, ids))
    metrics = report.metrics()
    assert report.top1 >= 0.90, metrics
    assert report.abstain_ok >= 0.80, metrics
    assert report.wrong_answer <= 0.05, metrics
