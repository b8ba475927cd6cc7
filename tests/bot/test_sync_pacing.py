"""While a broadcast is being sent, the bot's own messages do not wake a /sync each.

Every message the bot sends ends its sync long-poll at once; with 1,000 DMs each incremental
/sync costs the homeserver work over all rooms, so a broadcast's syncs must be bounded by its
duration, not by its number of messages. Idle, and whenever something waits for a sync (a new
DM room), syncs go out at once as before.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from nio import SyncResponse

from bot.matrix import MatrixTransport, SyncPacer
from bot.outbox import Outbox
from config.settings import parse_config
from store.broadcasts import BroadcastStore, Delivery, Progress
from store.db import Database
from store.state import BotState
from store.subscriptions import SubscriptionStore


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "k.sqlite")
    yield database
    await database.close()


def _transport(tmp_path: Path, db: Database) -> tuple[MatrixTransport, list[float]]:
    """A transport whose homeserver answers every /sync at once (as own sends make it)."""
    raw = {
        "matrix": {
            "homeserver": "http://127.0.0.1:9",
            "user_id": "@bot:x",
            "password": "pw",
            "encryption": False,
        },
        "storage": {"data_dir": str(tmp_path / "data")},
    }
    transport = MatrixTransport(parse_config(raw, base_dir=tmp_path, env={}), BotState(db))
    syncs: list[float] = []

    async def sync(**_: Any) -> SyncResponse:
        syncs.append(time.monotonic())
        await asyncio.sleep(0.005)
        return SyncResponse.from_dict({"next_batch": f"s{len(syncs)}", "rooms": {}})

    transport.client.sync = sync  # type: ignore[method-assign]
    return transport, syncs


async def _syncs_during(transport: MatrixTransport, syncs: list[float], seconds: float) -> int:
    async def handler(resp: SyncResponse, first: bool) -> None:
        return None

    task = asyncio.create_task(transport.run(handler))
    await asyncio.sleep(seconds)
    transport.stop()
    await asyncio.wait_for(task, 5)
    return len(syncs)


async def test_syncs_while_sending_are_bounded_by_time_not_by_messages(
    tmp_path: Path, db: Database
) -> None:
    transport, syncs = _transport(tmp_path, db)
    transport.pacer.interval = 0.2
    with transport.pacer.send():
        count = await _syncs_during(transport, syncs, 1.0)
    assert count <= 6  # one at once, then one per interval
    gaps = [b - a for a, b in zip(syncs, syncs[1:], strict=False)]
    assert min(gaps) >= 0.19


async def test_idle_bot_syncs_at_once_after_each_response(tmp_path: Path, db: Database) -> None:
    transport, syncs = _transport(tmp_path, db)
    transport.pacer.interval = 0.25
    assert await _syncs_during(transport, syncs, 0.5) >= 6  # paced, it would be 3 at most


async def test_a_wait_for_sync_ends_the_pause_at_once(tmp_path: Path, db: Database) -> None:
    transport, syncs = _transport(tmp_path, db)
    transport.pacer.interval = 60.0
    with transport.pacer.send():
        task = asyncio.create_task(_syncs_during(transport, syncs, 0.6))
        await asyncio.sleep(0.2)
        assert len(syncs) == 1  # the second waits for the interval …
        with transport.pacer.wait():
            await asyncio.sleep(0.2)
            assert len(syncs) >= 3  # … unless a new room must show up
        await task


async def test_stop_ends_a_paused_sync_loop_at_once(tmp_path: Path, db: Database) -> None:
    transport, syncs = _transport(tmp_path, db)
    transport.pacer.interval = 60.0
    with transport.pacer.send():
        started = time.monotonic()
        assert await _syncs_during(transport, syncs, 0.1) == 1
    assert time.monotonic() - started < 2


def test_pacer_holds_a_sync_only_while_sends_are_in_flight() -> None:
    pacer = SyncPacer(interval=1.0)
    assert pacer.delay(since_last=0.0) == 0.0
    with pacer.send():
        assert pacer.delay(since_last=0.25) == pytest.approx(0.75)
        assert pacer.delay(since_last=1.5) == 0.0
        with pacer.wait():
            assert pacer.delay(since_last=0.0) == 0.0
        assert pacer.delay(since_last=0.0) == 1.0
    assert pacer.sending == 0
    assert pacer.delay(since_last=0.0) == 0.0


class _Client:
    def __init__(self) -> None:
        self.rooms: dict[str, Any] = {}


async def test_outbox_counts_its_sends_and_waits_for_new_rooms_with_the_pacer(
    db: Database,
) -> None:
    async def render(delivery: Delivery) -> tuple[str, str]:
        return "", ""

    async def report(progress: Progress, final: bool) -> tuple[str, str]:
        return "", ""

    pacer = SyncPacer(interval=1.0)
    outbox = Outbox(
        _Client(),  # type: ignore[arg-type]
        BroadcastStore(db),
        SubscriptionStore(db),
        render,
        report,
        encryption=False,
        ready=asyncio.Event(),
        pacer=pacer,
    )
    waiting = asyncio.create_task(outbox.wait_for_room("!new:x"))
    await asyncio.sleep(0.05)
    with pacer.send():
        assert pacer.delay(since_last=0.0) == 0.0  # someone waits for the room to show up
        outbox.client.rooms["!new:x"] = object()
        await asyncio.wait_for(waiting, 2)
        assert pacer.delay(since_last=0.0) == 1.0
