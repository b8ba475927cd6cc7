"""The bot starts the public page with itself when `web.enabled`, and stops it with itself."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.app import App
from bot.matrix import StartupError
from commands.services import require
from config.settings import parse_config
from store.db import Database


async def _app(tmp_path: Path, web: dict[str, Any]) -> App:
    config = parse_config(
        {
            "matrix": {
                "homeserver": "https://matrix.ochtrup.test",
                "user_id": "@klimabot:ochtrup.test",
                "password": "s3cret-pass",
                "pickle_key": "pickle-secret",
            },
            "storage": {"data_dir": "data"},
            "web": web,
        },
        tmp_path,
        {},
    )
    app = App(config)
    app.db = await Database.open(tmp_path / "k.sqlite")
    app.services = app._services(app.db)
    await require(app.services.measures).seed()
    return app


async def test_enabled_page_is_served_with_the_bots_dm_link_and_stops_with_the_bot(
    tmp_path: Path,
) -> None:
    app = await _app(tmp_path, {"enabled": True, "bind": "127.0.0.1:0"})
    try:
        await app._start_web(require(app.services))
        assert app.web is not None
        url = app.web.url
        async with aiohttp.ClientSession() as session, session.get(url) as response:
            assert response.status == 200
            page = await response.text()
            assert 'href="https://matrix.to/#/@klimabot:ochtrup.test"' in page
            assert "Nächste Termine" in page  # the events are wired in
    finally:
        await app.stop()
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.ClientConnectionError):
            await session.get(url)


async def test_page_is_off_unless_enabled(tmp_path: Path) -> None:
    app = await _app(tmp_path, {"bind": "127.0.0.1:0"})
    try:
        await app._start_web(require(app.services))
        assert app.web is None
    finally:
        await app.stop()


async def test_a_taken_port_stops_the_start_naming_web_bind(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        app = await _app(tmp_path, {"enabled": True, "bind": f"127.0.0.1:{port}"})
        try:
            with pytest.raises(StartupError, match=rf"web.bind: cannot listen on 127.0.0.1:{port}"):
                await app._start_web(require(app.services))
        finally:
            await app.stop()
