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
    topic_labels,
    type_label,
)
from commands.context import Context
from commands.dialogs import Dialogs, is_back, is_cancel, is_no, is_yes
from commands.errors import CommandError
from commands.formatting import Markup, literal
from commands.registry import command
from commands.services import require
from store.actors import Actor
from store.dialogs import Dialog

if TYPE_CHECKING:
    from commands.actors import ActorService

__all__ = ["REGISTER_KIND", "open_question", "register_step", "registrieren", "registration"]

REGISTER_KIND = "register"
_REQUIRED = ("name", "type", "topics")
# Fields the one-line form fills in when left out (the others stay empty): said so in the summary.
_PRESET = ("district", "visibility")
# Start over: `!registrieren neu` always; the bare word only as the answer to "you are in the
# middle of registering" (as an answer to a step, "Neu" could be meant: a name, an offer).
_RESTART = {"neu", "von vorn", "von vorne", "neustart", "restart", "start over", "new"}
# Set in the dialogue while "you are in the middle of registering" waits for its answer.
_RESTART_OFFERED = "restart_offered"


def _service(ctx: Context) -> ActorService:
    return require(ctx.services.actors)


def _dialogs(ctx: Context) -> Dialogs:
    dialogs = ctx.services.dialogs
    assert dialogs is not None
    return dialogs


def _is_restart(text: str) -> bool:
    return " ".join(text.lower().rstrip("!.").split()) in _RESTART


@command("registrieren", aliases=("register",))
async def registrieren(ctx: Context, args: str) -> None:
    """Start the guided registration (or resume an open one), or take the one-line form."""
    if not ctx.message.is_direct:
        raise CommandError("actors.dm_only")
    open_dialog = await registration(ctx)
    if _is_restart(args) or (open_dialog is None and not args.strip()):
        await _start(ctx)
    elif args.strip():
        await _take_form(ctx, args, replaces=open_dialog is not None)
    else:
        assert open_dialog is not None
        await _offer_resume(ctx, open_dialog.data)


async def registration(ctx: Context) -> Dialog | None:
    """The sender's unfinished registration in this room, if any."""
    dialog = await _dialogs(ctx).pending(ctx.message.sender, ctx.message.room_id)
    if dialog is None or dialog.kind != REGISTER_KIND:
        return None
    step = dialog.data.get("step")
    return dialog if step in STEPS or step == "consent" else None


async def _start(ctx: Context) -> None:
    await _dialogs(ctx).open(ctx, REGISTER_KIND, {"step": STEPS[0], "answers": {}})
    await ctx.reply(ask(ctx, STEPS[0]))


async def _offer_resume(ctx: Context, data: dict[str, Any]) -> None:
    """Nothing is lost: the open question again, and how to go on, start over or stop."""
    await _dialogs(ctx).open(ctx, REGISTER_KIND, {**data, _RESTART_OFFERED: True})
    question = Markup(open_question(ctx, data))
    await ctx.reply_key("actors.registration_resume", question=question, prefix=ctx.prefix)


def open_question(ctx: Context, data: dict[str, Any]) -> str:
    """What the registration waits for: the open step's question, or the summary and consent."""
    step = str(data["step"])
    if step != "consent":
        return ask(ctx, step)
    answers = dict(data["answers"])
    if data.get("form"):
        return _form_summary(ctx, answers, list(data.get("given", [])))
    return _summary_and_consent(ctx, answers)


async def _take_form(ctx: Context, args: str, replaces: bool) -> None:
    try:
        given = _form_fields(ctx, args)
    except _BadField as exc:
        raise CommandError("actors.form_invalid", problem=exc.problem, prefix=ctx.prefix) from None
    answers = _defaults(ctx) | given
    for step in _REQUIRED:
        if step not in answers:
            problem = ctx.t("actors.form_missing", field=ctx.t(f"actors.form_field_{step}"))
            raise CommandError("actors.form_invalid", problem=problem, prefix=ctx.prefix)
    data = {"step": "consent", "answers": answers, "form": True, "given": list(given)}
    await _dialogs(ctx).open(ctx, REGISTER_KIND, data)
    summary = _form_summary(ctx, answers, list(given))
    await ctx.reply(ctx.t("actors.form_replaced") + "\n\n" + summary if replaces else summary)


def _defaults(ctx: Context) -> dict[str, object]:
    district = _service(ctx).settings.districts[0]
    return {"organisation": "", "district": district, "offers": "", "needs": "", "visibility": True}


class _BadField(Exception):
    """A field of `feld=wert; …` that is unknown or does not fit; `problem` says which."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


def _form_fields(ctx: Context, args: str) -> dict[str, object]:
    """The fields given as `feld=wert; …`, checked; `_BadField` names the first that is wrong."""
    fields: dict[str, object] = {}
    for part in args.split(";"):
        if not part.strip():
            continue
        key, _, value = part.partition("=")
        step = FORM_KEYS.get(key.strip().lower())
        if step is None:
            raise _BadField(ctx.t("actors.form_unknown_key", field=key.strip()[:30]))
        try:
            fields[step] = parse_answer(ctx, step, value, listed=False)
        except InvalidAnswer as exc:
            problem = Markup(f"{literal(key.strip())}: {ctx.t(exc.key, **exc.params)}")
            raise _BadField(problem) from None
    return fields


def _form_summary(ctx: Context, answers: dict[str, object], given: list[str]) -> str:
    """Every field of a one-line registration, labelled, with those not given marked as
    preset; how to correct one; then the consent question."""
    actor = _draft(ctx, answers, None)
    lines = [ctx.t("actors.form_summary")]
    for step, value in _shown_values(ctx, actor):
        preset = step not in given and step in _PRESET
        key = "actors.form_line_preset" if preset else "actors.form_line"
        label = ctx.t(f"actors.field_label_{step}")
        lines.append(ctx.t(key, label=label, field=ctx.t(f"actors.form_field_{step}"), value=value))
    lines.append(ctx.t("actors.form_correct", **_example(ctx, actor)))
    return Markup("\n").join(lines) + "\n\n" + ask(ctx, "consent")


def _shown_values(ctx: Context, actor: Actor) -> list[tuple[str, str]]:
    labels = dict(topic_labels(ctx))
    nothing = ctx.t("actors.nothing")
    listed = "actors.visible_listed" if actor.listed else "actors.visible_hidden"
    values = {
        "name": actor.name,
        "type": type_label(ctx.catalog, ctx.language, actor.actor_type),
        "organisation": actor.organisation or nothing,
        "district": actor.district,
        "topics": ", ".join(labels.get(t, t) for t in actor.topics),
        "offers": actor.offers or nothing,
        "needs": actor.needs or nothing,
        "visibility": ctx.t(listed),
    }
    return [(step, values[step]) for step in STEPS]


def _example(ctx: Context, actor: Actor) -> dict[str, str]:
    """A correction to show: another district (the field most often left to its preset)."""
    districts = _service(ctx).settings.districts
    other = next((d for d in districts if d != actor.district), actor.district)
    return {"field": ctx.t("actors.form_field_district"), "value": other}


async def register_step(ctx: Context, dialog: Dialog, text: str) -> None:
    """Take the answer to the current step; ask again if it does not fit."""
    data = {k: v for k, v in dialog.data.items() if k != _RESTART_OFFERED}
    if _RESTART_OFFERED in dialog.data:
        # "neu" answers the resume question only; any other answer ends that offer.
        if _is_restart(text):
            await _start(ctx)
            return
        await _dialogs(ctx).open(ctx, REGISTER_KIND, data)
    step = str(data["step"])
    answers = dict(data["answers"])
    if is_cancel(text):
        await _dialogs(ctx).close(ctx)
        await ctx.reply_key("dialog.cancelled")
    elif is_back(text):
        await _back(ctx, step, data)
    elif step == "consent" and data.get("form") and "=" in text:
        await _correct(ctx, data, text)
    elif step == "consent":
        await _consent(ctx, data, text)
    else:
        await _answer(ctx, step, answers, text)


async def _answer(ctx: Context, step: str, answers: dict[str, Any], text: str) -> None:
    try:
        answers[step] = parse_answer(ctx, step, text)
    except InvalidAnswer as exc:
        await ctx.reply(ctx.t(exc.key, **exc.params) + "\n" + ask(ctx, step))
        return
    following = STEPS[STEPS.index(step) + 1] if step != STEPS[-1] else "consent"
    await _dialogs(ctx).open(ctx, REGISTER_KIND, {"step": following, "answers": answers})
    if following == "consent":
        await ctx.reply(_summary_and_consent(ctx, answers))
    else:
        await ctx.reply(ask(ctx, following))


async def _correct(ctx: Context, data: dict[str, Any], text: str) -> None:
    """`ort=Welbergen` at the one-line form's consent: change that field, show all again."""
    try:
        fields = _form_fields(ctx, text)
    except _BadField as exc:
        example = _example(ctx, _draft(ctx, data["answers"]))
        await ctx.reply_key("actors.form_correction_invalid", problem=exc.problem, **example)
        return
    given = list(dict.fromkeys([*data.get("given", []), *fields]))
    data = {**data, "answers": dict(data["answers"]) | fields, "given": given}
    await _dialogs(ctx).open(ctx, REGISTER_KIND, data)
    await ctx.reply(open_question(ctx, data))


async def _back(ctx: Context, step: str, data: dict[str, Any]) -> None:
    """Ask the previous step again (step 1 and the one-line form's consent: the same one)."""
    if step == "consent" and data.get("form"):
        await ctx.reply(open_question(ctx, data))
        return
    index = STEPS.index(step) if step in STEPS else len(STEPS)
    previous = STEPS[max(index - 1, 0)]
    await _dialogs(ctx).open(ctx, REGISTER_KIND, {**data, "step": previous})
    await ctx.reply(ask(ctx, previous))


def _summary_and_consent(ctx: Context, answers: dict[str, object]) -> str:
    """What was understood, as the profile will look, then the consent question."""
    profile = describe(ctx, _draft(ctx, answers, None))
    return ctx.t("actors.summary", profile=profile) + "\n\n" + ask(ctx, "consent")


def _draft(ctx: Context, answers: dict[str, object], old: Actor | None = None) -> Actor:
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


async def _consent(ctx: Context, data: dict[str, Any], text: str) -> None:
    dialogs = _dialogs(ctx)
    if is_no(text):
        await dialogs.close(ctx)
        await ctx.reply_key("actors.no_consent")
        return
    if not is_yes(text):
        await ctx.reply(ctx.t("actors.invalid_consent") + "\n" + ask(ctx, "consent"))
        return
    service = _service(ctx)
    old = await service.store.get(ctx.message.sender)
    actor = _draft(ctx, dict(data["answers"]), old)
    await service.save(actor)
    await dialogs.close(ctx)
    example = _example(ctx, actor)
    await ctx.reply_key("actors.registered", name=actor.name, prefix=ctx.prefix, **example)
