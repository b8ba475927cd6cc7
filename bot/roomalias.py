"""Configured rooms given as aliases (#team:server) become room IDs the bot has joined.

Sending needs a room ID of a room the bot is in (nio looks encrypted rooms up by ID), so an alias
from the config is resolved once at start, and the bot joins the room if it is not in it yet.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

from aiohttp import ClientError
from nio import (
    AsyncClient,
    JoinedRoomsResponse,
    JoinResponse,
    RoomResolveAliasResponse,
)

__all__ = ["RoomUnavailableError", "joined_room_id", "manager_room_id", "topic_room_ids"]

log = logging.getLogger(__name__)

_TRANSIENT = (ClientError, OSError, asyncio.TimeoutError)


class RoomUnavailableError(RuntimeError):
    """The room cannot be resolved or joined (the message says why)."""


async def joined_room_id(client: AsyncClient, room: str) -> str:
    """The ID of `room` (an ID or an alias), joining it if the bot is not a member yet."""
    room_id = room
    if room.startswith("#"):
        resolved = await client.room_resolve_alias(room)
        if not isinstance(resolved, RoomResolveAliasResponse):
            raise RoomUnavailableError(f"the alias cannot be resolved: {resolved.message}")
        room_id = resolved.room_id
    joined = await client.joined_rooms()
    if isinstance(joined, JoinedRoomsResponse) and room_id in joined.rooms:
        return room_id
    # Join by the configured name: an alias also tells the server which servers to join through.
    answer = await client.join(room)
    if not isinstance(answer, JoinResponse):
        raise RoomUnavailableError(f"the bot is not in the room and cannot join: {answer.message}")
    log.info("joined %s (%s)", room, answer.room_id)
    return str(answer.room_id)


async def manager_room_id(client: AsyncClient, room: str | None) -> str | None:
    """The manager room's ID, or None (logged as an error) if it is not usable."""
    if room is None:
        return None
    without = "running without a manager room: unanswered questions are not passed on"
    return await _usable(client, room, "bot.manager_room", without)


async def topic_room_ids(
    client: AsyncClient, topic_rooms: Mapping[str, tuple[str, ...]]
) -> dict[str, tuple[str, ...]]:
    """The topic rooms as joined room IDs; unusable ones are logged and left out."""
    resolved: dict[str, tuple[str, ...]] = {}
    for slug, rooms in topic_rooms.items():
        key, without = f"broadcast.topic_rooms.{slug}", "announcements of this topic skip it"
        ids = [await _usable(client, room, key, without) for room in rooms]
        resolved[slug] = tuple(room_id for room_id in ids if room_id is not None)
    return resolved


async def _usable(client: AsyncClient, room: str, key: str, without: str) -> str | None:
    try:
        room_id = await joined_room_id(client, room)
    except (RoomUnavailableError, *_TRANSIENT) as exc:
        log.error(
            "%s %s is not usable (%s); %s until this is fixed and the bot restarted",
            key,
            room,
            exc,
            without,
        )
        return None
    if room_id != room:
        log.info("%s %s is room %s", key, room, room_id)
    return room_id
