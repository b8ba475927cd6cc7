"""Fixtures: one real Synapse per session, chat users and a bot per test."""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.localserver import LocalSynapse
from tests.harness import PASSWORD, BotRunner, ChatUser, bot_config, unique
from tests.jsclient import JsUser


@pytest.fixture(autouse=True)
def _meaning_check_off(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """The FAQ's meaning check embeds every FAQ text (about 40 s of CPU in each process, in a
    thread beside the test): only tests marked `meaning` have it; every other bot in the tests
    answers by the lexical engine alone."""
    if request.node.get_closest_marker("meaning") is None:
        for module in ("commands.faq", "commands.faqtool", "tests.faqmatch.heldout"):
            monkeypatch.setattr(f"{module}.load_embedder", lambda: None)


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
