"""Secrets at rest, with a real Synapse: owner-only files, the access token sealed, upgrades."""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from store.db import Database
from store.state import BotState
from tests.harness import BotRunner


@pytest.fixture(autouse=True)
def service_umask() -> Iterator[None]:
    """Start the bot under the common 022 umask; give the test process its own back after."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _raw_database(data_dir: Path) -> bytes:
    """Every file the bot keeps (database, WAL, crypto store) as it lies on disk."""
    return b"".join(p.read_bytes() for p in sorted(data_dir.rglob("*")) if p.is_file())


def _session(runner: BotRunner) -> tuple[str, str]:
    assert runner.app is not None
    assert runner.app.transport is not None
    client = runner.app.transport.client
    return str(client.access_token), str(client.device_id)


async def test_start_leaves_only_owner_only_files_and_no_clear_token(
    bot_runner: Any, caplog: pytest.LogCaptureFixture
) -> None:
    runner: BotRunner = bot_runner()
    data_dir = runner.config.data_dir
    data_dir.mkdir(parents=True)
    data_dir.chmod(0o755)  # as an older version (or a default mkdir) left it
    with caplog.at_level(logging.WARNING, logger="bot.datadir"):
        await runner.start()
    assert f"data directory {data_dir} was accessible to group/others (mode 0755)" in caplog.text
    token, device = _session(runner)
    crypto_files = [p for p in runner.config.crypto_dir.rglob("*") if p.is_file()]
    assert crypto_files, "nio wrote no crypto store"
    assert _mode(data_dir) == 0o700
    assert _mode(runner.config.crypto_dir) == 0o700
    for name in ("klimabot.sqlite", "klimabot.sqlite-wal", "klimabot.sqlite-shm"):
        assert _mode(data_dir / name) == 0o600, name
    assert {p.name: _mode(p) for p in crypto_files} == {p.name: 0o600 for p in crypto_files}
    assert token.encode() not in _raw_database(data_dir)

    await runner.stop()
    await runner.start()
    assert _session(runner) == (token, device), "the stored session was not restored"


async def test_clear_text_token_of_an_older_version_is_upgraded_and_still_logs_in(
    bot_runner: Any,
) -> None:
    runner: BotRunner = bot_runner()
    await runner.start()
    token, device = _session(runner)
    await runner.stop()
    db = await Database.open(runner.config.database_path)
    try:
        await BotState(db).set("session.access_token", token)  # as versions before this one did
        await db.conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
    finally:
        await db.close()
    assert token.encode() in _raw_database(runner.config.data_dir)

    await runner.start()
    assert _session(runner) == (token, device), "a new login instead of the stored session"
    assert token.encode() not in _raw_database(runner.config.data_dir)
    await runner.stop()
    await runner.start()
    assert _session(runner) == (token, device)
