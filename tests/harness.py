"""Test helpers for a real homeserver: chat users (nio clients) and a bot running in-process."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.app import App
from bot.localclient import ChatUser, unique, wait_until
from bot.localserver import LocalSynapse
from config.settings import Config, parse_config

__all__ = ["PASSWORD", "BotRunner", "ChatUser", "bot_config", "unique", "wait_until"]

PASSWORD = "test-password-123"


def bot_config(hs: LocalSynapse, data_dir: Path, localpart: str, **bot: Any) -> Config:
    raw: dict[str, Any] = {
        "matrix": {
            "homeserver": hs.url,
            "user_id": hs.user_id(localpart),
            "password": PASSWORD,
            "device_name": "Klimabot test",
            "pickle_key": "test-pickle-key",
            "allowed_inviters": [hs.server_name],
            "rooms": bot.pop("rooms", []),
        },
        "storage": {"data_dir": str(data_dir)},
        "roles": {"managers": bot.pop("managers", [])},
        "bot": bot,
    }
    return parse_config(raw, base_dir=data_dir, env={})


@dataclass
class BotRunner:
    """Starts and stops the bot in-process with a fixed config and data directory."""

    config: Config
    app: App | None = None

    @property
    def user_id(self) -> str:
        return self.config.matrix.user_id

    async def start(self) -> App:
        self.app = App(self.config)
        await self.app.start()
        return self.app

    async def stop(self) -> None:
        if self.app is not None:
            await self.app.stop()
            self.app = None
