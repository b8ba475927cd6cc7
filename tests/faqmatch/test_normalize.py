from __future__ import annotations

import pytest

from commands.faqmatch import tokens
from commands.faqmatch.normalize import clean, fold_de, name_key, words


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


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("repair cafe", "Repair-Café"),
        ("STRASSENFEST", "Straßenfest"),
        ("Gruene Woche", "Grüne Woche"),
        ("grüne woche", "Gru\u0308ne Woche"),  # ü typed as u and a combining diaeresis
        ("stadtradeln 2027", "STADTRADELN (2027)"),
    ],
)
def test_a_name_is_found_however_it_is_typed(typed: str, name: str) -> None:
    # Campaigns, events and topics are found by the name a person types.
    assert name_key(typed) == name_key(name)


def test_names_that_differ_in_letters_or_digits_stay_apart() -> None:
    assert name_key("Stadtradeln 2026") != name_key("Stadtradeln 2027")
    assert name_key("Radtour") != name_key("Radtouren")
