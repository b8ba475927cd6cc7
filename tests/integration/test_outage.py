"""The homeserver goes away for 10 s; the bot recovers by itself."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from bot.localserver import LocalSynapse
from tests.harness import PASSWORD, BotRunner, ChatUser, bot_config, unique


async def test_bot_recovers_after_homeserver_is_down_for_10_seconds(
    own_synapse: LocalSynapse, tmp_path: Path
) -> None:
    localpart = unique("klimabot")
    own_synapse.register(localpart, PASSWORD)
    runner = BotRunner(bot_config(own_synapse, tmp_path / "bot", localpart))
    await runner.start()
    citizen = await ChatUser.create(own_synapse, "citizen", tmp_path / "citizen", PASSWORD)
    try:
        room = await citizen.room_with(runner.user_id)

        await asyncio.to_thread(own_synapse.stop)
        await asyncio.sleep(10)
        assert runner.app is not None
        await asyncio.to_thread(own_synapse.start)
        restarted = time.monotonic()

        await citizen.send(room, "!ping")
        [answer] = await citizen.wait_notice(room, runner.user_id, count=1, within=60)
        assert "Pong" in answer.body
        assert runner.app.transport is not None
        assert runner.app.transport.last_sync is not None
        assert runner.app.transport.last_sync > restarted
    finally:
        await citizen.close()
        await runner.stop()
