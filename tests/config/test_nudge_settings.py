"""measures.nudge_after / measures.nudge_escalate_after: defaults, the config's values, bad
values named with their key path, and the example config's values."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from config.settings import parse_config
from tests.config.test_settings import VALID, _problems, _with


def test_nudges_default_to_90_days_and_escalate_after_14() -> None:
    measures = parse_config(VALID, Path("/tmp"), {}).measures
    assert measures.nudge_after == timedelta(days=90)
    assert measures.nudge_escalate_after == timedelta(days=14)


def test_nudge_durations_come_from_the_config() -> None:
    raw = _with("measures.nudge_after", "30d")
    raw["measures"]["nudge_escalate_after"] = "7d"
    measures = parse_config(raw, Path("/tmp"), {}).measures
    assert (measures.nudge_after, measures.nudge_escalate_after) == (
        timedelta(days=30),
        timedelta(days=7),
    )


@pytest.mark.parametrize("value", ["0d", "30m", "neunzig", -5, True, None, ["90d"]])
@pytest.mark.parametrize("key", ["nudge_after", "nudge_escalate_after"])
def test_bad_nudge_duration_is_named_with_its_key(key: str, value: object) -> None:
    assert f"measures.{key}" in _problems(_with(f"measures.{key}", value))


def test_unknown_key_under_measures_is_named() -> None:
    assert "measures.nudge_aftr" in _problems(_with("measures.nudge_aftr", "90d"))


def test_example_config_documents_the_nudge_settings() -> None:
    example = Path(__file__).resolve().parents[2] / "config" / "example.yaml"
    measures = yaml.safe_load(example.read_text(encoding="utf-8"))["measures"]
    assert measures == {"nudge_after": "90d", "nudge_escalate_after": "14d"}
