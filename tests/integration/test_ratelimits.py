"""Synapse's default rate limits: the bot waits out 429s (retry_after_ms) and loses nothing."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.localserver import LocalSynapse
from tests.harness import PASSWORD, BotRunner, ChatUser, bot_config, unique


@pytest.fixture
def limited_synapse(tmp_path: Path) -> Iterator[LocalSynapse]:
    hs = LocalSynapse(tmp_path / "synapse", ratelimits=True)
    hs.start()
    yield hs
    hs.stop()


async def test_bot_answers_a_burst_despite_homeserver_rate_limits(
    limited_synapse: LocalSynapse, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="nio")
    localpart = unique("klimabot")
    limited_synapse.register(localpart, PASSWORD)
    runner = BotRunner(
        bot_config(limited_synapse, tmp_path / "bot", localpart, rate_limit={"messages": 100})
    )
    await runner.start()
    citizen = await ChatUser.create(limited_synapse, "citizen", tmp_path / "c", PASSWORD)
    try:
        room = await citizen.room_with(runner.user_id)
        asked = [await citizen.send(room, "!ping") for _ in range(14)]
        notices = await citizen.wait_notice(room, runner.user_id, count=14, within=120)
        replied = [
            n.source["content"]["m.relates_to"]["m.in_reply_to"]["event_id"] for n in notices
        ]
        assert sorted(replied) == sorted(asked)
        assert len(notices) == 14
        # The limits really were hit (else this test would prove nothing).
        assert "Got 429 response" in caplog.text
    finally:
        await citizen.close()
        await runner.stop()
