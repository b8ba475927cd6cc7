"""Owner and review date of FAQ entries (YAML keys, config defaults) and named sources."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from commands.faqedit import review_after, review_date
from config.faq import load_faq
from config.settings import parse_config
from tests.config.test_faq_loader import entries, load_error, write_faq
from tests.config.test_settings import VALID, _problems, _with


def test_owner_and_review_are_read_from_the_yaml(tmp_path: Path) -> None:
    text = entries("eins", "zwei").replace(
        "    checked: 2026-01-01\n",
        "    checked: 2026-01-01\n    owner: Frau Muster\n    review: 2026-06-30\n",
        1,
    )
    data = load_faq(*write_faq(tmp_path, {"a.yaml": text}))
    first, second = data.entries
    assert (first.owner, first.review) == ("Frau Muster", datetime.date(2026, 6, 30))
    assert (second.owner, second.review) == (None, None)
    assert review_date(first, 12) == datetime.date(2026, 6, 30)
    assert review_date(second, 12) == datetime.date(2027, 1, 1)


def test_review_that_is_no_date_is_named(tmp_path: Path) -> None:
    text = entries("eins").replace(
        "    checked: 2026-01-01\n", "    checked: 2026-01-01\n    review: bald\n"
    )
    assert "entries[0].review: 'bald' is not a date" in load_error(tmp_path, text)


def test_review_months_land_on_the_last_day_of_a_shorter_month() -> None:
    assert review_after(datetime.date(2026, 1, 31), 1) == datetime.date(2026, 2, 28)
    assert review_after(datetime.date(2026, 12, 6), 12) == datetime.date(2027, 12, 6)


def test_a_source_may_be_an_office_by_name_but_not_a_broken_link(tmp_path: Path) -> None:
    named = entries("eins").replace("https://example.org/quelle", "Klimaschutzmanagement Ochtrup")
    (tmp_path / "ok").mkdir()
    data = load_faq(*write_faq(tmp_path / "ok", {"a.yaml": named}))
    assert data.entries[0].sources == ("Klimaschutzmanagement Ochtrup",)
    broken = entries("eins").replace("https://example.org/quelle", "www.ochtrup de/klima")
    assert "is not an http(s) URL" in load_error(tmp_path, broken)


def test_owner_and_review_defaults_come_from_the_config() -> None:
    faq = parse_config(VALID, Path("/tmp"), {}).faq
    assert faq is not None
    assert (faq.default_owner, faq.review_months) == ("", 12)
    raw = _with("faq.review_months", 6)
    raw["faq"]["default_owner"] = "Klimaschutzmanagement"
    faq = parse_config(raw, Path("/tmp"), {}).faq
    assert faq is not None
    assert (faq.default_owner, faq.review_months) == ("Klimaschutzmanagement", 6)


@pytest.mark.parametrize("value", [0, 121, "zwölf", True])
def test_bad_review_months_is_named_with_its_key(value: object) -> None:
    assert "faq.review_months" in _problems(_with("faq.review_months", value))
