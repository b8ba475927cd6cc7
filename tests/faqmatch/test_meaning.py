"""The second opinion by meaning: closest texts, vectors kept per process, and its say in the
confidence. A scripted embedder stands in for the model here (each text's vector is chosen by
the test); tests marked `meaning` use the real model."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest

from commands.faqmatch import FaqIndex
from commands.faqmatch.meaning import MAX_CHARS, E5Embedder, Meaning, MeaningCheck
from commands.faqmatch.outcome import FEATURES, MEANING_FEATURES, features
from config.faq import FaqData

_names = itertools.count()

if TYPE_CHECKING:
    from commands.faqmatch.meaning import Vectors


class Scripted:
    """Vectors by the entry a text belongs to (one axis per entry id); a question's axis is
    given by the test. Counts what it embeds."""

    def __init__(self, faq: FaqData, questions: dict[str, str] | None = None) -> None:
        # A name of its own: vectors are kept per model name for the whole process.
        self.name = f"scripted-{next(_names)}"
        self.axes = {entry.id: i for i, entry in enumerate(faq.entries)}
        self.owner = {
            text: entry.id
            for entry in faq.entries
            for text in (*entry.question.values(), *itertools.chain(*entry.phrasings.values()))
        }
        self.questions = questions or {}
        self.embedded: list[str] = []

    def embed(self, texts: Sequence[str]) -> Vectors:
        self.embedded.extend(texts)
        rows = np.zeros((len(texts), len(self.axes) + 1), dtype=np.float32)
        for row, text in zip(rows, texts, strict=True):
            entry = self.questions.get(text, self.owner.get(text))
            row[self.axes[entry] if entry is not None else -1] = 1.0
        return rows


def _index(faq: FaqData, embedder: Scripted) -> FaqIndex:
    return FaqIndex.build(faq).with_meaning(embedder)


def test_an_entry_is_as_close_as_its_closest_text(mini_faq: FaqData) -> None:
    embedder = Scripted(mini_faq)
    check = MeaningCheck.build(embedder, mini_faq.entries)
    meaning = check.of("anmeldung mini pv im marktstammdatenregister")  # a phrasing
    position = [e.id for e in mini_faq.entries].index("balkonkraftwerk")
    assert meaning.similarity(position) == pytest.approx(1.0)
    assert meaning.closest == pytest.approx(1.0)
    others = [meaning.similarity(i) for i in range(len(mini_faq.entries)) if i != position]
    assert max(others) == pytest.approx(0.0)


def test_texts_are_embedded_once_per_process(mini_faq: FaqData) -> None:
    embedder = Scripted(mini_faq)
    MeaningCheck.build(embedder, mini_faq.entries)
    first = len(embedder.embedded)
    assert first == len(set(embedder.embedded)) > len(mini_faq.entries)
    # A rebuild with one more phrasing (a reload, an entry taught in the chat) embeds just it.
    entry = mini_faq.entries[0]
    changed = replace(entry, phrasings={**entry.phrasings, "de": ("ganz neue formulierung",)})
    MeaningCheck.build(embedder, (changed, *mini_faq.entries[1:]))
    assert embedder.embedded[first:] == ["ganz neue formulierung"]


def test_a_long_question_is_embedded_only_up_to_its_first_characters(
    mini_faq: FaqData,
) -> None:
    embedder = Scripted(mini_faq)
    check = MeaningCheck.build(embedder, mini_faq.entries)
    check.of("Wärmepumpe " * 2000)
    assert 0 < len(embedder.embedded[-1]) <= MAX_CHARS


def test_meaning_adds_its_two_features(mini_index: FaqIndex, mini_faq: FaqData) -> None:
    matches = mini_index.matches("Balkonkraftwerk anmelden")
    assert len(features(matches)) == len(FEATURES)
    sims = np.zeros(len(mini_faq.entries), dtype=np.float32)
    best = matches[0].index
    sims[best] = 0.75
    sims[(best + 1) % len(sims)] = 0.9  # another entry, closer in meaning
    gap, similarity = features(matches, Meaning(sims))[len(FEATURES) :]
    assert len(MEANING_FEATURES) == len(FEATURES) + 2
    assert gap == pytest.approx(0.15)
    assert similarity == pytest.approx(0.75)


def test_an_answer_closest_in_meaning_too_is_given(mini_faq: FaqData) -> None:
    question = "Balkonkraftwerk anmelden"
    index = _index(mini_faq, Scripted(mini_faq, {question: "balkonkraftwerk"}))
    outcome = index.ask(question)
    assert (outcome.kind, outcome.entry_id) == ("answer", "balkonkraftwerk")


def test_an_answer_another_entry_is_much_closer_to_in_meaning_is_not_given(
    mini_faq: FaqData,
) -> None:
    question = "Balkonkraftwerk anmelden"
    assert FaqIndex.build(mini_faq).ask(question).kind == "answer"  # lexically sure
    index = _index(mini_faq, Scripted(mini_faq, {question: "stadtradeln"}))
    outcome = index.ask(question)
    assert outcome.kind != "answer"
    assert outcome.confidence < 0.5


def test_an_exact_phrasing_is_answered_whatever_the_meaning_says(mini_faq: FaqData) -> None:
    question = "Was kannst du?"
    index = _index(mini_faq, Scripted(mini_faq, {question: "stadtradeln"}))
    outcome = index.ask(question)
    assert (outcome.kind, outcome.entry_id, outcome.confidence) == ("answer", "bot-hilfe", 1.0)


@pytest.mark.meaning
def test_the_model_finds_a_question_worded_unlike_the_entry(mini_faq: FaqData) -> None:
    embedder = E5Embedder()
    vectors = embedder.embed(["Muss ich mein Balkonkraftwerk anmelden?", "Hallo"])
    assert vectors.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    check = MeaningCheck.build(embedder, mini_faq.entries)
    ids = [entry.id for entry in mini_faq.entries]
    for question in (
        "Wo melde ich meine kleine Solaranlage für den Balkon an?",
        "Where do I register a small solar panel for my balcony?",
    ):
        meaning = check.of(question)
        closest = max(range(len(ids)), key=meaning.similarity)
        assert ids[closest] == "balkonkraftwerk", question


def test_reading_a_missing_model_file_leaves_the_engine_lexical(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from commands.faqmatch import meaning

    def broken() -> None:
        raise OSError("no model")

    monkeypatch.setattr(meaning, "E5Embedder", broken)
    assert meaning.load_embedder() is None
