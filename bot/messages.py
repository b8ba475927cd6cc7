"""nio events -> our own Message: the one step that reads what a room member wrote.

Every field beyond what nio checks may hold anything (see bot/content.py); these functions
return a usable value or None and never raise on content.
"""

from __future__ import annotations

import re
import unicodedata

from nio import (
    MatrixRoom,
    RoomEncryptedMedia,
    RoomMessageMedia,
    RoomMessageText,
    RoomMessageUnknown,
    StickerEvent,
    UnknownEvent,
)
from nio.events import BadEvent, Event

from bot.content import as_dict, as_str, mentioned_users, relation_of
from commands.context import Message

__all__ = [
    "edit_target",
    "is_non_text",
    "strip_invisible",
    "strip_mention",
    "strip_reply_fallback",
    "to_message",
]

# Images, files, voice messages, stickers, locations and polls: answered "I can read text" in DMs.
_NON_TEXT = (RoomMessageMedia, RoomEncryptedMedia, RoomMessageUnknown, StickerEvent)
_POLL_TYPES = frozenset({"m.poll.start", "org.matrix.msc3381.poll.start"})
# Messages nio could not read as their type (a body that is no string, an image without file).
_BAD_MESSAGE_TYPES = _POLL_TYPES | {"m.room.message", "m.sticker"}


def is_non_text(event: Event | BadEvent) -> bool:
    """Whether `event` is a message the bot cannot read (media, location, sticker, poll)."""
    if isinstance(event, _NON_TEXT):
        return True
    if isinstance(event, UnknownEvent):
        return event.type in _POLL_TYPES
    return isinstance(event, BadEvent) and event.type in _BAD_MESSAGE_TYPES


def strip_reply_fallback(body: str) -> str:
    """Remove the quoted '> <@user> …' block that clients put in front of replies."""
    lines = body.split("\n")
    if not lines or not lines[0].startswith("> "):
        return body
    while lines and lines[0].startswith(">"):
        lines.pop(0)
    return "\n".join(lines).strip()


def strip_invisible(body: str) -> str:
    """Remove invisible format characters (zero-width, bidi marks) in front of the text.

    A "\u200b!vergessen" is a command the user meant; left in, it would go to the FAQ as an
    open question and on to the manager room.
    """
    start = 0
    while start < len(body) and unicodedata.category(body[start]) == "Cf":
        start += 1
    return body[start:]


def strip_mention(room: MatrixRoom, bot_id: str, body: str) -> tuple[str, bool]:
    """Remove a leading mention of the bot ("Klimabot: …"); report whether there was one."""
    names = {bot_id, bot_id.split(":", 1)[0].lstrip("@"), room.user_name(bot_id) or ""}
    for name in sorted((n for n in names if n), key=len, reverse=True):
        match = re.match(rf"^\s*@?{re.escape(name)}\s*[:,]?\s*", body, re.IGNORECASE)
        if match:
            return body[match.end() :], True
    return body, False


def to_message(
    room: MatrixRoom, event: RoomMessageText, bot_id: str = "", is_direct: bool | None = None
) -> Message | None:
    """Our own Message from a nio text event; edits carry their new text.

    Every field beyond msgtype and body may hold anything (bot/content.py). None: an edit whose
    new content has no text, which there is nothing to answer.
    """
    content = as_dict(event.source.get("content"))
    relation = relation_of(content)
    body = event.body
    reply_to = event.event_id
    thread_root = None
    if relation.rel_type == "m.replace":
        new_body = as_str(as_dict(content.get("m.new_content")).get("body"))
        if new_body is None or relation.event_id is None:
            return None
        body, reply_to = new_body, relation.event_id
    elif relation.rel_type == "m.thread":
        thread_root = relation.event_id
    body = strip_invisible(strip_reply_fallback(body))
    body, named = strip_mention(room, bot_id, body) if bot_id else (body, False)
    return Message(
        event_id=event.event_id,
        room_id=room.room_id,
        sender=event.sender,
        body=body,
        is_direct=len(room.users) <= 2 if is_direct is None else is_direct,
        timestamp_ms=event.server_timestamp,
        reply_to=reply_to,
        thread_root=thread_root,
        mentions_bot=named or bot_id in mentioned_users(content),
        in_reply_to=relation.in_reply_to,
    )


def edit_target(event: Event) -> str | None:
    """The event an edit (m.replace) replaces, if `event` is a usable edit."""
    relation = relation_of(as_dict(event.source.get("content")))
    return relation.event_id if relation.rel_type == "m.replace" else None
