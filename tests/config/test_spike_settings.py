"""faq.spike_questions / faq.spike_downvotes: defaults, the config's values, bad values named."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.settings import parse_config
from tests.config.test_settings import VALID, _problems, _with


def test_spike_thresholds_default_to_five_questions_and_three_downvotes() -> None:
    faq = parse_config(VALID, Path("/tmp"), {}).faq
    assert faq is not None
    assert (faq.spike_questions, faq.spike_downvotes) == (5, 3)


def test_spike_thresholds_come_from_the_config() -> None:
    raw = _with("faq.spike_questions", 8)
    raw["faq"]["spike_downvotes"] = 2
    faq = parse_config(raw, Path("/tmp"), {}).faq
    assert faq is not None
    assert (faq.spike_questions, faq.spike_downvotes) == (8, 2)


@pytest.mark.parametrize("value", [0, -1, 1001, "fünf", True])
def test_bad_spike_threshold_is_named_with_its_key(value: object) -> None:
    assert "faq.spike_downvotes" in _problems(_with("faq.spike_downvotes", value))
