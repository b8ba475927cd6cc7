"""An encrypted message whose room key arrives late is answered once the key is there."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

from nio import Api, RoomSendResponse, ShareGroupSessionResponse

from bot.app import App
from tests.harness import BotRunner, ChatUser


async def _undecryptable(app: App) -> int:
    assert app._undecryptable is not None
    return await app._undecryptable.count()


async def _wait_undecryptable(app: App, count: int, within: float = 30) -> None:
    deadline = time.monotonic() + within
    while await _undecryptable(app) != count:
        assert time.monotonic() < deadline, f"undecryptable count never became {count}"
        await asyncio.sleep(0.1)


class LateKey:
    """A message sent in a new Megolm session whose key reaches the others only later.

    The key messages are made first (at the session's first index, as a real client shares
    them) but held back; the encrypted message goes out, then `deliver()` sends the keys.
    """

    def __init__(self, citizen: ChatUser, room: str) -> None:
        self.client = citizen.client
        self.room = room
        olm = self.client.olm
        assert olm is not None
        olm.create_outbound_group_session(room)
        self.session = olm.outbound_group_sessions[room]
        self.held = list(
            olm.share_group_session_parallel(
                room, list(self.client.rooms[room].users), ignore_unverified_devices=True
            )
        )
        self.session.shared = True
        self.shared_with = {user for users, _ in self.held for user, _ in users}

    async def send(self, body: str) -> str:
        olm = self.client.olm
        assert olm is not None
        plaintext = {"type": "m.room.message", "content": {"msgtype": "m.text", "body": body}}
        payload = olm.group_encrypt(self.room, plaintext)
        method, path, data = Api.room_send(
            self.client.access_token, self.room, "m.room.encrypted", payload, str(uuid.uuid4())
        )
        resp = await self.client._send(RoomSendResponse, method, path, data, (self.room,))
        assert isinstance(resp, RoomSendResponse), resp
        return str(resp.event_id)

    async def deliver(self) -> None:
        for users, to_device in self.held:
            method, path, data = Api.to_device(
                self.client.access_token, "m.room.encrypted", to_device, str(uuid.uuid4())
            )
            resp = await self.client._send(
                ShareGroupSessionResponse, method, path, data, (self.room, users)
            )
            assert isinstance(resp, ShareGroupSessionResponse), resp


async def _dm_with_a_running_bot(
    make_user: Any, bot_runner: Any
) -> tuple[BotRunner, ChatUser, str]:
    """A bot and a citizen with an encrypted DM in which one !ping was answered."""
    runner: BotRunner = bot_runner()
    await runner.start()
    citizen: ChatUser = await make_user("citizen")
    room = await citizen.dm_with(runner.user_id)
    await citizen.send(room, "!ping")
    await citizen.wait_notice(room, runner.user_id, count=1)
    return runner, citizen, room


async def _answered_once(runner: BotRunner, citizen: ChatUser, room: str, late: str) -> Any:
    """Wait for the reply to `late`; then nothing may stay undecryptable or come twice."""
    assert runner.app is not None
    notices = await citizen.wait_notice(room, runner.user_id, count=2, within=60)
    answer = notices[1]
    assert answer.source["content"]["m.relates_to"]["m.in_reply_to"]["event_id"] == late
    await _wait_undecryptable(runner.app, 0)
    await asyncio.sleep(2)
    assert len(citizen.notices(room, runner.user_id)) == 2  # answered once
    return answer


async def test_message_answered_once_its_late_room_key_arrives(
    make_user: Any, bot_runner: Any
) -> None:
    runner, citizen, room = await _dm_with_a_running_bot(make_user, bot_runner)
    assert runner.app is not None
    key = LateKey(citizen, room)
    assert runner.user_id in key.shared_with
    late = await key.send("!ping")
    await _wait_undecryptable(runner.app, 1)
    await asyncio.sleep(2)
    assert len(citizen.notices(room, runner.user_id)) == 1  # nothing to answer without the key

    await key.deliver()
    answer = await _answered_once(runner, citizen, room, late)
    assert "Pong" in answer.body


async def test_late_key_after_a_restart_still_gets_the_message_answered(
    make_user: Any, bot_runner: Any
) -> None:
    runner, citizen, room = await _dm_with_a_running_bot(make_user, bot_runner)
    assert runner.app is not None
    key = LateKey(citizen, room)
    late = await key.send("!ping")
    await _wait_undecryptable(runner.app, 1)
    await runner.stop()
    await runner.start()  # the wait list is gone from memory; the store remembers it
    await key.deliver()
    await _answered_once(runner, citizen, room, late)
