"""The homeserver goes away for 10 s; the bot recovers by itself."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from nio import AsyncClient

from bot.localserver import LocalSynapse
from tests.harness import PASSWORD, BotRunner, ChatUser, bot_config, unique


@asynccontextmanager
async def _bot_in_a_room(
    hs: LocalSynapse, tmp_path: Path
) -> AsyncIterator[tuple[BotRunner, ChatUser, str]]:
    """A running bot on the test's own homeserver and a citizen sharing a room with it."""
    localpart = unique("klimabot")
    hs.register(localpart, PASSWORD)
    runner = BotRunner(bot_config(hs, tmp_path / "bot", localpart))
    await runner.start()
    citizen = await ChatUser.create(hs, "citizen", tmp_path / "citizen", PASSWORD)
    try:
        yield runner, citizen, await citizen.room_with(runner.user_id)
    finally:
        await citizen.close()
        await runner.stop()


async def test_bot_recovers_after_homeserver_is_down_for_10_seconds(
    own_synapse: LocalSynapse, tmp_path: Path
) -> None:
    async with _bot_in_a_room(own_synapse, tmp_path) as (runner, citizen, room):
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


async def test_homeserver_going_away_while_catching_up_loses_no_question(
    own_synapse: LocalSynapse, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with _bot_in_a_room(own_synapse, tmp_path) as (runner, citizen, room):
        await runner.stop()
        # More events than one sync carries (50): the bot must page back to find the question.
        asked = await citizen.send(room, "!ping")
        for i in range(55):  # notices: the bot reads past them without answering
            await citizen.send(room, f"Hinweis {i}", {"msgtype": "m.notice"})

        # The homeserver goes away exactly when the bot starts paging back; the request
        # itself then really fails on the wire.
        real_room_messages = AsyncClient.room_messages
        went_away = asyncio.Event()

        async def room_messages(client: AsyncClient, *args: Any, **kwargs: Any) -> Any:
            if client.user_id == runner.user_id and not went_away.is_set():
                went_away.set()
                await asyncio.to_thread(own_synapse.stop)
            return await real_room_messages(client, *args, **kwargs)

        monkeypatch.setattr(AsyncClient, "room_messages", room_messages)
        await runner.start()
        await asyncio.wait_for(went_away.wait(), timeout=60)
        await asyncio.sleep(5)
        await asyncio.to_thread(own_synapse.start)

        notices = await citizen.wait_notice(room, runner.user_id, count=1, within=90)
        assert len(notices) == 1, [n.body for n in notices]
        [answer] = notices
        assert answer.source["content"]["m.relates_to"]["m.in_reply_to"]["event_id"] == asked
        assert "Pong" in answer.body
        await asyncio.sleep(3)
        assert len(citizen.notices(room, runner.user_id)) == 1
