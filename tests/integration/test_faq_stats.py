"""!statistik over the wire: a text and an encrypted m.image whose file is a PNG."""

from __future__ import annotations

from typing import Any

from tests.harness import BotRunner, ChatUser, collect_images, decrypted_png, wait_until


async def test_manager_gets_statistics_text_and_an_encrypted_png_chart(
    make_user: Any, bot_runner: Any
) -> None:
    manager: ChatUser = await make_user("manager")
    runner: BotRunner = bot_runner(managers=[manager.user_id], rate_limit={"messages": 100})
    await runner.start()
    images = collect_images(manager)
    dm = await manager.dm_with(runner.user_id)
    await manager.send(dm, "!frage Muss ich mein Balkonkraftwerk anmelden?")
    await manager.wait_notice(dm, runner.user_id)
    await manager.send(dm, "!statistik 7")
    [_, text] = await manager.wait_notice(dm, runner.user_id, count=2)
    assert "FAQ-Statistik, letzte 7 Tage" in text.body
    assert "Gestellte Fragen: 1" in text.body
    await wait_until(lambda: bool(images), 30, "the chart")
    [image] = images
    assert "Diagramm" in image.body
    await decrypted_png(manager, image)
