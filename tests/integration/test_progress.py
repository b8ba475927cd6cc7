"""!fortschritt over the wire: a summary and an encrypted m.image whose file is a PNG."""

from __future__ import annotations

import struct
from typing import Any

from nio import DownloadResponse, MatrixRoom, RoomEncryptedImage, RoomMessageImage
from nio.crypto import decrypt_attachment

from tests.harness import BotRunner, ChatUser, wait_until

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


async def test_citizen_gets_progress_summary_and_an_encrypted_png_chart(
    make_user: Any, bot_runner: Any
) -> None:
    citizen: ChatUser = await make_user("buergerin")
    runner: BotRunner = bot_runner(rate_limit={"messages": 100})
    await runner.start()
    images: list[Any] = []

    async def on_image(room: MatrixRoom, event: Any) -> None:
        images.append(event)

    citizen.client.add_event_callback(on_image, (RoomMessageImage, RoomEncryptedImage))
    dm = await citizen.dm_with(runner.user_id)
    await citizen.send(dm, "!fortschritt")
    [text] = await citizen.wait_notice(dm, runner.user_id)
    assert "Fortschritt der Maßnahmen (" in text.body  # after the first-contact welcome
    await wait_until(lambda: bool(images), 30, "the chart")
    [image] = images
    assert isinstance(image, RoomEncryptedImage)  # the DM is encrypted, so is the upload
    info = image.source["content"]["info"]
    assert info["mimetype"] == "image/png"
    assert image.body.startswith("Diagramm: ")
    assert "Maßnahmen nach Status und Fortschritt" in image.body
    resp = await citizen.client.download(image.url)
    assert isinstance(resp, DownloadResponse), resp
    assert not resp.body.startswith(PNG_SIGNATURE)  # the server holds only ciphertext
    png = decrypt_attachment(resp.body, image.key["k"], image.hashes["sha256"], image.iv)
    assert png.startswith(PNG_SIGNATURE)
    assert png[12:16] == b"IHDR"
    assert struct.unpack(">II", png[16:24]) == (info["w"], info["h"])
    assert info["size"] == len(png)
