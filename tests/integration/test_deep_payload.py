"""An encrypted message nested thousands of levels deep neither stops the bot nor its restart
(issue 11: no event content can end the sync loop)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from tests.harness import BotRunner, ChatUser


def _encrypt_deep(user: ChatUser, depth: int) -> None:
    """Make the user's next message in an encrypted room a payload nested `depth` levels deep.

    Written by hand: json.dumps would need a raised recursion limit, and that would hold for
    the bot in this process too while it decrypts.
    """
    olm: Any = user.client.olm

    def encrypt(room_id: str, _plaintext: dict[str, Any]) -> dict[str, str]:
        session = olm.outbound_group_sessions[room_id]
        deep = "[" * depth + "1" + "]" * depth
        content = '{"msgtype": "m.text", "body": "hi", "deep": ' + deep + "}"
        room = json.dumps(room_id)
        text = '{"type": "m.room.message", "room_id": ' + room + ', "content": ' + content + "}"
        del olm.group_encrypt  # back to nio's own for the messages after this one
        return {
            "algorithm": "m.megolm.v1.aes-sha2",
            "sender_key": olm.account.identity_keys["curve25519"],
            "ciphertext": session.encrypt(text),
            "session_id": session.id,
            "device_id": olm.device_id,
        }

    olm.group_encrypt = encrypt


async def _ping(user: ChatUser, room: str, bot: str) -> str:
    before = len(user.notices(room, bot))
    await user.send(room, "!ping")
    return str((await user.wait_notice(room, bot, count=before + 1))[before].body)


async def test_a_deeply_nested_encrypted_message_neither_stops_the_bot_nor_its_restart(
    make_user: Any, bot_runner: Any
) -> None:
    runner: BotRunner = bot_runner()
    app = await runner.start()
    bot = runner.user_id
    citizen: ChatUser = await make_user("citizen")
    room = await citizen.create_room(invite=[bot], encrypted=True)
    await citizen.wait_joined(room, bot)
    assert "Pong" in await _ping(citizen, room, bot)  # the room key is shared now
    for depth in (5000, 900):
        _encrypt_deep(citizen, depth)
        await citizen.send(room, "hi")
    assert "Pong" in await _ping(citizen, room, bot)
    sync = app._tasks[0]
    assert sync.get_name() == "sync"
    assert not sync.done(), "the sync loop must still be running"

    await runner.stop()
    await runner.start()
    assert "Pong" in await _ping(citizen, room, bot)
    await asyncio.sleep(1)
    assert len(citizen.notices(room, bot)) == 3
