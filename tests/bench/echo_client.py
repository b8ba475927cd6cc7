"""The baseline for the ping benchmark: a bare nio client that answers "!ping" with a notice.

Run as a separate process, like the bot, so both pay the same process and HTTP costs.
"""

from __future__ import annotations

import asyncio
import sys

from nio import AsyncClient, InviteMemberEvent, MatrixRoom, RoomMessageText


async def main(homeserver: str, user_id: str, password: str) -> None:
    client = AsyncClient(homeserver, user_id)
    await client.login(password)
    first = await client.sync(timeout=0)

    async def on_message(room: MatrixRoom, event: RoomMessageText) -> None:
        if event.sender == client.user_id or event.body != "!ping":
            return
        content = {
            "msgtype": "m.notice",
            "body": "pong",
            "m.relates_to": {"m.in_reply_to": {"event_id": event.event_id}},
        }
        await client.room_send(room.room_id, "m.room.message", content)

    async def on_invite(room: MatrixRoom, event: InviteMemberEvent) -> None:
        if event.state_key == client.user_id:
            await client.join(room.room_id)

    client.add_event_callback(on_message, RoomMessageText)  # type: ignore[arg-type]
    client.add_event_callback(on_invite, InviteMemberEvent)  # type: ignore[arg-type]
    print("ready", flush=True)
    await client.sync_forever(timeout=30_000, since=first.next_batch)  # type: ignore[union-attr]


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
