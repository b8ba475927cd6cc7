"""Actor registry: the actor service, the own profile and the directory.

The registration is `commands.registration`, the profile's fields `commands.actorfields`; both are
re-exported here, so the registry and the wiring find `!registrieren` and its dialogue here.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from commands.actorfields import (
    FORM_KEYS,
    InvalidAnswer,
    describe,
    is_number,
    parse_answer,
    topic_labels,
    type_label,
)
from commands.context import Context
from commands.errors import CommandError, require_direct
from commands.formatting import Markup
from commands.registration import (
    REGISTER_KIND,
    open_question,
    register_step,
    registration,
    registrieren,
)
from commands.registry import command
from commands.services import require
from config.settings import ActorSettings
from store.actors import Actor, ActorStore

__all__ = [
    "REGISTER_KIND",
    "ActorService",
    "akteure",
    "current_actor",
    "describe",
    "profil",
    "register_step",
    "registrieren",
    "type_label",
]

CONSENT_PURPOSE = "Vernetzung von Klimaschutz-Akteuren (Akteursverzeichnis und Vorschläge)"
PAGE_SIZE = 10


@dataclass
class ActorService:
    """Actor settings, the store, and an index refresh hook for matching."""

    settings: ActorSettings
    store: ActorStore
    on_change: Callable[[Actor | None, str], None] = lambda actor, user_id: None
    # Names that pose as the town or the bot (config/reserved_names.yaml), in name_words form.
    reserved: frozenset[str] = frozenset()

    def notice(self, ctx: Context) -> str:
        """The privacy notice in the user's language."""
        texts = self.settings.privacy_notice
        return texts.get(ctx.language) or texts.get("de") or ctx.t("actors.default_notice")

    async def save(self, actor: Actor) -> None:
        """Store a profile (with consent) and update the matching index."""
        await self.store.save(actor, CONSENT_PURPOSE)
        self.on_change(actor, actor.user_id)


def _service(ctx: Context) -> ActorService:
    return require(ctx.services.actors)


async def current_actor(ctx: Context) -> Actor:
    """The sender's profile; a user error if they are not registered or must re-consent."""
    service = _service(ctx)
    actor = await service.store.get(ctx.message.sender)
    if actor is None:
        await _registration_open(ctx)
        raise CommandError("actors.not_registered", prefix=ctx.prefix)
    if actor.consent_version != service.settings.privacy_version:
        raise CommandError(
            "actors.reconsent", version=service.settings.privacy_version, prefix=ctx.prefix
        )
    await service.store.touch(actor.user_id)
    return actor


async def _registration_open(ctx: Context) -> None:
    """A user midway through `!registrieren` here is told so, with the open step's question
    again, instead of "not in the network" (which sounds as if the answers so far were lost)."""
    dialog = await registration(ctx) if ctx.services.dialogs is not None else None
    if dialog is None:
        return
    question = Markup(open_question(ctx, dialog.data))
    raise CommandError("actors.registration_open", question=question, prefix=ctx.prefix)


@command("profil", aliases=("profile",))
async def profil(ctx: Context, args: str) -> None:
    """Show the profile, or change one field with `ändern <feld> <wert>`."""
    require_direct(ctx.message.is_direct)
    actor = await current_actor(ctx)
    words = args.split(maxsplit=2)
    if not words:
        await ctx.reply(describe(ctx, actor))
        return
    if words[0].lower() not in ("ändern", "aendern", "change", "edit") or len(words) < 3:
        raise CommandError("actors.field_unknown", field=" ".join(words)[:30])
    field, value = words[1].lower(), words[2]
    step = FORM_KEYS.get(field)
    if step is None:
        raise CommandError("actors.field_unknown", field=field[:30])
    try:
        parsed = parse_answer(ctx, step, value, listed=False)
    except InvalidAnswer as exc:
        raise CommandError(exc.key, **exc.params) from None
    attribute = {"type": "actor_type", "visibility": "listed"}.get(step, step)
    changes: dict[str, Any] = {attribute: tuple(parsed) if isinstance(parsed, list) else parsed}
    await _service(ctx).save(replace(actor, **changes))
    await ctx.reply_key("actors.changed", field=field)


@command("akteure", aliases=("actors",))
async def akteure(ctx: Context, args: str) -> None:
    """List the actors who chose to be in the directory, paginated, optionally filtered."""
    words = args.split()
    page = 1
    if len(words) >= 2 and words[-2].lower() in ("seite", "page") and is_number(words[-1]):
        page = max(1, int(words[-1]))
        words = words[:-2]
    wanted = " ".join(words)
    actors = [a for a in await _service(ctx).store.all() if a.listed and not a.paused]
    if wanted:
        actors = _filter(ctx, actors, wanted)
    label = f" – {wanted}" if wanted else ""
    if not actors:
        await ctx.reply_key("actors.directory_empty", filter=label)
        return
    pages = math.ceil(len(actors) / PAGE_SIZE)
    page = min(page, pages)
    shown = actors[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    lines = [ctx.t("actors.directory_title", filter=label, page=page, pages=pages)]
    topic_names = dict(topic_labels(ctx))
    for a in shown:
        lines.append(
            ctx.t(
                "actors.directory_line",
                name=a.name,
                organisation=f" ({a.organisation})" if a.organisation else "",
                type=type_label(ctx.catalog, ctx.language, a.actor_type),
                district=a.district,
                topics=", ".join(topic_names.get(t, t) for t in a.topics),
            )
        )
    if page < pages:
        prefix_filter = f"{wanted} " if wanted else ""
        lines.append(
            ctx.t("actors.directory_more", prefix=ctx.prefix, filter=prefix_filter, next=page + 1)
        )
    await ctx.reply("\n".join(lines))


def _filter(ctx: Context, actors: list[Actor], wanted: str) -> list[Actor]:
    broadcaster = ctx.services.broadcaster
    topic = broadcaster.topics.find(wanted) if broadcaster is not None else None
    if topic is not None:
        return [a for a in actors if topic.slug in a.topics]
    lowered = wanted.lower()
    return [
        a
        for a in actors
        if a.actor_type.lower().startswith(lowered)
        or type_label(ctx.catalog, ctx.language, a.actor_type).lower().startswith(lowered)
    ]
