"""Sending answers: m.notice with escaped HTML, rich replies, threads, mentions, typing."""

from __future__ import annotations

import hashlib
import io
import logging
from collections import Counter
from typing import Any

from nio import AsyncClient, RoomSendError, UploadResponse

from commands.context import Message

__all__ = ["MatrixReplier", "SendFailedError", "html_content", "reply_content"]

log = logging.getLogger(__name__)


class SendFailedError(RuntimeError):
    """The homeserver refused a message (after nio's own retries)."""


def html_content(msgtype: str, plain: str, html: str) -> dict[str, Any]:
    """The content of a message with a plain and an HTML body (`m.text`, `m.notice`)."""
    return {
        "msgtype": msgtype,
        "body": plain,
        "format": "org.matrix.custom.html",
        "formatted_body": html,
    }


def reply_content(message: Message, plain: str, html: str) -> dict[str, Any]:
    """The event content of a notice answering `message` (in its thread, if it had one)."""
    relates: dict[str, Any] = {"m.in_reply_to": {"event_id": message.reply_to}}
    if message.thread_root:
        relates.update(
            {"rel_type": "m.thread", "event_id": message.thread_root, "is_falling_back": False}
        )
    return {
        **html_content("m.notice", plain, html),
        "m.relates_to": relates,
        "m.mentions": {"user_ids": [message.sender]},
    }


class MatrixReplier:
    """Implements commands.context.Replier on a nio client."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client
        self._sent_per_event: Counter[str] = Counter()
        self.in_flight = 0

    async def reply(self, message: Message, plain: str, html: str) -> str:
        """Send the answer; the transaction ID is derived from the question, so a retry after a
        crash is deduplicated by the homeserver instead of shown twice."""
        self._sent_per_event[message.event_id] += 1
        txn_id = _txn_id(message.event_id, self._sent_per_event[message.event_id])
        return await self._send(message.room_id, reply_content(message, plain, html), txn_id)

    async def notice(self, room_id: str, plain: str, html: str) -> str:
        """Post a notice that answers nothing (a fresh transaction ID each time)."""
        content = {**html_content("m.notice", plain, html), "m.mentions": {}}
        return await self._send(room_id, content, None)

    async def send_file(self, message: Message, filename: str, data: bytes, mimetype: str) -> str:
        """Upload a file (encrypted in encrypted rooms) and post it as m.file in the room."""
        content: dict[str, Any] = {
            "msgtype": "m.file",
            "body": filename,
            "filename": filename,
            "info": {"mimetype": mimetype, "size": len(data)},
        }
        return await self._upload_and_send(message.room_id, content, filename, data, mimetype)

    async def send_image(
        self,
        message: Message,
        filename: str,
        data: bytes,
        mimetype: str,
        width: int,
        height: int,
        alt: str,
    ) -> str:
        """Upload an image (encrypted in encrypted rooms) and post it as m.image; `alt` is
        the body that screen readers and text-only clients show."""
        content: dict[str, Any] = {
            "msgtype": "m.image",
            "body": alt,
            "filename": filename,
            "info": {"mimetype": mimetype, "size": len(data), "w": width, "h": height},
        }
        return await self._upload_and_send(message.room_id, content, filename, data, mimetype)

    async def _upload_and_send(
        self, room_id: str, content: dict[str, Any], filename: str, data: bytes, mimetype: str
    ) -> str:
        room = self._client.rooms.get(room_id)
        encrypt = bool(room is not None and room.encrypted)
        upload, keys = await self._client.upload(
            io.BytesIO(data),
            content_type=mimetype,
            filename=filename,
            encrypt=encrypt,
            filesize=len(data),
        )
        if not isinstance(upload, UploadResponse):
            raise SendFailedError(f"upload failed: {upload}")
        if encrypt and keys is not None:
            content["file"] = {**keys, "url": upload.content_uri}
        else:
            content["url"] = upload.content_uri
        return await self._send(room_id, content, None)

    async def _send(self, room_id: str, content: dict[str, Any], txn_id: str | None) -> str:
        self.in_flight += 1
        try:
            resp = await self._client.room_send(
                room_id, "m.room.message", content, tx_id=txn_id, ignore_unverified_devices=True
            )
        finally:
            self.in_flight -= 1
        if isinstance(resp, RoomSendError):
            raise SendFailedError(f"{resp.status_code}: {resp.message}")
        return str(resp.event_id)

    def forget(self, event_id: str) -> None:
        """Drop the per-event counter once the event is fully handled."""
        self._sent_per_event.pop(event_id, None)

    async def typing(self, room_id: str, on: bool) -> None:
        """Show or clear the typing notification (best effort)."""
        try:
            await self._client.room_typing(room_id, typing_state=on, timeout=15_000)
        except Exception:  # typing is cosmetic; never fail an answer because of it
            log.debug("typing notification failed", exc_info=True)


def _txn_id(event_id: str, n: int) -> str:
    digest = hashlib.sha256(event_id.encode()).hexdigest()[:32]
    return f"kb-{digest}-{n}"
