"""The FAQ service builds the meaning check in a thread after each build of the index; until then,
and when the model cannot be loaded or fails, it answers by the lexical engine."""

from __future__ import annotations

import dataclasses
import sys
import threading
import traceback
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest

from bot.wiring import ServiceSettings
from commands.faq import FAQ_VECTORS_FILE, FaqService
from commands.faqmatch import meaning
from config.settings import FaqSettings, default_faq_settings, parse_config
from store.db import Database
from store.faq import FaqStore
from tests.config.test_settings import VALID, _problems, _with

if TYPE_CHECKING:
    from commands.faqmatch.meaning import Vectors


class Constant:
    """Every text the same vector: the check agrees with whatever the engine finds."""

    name = "constant-test-embedder"

    def __init__(self) -> None:
        self.calls = 0

    def embed(self, texts: Sequence[str], passage: bool = False) -> Vectors:
        self.calls += 1
        return np.full((len(texts), 4), 0.5, dtype=np.float32)


class Broken:
    name = "broken-test-embedder"

    def embed(self, texts: Sequence[str]) -> Vectors:
        raise RuntimeError("model state lost")


def _threads() -> str:
    """Where every thread of the process is (for a wait that timed out: who holds it up)."""
    names = {thread.ident: thread.name for thread in threading.enumerate()}
    return "\n".join(
        f"--- {names.get(ident, ident)}\n{''.join(traceback.format_stack(frame))}"
        for ident, frame in sys._current_frames().items()
    )


async def _service(tmp_path: Path, settings: FaqSettings) -> tuple[FaqService, Database]:
    db = await Database.open(tmp_path / "k.sqlite")
    return FaqService(settings, FaqStore(db), None), db


@pytest.fixture
async def with_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[FaqService, Constant]]:
    """A service whose meaning check (a Constant model) is built and attached."""
    embedder = Constant()
    monkeypatch.setattr("commands.faq.load_embedder", lambda: embedder)
    # A process that has embedded nothing yet: another test's Constant vectors would be reused.
    monkeypatch.setattr(meaning, "_VECTORS", {})
    service, db = await _service(tmp_path, default_faq_settings())
    try:
        assert service.wait_meaning(30), _threads()
        yield service, embedder
    finally:
        await db.close()


def test_the_meaning_check_is_attached_once_built(
    with_model: tuple[FaqService, Constant],
) -> None:
    service, embedder = with_model
    assert service._loaded.index.meaning is not None
    assert embedder.calls > 0
    outcome = service.ask("Muss ich mein Balkonkraftwerk anmelden?")
    assert outcome.kind == "answer"
    # A reload builds a new index and attaches a new check to it.
    service.reload()
    assert service.wait_meaning(30), _threads()
    assert service._loaded.index.meaning is not None


def test_the_managers_quick_guesses_use_no_model_time(
    with_model: tuple[FaqService, Constant],
) -> None:
    # !offen's best guesses, spike topics and drafts place many questions on the event loop.
    service, embedder = with_model
    question = "Muss ich mein Balkonkraftwerk anmelden, auch mit Speicher?"
    before = embedder.calls
    guess = service.guess(question)
    assert embedder.calls == before
    answer = service.ask(question)
    assert embedder.calls == before + 1
    assert guess.ranked == answer.ranked


async def test_the_meaning_check_off_in_the_config_loads_no_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail() -> None:
        raise AssertionError("the model must not be loaded")

    monkeypatch.setattr("commands.faq.load_embedder", fail)
    settings = dataclasses.replace(default_faq_settings(), meaning_check=False)
    service, db = await _service(tmp_path, settings)
    try:
        assert service.wait_meaning(0)
        assert service._loaded.index.meaning is None
    finally:
        await db.close()


async def test_a_failing_model_leaves_the_answers_lexical(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr("commands.faq.load_embedder", Broken)
    service, db = await _service(tmp_path, default_faq_settings())
    try:
        assert service.wait_meaning(30), _threads()
        assert service._loaded.index.meaning is None
        assert service.ask("Muss ich mein Balkonkraftwerk anmelden?").kind == "answer"
        assert "meaning check could not be built" in caplog.text
    finally:
        await db.close()


def test_the_meaning_check_is_on_by_default_and_can_be_switched_off() -> None:
    faq = parse_config(VALID, Path("/tmp"), {}).faq
    assert faq is not None
    assert faq.meaning_check
    off = parse_config(_with("faq.meaning_check", False), Path("/tmp"), {}).faq
    assert off is not None
    assert not off.meaning_check


@pytest.mark.parametrize("value", ["ja", 1, [True]])
def test_a_meaning_check_setting_that_is_no_boolean_is_named(value: object) -> None:
    assert "faq.meaning_check" in _problems(_with("faq.meaning_check", value))


async def test_a_restarted_bot_reads_the_faq_vectors_from_its_data_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(meaning, "_VECTORS", {})  # a process that has embedded nothing yet
    embedder = Constant()
    monkeypatch.setattr("commands.faq.load_embedder", lambda: embedder)
    vectors = tmp_path / FAQ_VECTORS_FILE
    db = await Database.open(tmp_path / "k.sqlite")
    try:
        first = FaqService(default_faq_settings(), FaqStore(db), None, vectors=vectors)
        assert first.wait_meaning(60), _threads()
        assert vectors.exists()
        built = embedder.calls
        assert built > 0
        meaning._VECTORS.clear()  # the restart
        second = FaqService(default_faq_settings(), FaqStore(db), None, vectors=vectors)
        assert second.wait_meaning(60), _threads()
        assert second._loaded.index.meaning is not None
        assert embedder.calls == built
    finally:
        await db.close()


def test_the_bot_keeps_the_faq_vectors_in_its_data_directory(tmp_path: Path) -> None:
    config = parse_config(VALID, tmp_path, {})
    assert ServiceSettings.from_config(config).data_dir == config.data_dir
    assert ServiceSettings.defaults().data_dir is None  # `klimabot chat` without a config
