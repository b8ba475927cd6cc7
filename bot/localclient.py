"""A human-like Matrix client (nio, with encryption) for the demo, the tests and the benchmarks."""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nio import (
    AsyncClient,
    AsyncClientConfig,
    Event,
    LoginResponse,
    MatrixRoom,
    RoomCreateResponse,
    RoomMessageNotice,
    RoomMessageText,
    RoomSendResponse,
    RoomVisibility,
)

from bot.localserver import LocalSynapse

__all__ = ["ChatUser", "unique", "wait_until"]


def unique(name: str) -> str:
    """A localpart that no other test uses."""
    return f"{name}-{secrets.token_hex(3)}"


@dataclass
class ChatUser:
    """A human-like Matrix client (with encryption) that syncs in the background."""

    client: AsyncClient
    events: list[tuple[str, Event]] = field(default_factory=list)
    task: asyncio.Task[Any] | None = None

    @property
    def user_id(self) -> str:
        return str(self.client.user_id)

    @classmethod
    async def create(
        cls, hs: LocalSynapse, name: str, store: Path, password: str, localpart: str = ""
    ) -> ChatUser:
        """Register (if needed) and log in a user, then start syncing in the background."""
        localpart = localpart or unique(name)
        await asyncio.to_thread(hs.register, localpart, password)
        await asyncio.to_thread(store.mkdir, parents=True, exist_ok=True)
        config = AsyncClientConfig(encryption_enabled=True, store_sync_tokens=False)
        client = AsyncClient(hs.url, hs.user_id(localpart), store_path=str(store), config=config)
        resp = await client.login(password, device_name=f"{name} test device")
        assert isinstance(resp, LoginResponse), resp
        user = cls(client)
        client.add_event_callback(user._collect, (RoomMessageText, RoomMessageNotice))
        await client.sync(timeout=0, full_state=True)
        if client.should_upload_keys:
            await client.keys_upload()
        user.task = asyncio.create_task(client.sync_forever(timeout=500, full_state=True))
        return user

    async def _collect(self, room: MatrixRoom, event: Event) -> None:
        self.events.append((room.room_id, event))

    async def create_room(
        self,
        invite: list[str] = (),  # type: ignore[assignment]
        encrypted: bool = False,
        direct: bool = False,
        public: bool = False,
    ) -> str:
        initial: list[dict[str, Any]] = []
        if encrypted:
            initial.append(
                {
                    "type": "m.room.encryption",
                    "state_key": "",
                    "content": {"algorithm": "m.megolm.v1.aes-sha2"},
                }
            )
        resp = await self.client.room_create(
            visibility=RoomVisibility.public if public else RoomVisibility.private,
            invite=list(invite),
            is_direct=direct,
            initial_state=initial,
        )
        assert isinstance(resp, RoomCreateResponse), resp
        return str(resp.room_id)

    async def room_with(self, user_id: str, **options: Any) -> str:
        """Create a room (options as for create_room), invite `user_id`, wait for the join."""
        room = await self.create_room(invite=[user_id], **options)
        await self.wait_joined(room, user_id)
        return room

    async def dm_with(self, user_id: str) -> str:
        """An encrypted direct chat with `user_id`, as Element would create it."""
        return await self.room_with(user_id, encrypted=True, direct=True)

    def texts(self, room_id: str, sender: str) -> list[str]:
        """Bodies of all text messages and notices `sender` posted in the room."""
        return [ev.body for rid, ev in self.events if rid == room_id and ev.sender == sender]

    async def wait_joined(self, room_id: str, user_id: str, within: float = 30) -> None:
        """Wait until `user_id` is a joined member of the room (as this client sees it)."""

        def joined() -> bool:
            room = self.client.rooms.get(room_id)
            return room is not None and user_id in room.users and user_id not in room.invited_users

        await wait_until(joined, within, f"{user_id} did not join {room_id}")

    async def send(self, room_id: str, body: str, extra: dict[str, Any] | None = None) -> str:
        content: dict[str, Any] = {"msgtype": "m.text", "body": body}
        content.update(extra or {})
        resp = await self.client.room_send(
            room_id, "m.room.message", content, ignore_unverified_devices=True
        )
        assert isinstance(resp, RoomSendResponse), resp
        return str(resp.event_id)

    async def react(self, room_id: str, event_id: str, key: str) -> None:
        """Annotate an event with a reaction (👍, ✅ …) as Element does."""
        content = {"m.relates_to": {"rel_type": "m.annotation", "event_id": event_id, "key": key}}
        resp = await self.client.room_send(
            room_id, "m.reaction", content, ignore_unverified_devices=True
        )
        assert isinstance(resp, RoomSendResponse), resp

    def notices(self, room_id: str, sender: str) -> list[Event]:
        return [
            ev
            for rid, ev in self.events
            if rid == room_id and ev.sender == sender and isinstance(ev, RoomMessageNotice)
        ]

    async def wait_notice(
        self, room_id: str, sender: str, count: int = 1, within: float = 30
    ) -> list[Event]:
        """Wait until `sender` has posted at least `count` notices in the room."""
        await wait_until(
            lambda: len(self.notices(room_id, sender)) >= count,
            within,
            f"{count} notice(s) from {sender} in {room_id}",
        )
        return self.notices(room_id, sender)

    async def close(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.task
        await self.client.close()


async def wait_until(predicate: Callable[[], bool], within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out: {what}")
        await asyncio.sleep(0.1)
