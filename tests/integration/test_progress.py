"""!fortschritt over the wire: a summary and an encrypted m.image whose file is a PNG."""

from __future__ import annotations

from typing import Any

from tests.harness import BotRunner, ChatUser, collect_images, decrypted_png, wait_until


async def test_citizen_gets_progress_summary_and_an_encrypted_png_chart(
    make_user: Any, bot_runner: Any
) -> None:
    citizen: ChatUser = await make_user("buergerin")
    runner: BotRunner = bot_runner(rate_limit={"messages": 100})
    await runner.start()
    images = collect_images(citizen)
    dm = await citizen.dm_with(runner.user_id)
    await citizen.send(dm, "!fortschritt")
    [text] = await citizen.wait_notice(dm, runner.user_id)
    assert "Fortschritt der Maßnahmen (" in text.body  # after the first-contact welcome
    await wait_until(lambda: bool(images), 30, "the chart")
    [image] = images
    assert image.body.startswith("Diagramm: ")
    assert "Maßnahmen nach Status und Fortschritt" in image.body
    await decrypted_png(citizen, image)
