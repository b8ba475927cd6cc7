"""The data directory and what the CLI writes are readable by the bot's own user only."""

from __future__ import annotations

import asyncio
import logging
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from bot.__main__ import main
from bot.datadir import secure_data_dir
from config.settings import Config, parse_config
from store.db import Database
from store.state import BotState
from tests.config.test_settings import VALID


@pytest.fixture(autouse=True)
def loose_umask() -> Iterator[None]:
    """Start each test with the usual 022 umask and give the test process its own back after."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _config(base: Path) -> Config:
    """A config whose data_dir is base/data."""
    return parse_config(VALID, base, {})


def _old_installation(data_dir: Path) -> list[Path]:
    """What an older version left: 0755 directories and 0644 files."""
    (data_dir / "crypto").mkdir(parents=True)
    files = [data_dir / "klimabot.sqlite", data_dir / "klimabot.sqlite-wal"]
    files.append(data_dir / "crypto" / "@bot:x_DEVICE.db")
    for path in files:
        path.write_bytes(b"secret")
        path.chmod(0o644)
    data_dir.chmod(0o755)
    (data_dir / "crypto").chmod(0o755)
    return files


def test_new_data_dir_is_created_owner_only(tmp_path: Path) -> None:
    secure_data_dir(_config(tmp_path))
    assert _mode(tmp_path / "data") == 0o700


def test_readable_data_dir_is_reported_then_restricted_with_its_files(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data_dir = tmp_path / "data"
    files = _old_installation(data_dir)
    with caplog.at_level(logging.WARNING, logger="bot.datadir"):
        secure_data_dir(_config(tmp_path))
    assert "accessible to group/others (mode 0755)" in caplog.text
    assert _mode(data_dir) == 0o700
    assert _mode(data_dir / "crypto") == 0o700
    assert [_mode(f) for f in files] == [0o600, 0o600, 0o600]


def test_private_data_dir_starts_without_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "data").mkdir(mode=0o700)
    with caplog.at_level(logging.WARNING, logger="bot.datadir"):
        secure_data_dir(_config(tmp_path))
    assert caplog.records == []


def test_files_created_after_the_start_are_owner_only(tmp_path: Path) -> None:
    secure_data_dir(_config(tmp_path))
    (tmp_path / "data" / "new.db").write_bytes(b"x")
    (tmp_path / "data" / "sub").mkdir()
    assert _mode(tmp_path / "data" / "new.db") == 0o600
    assert _mode(tmp_path / "data" / "sub") == 0o700


def test_symlinks_in_the_crypto_store_are_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "shared.txt"
    outside.write_text("public")
    outside.chmod(0o644)
    (tmp_path / "data" / "crypto").mkdir(parents=True)
    (tmp_path / "data" / "crypto" / "link").symlink_to(outside)
    secure_data_dir(_config(tmp_path))
    assert _mode(outside) == 0o644


def test_other_files_in_the_data_dir_are_left_alone(tmp_path: Path) -> None:
    (tmp_path / "data" / "public").mkdir(parents=True)
    (tmp_path / "data" / "public" / "index.html").write_text("hello")
    (tmp_path / "data" / "public" / "index.html").chmod(0o644)
    (tmp_path / "data" / "public").chmod(0o755)
    secure_data_dir(_config(tmp_path))
    assert _mode(tmp_path / "data") == 0o700
    assert _mode(tmp_path / "data" / "public") == 0o755
    assert _mode(tmp_path / "data" / "public" / "index.html") == 0o644


def test_backup_command_restricts_the_data_dir_and_writes_an_owner_only_copy(
    tmp_path: Path,
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(VALID))

    async def seed() -> None:
        db = await Database.open(tmp_path / "data" / "klimabot.sqlite")
        await BotState(db).set("sync.next_batch", "s42")
        await db.close()

    asyncio.run(seed())
    (tmp_path / "data").chmod(0o755)
    (tmp_path / "data" / "klimabot.sqlite").chmod(0o644)
    os.umask(0o022)
    assert main(["backup", "--config", str(config), str(tmp_path / "out" / "b.sqlite")]) == 0
    assert _mode(tmp_path / "out" / "b.sqlite") == 0o600
    assert _mode(tmp_path / "data") == 0o700
    assert _mode(tmp_path / "data" / "klimabot.sqlite") == 0o600
