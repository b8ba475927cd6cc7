"""A welcome for the first message of a person in a new direct chat with the bot.

The welcome goes in front of the first answer, in the same message: the person sees what the bot
can do and how it handles their data before the answer to what they wrote, and every answer
stays one message (a 👍/👎 on it still counts for the FAQ entry).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from commands.context import Context, Message, Replier
from commands.formatting import render, to_plain
from commands.smalltalk import classify

__all__ = ["welcome_first"]


async def welcome_first(ctx: Context) -> Context:
    """`ctx`, or in a direct chat the user writes in for the first time, a context whose first
    reply starts with the welcome."""
    message = ctx.message
    if not message.is_direct:
        return ctx
    if not await ctx.services.users.welcome(message.sender, message.room_id):
        return ctx
    language = await _language(ctx)
    text = ctx.catalog.text(language, "welcome.text", prefix=ctx.prefix)
    return replace(ctx, replier=_Welcoming(ctx.replier, text, message.event_id))


async def _language(ctx: Context) -> str:
    """The user's chosen language, else the language of what they wrote, else the default."""
    if await ctx.services.users.language(ctx.message.sender) is not None:
        return ctx.language
    body = ctx.message.body
    talk = classify(body)
    if talk is not None:
        return talk.language or ctx.language
    faq = ctx.services.faq
    return faq.language(body) if faq is not None else ctx.language


@dataclass
class _Welcoming:
    """Puts the welcome in front of the first reply to the user's message (or sends it before
    a file or an image). Replies to other messages (e.g. a manager's answer delivered to a
    citizen's question) pass untouched."""

    inner: Replier
    text: str
    event_id: str
    pending: bool = True

    def _take(self, message: Message) -> tuple[str, str] | None:
        if not self.pending or message.event_id != self.event_id:
            return None
        self.pending = False
        return to_plain(self.text), render(self.text)

    async def reply(self, message: Message, plain: str, html: str) -> str:
        welcome = self._take(message)
        if welcome is not None:
            plain, html = f"{welcome[0]}\n\n{plain}", f"{welcome[1]}<br><br>{html}"
        return await self.inner.reply(message, plain, html)

    async def notice(self, room_id: str, plain: str, html: str) -> str:
        return await self.inner.notice(room_id, plain, html)

    async def send_file(self, message: Message, filename: str, data: bytes, mimetype: str) -> str:
        await self._alone(message)
        return await self.inner.send_file(message, filename, data, mimetype)

    async def _alone(self, message: Message) -> None:
        """The welcome as a message of its own, before something that cannot carry it."""
        welcome = self._take(message)
        if welcome is not None:
            await self.inner.reply(message, *welcome)

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
        await self._alone(message)
        return await self.inner.send_image(message, filename, data, mimetype, width, height, alt)
