"""The language each user last wrote in, for replies to words of no language ("ok", "1", "👍").

A user who never chose a language with `!sprache` is answered in the language of their words;
"ok" or a bare number has none, and without this they were answered in German right after an
English conversation. Kept in memory only (a restart forgets it, as it may), bounded in size,
and forgotten with the user's data (`!vergessen`).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from commands.context import Context

__all__ = ["RecentLanguages", "in_language"]

# Users remembered at most; the least recently heard are forgotten first.
CAPACITY = 10_000


class RecentLanguages:
    """The language of each user's last message whose words told one."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        self._capacity = capacity
        self._seen: OrderedDict[str, str] = OrderedDict()

    def note(self, user_id: str, language: str) -> None:
        """Remember that `user_id` just wrote in `language`."""
        self._seen[user_id] = language
        self._seen.move_to_end(user_id)
        while len(self._seen) > self._capacity:
            self._seen.popitem(last=False)

    def get(self, user_id: str) -> str | None:
        """The language `user_id` last wrote in, None if not known."""
        return self._seen.get(user_id)

    def forget(self, user_id: str) -> None:
        """Drop what is known about `user_id`."""
        self._seen.pop(user_id, None)


async def in_language(ctx: Context, language: str) -> Context:
    """`ctx` for answering words written in `language`: as it is if the user chose a language
    with `!sprache`; else in `language`, which is remembered for their next words of none."""
    if await ctx.services.users.language(ctx.message.sender) is not None:
        return ctx
    ctx.services.languages.note(ctx.message.sender, language)
    return ctx if language == ctx.language else replace(ctx, language=language)
