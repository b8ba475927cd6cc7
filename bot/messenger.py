"""Direct messages and new rooms for features that talk to one person (introductions)."""

from __future__ import annotations

import asyncio
from typing import Any

from nio import AsyncClient, RoomCreateError, RoomPreset, RoomSendError

from bot.outbox import Outbox

__all__ = ["MatrixMessenger"]


class MatrixMessenger:
    """Implements commands.introductions.Messenger on the nio client and the outbox's DM rooms."""

    def __init__(self, client: AsyncClient, outbox: Outbox, encryption: bool) -> None:
        self._client = client
        self._outbox = outbox
        self._encryption = encryption

    async def direct(self, user_id: str, plain: str, html: str) -> tuple[str, str]:
        """Send a DM (creating the DM room if needed); return (room ID, event ID)."""
        room_id = await self._outbox.dm_room_for(user_id)
        return room_id, await self._send(room_id, plain, html)

    async def create_room(self, name: str, invite: list[str], plain: str, html: str) -> str:
        """Create a private room, invite people, and post the first message."""
        initial: list[dict[str, Any]] = []
        if self._encryption:
            initial.append(
                {
                    "type": "m.room.encryption",
                    "state_key": "",
                    "content": {"algorithm": "m.megolm.v1.aes-sha2"},
                }
            )
        resp = await self._client.room_create(
            name=name, invite=invite, preset=RoomPreset.private_chat, initial_state=initial
        )
        if isinstance(resp, RoomCreateError):
            raise RuntimeError(f"room creation failed: {resp.status_code} {resp.message}")
        for _ in range(300):
            if resp.room_id in self._client.rooms:
                break
            await asyncio.sleep(0.1)
        await self._send(resp.room_id, plain, html)
        return str(resp.room_id)

    async def _send(self, room_id: str, plain: str, html: str) -> str:
        content = {
            "msgtype": "m.text",
            "body": plain,
            "format": "org.matrix.custom.html",
            "formatted_body": html,
        }
        resp = await self._client.room_send(
            room_id, "m.room.message", content, ignore_unverified_devices=True
        )
        if isinstance(resp, RoomSendError):
            raise RuntimeError(f"send failed: {resp.status_code} {resp.message}")
        return str(resp.event_id)
