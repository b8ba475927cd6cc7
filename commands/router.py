"""From a Message to a handler: addressing, limits, permissions, and the error boundary."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from commands.context import Context, Message, Replier, Role
from commands.errors import CommandError, UsageError
from commands.i18n import Catalog
from commands.ratelimit import RateLimiter
from commands.registry import Command
from commands.services import Services

__all__ = ["Fallback", "Router", "RouterSettings"]

log = logging.getLogger(__name__)

# Called for DM text that is not a command (the FAQ answers it once that feature exists).
Fallback = Callable[[Context, str], Awaitable[None]]


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
    fallback: Fallback | None = None

    def command_text(self, message: Message) -> str | None:
        """The command line addressed to the bot, or None if the message is not for us."""
        body = message.body.strip()
        prefix = self.settings.prefix
        if body.startswith(prefix):
            return body[len(prefix) :].strip()
        return body if message.is_direct else None

    async def dispatch(self, message: Message) -> bool:
        """Handle `message` if it is addressed to the bot; return True if it was."""
        text = self.command_text(message)
        if text is None:
            return False
        ctx = await self._context(message)
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
        await self._run(ctx, text)
        return True

    async def _context(self, message: Message) -> Context:
        language = (
            await self.services.users.language(message.sender) or self.settings.default_language
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

    async def _run(self, ctx: Context, text: str) -> None:
        word, _, args = text.partition(" ")
        cmd = self.services.registry.get(word) if word else None
        try:
            if cmd is None:
                await self._not_a_command(ctx, word, text)
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

    async def _not_a_command(self, ctx: Context, word: str, text: str) -> None:
        if ctx.message.is_direct and self.fallback is not None:
            await self.fallback(ctx, text)
            return
        suggestions = self.services.registry.suggestions(word, ctx.role) if word else []
        prefixed = ctx.message.body.lstrip().startswith(ctx.prefix)
        if prefixed and word:
            parts = [ctx.t("error.unknown_command", command=word[:40])]
        else:
            parts = [ctx.t("error.not_understood", prefix=ctx.prefix)]
        if suggestions:
            names = ", ".join(f"`{ctx.prefix}{name}`" for name in suggestions)
            parts.append(ctx.t("error.did_you_mean", suggestions=names))
        if prefixed and word:
            parts.append(ctx.t("error.help_hint", prefix=ctx.prefix))
        await ctx.reply(" ".join(parts))

    def usage(self, ctx: Context, cmd: Command) -> str:
        """The localised usage line of `cmd`, with the prefix."""
        return ctx.prefix + ctx.t(f"commands.{cmd.name}.usage")
