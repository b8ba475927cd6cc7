"""Test helpers for a real homeserver: chat users (nio clients) and a bot running in-process."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nio import DownloadResponse, MatrixRoom, RoomEncryptedImage, RoomMessageImage
from nio.crypto import decrypt_attachment

from bot.app import App
from bot.localclient import ChatUser, unique, wait_until
from bot.localserver import LocalSynapse
from config.settings import Config, parse_config

__all__ = [
    "PASSWORD",
    "BotRunner",
    "ChatUser",
    "bot_config",
    "collect_images",
    "decrypted_png",
    "unique",
    "wait_until",
]

PASSWORD = "test-password-123"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def collect_images(user: ChatUser) -> list[Any]:
    """A list that fills with every image (plain or encrypted) the user receives from now on."""
    images: list[Any] = []

    async def on_image(room: MatrixRoom, event: Any) -> None:
        images.append(event)

    user.client.add_event_callback(on_image, (RoomMessageImage, RoomEncryptedImage))
    return images


async def decrypted_png(user: ChatUser, image: Any) -> bytes:
    """Download an encrypted m.image, check it is a PNG of the announced size, return it."""
    assert isinstance(image, RoomEncryptedImage)  # the DM is encrypted, so is the upload
    info = image.source["content"]["info"]
    assert info["mimetype"] == "image/png"
    resp = await user.client.download(image.url)
    assert isinstance(resp, DownloadResponse), resp
    assert not resp.body.startswith(PNG_SIGNATURE)  # the server holds only ciphertext
    png = decrypt_attachment(resp.body, image.key["k"], image.hashes["sha256"], image.iv)
    assert png.startswith(PNG_SIGNATURE)
    assert png[12:16] == b"IHDR"
    assert struct.unpack(">II", png[16:24]) == (info["w"], info["h"])
    assert info["size"] == len(png)
    return bytes(png)


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
