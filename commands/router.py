"""From a Message to a handler: addressing, limits, permissions, and the error boundary."""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal, Protocol

from commands.choices import parse_choice
from commands.context import Context, Message, Reaction, Replier, Role
from commands.errors import CommandError, UsageError
from commands.faqteach import notice_number
from commands.formatting import Markup
from commands.i18n import Catalog
from commands.polls import answer_typed_vote
from commands.ratelimit import RateLimiter
from commands.registry import Command
from commands.services import Services
from commands.welcome import welcome_first

__all__ = [
    "Conversation",
    "ReactionHandler",
    "Route",
    "Router",
    "RouterSettings",
    "looks_like_question",
]

log = logging.getLogger(__name__)

_QUESTION_START = re.compile(
    r"^(wie|was|wo|wann|wer|warum|wieso|weshalb|welche[rsmn]?|gibt|kann|muss|darf|soll|ist|"
    r"sind|hat|how|what|where|when|who|why|which|is|are|can|do|does)\b",
    re.IGNORECASE,
)


# Returns True if it dealt with the reaction (later handlers are then skipped).
ReactionHandler = Callable[[Context, Reaction], Awaitable[bool]]


@dataclass(frozen=True)
class Route:
    """What an addressed message is: a command, a question, a numbered choice, or no text.

    `quiet` routes were not clearly addressed to the bot (auto mode, a bare digit in a room):
    they are answered only when the answer is confident or a choice is pending.
    """

    kind: Literal["command", "question", "choice", "dialog", "nudge", "non_text"]
    text: str
    quiet: bool = False


class Conversation(Protocol):
    """Free-text handling (the FAQ): room modes, questions and numbered choices."""

    async def room_mode(self, room_id: str) -> str:
        """mention (default), auto, or off."""

    async def question(self, ctx: Context, text: str, quiet: bool) -> None:
        """Answer a question (quietly: only if confident)."""

    async def choice(self, ctx: Context, number: int, quiet: bool) -> bool:
        """Answer a numbered choice; False if none was pending."""


def looks_like_question(text: str) -> bool:
    """Heuristic for auto mode: a question mark at the end or a question word at the start."""
    text = text.strip()
    return text.endswith("?") or bool(_QUESTION_START.match(text))


@dataclass(frozen=True)
class RouterSettings:
    """The parts of the config the router needs."""

    prefix: str
    default_language: str
    max_message_length: int
    managers: frozenset[str]


@dataclass
class Router:
    """Routes addressed messages to commands; the one place that turns errors into replies."""

    catalog: Catalog
    settings: RouterSettings
    replier: Replier
    limiter: RateLimiter
    services: Services
    conversation: Conversation | None = None
    reaction_handlers: tuple[ReactionHandler, ...] = ()

    async def route(self, message: Message) -> Route | None:
        """Decide whether and how `message` is addressed to the bot (None: not for us)."""
        body = message.body.strip()
        prefix = self.settings.prefix
        if body.startswith(prefix):
            return Route("command", body[len(prefix) :].strip())
        faq = self.services.faq
        if faq is not None and message.sender in self.settings.managers:
            # A manager's reply to the notice of an open question answers it (commands/faqteach).
            if (number := await notice_number(faq, message)) is not None:
                return Route("command", f"antworten {number} {body}")
        dialogs = self.services.dialogs
        nudges = self.services.nudges  # an owner's clear answer to a nudge (commands/nudges)
        first = body.split(maxsplit=1)[0] if body else ""
        if nudges is not None and self.services.registry.get(first) is None:  # a command is one
            if await nudges.claims(message, dialogs):
                return Route("nudge", body)
        if dialogs is not None and await dialogs.expects(message, self.services.network):
            return Route("dialog", body)
        talk = self.conversation
        mode = "off" if talk is None or message.is_direct else await talk.room_mode(message.room_id)
        if message.is_direct or message.mentions_bot:
            first = body.split(maxsplit=1)[0] if body else ""
            if talk is None or self.services.registry.get(first) is not None:
                return Route("command", body)
            if (number := parse_choice(body)) is not None:  # "2", "Nr. 2", "die zweite"
                return Route("choice", str(number))
            if message.is_direct or mode != "off":
                return Route("question", body)
            return Route("command", body)
        if talk is not None and mode != "off" and (number := parse_choice(body)) is not None:
            return Route("choice", str(number), quiet=True)
        if mode == "auto" and looks_like_question(body):
            return Route("question", body, quiet=True)
        return None

    async def dispatch(self, message: Message, route: Route | None = None) -> bool:
        """Handle `message` if it is addressed to the bot; return True if it was."""
        route = route or await self.route(message)
        if route is None:
            return False
        ctx = await self._context(message)
        await self._remember_dm(message)
        verdict = self.limiter.check(message.sender)
        if not verdict.allowed:
            if verdict.notify:
                await ctx.reply_key(
                    "error.rate_limited", seconds=max(1, round(verdict.retry_after))
                )
            return True
        if len(message.body) > self.settings.max_message_length:
            await ctx.reply_key(
                "error.too_long", length=len(message.body), limit=self.settings.max_message_length
            )
            return True
        if route.kind != "dialog":  # a dialogue is under way: nobody new to greet
            ctx = await welcome_first(ctx)
        await self._run(ctx, route)
        return True

    async def _remember_dm(self, message: Message) -> None:
        """Later DMs (news, requests) go to the DM the user wrote in last, not their first."""
        broadcaster = self.services.broadcaster
        if not message.is_direct or broadcaster is None:
            return
        subs = broadcaster.subscriptions
        if await subs.dm_room(message.sender) != message.room_id:
            await subs.set_dm_room(message.sender, message.room_id)

    async def react(self, reaction: Reaction) -> None:
        """Pass a reaction to every feature that cares (FAQ feedback, topic 👍, consent)."""
        message = Message(
            event_id=reaction.event_id,
            room_id=reaction.room_id,
            sender=reaction.sender,
            body=reaction.key,
            is_direct=False,
            timestamp_ms=0,
            reply_to=reaction.target,
        )
        ctx = await self._context(message)
        for handler in self.reaction_handlers:
            try:
                if await handler(ctx, reaction):
                    return
            except CommandError as exc:
                await ctx.reply_key(exc.key, **exc.params)
                return

    async def _context(self, message: Message) -> Context:
        language = (
            await self.services.users.language(message.sender)
            or self.services.languages.get(message.sender)
            or self.settings.default_language
        )
        role = Role.MANAGER if message.sender in self.settings.managers else Role.CITIZEN
        return Context(
            message=message,
            role=role,
            language=language,
            prefix=self.settings.prefix,
            catalog=self.catalog,
            replier=self.replier,
            services=self.services,
        )

    async def _run(self, ctx: Context, route: Route) -> None:
        word, _, args = route.text.partition(" ")
        cmd = self.services.registry.get(word) if route.kind == "command" and word else None
        try:
            if route.kind != "command":
                await self._converse(ctx, route)
            elif cmd is None:
                await self._not_a_command(ctx, word)
            elif cmd.role > ctx.role:
                await ctx.reply_key("error.not_allowed")
            else:
                await cmd.handler(ctx, args.strip())
        except CommandError as exc:
            await ctx.reply_key(exc.key, **exc.params)
        except UsageError:
            assert cmd is not None
            await ctx.reply_key("error.usage", usage=self.usage(ctx, cmd))
        except Exception:
            ref = secrets.token_hex(4)
            log.exception("unexpected error [ref %s] handling %s", ref, ctx.message.event_id)
            await ctx.reply_key("error.internal", ref=ref)

    async def _converse(self, ctx: Context, route: Route) -> None:
        if route.kind == "dialog":
            await self._continue_dialog(ctx, route.text)
            return
        if route.kind == "non_text":
            await ctx.reply_key("error.text_only", prefix=ctx.prefix)
            return
        if route.kind == "nudge":
            assert self.services.nudges is not None
            await self.services.nudges.answer(ctx)
            return
        assert self.conversation is not None
        # A poll's answer typed in its DM (clients without polls) before the FAQ: the FAQ's
        # own offers since the poll have ended that poll's turn (commands/polls.py).
        if not route.quiet and await answer_typed_vote(ctx):
            return
        if route.kind == "question":
            await self.conversation.question(ctx, route.text, route.quiet)
        elif not await self.conversation.choice(ctx, int(route.text), route.quiet):
            if not route.quiet:
                await ctx.reply_key("error.not_understood", prefix=ctx.prefix)

    async def _continue_dialog(self, ctx: Context, text: str) -> None:
        dialogs = self.services.dialogs
        assert dialogs is not None
        # The user's own dialogue, or an answer to a request someone else made (introductions).
        await dialogs.answer(ctx, text, self.services.network)

    async def _not_a_command(self, ctx: Context, word: str) -> None:
        suggestions = self.services.registry.suggestions(word, ctx.role) if word else []
        prefixed = ctx.message.body.lstrip().startswith(ctx.prefix)
        if prefixed and word:
            parts = [ctx.t("error.unknown_command", command=word[:40])]
        else:
            parts = [ctx.t("error.not_understood", prefix=ctx.prefix)]
        if suggestions:
            names = ", ".join(f"`{ctx.prefix}{name}`" for name in suggestions)
            parts.append(ctx.t("error.did_you_mean", suggestions=Markup(names)))  # our names
        if prefixed and word:
            parts.append(ctx.t("error.help_hint", prefix=ctx.prefix))
        await ctx.reply(" ".join(parts))

    def usage(self, ctx: Context, cmd: Command) -> str:
        """The localised usage line of `cmd`, with the prefix."""
        return ctx.prefix + ctx.t(f"commands.{cmd.name}.usage")
