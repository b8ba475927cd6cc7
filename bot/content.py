"""Reading event content that any room member wrote: every field may be any JSON type or missing.

nio checks only a few fields of a text message (msgtype and body are strings); everything else —
relations, mentions, the new content of an edit — arrives as the sender wrote it. These readers
return a usable value or None, never raise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "Relation",
    "as_dict",
    "as_str",
    "event_id_or_none",
    "mentioned_users",
    "relation_of",
    "room_id_or_none",
    "user_id_or_none",
]

# Matrix identifiers are at most 255 bytes (spec: "Identifier Grammar").
_MAX_ID_LENGTH = 255


def as_dict(value: object) -> dict[str, Any]:
    """`value` if it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}


def as_str(value: object) -> str | None:
    """`value` if it is a string, else None."""
    return value if isinstance(value, str) else None


def event_id_or_none(value: object) -> str | None:
    """`value` if it looks like an event ID ('$…', a string of sane length), else None."""
    if isinstance(value, str) and value.startswith("$") and 1 < len(value) <= _MAX_ID_LENGTH:
        return value
    return None


def user_id_or_none(value: object) -> str | None:
    """`value` if it looks like a user ID ('@local:server', sane length), else None."""
    return _server_id(value, "@")


def room_id_or_none(value: object) -> str | None:
    """`value` if it looks like a room ID ('!opaque:server', sane length), else None."""
    return _server_id(value, "!")


def _server_id(value: object, sigil: str) -> str | None:
    text = as_str(value)
    if text and text.startswith(sigil) and ":" in text and len(text) <= _MAX_ID_LENGTH:
        return text
    return None


@dataclass(frozen=True)
class Relation:
    """What a message relates to, with every unusable part left out."""

    rel_type: str | None = None
    event_id: str | None = None
    # The event a rich reply answers; None for a thread's fallback reply (not a real reply).
    in_reply_to: str | None = None


def relation_of(content: dict[str, Any]) -> Relation:
    """The message's m.relates_to, read defensively."""
    relates = as_dict(content.get("m.relates_to"))
    reply = event_id_or_none(as_dict(relates.get("m.in_reply_to")).get("event_id"))
    if relates.get("is_falling_back") is True:
        reply = None
    return Relation(
        rel_type=as_str(relates.get("rel_type")),
        event_id=event_id_or_none(relates.get("event_id")),
        in_reply_to=reply,
    )


def mentioned_users(content: dict[str, Any]) -> frozenset[str]:
    """The user IDs of an intentional mention (m.mentions.user_ids), strings only."""
    ids = as_dict(content.get("m.mentions")).get("user_ids")
    if not isinstance(ids, list):
        return frozenset()
    return frozenset(u for u in ids if isinstance(u, str))
