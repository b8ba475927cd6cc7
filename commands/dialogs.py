"""Multi-step conversations (confirmations, guided questions) that survive restarts, and the
answers to requests other people put to a user.

A feature registers a handler per dialogue kind; while a dialogue is open for a user in a room,
their next message there (unless it is a prefixed command) goes to that handler. Requests from
other people (introductions) never take that slot: they stay pending on their own, and a "ja" is
matched to one only when it cannot mean anything else (see `Dialogs.expects`).
"""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from commands.context import Context, Message, Role
from commands.registry import command
from store.dialogs import Dialog, DialogStore

__all__ = [
    "CONFIRM_TTL_SECONDS",
    "DIALOG_TTL_SECONDS",
    "DialogHandler",
    "Dialogs",
    "Request",
    "Requests",
    "abbrechen",
    "confirmed",
    "is_back",
    "is_cancel",
    "is_no",
    "is_yes",
]

# A dialogue nobody answered for this long is forgotten (the next message is handled normally).
DIALOG_TTL_SECONDS = 7 * 24 * 3600.0
# A ja/nein question about an action (a preview, a deletion) is answered while it is in view;
# a stray "ja" hours later must not send, cancel or delete anything.
CONFIRM_TTL_SECONDS = 3600.0

DialogHandler = Callable[[Context, Dialog, str], Awaitable[None]]

_YES = {"ja", "j", "yes", "y", "ok", "okay", "jawohl", "gerne", "✅", "👍"}
_NO = {"nein", "n", "no", "nee", "abbrechen", "cancel", "❌", "👎"}
# "abbrechen" ends the user's own dialogue; it never turns down someone else's request.
_CANCEL = {"abbrechen", "cancel"}
# Said instead of an answer in a guided dialogue (a name, a date …), these end it: nobody is
# registered as "abbrechen". The `!`-command does the same from anywhere.
_STOP = _CANCEL | {"stop", "abbruch", "stopp"}
# Said instead of an answer in a guided dialogue: back to the previous step (nobody is
# registered as "zurück").
_BACK = {"zurück", "zurueck", "zuruck", "back"}
# "ja 3", "nein Nr. 3", "yes #3": an answer to the request with that number.
# Linear on long input: the word, then an optional "Nr."/"#", then the number.
_NUMBERED = re.compile(r"^(\S+?)\s*(?:(?:nr\.?|no\.?|#)\s*)?(\d{1,9})$", re.IGNORECASE)


def is_yes(text: str) -> bool:
    """True for 'ja', 'yes', ✅ and friends."""
    return _word(text) in _YES


def is_no(text: str) -> bool:
    """True for 'nein', 'no', ❌ and friends."""
    return _word(text) in _NO


def is_cancel(text: str) -> bool:
    """True for a bare 'abbrechen', 'cancel', 'stop' (with or without the command prefix)."""
    return _word(text).lstrip("!") in _STOP


def is_back(text: str) -> bool:
    """True for a bare 'zurück'/'back': the user wants to change the previous answer."""
    return _word(text).lstrip("!") in _BACK


def _word(text: str) -> str:
    return text.strip().lower().rstrip("!.")


async def confirmed(ctx: Context, text: str, cancelled_key: str, role: Role = Role.CITIZEN) -> bool:
    """The answer to one of the user's own ja/nein questions.

    'ja' ends the dialogue and returns True (the caller acts); 'nein' ends it and says
    `cancelled_key`; anything else asks for ja or nein again and keeps the question open.
    A question asked of a `role` the user no longer has (taken away since the preview: the
    dialogue lasts) is closed with "not allowed", whatever the answer.
    """
    dialogs = ctx.services.dialogs
    assert dialogs is not None
    if ctx.role < role:
        await dialogs.close(ctx)
        await ctx.reply_key("error.not_allowed")
        return False
    if is_yes(text) and await _stale(dialogs, ctx):
        await dialogs.close(ctx)
        await ctx.reply_key("dialog.confirm_expired")
        return False
    if is_yes(text) or is_no(text):
        await dialogs.close(ctx)
    if is_no(text):
        await ctx.reply_key(cancelled_key)
    elif not is_yes(text):
        await ctx.reply_key("dialog.yes_or_no", prefix=ctx.prefix)
    return is_yes(text)


async def _stale(dialogs: Dialogs, ctx: Context) -> bool:
    dialog = await dialogs.store.get(ctx.message.sender, ctx.message.room_id)
    return dialog is not None and time.time() - dialog.updated_at > CONFIRM_TTL_SECONDS


def _yes_or_no(text: str) -> bool | None:
    """True/False for an answer to a request, None for anything else."""
    word = _word(text)
    if word in _YES:
        return True
    return False if word in _NO - _CANCEL else None


@dataclass(frozen=True)
class Request:
    """A question another person put to the user (e.g. an introduction), answered ja/nein."""

    number: int
    name: str  # who asks, as they call themselves


class Requests(Protocol):
    """The open requests of a feature (implemented by commands/introductions.py)."""

    async def requests_waiting(self, user_id: str) -> list[Request]:
        """Requests shown to the user that still wait for their answer, oldest first."""

    async def request_numbered(self, user_id: str, number: int) -> Request | None:
        """The user's request with this number (open or not), if it is theirs to answer."""

    async def request_at(self, user_id: str, event_id: str) -> Request | None:
        """The user's request whose message is `event_id` (open or not)."""

    async def answer_request(self, request: Request, yes: bool, responder: str) -> str | None:
        """Apply the answer; the catalog key to reply with, None if no longer open."""


@dataclass(frozen=True)
class _Target:
    """What a message answers: the own dialogue, one request, or it is unclear which request."""

    dialog: Dialog | None = None
    request: Request | None = None
    yes: bool | None = None
    choices: tuple[Request, ...] = ()


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

    async def expects(self, message: Message, requests: Requests | None) -> bool:
        """True if `message` answers the sender's own dialogue here or a request to them."""
        return await self._target(message, requests) is not None

    async def answer(self, ctx: Context, text: str, requests: Requests | None) -> None:
        """Pass the user's message to what it answers (see `_target` for the order)."""
        target = await self._target(ctx.message, requests)
        if target is None:
            return
        if target.choices:
            await _ask_which(ctx, target.choices)
        elif target.request is not None:
            assert requests is not None
            await _answer_request(ctx, requests, target)
        elif target.dialog is not None:
            await self.handle(ctx, target.dialog, text)
            await _still_waiting(ctx, requests, text)
        else:
            await ctx.reply_key("dialog.no_request")

    async def _target(self, message: Message, requests: Requests | None) -> _Target | None:
        """In a DM a reply to a request's message, then "ja <Nr.>"; then the own dialogue here;
        then (in a DM) a bare ja/nein: to the one open request, or the question which one."""
        own = await self.pending(message.sender, message.room_id)
        if requests is None:
            return None if own is None else _Target(dialog=own)
        sender, body = message.sender, message.body.strip()
        # Requests are answered in a DM only: an answer in a room others read tells them who
        # asked and what the user decided (Element only replies within a room anyway).
        if isinstance(message.in_reply_to, str) and message.in_reply_to and message.is_direct:
            request = await requests.request_at(sender, message.in_reply_to)
            if request is not None:
                return _Target(request=request, yes=_yes_or_no(body))
        numbered = _NUMBERED.match(body)
        yes = _yes_or_no(numbered.group(1) if numbered else body)
        if numbered and yes is not None and message.is_direct:
            request = await requests.request_numbered(sender, int(numbered.group(2)))
            if request is not None:
                return _Target(request=request, yes=yes)
        if own is not None:
            return _Target(dialog=own)
        if yes is None or not message.is_direct:
            return None
        waiting = await requests.requests_waiting(sender)
        if len(waiting) == 1 and not numbered:
            return _Target(request=waiting[0], yes=yes)
        if waiting:
            return _Target(choices=tuple(waiting))
        return _Target() if numbered else None

    async def handle(self, ctx: Context, dialog: Dialog, text: str) -> None:
        """Pass the user's answer to the dialogue's handler."""
        await self._handlers[dialog.kind](ctx, dialog, text)

    async def open(self, ctx: Context, kind: str, data: dict[str, Any]) -> None:
        """Start a dialogue with the sender in this room."""
        await self.store.open(ctx.message.sender, ctx.message.room_id, kind, data)

    async def close(self, ctx: Context) -> bool:
        """End the sender's dialogue in this room."""
        return await self.store.close(ctx.message.sender, ctx.message.room_id)


async def _answer_request(ctx: Context, requests: Requests, target: _Target) -> None:
    request = target.request
    assert request is not None
    if target.yes is None:
        await ctx.reply_key("dialog.request_yes_or_no", number=request.number)
        return
    key = await requests.answer_request(request, target.yes, ctx.message.sender)
    if key is None:
        await ctx.reply_key("dialog.request_closed", number=request.number)
        return
    # Say which request the answer went to, also when the user named it: no guessing.
    which = "dialog.request_accepted" if target.yes else "dialog.request_declined"
    said = ctx.t(which, number=request.number, name=request.name)
    await ctx.reply(said + " " + ctx.t(key, prefix=ctx.prefix))


async def _still_waiting(ctx: Context, requests: Requests | None, text: str) -> None:
    """After a bare ja/nein went to the own dialogue in a DM: say which requests are still
    open, so nobody believes that answer was for them."""
    if requests is None or not ctx.message.is_direct or _yes_or_no(text) is None:
        return
    waiting = await requests.requests_waiting(ctx.message.sender)
    if waiting:
        refs = ", ".join(ctx.t("dialog.request_ref", number=r.number, name=r.name) for r in waiting)
        await ctx.reply_key("dialog.still_waiting", requests=refs, number=waiting[0].number)


async def _ask_which(ctx: Context, choices: tuple[Request, ...]) -> None:
    lines = [ctx.t("dialog.which_request")]
    lines += [ctx.t("dialog.request_line", number=r.number, name=r.name) for r in choices]
    lines.append(ctx.t("dialog.which_hint", number=choices[0].number))
    await ctx.reply("\n".join(lines))


@command("abbrechen", aliases=("cancel",))
async def abbrechen(ctx: Context, args: str) -> None:
    """End whatever the bot is waiting for from you here."""
    dialogs = ctx.services.dialogs
    closed = dialogs is not None and await dialogs.close(ctx)
    await ctx.reply_key("dialog.cancelled" if closed else "dialog.nothing_open")
