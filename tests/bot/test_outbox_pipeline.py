"""The outbox keeps `concurrency` sends in flight: one slow send holds back no other row."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from nio import RoomSendResponse

from bot.outbox import Outbox
from store.broadcasts import BroadcastStore, Delivery, Progress, Recipient
from store.db import Database
from store.subscriptions import SubscriptionStore
from tests.harness import wait_until

SLOW = "!slow:x"
TEAM = "!team:x"


class SlowRoomClient:
    """Sends instantly, except into SLOW, which waits until released."""

    def __init__(self, rooms: list[str]) -> None:
        self.rooms: dict[str, Any] = {room: object() for room in rooms}
        self.release = asyncio.Event()
        self.sent: list[str] = []

    async def room_send(
        self,
        room_id: str,
        message_type: str,
        content: dict[str, Any],
        tx_id: str | None = None,
        ignore_unverified_devices: bool = False,
    ) -> RoomSendResponse:
        if room_id == SLOW:
            await self.release.wait()
        self.sent.append(room_id)
        return RoomSendResponse(f"$e{len(self.sent)}", room_id)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(tmp_path / "k.sqlite")
    yield database
    await database.close()


async def _render(delivery: Delivery) -> tuple[str, str]:
    return delivery.body, delivery.body


async def _start(db: Database, rooms: list[str]) -> tuple[Outbox, SlowRoomClient, list[bool]]:
    client = SlowRoomClient(rooms)
    finals: list[bool] = []

    async def report(progress: Progress, final: bool) -> tuple[str, str]:
        finals.append(final)
        return "status", "status"

    ready = asyncio.Event()
    ready.set()
    outbox = Outbox(
        client,  # type: ignore[arg-type]
        BroadcastStore(db),
        SubscriptionStore(db),
        _render,
        report,
        encryption=False,
        ready=ready,
        concurrency=8,
    )
    return outbox, client, finals


async def test_slow_send_does_not_hold_back_rows_fetched_after_it(db: Database) -> None:
    rooms = [SLOW, *(f"!r{i}:x" for i in range(99))]  # more rows than one fetch (64)
    store = BroadcastStore(db)
    await store.create(
        "announcement", "@m:x", "News", [Recipient(r, "room") for r in rooms], report_room=TEAM
    )
    outbox, client, finals = await _start(db, rooms)
    task = asyncio.create_task(outbox.run())
    try:
        await wait_until(lambda: len(client.sent) == 99, 10, "every other row sent")
        assert SLOW not in client.sent
        assert True not in finals  # not finished while one row is still in flight
        client.release.set()
        await wait_until(lambda: True in finals, 10, "final report")
        assert client.sent.count(SLOW) == 1
        assert client.sent.count(TEAM) == 1  # the final status, once
        assert await store.pending_count() == 0
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_cancelled_outbox_cancels_its_sends_in_flight(db: Database) -> None:
    store = BroadcastStore(db)
    await store.create("announcement", "@m:x", "News", [Recipient(SLOW, "room")])
    outbox, client, _ = await _start(db, [SLOW])
    task = asyncio.create_task(outbox.run())
    await wait_until(lambda: outbox.in_flight == 1, 10, "the send in flight")
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert outbox.in_flight == 0
    assert await store.pending_count() == 1  # not sent: sent again (same txn ID) after a restart
