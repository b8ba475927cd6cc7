"""Actor registry: guided registration with consent, one-line form, profile, directory."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from commands.context import Context
from commands.dialogs import is_back, is_cancel, is_no, is_yes
from commands.errors import CommandError, require_direct
from commands.formatting import Markup, literal
from commands.i18n import Catalog
from commands.registry import command
from commands.services import require
from config.names import name_words, poses_as
from config.settings import ActorSettings
from store.actors import Actor, ActorStore
from store.dialogs import Dialog

__all__ = [
    "REGISTER_KIND",
    "ActorService",
    "akteure",
    "profil",
    "register_step",
    "registrieren",
    "type_label",
]

REGISTER_KIND = "register"
STEPS = ("name", "type", "organisation", "district", "topics", "offers", "needs", "visibility")
CONSENT_PURPOSE = "Vernetzung von Klimaschutz-Akteuren (Akteursverzeichnis und Vorschläge)"
MAX_TEXT = 200
MAX_NAME = 80
# What names of people and organisations use besides letters and digits.
_NAME_PUNCTUATION = frozenset(" .,-–&'’/()+\"„“")
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


def _choices(ctx: Context, labels: list[str]) -> Markup:
    return Markup("\n").join(
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
        return ctx.t("actors.ask_type", choices=_choices(ctx, _type_labels(ctx)))
    if step == "district":
        return ctx.t("actors.ask_district", choices=_choices(ctx, list(settings.districts)))
    if step == "topics":
        labels = [label for _, label in _topic_labels(ctx)]
        return ctx.t("actors.ask_topics", choices=_choices(ctx, labels))
    if step == "consent":
        version = settings.privacy_version
        notice = Markup(_service(ctx).notice(ctx))  # the operator's text, Markdown allowed
        return ctx.t("actors.ask_consent", version=version, notice=notice)
    return ctx.t(f"actors.ask_{step}", prefix=ctx.prefix)


def _key(text: str) -> str:
    return "".join(name_words(text))


def _is_number(text: str) -> bool:
    # str.isdigit() is also true for '²' or '①', which int() refuses.
    return text.isascii() and text.isdigit()


def type_label(catalog: Catalog, language: str, actor_type: str) -> str:
    """An actor type as the reader reads it: the catalog's name for a known type, else the
    type as the operator configured it (stored profiles keep the configured German name)."""
    key = f"actors.type_names.{_key(actor_type)}"
    return catalog.text(language, key) if catalog.has(key) else actor_type


def _type_labels(ctx: Context) -> list[str]:
    """The configured actor types as the reader reads them, in their order."""
    return [type_label(ctx.catalog, ctx.language, t) for t in _service(ctx).settings.types]


def _pick(
    options: tuple[str, ...] | list[str],
    text: str,
    listed: bool,
    labels: list[str] | None = None,
) -> str:
    """An option by number (if the user saw the numbered list) or by name ('Verein' too),
    also by its `labels` (the names shown in the user's language)."""
    text = text.strip().rstrip(".")
    if listed and _is_number(text):
        if 1 <= int(text) <= len(options):
            return options[int(text) - 1]
        raise InvalidAnswer("actors.number_out_of_range", number=text[:6], count=len(options))
    key = _key(text)
    shown = labels or list(options)
    for option, label in zip(options, shown, strict=True):
        names = {option, option.split("/")[0], label, label.split("/")[0]}
        if key and key in {_key(name) for name in names}:
            return option
    if listed:
        raise InvalidAnswer("actors.invalid_choice", count=len(options))
    raise InvalidAnswer("actors.invalid_option", value=text[:40], options=", ".join(shown))


def _topics(ctx: Context, text: str, listed: bool) -> list[str]:
    """Topics by name or alias as the bot shows them, comma-separated; numbers from the list."""
    chosen: list[str] = []
    for part in re.split(r"[,;]+", text):
        for slug in _topic_part(ctx, part.strip(), listed):
            if slug not in chosen:
                chosen.append(slug)
    if not chosen:
        raise InvalidAnswer("actors.invalid_topics")
    return chosen


def _topic_part(ctx: Context, part: str, listed: bool) -> list[str]:
    """One comma-separated part: a whole name ('Erneuerbare Energien') or words/numbers."""
    if not part:
        return []
    topics = require(ctx.services.broadcaster).topics
    whole = topics.find(part)
    if whole is not None:
        return [whole.slug]
    labels = _topic_labels(ctx)
    slugs = []
    for word in part.split():
        found = topics.find(word)
        if listed and _is_number(word):
            if not 1 <= int(word) <= len(labels):
                raise InvalidAnswer(
                    "actors.number_out_of_range", number=word[:6], count=len(labels)
                )
            slugs.append(labels[int(word) - 1][0])
        elif found is not None:
            slugs.append(found.slug)
        else:
            names = ", ".join(label for _, label in labels)
            raise InvalidAnswer("actors.unknown_topic", value=part[:40], topics=names)
    return slugs


def _name(ctx: Context, text: str) -> str:
    """A name that looks like one and does not pose as the town or the bot."""
    text = " ".join(text.split())
    if not 2 <= len(text) <= MAX_NAME:
        raise InvalidAnswer("actors.invalid_name", limit=MAX_NAME)
    if sum(c.isalpha() for c in text) < 2:
        raise InvalidAnswer("actors.invalid_name_letters")
    odd = sorted({c for c in text if not (c.isalnum() or c in _NAME_PUNCTUATION)})
    if odd:
        shown = " ".join(c if c.isprintable() else f"U+{ord(c):04X}" for c in odd[:5])
        raise InvalidAnswer("actors.invalid_name_chars", chars=shown)
    if poses_as(text, _service(ctx).reserved):
        raise InvalidAnswer("actors.name_reserved")
    return text


def parse_answer(ctx: Context, step: str, text: str, listed: bool = True) -> object:
    """Validate one answer; raise InvalidAnswer with an explanation.

    `listed`: the user saw the step's numbered choices (the guided dialogue), so numbers count
    and errors may name them; in the one-line form and `profil ändern` only names do.
    """
    settings = _service(ctx).settings
    text = text.strip()
    if step == "name":
        return _name(ctx, text)
    if step == "organisation":  # shown right after the name: "Anna Schulte (Solarverein)"
        return "" if text in ("-", "–", "") else _name(ctx, text)
    if step == "type":
        return _pick(settings.types, text, listed, _type_labels(ctx))
    if step == "district":
        return _pick(settings.districts, text, listed)
    if step == "topics":
        return _topics(ctx, text, listed)
    if step == "visibility":
        answer = text.lower().rstrip(".!")
        if answer in ("1", "ja", "yes", "verzeichnis", "directory"):
            return True
        if answer in ("2", "nein", "no"):
            return False
        raise InvalidAnswer("actors.invalid_choice" if listed else "actors.invalid_yes_no", count=2)
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
        data = {"step": "consent", "answers": answers, "form": True}
        await dialogs.open(ctx, REGISTER_KIND, data)
        await ctx.reply(_summary_and_consent(ctx, answers))
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
            answers[step] = parse_answer(ctx, step, value, listed=False)
        except InvalidAnswer as exc:
            problem = Markup(f"{literal(key.strip())}: {ctx.t(exc.key, **exc.params)}")
            raise CommandError("actors.form_invalid", problem=problem, prefix=ctx.prefix) from None
    for step in _REQUIRED:
        if step not in answers:
            problem = ctx.t("actors.form_missing", field=ctx.t(f"actors.form_field_{step}"))
            raise CommandError("actors.form_invalid", problem=problem, prefix=ctx.prefix)
    return answers


async def register_step(ctx: Context, dialog: Dialog, text: str) -> None:
    """Take the answer to the current step; ask again if it does not fit."""
    step = str(dialog.data["step"])
    answers = dict(dialog.data["answers"])
    dialogs = ctx.services.dialogs
    assert dialogs is not None
    if is_cancel(text):
        await dialogs.close(ctx)
        await ctx.reply_key("dialog.cancelled")
        return
    if is_back(text):
        await _back(ctx, step, dialog.data)
        return
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
    if following == "consent":
        await ctx.reply(_summary_and_consent(ctx, answers))
    else:
        await ctx.reply(ask(ctx, following))


async def _back(ctx: Context, step: str, data: dict[str, Any]) -> None:
    """Ask the previous step again (step 1 and the one-line form's consent: the same one)."""
    dialogs = ctx.services.dialogs
    assert dialogs is not None
    if step == "consent" and data.get("form"):
        await ctx.reply(_summary_and_consent(ctx, dict(data["answers"])))
        return
    index = STEPS.index(step) if step in STEPS else len(STEPS)
    previous = STEPS[max(index - 1, 0)]
    await dialogs.open(ctx, REGISTER_KIND, {**data, "step": previous})
    await ctx.reply(ask(ctx, previous))


def _summary_and_consent(ctx: Context, answers: dict[str, object]) -> str:
    """What was understood, as the profile will look, then the consent question."""
    profile = describe(ctx, _draft(ctx, answers, None))
    return ctx.t("actors.summary", profile=profile) + "\n\n" + ask(ctx, "consent")


def _draft(ctx: Context, answers: dict[str, object], old: Actor | None) -> Actor:
    service = _service(ctx)
    topics = answers.get("topics", [])
    return Actor(
        user_id=ctx.message.sender,
        name=str(answers["name"]),
        actor_type=str(answers["type"]),
        organisation=str(answers.get("organisation", "")),
        district=str(answers.get("district", service.settings.districts[0])),
        topics=tuple(str(t) for t in topics) if isinstance(topics, list) else (),
        offers=str(answers.get("offers", "")),
        needs=str(answers.get("needs", "")),
        listed=bool(answers.get("visibility", True)),
        paused=old.paused if old else False,
        consent_version=service.settings.privacy_version,
    )


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
    actor = _draft(ctx, answers, old)
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
        type=type_label(ctx.catalog, ctx.language, actor.actor_type),
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
    dialogs = ctx.services.dialogs
    dialog = None
    if dialogs is not None:
        dialog = await dialogs.pending(ctx.message.sender, ctx.message.room_id)
    if dialog is None or dialog.kind != REGISTER_KIND:
        return
    step = str(dialog.data.get("step", ""))
    if step not in STEPS and step != "consent":
        return
    raise CommandError(
        "actors.registration_open", question=Markup(ask(ctx, step)), prefix=ctx.prefix
    )


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
    step = _FORM_KEYS.get(field)
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
    if len(words) >= 2 and words[-2].lower() in ("seite", "page") and _is_number(words[-1]):
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
