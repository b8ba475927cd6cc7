"""The command line: backup of a live database, and pure helpers of the transport."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import yaml

from bot.__main__ import main, user_cache_dir
from bot.matrix import Backoff
from bot.messages import strip_reply_fallback
from store.db import Database
from store.state import BotState
from tests.config.test_settings import VALID


def test_backup_command_copies_the_database(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(VALID))

    async def seed() -> None:
        db = await Database.open(tmp_path / "data" / "klimabot.sqlite")
        await BotState(db).set("sync.next_batch", "s42")
        await db.close()

    asyncio.run(seed())
    assert main(["backup", "--config", str(config), str(tmp_path / "b.sqlite")]) == 0

    async def read() -> str | None:
        db = await Database.open(tmp_path / "b.sqlite")
        try:
            return await BotState(db).get("sync.next_batch")
        finally:
            await db.close()

    assert asyncio.run(read()) == "s42"


def test_backup_without_database_fails_clearly(tmp_path: Path, capsys: object) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(VALID))
    assert main(["backup", "--config", str(config), str(tmp_path / "b.sqlite")]) == 1


def test_backoff_grows_exponentially_up_to_the_cap() -> None:
    backoff = Backoff(initial=1.0, cap=30.0)
    delays = [backoff.next_delay() for _ in range(8)]
    assert 0.8 <= delays[0] <= 1.2
    assert 3.2 <= delays[2] <= 4.8
    assert all(d <= 36.0 for d in delays)
    assert delays[-1] >= 24.0
    backoff.reset()
    assert backoff.next_delay() <= 1.2


def test_reply_fallback_quote_is_removed() -> None:
    body = "> <@a:x> Wie geht das?\n> zweite Zeile\n\n!ping"
    assert strip_reply_fallback(body) == "!ping"
    assert strip_reply_fallback("!ping > nicht zitiert") == "!ping > nicht zitiert"


def test_without_a_config_the_faq_vectors_go_to_the_users_cache_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # `klimabot faq ask …` and `klimabot chat` without --config: a second run embeds only the
    # question instead of the whole FAQ (about 40 s).
    from commands.faq import FAQ_VECTORS_FILE
    from tests.commands.test_faq_meaning import Constant

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr("commands.faqtool.load_embedder", Constant)
    assert main(["faq", "ask", "Wie melde ich das Balkonkraftwerk an?"]) == 0
    assert "outcome:" in capsys.readouterr().out
    assert (tmp_path / "cache" / "klimabot" / FAQ_VECTORS_FILE).exists()


def test_the_users_cache_directory_follows_xdg() -> None:
    home = Path.home() / ".cache" / "klimabot"
    assert user_cache_dir({"XDG_CACHE_HOME": "/var/cache/me"}) == Path("/var/cache/me/klimabot")
    assert user_cache_dir({}) == home
    assert user_cache_dir({"XDG_CACHE_HOME": ""}) == home
    assert user_cache_dir({"XDG_CACHE_HOME": "relative/path"}) == home  # ignored, as XDG says
