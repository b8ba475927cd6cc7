"""Actor registry: guided registration with consent, one-line form, profile, directory."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from commands.context import Context
from commands.dialogs import is_no, is_yes
from commands.errors import CommandError
from commands.registry import command
from commands.services import require
from config.settings import ActorSettings
from store.actors import Actor, ActorStore
from store.dialogs import Dialog

__all__ = ["REGISTER_KIND", "ActorService", "akteure", "profil", "register_step", "registrieren"]

REGISTER_KIND = "register"
STEPS = ("name", "type", "organisation", "district", "topics", "offers", "needs", "visibility")
CONSENT_PURPOSE = "Vernetzung von Klimaschutz-Akteuren (Akteursverzeichnis und Vorschläge)"
MAX_TEXT = 200
PAGE_SIZE = 10
_FORM_KEYS = {
    "name": "name",
    "typ": "type",
    "type": "type",
    "organisation": "organisation",
    "org": "organisation",
    "ort": "district",
    "ortsteil": "district",
    "district": "district",
    "themen": "topics",
    "thema": "topics",
    "topics": "topics",
    "biete": "offers",
    "offers": "offers",
    "suche": "needs",
    "needs": "needs",
    "sichtbar": "visibility",
    "visible": "visibility",
}
_REQUIRED = ("name", "type", "topics")


class InvalidAnswer(Exception):
    """An answer that does not fit the step: `key`/`params` explain why."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


@dataclass
class ActorService:
    """Actor settings, the store, and an index refresh hook for matching."""

    settings: ActorSettings
    store: ActorStore
    on_change: Callable[[Actor | None, str], None] = lambda actor, user_id: None

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


def _choices(ctx: Context, labels: list[str]) -> str:
    return "\n".join(
        ctx.t("actors.choice_line", number=n, label=label) for n, label in enumerate(labels, 1)
    )


def _topic_labels(ctx: Context) -> list[tuple[str, str]]:
    broadcaster = ctx.services.broadcaster
    assert broadcaster is not None
    index = broadcaster.topics
    return [(t.slug, index.name(t.slug, ctx.language)) for t in index.topics]


def ask(ctx: Context, step: str) -> str:
    """The question for `step`."""
    settings = _service(ctx).settings
    if step == "type":
        return ctx.t("actors.ask_type", choices=_choices(ctx, list(settings.types)))
    if step == "district":
        return ctx.t("actors.ask_district", choices=_choices(ctx, list(settings.districts)))
    if step == "topics":
        labels = [label for _, label in _topic_labels(ctx)]
        return ctx.t("actors.ask_topics", choices=_choices(ctx, labels))
    if step == "consent":
        version = settings.privacy_version
        return ctx.t("actors.ask_consent", version=version, notice=_service(ctx).notice(ctx))
    return ctx.t(f"actors.ask_{step}", prefix=ctx.prefix)


def _pick(options: tuple[str, ...] | list[str], text: str) -> str:
    text = text.strip().rstrip(".")
    if text.isdigit() and 1 <= int(text) <= len(options):
        return options[int(text) - 1]
    for option in options:
        if option.lower() == text.lower() or option.lower().startswith(text.lower() + "/"):
            return option
    raise InvalidAnswer("actors.invalid_choice", count=len(options))


def _topics(ctx: Context, text: str) -> list[str]:
    labels = _topic_labels(ctx)
    broadcaster = ctx.services.broadcaster
    assert broadcaster is not None
    chosen: list[str] = []
    for part in re.split(r"[,;\s]+", text.strip()):
        if not part:
            continue
        if part.isdigit() and 1 <= int(part) <= len(labels):
            slug = labels[int(part) - 1][0]
        else:
            topic = broadcaster.topics.find(part)
            if topic is None:
                raise InvalidAnswer("actors.invalid_topics")
            slug = topic.slug
        if slug not in chosen:
            chosen.append(slug)
    if not chosen:
        raise InvalidAnswer("actors.invalid_topics")
    return chosen


def parse_answer(ctx: Context, step: str, text: str) -> object:
    """Validate one answer; raise InvalidAnswer with an explanation."""
    settings = _service(ctx).settings
    text = text.strip()
    if step == "name":
        if not 2 <= len(text) <= 80:
            raise InvalidAnswer("actors.invalid_name")
        return text
    if step == "type":
        return _pick(settings.types, text)
    if step == "district":
        return _pick(settings.districts, text)
    if step == "topics":
        return _topics(ctx, text)
    if step == "visibility":
        answer = text.lower()
        if answer in ("1", "ja", "yes", "verzeichnis"):
            return True
        if answer in ("2", "nein", "no"):
            return False
        raise InvalidAnswer("actors.invalid_choice", count=2)
    if len(text) > MAX_TEXT:
        raise InvalidAnswer("actors.invalid_text", limit=MAX_TEXT)
    return "" if text in ("-", "–", "") else text


@command("registrieren", aliases=("register",))
async def registrieren(ctx: Context, args: str) -> None:
    """Start the guided registration, or take the one-line form."""
    if not ctx.message.is_direct:
        raise CommandError("actors.dm_only")
    dialogs = ctx.services.dialogs
    assert dialogs is not None
    if args.strip():
        answers = _form(ctx, args)
        await dialogs.open(ctx, REGISTER_KIND, {"step": "consent", "answers": answers})
        await ctx.reply(ask(ctx, "consent"))
        return
    await dialogs.open(ctx, REGISTER_KIND, {"step": STEPS[0], "answers": {}})
    await ctx.reply(ask(ctx, STEPS[0]))


def _form(ctx: Context, args: str) -> dict[str, object]:
    answers: dict[str, object] = {"organisation": "", "offers": "", "needs": ""}
    answers["district"] = _service(ctx).settings.districts[0]
    answers["visibility"] = True
    for part in args.split(";"):
        if not part.strip():
            continue
        key, _, value = part.partition("=")
        step = _FORM_KEYS.get(key.strip().lower())
        if step is None:
            problem = ctx.t("actors.form_unknown_key", field=key.strip()[:30])
            raise CommandError("actors.form_invalid", problem=problem, prefix=ctx.prefix)
        try:
            answers[step] = parse_answer(ctx, step, value)
        except InvalidAnswer as exc:
            problem = f"{key.strip()}: {ctx.t(exc.key, **exc.params)}"
            raise CommandError("actors.form_invalid", problem=problem, prefix=ctx.prefix) from None
    for step in _REQUIRED:
        if step not in answers:
            problem = ctx.t("actors.form_missing", field=step)
            raise CommandError("actors.form_invalid", problem=problem, prefix=ctx.prefix)
    return answers


async def register_step(ctx: Context, dialog: Dialog, text: str) -> None:
    """Take the answer to the current step; ask again if it does not fit."""
    step = str(dialog.data["step"])
    answers = dict(dialog.data["answers"])
    dialogs = ctx.services.dialogs
    assert dialogs is not None
    if step == "consent":
        await _consent(ctx, answers, text)
        return
    try:
        answers[step] = parse_answer(ctx, step, text)
    except InvalidAnswer as exc:
        await ctx.reply(ctx.t(exc.key, **exc.params) + "\n" + ask(ctx, step))
        return
    following = STEPS[STEPS.index(step) + 1] if step != STEPS[-1] else "consent"
    await dialogs.open(ctx, REGISTER_KIND, {"step": following, "answers": answers})
    await ctx.reply(ask(ctx, following))


async def _consent(ctx: Context, answers: dict[str, object], text: str) -> None:
    dialogs = ctx.services.dialogs
    assert dialogs is not None
    if is_no(text):
        await dialogs.close(ctx)
        await ctx.reply_key("actors.no_consent")
        return
    if not is_yes(text):
        await ctx.reply(ctx.t("actors.invalid_consent") + "\n" + ask(ctx, "consent"))
        return
    service = _service(ctx)
    old = await service.store.get(ctx.message.sender)
    actor = Actor(
        user_id=ctx.message.sender,
        name=str(answers["name"]),
        actor_type=str(answers["type"]),
        organisation=str(answers.get("organisation", "")),
        district=str(answers.get("district", service.settings.districts[0])),
        topics=tuple(str(t) for t in answers["topics"]),  # type: ignore[attr-defined]
        offers=str(answers.get("offers", "")),
        needs=str(answers.get("needs", "")),
        listed=bool(answers.get("visibility", True)),
        paused=old.paused if old else False,
        consent_version=service.settings.privacy_version,
    )
    await service.save(actor)
    await dialogs.close(ctx)
    await ctx.reply_key("actors.registered", name=actor.name, prefix=ctx.prefix)


def describe(ctx: Context, actor: Actor) -> str:
    """A profile as others (and the owner) see it."""
    labels = dict(_topic_labels(ctx))
    nothing = ctx.t("actors.nothing")
    return ctx.t(
        "actors.profile",
        name=actor.name,
        organisation=f" ({actor.organisation})" if actor.organisation else "",
        type=actor.actor_type,
        district=actor.district,
        topics=", ".join(labels.get(t, t) for t in actor.topics) or nothing,
        offers=actor.offers or nothing,
        needs=actor.needs or nothing,
        visibility=ctx.t("actors.visible_listed" if actor.listed else "actors.visible_hidden"),
        paused=ctx.t("actors.paused_note") if actor.paused else "",
    )


async def current_actor(ctx: Context) -> Actor:
    """The sender's profile; a user error if they are not registered or must re-consent."""
    service = _service(ctx)
    actor = await service.store.get(ctx.message.sender)
    if actor is None:
        raise CommandError("actors.not_registered", prefix=ctx.prefix)
    if actor.consent_version != service.settings.privacy_version:
        raise CommandError(
            "actors.reconsent", version=service.settings.privacy_version, prefix=ctx.prefix
        )
    await service.store.touch(actor.user_id)
    return actor


@command("profil", aliases=("profile",))
async def profil(ctx: Context, args: str) -> None:
    """Show the profile, or change one field with `ändern <feld> <wert>`."""
    actor = await current_actor(ctx)
    words = args.split(maxsplit=2)
    if not words:
        await ctx.reply(describe(ctx, actor))
        return
    if words[0].lower() not in ("ändern", "aendern", "change", "edit") or len(words) < 3:
        raise CommandError("actors.field_unknown", field=" ".join(words)[:30])
    field, value = words[1].lower(), words[2]
    step = _FORM_KEYS.get(field)
    if step is None:
        raise CommandError("actors.field_unknown", field=field[:30])
    try:
        parsed = parse_answer(ctx, step, value)
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
    if len(words) >= 2 and words[-2].lower() in ("seite", "page") and words[-1].isdigit():
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
    topic_names = dict(_topic_labels(ctx))
    for a in shown:
        lines.append(
            ctx.t(
                "actors.directory_line",
                name=a.name,
                organisation=f" ({a.organisation})" if a.organisation else "",
                type=a.actor_type,
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
    return [a for a in actors if a.actor_type.lower().startswith(lowered)]
