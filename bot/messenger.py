"""Direct messages and new rooms for features that talk to one person (introductions)."""

from __future__ import annotations

from nio import AsyncClient, RoomCreateError, RoomPreset, RoomSendError

from bot.outbox import Outbox, encryption_state
from bot.replies import MatrixReplier, html_content
from commands.context import Message

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

    async def direct_file(self, user_id: str, filename: str, data: bytes, mimetype: str) -> str:
        """Send a file by DM (encrypted in an encrypted DM); return its event ID."""
        room_id = await self._outbox.dm_room_for(user_id)
        return await MatrixReplier(self._client).send_file(
            Message("", room_id, user_id, "", True, 0, ""), filename, data, mimetype
        )

    async def create_room(self, name: str, invite: list[str], plain: str, html: str) -> str:
        """Create a private room, invite people, and post the first message."""
        resp = await self._client.room_create(
            name=name,
            invite=invite,
            preset=RoomPreset.private_chat,
            initial_state=encryption_state(self._encryption),
        )
        if isinstance(resp, RoomCreateError):
            raise RuntimeError(f"room creation failed: {resp.status_code} {resp.message}")
        await self._outbox.wait_for_room(resp.room_id, members=invite)
        await self._send(resp.room_id, plain, html)
        return str(resp.room_id)

    async def _send(self, room_id: str, plain: str, html: str) -> str:
        content = html_content("m.text", plain, html)
        resp = await self._client.room_send(
            room_id, "m.room.message", content, ignore_unverified_devices=True
        )
        if isinstance(resp, RoomSendError):
            raise RuntimeError(f"send failed: {resp.status_code} {resp.message}")
        return str(resp.event_id)
