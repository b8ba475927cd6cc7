"""Stopping the bot closes the database even when its sync task had died with an error."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from aiohttp import ClientConnectionError

from bot.app import App
from config.settings import parse_config
from store.db import Database


async def test_stop_closes_the_database_after_a_failed_task(tmp_path: Path) -> None:
    config = parse_config(
        {
            "matrix": {
                "homeserver": "https://matrix.ochtrup.test",
                "user_id": "@klimabot:ochtrup.test",
                "password": "s3cret-pass",
                "pickle_key": "pickle-secret",
            },
            "storage": {"data_dir": "data"},
        },
        tmp_path,
        {},
    )
    app = App(config)
    app.db = await Database.open(tmp_path / "k.sqlite")
    worker = app.db.conn._thread  # aiosqlite's worker: a live one keeps the process from exiting

    async def dies() -> None:
        raise ClientConnectionError("homeserver gone")

    task = asyncio.create_task(dies(), name="sync")
    await asyncio.sleep(0)
    app._tasks.append(task)

    await app.stop()

    assert app._tasks == []
    await asyncio.to_thread(worker.join, 5)
    assert not worker.is_alive()
    assert worker not in threading.enumerate()
