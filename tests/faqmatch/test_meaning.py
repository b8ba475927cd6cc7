"""The second opinion by meaning: closest texts, vectors kept per process, and its say in the
confidence. A scripted embedder stands in for the model here (each text's vector is chosen by
the test); tests marked `meaning` use the real model."""

from __future__ import annotations

import io
import itertools
import os
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest

from commands.faqmatch import FaqIndex
from commands.faqmatch import meaning as meaning_module
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
    # A keyword question the FAQ's words explain completely is still offered what they find.
    assert (outcome.kind, outcome.candidates[0]) == ("did_you_mean", "balkonkraftwerk")


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


@pytest.fixture
def fresh_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """No vectors kept in this process: as after a restart."""
    monkeypatch.setattr(meaning_module, "_VECTORS", {})


def _restarted(faq: FaqData, name: str) -> Scripted:
    """The same model in a new process: nothing embedded yet."""
    meaning_module._VECTORS.clear()
    embedder = Scripted(faq)
    embedder.name = name
    return embedder


def test_the_vectors_are_kept_in_a_file_so_a_restart_embeds_nothing(
    mini_faq: FaqData, tmp_path: Path, fresh_process: None
) -> None:
    cache = tmp_path / "data" / "faq-vectors.npz"
    question = "anmeldung mini pv im marktstammdatenregister"
    first = Scripted(mini_faq)
    before = MeaningCheck.build(first, mini_faq.entries, cache).of(question)
    assert cache.exists()
    assert first.embedded
    again = _restarted(mini_faq, first.name)
    after = MeaningCheck.build(again, mini_faq.entries, cache).of(question)
    assert again.embedded == [question]  # the question alone
    entries = range(len(mini_faq.entries))
    assert [after.similarity(i) for i in entries] == [before.similarity(i) for i in entries]
    assert after.closest == pytest.approx(1.0)


def test_a_changed_faq_embeds_only_its_new_texts_and_the_file_follows_it(
    mini_faq: FaqData, tmp_path: Path, fresh_process: None
) -> None:
    cache = tmp_path / "faq-vectors.npz"
    first = Scripted(mini_faq)
    MeaningCheck.build(first, mini_faq.entries, cache)
    entry = mini_faq.entries[0]
    dropped = entry.phrasings["de"][0]
    changed = replace(entry, phrasings={**entry.phrasings, "de": ("ganz neue formulierung",)})
    again = _restarted(mini_faq, first.name)
    MeaningCheck.build(again, (changed, *mini_faq.entries[1:]), cache)
    assert again.embedded == ["ganz neue formulierung"]
    with np.load(cache) as kept:
        texts = set(kept["texts"].tolist())
    assert "ganz neue formulierung" in texts
    assert dropped not in texts  # the file holds the FAQ as it is, not every text ever seen


def _archive(**arrays: object) -> bytes:
    out = io.BytesIO()
    np.savez(out, **arrays)  # type: ignore[arg-type]
    return out.getvalue()


def _npy(array: object) -> bytes:
    out = io.BytesIO()
    np.save(out, array)
    return out.getvalue()


UNREADABLE = {
    "empty": b"",
    "text": b"not a numpy file",
    "broken zip": b"PK\x03\x04broken zip",
    "one array": _npy(np.zeros(3)),
    "keys missing": _archive(vectors=np.zeros((2, 3))),
    "lengths differ": _archive(
        model=np.array("cache-test-model"), texts=np.array(["a"]), vectors=np.zeros((2, 3))
    ),
}


@pytest.mark.parametrize("content", UNREADABLE.values(), ids=UNREADABLE)
def test_an_unreadable_cache_file_is_embedded_anew_and_rewritten(
    mini_faq: FaqData,
    tmp_path: Path,
    fresh_process: None,
    content: bytes,
    caplog: pytest.LogCaptureFixture,
) -> None:
    embedder = Scripted(mini_faq)
    embedder.name = "cache-test-model"  # this process's vectors are fresh (fresh_process)
    cache = tmp_path / "faq-vectors.npz"
    cache.write_bytes(content)
    check = MeaningCheck.build(embedder, mini_faq.entries, cache)
    assert check.of("anmeldung mini pv im marktstammdatenregister").closest == pytest.approx(1.0)
    assert "unreadable" in caplog.text
    again = _restarted(mini_faq, embedder.name)
    MeaningCheck.build(again, mini_faq.entries, cache)
    assert again.embedded == []


def test_the_vectors_of_another_model_are_not_used(
    mini_faq: FaqData, tmp_path: Path, fresh_process: None
) -> None:
    cache = tmp_path / "faq-vectors.npz"
    MeaningCheck.build(Scripted(mini_faq), mini_faq.entries, cache)
    other = Scripted(mini_faq)  # a name of its own: another model
    MeaningCheck.build(other, mini_faq.entries, cache)
    assert len(other.embedded) > len(mini_faq.entries)


def test_a_cache_that_cannot_be_written_costs_time_not_answers(
    mini_faq: FaqData, tmp_path: Path, fresh_process: None, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the data directory should be", encoding="utf-8")
    check = MeaningCheck.build(Scripted(mini_faq), mini_faq.entries, blocker / "v.npz")
    assert check.of("anmeldung mini pv im marktstammdatenregister").closest == pytest.approx(1.0)
    assert "not written" in caplog.text


class Stopping(Scripted):
    """Embeds `batches` calls, then stops as a process ended halfway would."""

    def __init__(self, faq: FaqData, batches: int) -> None:
        super().__init__(faq)
        self.batches = batches

    def embed(self, texts: Sequence[str]) -> Vectors:
        if self.batches == 0:
            raise KeyboardInterrupt("the console session ended")
        self.batches -= 1
        return super().embed(texts)


def test_a_build_stopped_halfway_keeps_what_it_embedded(
    mini_faq: FaqData, tmp_path: Path, fresh_process: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(meaning_module, "BATCH", 4)
    monkeypatch.setattr(meaning_module, "SAVE_EVERY", 0.0)
    cache = tmp_path / "faq-vectors.npz"
    first = Stopping(mini_faq, batches=2)
    with pytest.raises(KeyboardInterrupt):
        MeaningCheck.build(first, mini_faq.entries, cache)
    assert len(first.embedded) == 8
    again = _restarted(mini_faq, first.name)
    MeaningCheck.build(again, mini_faq.entries, cache)
    assert again.embedded  # the rest
    assert set(again.embedded).isdisjoint(first.embedded)


def test_leftovers_of_a_killed_writer_are_removed_but_a_writer_at_work_is_left_alone(
    mini_faq: FaqData, tmp_path: Path, fresh_process: None
) -> None:
    cache = tmp_path / "faq-vectors.npz"
    killed = tmp_path / "faq-vectors.npzk1ll3d.part"
    working = tmp_path / "faq-vectors.npzw0rk1ng.part"
    foreign = tmp_path / "other.npzx.part"
    for part in (killed, working, foreign):
        part.write_bytes(b"half an archive")
    old = time.time() - meaning_module.PART_MAX_AGE_SECONDS - 60
    os.utime(killed, (old, old))
    os.utime(foreign, (old, old))
    MeaningCheck.build(Scripted(mini_faq), mini_faq.entries, cache)
    assert not killed.exists()
    assert working.exists()  # may be another process writing right now
    assert foreign.exists()  # not ours
    assert cache.exists()


def test_a_keyword_the_model_finds_far_from_everything_gets_candidates(
    mini_faq: FaqData,
) -> None:
    # The scripted model puts unknown texts on an axis of their own: similarity 0 to every
    # entry, as a bare keyword is far from every full question.
    index = _index(mini_faq, Scripted(mini_faq))
    keyword = index.ask("starkregen")
    assert keyword.kind == "did_you_mean"
    assert keyword.candidates[0] == "starkregen"
    assert index.ask("starkregen", meaning=False).kind == "answer"  # the words alone are sure
    # A question of more words is judged with the model: far from everything, not known.
    sentence = index.ask("förderung für eine neue heizung im altbau bitte")
    assert sentence.kind == "dont_know"


CONFIG = Path(__file__).resolve().parents[2] / "config"


def test_a_keyword_the_faq_words_explain_gets_candidates_wherever_the_model_points() -> None:
    # "solar" ties between many entries by words, and for a bare word the model's closest entry
    # says little: the scripted model puts it on another entry's axis (it "points elsewhere").
    # A word the FAQ explains completely still gets the entries its words find, never an answer.
    from config.faq import load_faq

    faq = load_faq(CONFIG / "faq", CONFIG / "topics.yaml", CONFIG / "synonyms.yaml")
    elsewhere = {"solar": "abfall-trennung", "repair cafe": "abfall-trennung"}
    index = _index(faq, Scripted(faq, questions=elsewhere))
    assert index.ask("solar", meaning=False).kind == "dont_know"  # a tie of many entries
    solar = index.ask("solar")
    assert solar.kind == "did_you_mean"
    assert solar.entry_id is None
    assert len(solar.candidates) >= 2
    assert "abfall-trennung" not in solar.candidates
    # Words the FAQ explains only in part are not known well enough to offer anything.
    assert index.ask("repair cafe").kind == "dont_know"
