"""Actor registration: the guided dialogue, the one-line form, and consent."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from commands.actorfields import (
    FORM_KEYS,
    STEPS,
    InvalidAnswer,
    ask,
    describe,
    parse_answer,
)
from commands.context import Context
from commands.dialogs import is_back, is_cancel, is_no, is_yes
from commands.errors import CommandError
from commands.formatting import Markup, literal
from commands.registry import command
from commands.services import require
from store.actors import Actor
from store.dialogs import Dialog

if TYPE_CHECKING:
    from commands.actors import ActorService

__all__ = ["REGISTER_KIND", "register_step", "registrieren"]

REGISTER_KIND = "register"
_REQUIRED = ("name", "type", "topics")


def _service(ctx: Context) -> ActorService:
    return require(ctx.services.actors)


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
        step = FORM_KEYS.get(key.strip().lower())
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
