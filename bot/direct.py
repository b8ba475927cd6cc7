"""Which rooms are direct chats (DMs) with whom: the one judge of "is this a DM".

A room is a DM because someone made it one, not because it has two members: the invite that
brought the bot in said `is_direct`, the bot created it as a DM, or the bot's `m.direct` account
data lists it. What is learned is kept in the database and in `m.direct` (so Element lists the
rooms as DMs, and a room created just before a crash is found again after it).
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from aiohttp import ClientError
from nio import (
    AsyncClient,
    InviteMemberEvent,
    MatrixRoom,
    RoomMemberEvent,
    SyncResponse,
    UnknownAccountDataEvent,
)
from nio.api import Api

from bot.content import as_dict, room_id_or_none, user_id_or_none
from store.direct import DirectRoomStore

__all__ = ["DirectRooms", "parse_m_direct"]

log = logging.getLogger(__name__)

M_DIRECT = "m.direct"


def parse_m_direct(content: object) -> list[tuple[str, str]]:
    """(room ID, user ID) pairs of `m.direct` content; anything malformed is left out."""
    pairs: list[tuple[str, str]] = []
    for user, rooms in as_dict(content).items():
        user_id = user_id_or_none(user)
        if user_id is None or not isinstance(rooms, list):
            continue
        pairs.extend((room_id, user_id) for room_id in map(room_id_or_none, rooms) if room_id)
    return pairs


class DirectRooms:
    """Known DMs of the bot, each with the one person it is a DM with."""

    def __init__(self, client: AsyncClient, store: DirectRoomStore) -> None:
        self._client = client
        self._store = store
        self._partner: dict[str, str] = {}  # room ID -> user ID, in the order learned
        self._publish_lock = asyncio.Lock()

    async def load(self) -> None:
        """Known DMs from the database and from the bot's `m.direct` account data."""
        for room_id, user_id in await self._store.all():
            self._partner.setdefault(room_id, user_id)
        await self._learn(parse_m_direct(await self._fetch_m_direct()))

    def is_direct(self, room: MatrixRoom) -> bool:
        """A DM: known as one, and nobody but the bot and that person is in it or invited."""
        partner = self._partner.get(room.room_id)
        if partner is None or partner not in room.users:
            return False
        return set(room.users) <= {self._client.user_id, partner}

    def newest_with(self, user_id: str) -> str | None:
        """The most recently learned DM room with `user_id` that is a DM now (None if none)."""
        for room_id in reversed(list(self._partner)):
            room = self._client.rooms.get(room_id)
            if self._partner[room_id] == user_id and room is not None and self.is_direct(room):
                return room_id
        return None

    def is_dm_with(self, room_id: str, user_id: str) -> bool:
        """Whether `room_id` was made a DM with `user_id` (membership not checked)."""
        return self._partner.get(room_id) == user_id

    async def created(self, room_id: str, user_id: str) -> None:
        """The bot created `room_id` as a DM with `user_id`."""
        await self._publish(await self._learn([(room_id, user_id)]))

    async def accepted_invite(self, room_id: str, invite: InviteMemberEvent) -> None:
        """The bot joined `room_id` on `invite`: a DM with the inviter if it says is_direct."""
        inviter = user_id_or_none(invite.sender)
        # nio moves the content out of the invite's source.
        if as_dict(invite.content).get("is_direct") is True and inviter:
            if inviter != self._client.user_id:
                await self._publish(await self._learn([(room_id, inviter)]))

    async def note_sync(self, resp: SyncResponse) -> None:
        """Learn DMs from a sync: the bot's `m.direct`, and DM invites in its rooms' state."""
        for event in resp.account_data_events:
            if isinstance(event, UnknownAccountDataEvent) and event.type == M_DIRECT:
                await self._learn(parse_m_direct(event.content))
        found: list[tuple[str, str]] = []
        for room_id, info in resp.rooms.join.items():
            for event in [*info.state, *info.timeline.events]:
                partner = self._partner_of(event) if isinstance(event, RoomMemberEvent) else None
                if partner is not None:
                    found.append((room_id, partner))
        await self._publish(await self._learn(found))

    def _partner_of(self, event: RoomMemberEvent) -> str | None:
        """Who a membership event makes the bot's DM partner, if anyone.

        Only what the bot or the partner said counts: the bot's own DM invite (still pending, or
        accepted: then it is the prev_content), or the partner's DM invite of the bot. This finds
        a DM the bot created just before a crash, and DMs joined before this code knew of them.
        """
        bot = self._client.user_id
        source = as_dict(event.source)
        content = as_dict(source.get("content"))
        unsigned = as_dict(source.get("unsigned"))
        prev = as_dict(unsigned.get("prev_content"))
        target = user_id_or_none(source.get("state_key"))
        if content.get("membership") == "invite" and content.get("is_direct") is True:
            inviter = user_id_or_none(source.get("sender"))
        elif prev.get("membership") == "invite" and prev.get("is_direct") is True:
            inviter = user_id_or_none(unsigned.get("prev_sender"))
        else:
            return None
        if content.get("membership") not in ("invite", "join") or target is None:
            return None
        if inviter == bot and target != bot:
            return target
        if target == bot and inviter is not None and inviter != bot:
            return inviter
        return None

    async def _learn(self, pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """Record DMs not known yet (the first record of a room stays); return those."""
        new = []
        for room_id, user_id in pairs:
            if room_id not in self._partner:
                self._partner[room_id] = user_id
                new.append((room_id, user_id))
        if new:
            await self._store.add(new)
        return new

    async def _publish(self, pairs: list[tuple[str, str]]) -> None:
        """Add rooms to the bot's `m.direct` (read, merge, write: clients edit it too)."""
        if not pairs:
            return
        async with self._publish_lock:
            try:
                content = await self._fetch_m_direct()
                if content is None:
                    return  # unknown, not empty: writing would drop what is there
                changed = False
                for room_id, user_id in pairs:
                    rooms = [r for r in content.get(user_id, []) if isinstance(r, str)]
                    if room_id not in rooms:
                        content[user_id] = [*rooms, room_id]
                        changed = True
                if changed:
                    await self._put_m_direct(content)
            except (ClientError, OSError, TimeoutError) as exc:
                log.warning("m.direct not updated: %r", exc)

    async def _fetch_m_direct(self) -> dict[str, Any] | None:
        """The bot's `m.direct` ({} if it has none, None if it could not be read)."""
        _, path = Api.direct_room_list(self._client.access_token, self._client.user_id)
        try:
            resp = await self._client.send("GET", path)
            body = await resp.json(content_type=None)
        except (ClientError, OSError, TimeoutError, ValueError) as exc:
            log.warning("m.direct not read: %r", exc)
            return None
        if resp.status == 404:
            return {}
        if resp.status != 200 or not isinstance(body, dict):
            log.warning("m.direct not read: HTTP %s", resp.status)
            return None
        return {k: v for k, v in body.items() if isinstance(k, str) and isinstance(v, list)}

    async def _put_m_direct(self, content: dict[str, Any]) -> None:
        _, path = Api.direct_room_list(self._client.access_token, self._client.user_id)
        resp = await self._client.send(
            "PUT", path, json.dumps(content), headers={"Content-Type": "application/json"}
        )
        if resp.status != 200:
            log.warning("m.direct not written: HTTP %s", resp.status)
