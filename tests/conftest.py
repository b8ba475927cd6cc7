"""Fixtures: one real Synapse per session, chat users and a bot per test."""

from __future__ import annotations

import asyncio
import copy
import hashlib
import os
import sys
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.localserver import LocalSynapse
from commands.faqmatch import FaqIndex
from config.faq import FaqData, load_faq
from tests.harness import PASSWORD, BotRunner, ChatUser, bot_config, unique
from tests.jsclient import JsUser


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """`make test` runs two workers (`-n 2 --dist loadgroup`). A test of several minutes that
    started late would end the run alone: tests marked `long` are handed out first. The tests
    of the meaning check share one worker, which loads the model and embeds the FAQ once
    (about a minute of CPU) instead of each worker doing so."""
    items.sort(key=lambda item: item.get_closest_marker("long") is None)  # stable
    for item in items:
        if item.get_closest_marker("meaning") is not None:
            item.add_marker(pytest.mark.xdist_group("meaning"))


@pytest.fixture(autouse=True)
def _meaning_check_off(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """The FAQ's meaning check embeds every FAQ text (about 40 s of CPU in each process, in a
    thread beside the test): only tests marked `meaning` have it; every other bot in the tests
    answers by the lexical engine alone."""
    if request.node.get_closest_marker("meaning") is None:
        for module in ("commands.faq", "commands.faqtool", "tests.faqmatch.heldout"):
            monkeypatch.setattr(f"{module}.load_embedder", lambda: None)


# The FAQ as the bots of this test process read and indexed it, by the files' content.
_FAQ_READ: dict[bytes, FaqData] = {}
_FAQ_INDEXED: dict[int, tuple[FaqData, FaqIndex]] = {}


def _read_faq_once(faq_dir: Path, topics_path: Path, synonyms_path: Path) -> FaqData:
    digest = hashlib.sha256()
    for path in (topics_path, synonyms_path, *sorted(faq_dir.glob("*.yaml"))):
        digest.update(str(path).encode() + b"\0")
        digest.update(path.read_bytes() if path.is_file() else b"<none>")
        digest.update(b"\0")
    key = digest.digest()
    if key not in _FAQ_READ:
        if len(_FAQ_READ) >= 8:
            _FAQ_READ.clear()
            _FAQ_INDEXED.clear()
        _FAQ_READ[key] = load_faq(faq_dir, topics_path, synonyms_path)  # errors are not kept
    return _FAQ_READ[key]


class _IndexedOnce(FaqIndex):
    @classmethod
    def build(cls, data: FaqData) -> FaqIndex:
        if not any(read is data for read in _FAQ_READ.values()):
            return FaqIndex.build(data)  # with the chat's entries: built as the bot does
        if id(data) not in _FAQ_INDEXED:
            _FAQ_INDEXED[id(data)] = (data, FaqIndex.build(data))
        # A copy of its own: a meaning check attached to one bot's index reaches no other.
        return copy.copy(_FAQ_INDEXED[id(data)][1])


@pytest.fixture(autouse=True)
def _faq_indexed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nearly every command test starts a bot, and reading and indexing the shipped FAQ costs
    about 0.6 s each time: a test process reads the same files once and indexes them once,
    and each bot gets a copy of that index. Files of other content (a test's own FAQ) and the
    FAQ with the chat's entries are read and built as the bot does; tests/faqmatch builds its
    indexes itself."""
    monkeypatch.setattr("commands.faq.load_faq", _read_faq_once)
    monkeypatch.setattr("commands.faq.FaqIndex", _IndexedOnce)


@pytest.fixture(scope="session")
def synapse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalSynapse]:
    hs = LocalSynapse(tmp_path_factory.mktemp("synapse"))
    hs.start()
    yield hs
    hs.stop()


@pytest.fixture
def own_synapse(tmp_path: Path) -> Iterator[LocalSynapse]:
    """A Synapse of the test's own, for tests that stop or kill the homeserver."""
    hs = LocalSynapse(tmp_path / "synapse")
    hs.start()
    yield hs
    hs.stop()


@pytest.fixture
async def make_user(synapse: LocalSynapse, tmp_path: Path) -> AsyncIterator[Callable[[str], Any]]:
    users: list[ChatUser] = []

    async def make(name: str) -> ChatUser:
        user = await ChatUser.create(synapse, name, tmp_path / "clients" / unique(name), PASSWORD)
        users.append(user)
        return user

    yield make
    for user in users:
        await user.close()


@pytest.fixture
async def make_js_user(
    synapse: LocalSynapse, tmp_path: Path
) -> AsyncIterator[Callable[[str], Any]]:
    """Element-like users (matrix-js-sdk with Rust crypto in node); logs in tmp_path."""
    users: list[JsUser] = []

    async def make(name: str) -> JsUser:
        localpart = unique(name)
        user_id = await asyncio.to_thread(synapse.register, localpart, PASSWORD)
        log = tmp_path / f"js-{localpart}.log"
        user = await JsUser.start(synapse.url, user_id, PASSWORD, log)
        users.append(user)
        return user

    yield make
    for user in users:
        await user.close()


@pytest.fixture
async def bot_runner(synapse: LocalSynapse, tmp_path: Path) -> AsyncIterator[Callable[..., Any]]:
    runners: list[BotRunner] = []

    def make(**bot: Any) -> BotRunner:
        localpart = unique("klimabot")
        synapse.register(localpart, PASSWORD)
        runner = BotRunner(bot_config(synapse, tmp_path / f"bot-{localpart}", localpart, **bot))
        runners.append(runner)
        return runner

    yield make
    for runner in runners:
        await runner.stop()


_EXIT_STATUS = pytest.StashKey[int]()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    session.config.stash[_EXIT_STATUS] = int(exitstatus)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Fail, instead of hanging, when a test left a database connection open.

    aiosqlite's worker thread is not a daemon: one left running keeps the interpreter from
    exiting after the last test, and CI would wait for its time limit.
    """
    open_connections = [
        t for t in threading.enumerate() if "_connection_worker_thread" in t.name and t.is_alive()
    ]
    for thread in open_connections:
        thread.join(timeout=5)
    still_open = [t.name for t in open_connections if t.is_alive()]
    if still_open:
        sys.stdout.flush()
        print(f"\nERROR: {len(still_open)} database connection(s) never closed", file=sys.stderr)
        sys.stderr.flush()
        os._exit(config.stash.get(_EXIT_STATUS, 0) or 1)
