"""The fields of an actor profile: how each is asked, what answer it takes, how it is shown.

Shared by the registration (`commands.registration`), `profil ändern` and the directory
(`commands.actors`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from commands.context import Context
from commands.formatting import Markup
from commands.i18n import Catalog
from commands.services import require
from config.names import name_words, poses_as
from store.actors import Actor

if TYPE_CHECKING:
    from commands.actors import ActorService

__all__ = [
    "FORM_KEYS",
    "STEPS",
    "InvalidAnswer",
    "ask",
    "describe",
    "is_number",
    "parse_answer",
    "topic_labels",
    "type_label",
]

STEPS = ("name", "type", "organisation", "district", "topics", "offers", "needs", "visibility")

MAX_TEXT = 200
MAX_NAME = 80
# What names of people and organisations use besides letters and digits.
_NAME_PUNCTUATION = frozenset(" .,-–&'’/()+\"„“")
FORM_KEYS = {
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


class InvalidAnswer(Exception):
    """An answer that does not fit the step: `key`/`params` explain why."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


def _service(ctx: Context) -> ActorService:
    return require(ctx.services.actors)


def _choices(ctx: Context, labels: list[str]) -> Markup:
    return Markup("\n").join(
        ctx.t("actors.choice_line", number=n, label=label) for n, label in enumerate(labels, 1)
    )


def topic_labels(ctx: Context) -> list[tuple[str, str]]:
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
        labels = [label for _, label in topic_labels(ctx)]
        return ctx.t("actors.ask_topics", choices=_choices(ctx, labels))
    if step == "consent":
        version = settings.privacy_version
        notice = Markup(_service(ctx).notice(ctx))  # the operator's text, Markdown allowed
        return ctx.t("actors.ask_consent", version=version, notice=notice)
    return ctx.t(f"actors.ask_{step}", prefix=ctx.prefix)


def _key(text: str) -> str:
    return "".join(name_words(text))


def is_number(text: str) -> bool:
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
    if listed and is_number(text):
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
    labels = topic_labels(ctx)
    slugs = []
    for word in part.split():
        found = topics.find(word)
        if listed and is_number(word):
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


def describe(ctx: Context, actor: Actor) -> str:
    """A profile as others (and the owner) see it."""
    labels = dict(topic_labels(ctx))
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
