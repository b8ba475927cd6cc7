from __future__ import annotations

from collections import Counter

import pytest

from commands.faqmatch.vocab import ENGLISH, GERMAN, Vocabulary


@pytest.fixture
def vocab() -> Vocabulary:
    words = (
        "warmepumpe warmepumpen forderung balkon kraftwerk anmeldung heizung gesetz "
        "klima schutz konzept stadt radeln rad weg speicher"
    )
    return Vocabulary(GERMAN, Counter(words.split()))


@pytest.mark.parametrize(
    ("word", "parts"),
    [
        ("warmepumpenforderung", ("warmepumpen", "forderung")),
        ("balkonkraftwerkanmeldung", ("balkon", "kraftwerk", "anmeldung")),
        ("heizungsgesetz", ("heizung", "gesetz")),  # Fugen-s
        ("klimaschutzkonzept", ("klima", "schutz", "konzept")),
        ("radweg", ("rad", "weg")),
    ],
)
def test_compounds_split_into_known_parts(
    vocab: Vocabulary, word: str, parts: tuple[str, ...]
) -> None:
    assert vocab.split(word) == parts


def test_words_that_are_no_compounds_stay_whole(vocab: Vocabulary) -> None:
    assert vocab.split("anmeldung") is None
    assert vocab.split("verkehrswende") is None


def test_typos_are_corrected_to_index_words(vocab: Vocabulary) -> None:
    assert vocab.correct("warmepunpe") == "warmepumpe"
    assert vocab.correct("forderugn") == "forderung"


def test_short_words_and_other_first_letters_are_not_corrected(vocab: Vocabulary) -> None:
    assert vocab.correct("rads") is None
    assert vocab.correct("kadeln") is None  # "radeln" is one edit away but starts differently


def test_affixes_rescue_a_compound_with_a_typo(vocab: Vocabulary) -> None:
    assert vocab.affixes("warmepumpenfordrung") == ["warmepumpen", "forderung"]


def test_verb_forms_share_the_stem_of_their_base(vocab: Vocabulary) -> None:
    extended = Vocabulary(GERMAN, Counter(["speicher", "speichert", "speicherst"]))
    assert extended.stems["speichert"] == extended.stems["speicher"]
    assert vocab.uninflect("speicherst") == "speicher"


def test_english_vocabulary_does_not_split_compounds() -> None:
    assert Vocabulary(ENGLISH, Counter(["heat", "pump"])).split("heatpump") is None


def test_a_word_s_own_stem_is_no_part_of_it() -> None:
    # "energiewende" stems to "energiew"; with "ende" a word, the stem split it into
    # ("energiew", "ende"), and every "Energiewende" matched entries that say "Ende".
    vocab = Vocabulary(GERMAN, Counter(["energie", "wende", "energiewende", "ende"]))
    assert vocab.splits["energiewende"] == ("energie", "wende")
