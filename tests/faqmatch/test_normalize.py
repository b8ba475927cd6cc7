from __future__ import annotations

import pytest

from commands.faqmatch import tokens
from commands.faqmatch.normalize import clean, fold_de, words


@pytest.mark.parametrize("spelling", ["Wärmepumpe", "Waermepumpe", "Warmepumpe", "WÄRMEPUMPE"])
def test_umlaut_spellings_give_the_same_stem(spelling: str) -> None:
    assert tokens(spelling) == tokens("wärmepumpe")


def test_sharp_s_folds_to_double_s() -> None:
    assert fold_de("Straße") == fold_de("Strasse") == "strasse"


def test_ue_after_q_is_not_an_umlaut() -> None:
    assert fold_de("Quelle") == "quelle"


def test_stopwords_and_punctuation_are_dropped() -> None:
    assert tokens("Wie kann ich bitte, ganz einfach, eine Förderung bekommen?!") == ["forder"]


def test_only_stopwords_give_no_tokens() -> None:
    assert tokens("Was ist das denn?") == []


def test_hyphenated_word_keeps_joined_form_and_parts() -> None:
    assert words(fold_de("E-Auto laden")) == ["e-auto", "laden"]
    assert tokens("Balkon-PV") == ["balkonpv", "balkon", "pv"]


def test_html_tags_entities_and_urls_are_removed() -> None:
    text = clean("<b>Solar</b>&nbsp;dach https://example.org/x?y=1 www.ochtrup.de")
    assert tokens(text) == tokens("Solar Dach")


def test_clean_cuts_long_input_before_parsing() -> None:
    assert len(clean("a" * 50_000, limit=100)) == 100
