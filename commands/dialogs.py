"""Multi-step conversations (confirmations, guided questions) that survive restarts.

A feature registers a handler per dialogue kind; while a dialogue is open for a user in a room,
their next message there (unless it is a prefixed command) goes to that handler.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from commands.context import Context
from commands.registry import command
from store.dialogs import Dialog, DialogStore

__all__ = ["DIALOG_TTL_SECONDS", "DialogHandler", "Dialogs", "abbrechen", "is_no", "is_yes"]

# A dialogue nobody answered for this long is forgotten (the next message is handled normally).
DIALOG_TTL_SECONDS = 7 * 24 * 3600.0

DialogHandler = Callable[[Context, Dialog, str], Awaitable[None]]

_YES = {"ja", "j", "yes", "y", "ok", "okay", "jawohl", "gerne", "✅", "👍"}
_NO = {"nein", "n", "no", "nee", "abbrechen", "cancel", "❌", "👎"}


def is_yes(text: str) -> bool:
    """True for 'ja', 'yes', ✅ and friends."""
    return text.strip().lower().rstrip("!.") in _YES


def is_no(text: str) -> bool:
    """True for 'nein', 'no', ❌ and friends."""
    return text.strip().lower().rstrip("!.") in _NO


class Dialogs:
    """Open dialogues and their handlers."""

    def __init__(self, store: DialogStore, handlers: Mapping[str, DialogHandler]) -> None:
        self.store = store
        self._handlers = handlers

    async def pending(self, user_id: str, room_id: str) -> Dialog | None:
        """The user's open dialogue in this room, if it is still fresh and handled."""
        dialog = await self.store.get(user_id, room_id)
        if dialog is None or dialog.kind not in self._handlers:
            return None
        if time.time() - dialog.updated_at > DIALOG_TTL_SECONDS:
            await self.store.close(user_id, room_id)
            return None
        return dialog

    async def handle(self, ctx: Context, dialog: Dialog, text: str) -> None:
        """Pass the user's answer to the dialogue's handler."""
        await self._handlers[dialog.kind](ctx, dialog, text)

    async def open(self, ctx: Context, kind: str, data: dict[str, Any]) -> None:
        """Start a dialogue with the sender in this room."""
        await self.store.open(ctx.message.sender, ctx.message.room_id, kind, data)

    async def close(self, ctx: Context) -> bool:
        """End the sender's dialogue in this room."""
        return await self.store.close(ctx.message.sender, ctx.message.room_id)


@command("abbrechen", aliases=("cancel",))
async def abbrechen(ctx: Context, args: str) -> None:
    """End whatever the bot is waiting for from you here."""
    dialogs = ctx.services.dialogs
    closed = dialogs is not None and await dialogs.close(ctx)
    await ctx.reply_key("dialog.cancelled" if closed else "dialog.nothing_open")
