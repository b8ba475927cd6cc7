"""The climate plan's measures: catalogue, live status with history, updates that are announced."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from commands.broadcast import recipient_lines
from commands.context import Context
from commands.dialogs import confirmed
from commands.errors import CommandError, UsageError
from commands.formatting import Markup
from commands.measurelookup import Lookup, look_up, measure_not_found
from commands.measurevalues import (
    format_number,
    indicator_lines,
    last_values,
    may_edit,
    measure_service,
    meilenstein,
    milestone_lines,
    milestones_now,
    require_edit,
    value_history,
    wert,
)
from commands.progress import send_indicator_chart
from commands.quiet import BERLIN
from commands.registry import command
from config.measures import EEA_FIELDS, Catalogue, Measure, normalize_status
from store.dialogs import Dialog
from store.measures import MeasureState, MeasureStore

__all__ = [
    "CONFIRM_KIND",
    "MeasureService",
    "confirm_measure_change",
    "massnahme",
    "massnahmen",
    "meilenstein",
    "status",
    "status_name",
    "update",
    "wert",
]

CONFIRM_KIND = "measure_confirm"
HISTORY_LINES = 5

_STATUS_EN = {
    "geplant": "planned",
    "in Umsetzung": "in progress",
    "abgeschlossen": "completed",
    "zurückgestellt": "on hold",
}


@dataclass
class MeasureService:
    """The YAML catalogue (starting point) plus the live state in the database."""

    catalogue: Catalogue
    store: MeasureStore

    async def seed(self) -> None:
        """Give measures the database does not know yet their YAML status and progress."""
        await self.store.seed({m.id: (m.status, m.progress) for m in self.catalogue.measures})

    def owns_any(self, user_id: str) -> bool:
        """True if the user is named an owner of at least one measure."""
        return any(user_id in m.owners.users for m in self.catalogue.measures)

    def find(self, text: str) -> Measure | None:
        """A measure by id (case-insensitive)."""
        return self.catalogue.get(text.strip())

    def lookup(self, text: str) -> Lookup:
        """The measure by id or by title words that fit exactly one, else the closest."""
        return look_up(self.catalogue.measures, text)

    def title(self, measure_id: str, language: str) -> str | None:
        """The measure's title in `language`, None if the catalogue has no such measure."""
        measure = self.catalogue.get(measure_id)
        return None if measure is None else _title(measure, language)

    async def state(self, measure: Measure) -> MeasureState:
        """The live status and progress of `measure`."""
        return (await self.store.states()).get(
            measure.id, MeasureState(measure.status, measure.progress, 0.0)
        )


_service = measure_service


def status_name(status: str, language: str) -> str:
    """A status in the user's language."""
    return _STATUS_EN.get(status, status) if language == "en" else status


def _title(measure: Measure, language: str) -> str:
    return measure.title.get(language, measure.title["de"])


def _measure(ctx: Context, text: str, command: str = "massnahme") -> Measure:
    """The measure named by id or unambiguous title words, else an error with suggestions."""
    found = _service(ctx).lookup(text)
    if found.measure is None:
        raise measure_not_found(ctx, text, found, command)
    return found.measure


@command("massnahmen", aliases=("measures", "maßnahmen"))
async def massnahmen(ctx: Context, args: str) -> None:
    """List measures, optionally filtered by topic or status."""
    service = _service(ctx)
    states = await service.store.states()
    chosen = list(service.catalogue.measures)
    wanted = args.strip()
    heading = ""
    if wanted:
        chosen, name = _filter(ctx, chosen, states, wanted)
        if not chosen:
            raise CommandError("measures.none", filter=name)
        heading = f" – {name}"
    lines = [ctx.t("measures.title", filter=heading, count=len(chosen))]
    for m in chosen:
        state = _current(m, states)
        lines.append(
            ctx.t(
                "measures.line",
                id=m.id,
                prefix=ctx.prefix,
                title=_title(m, ctx.language),
                status=status_name(state.status, ctx.language),
                progress=state.progress,
            )
        )
    if service.catalogue.example:
        checked = (
            service.catalogue.checked.strftime("%d.%m.%Y") if service.catalogue.checked else ""
        )
        lines.append(ctx.t("measures.example_note", checked=checked))
    await ctx.reply("\n".join(lines))


def _current(measure: Measure, states: dict[str, MeasureState]) -> MeasureState:
    return states.get(measure.id, MeasureState(measure.status, measure.progress, 0.0))


def _filter(
    ctx: Context, measures: list[Measure], states: dict[str, MeasureState], wanted: str
) -> tuple[list[Measure], str]:
    """The measures with this status or topic, and the filter's proper name in the reader's
    language (not the typed word: "erledigt" is shown as the status "abgeschlossen")."""
    status = normalize_status(wanted)
    if status is not None:
        chosen = [m for m in measures if _current(m, states).status == status]
        return chosen, status_name(status, ctx.language)
    broadcaster = ctx.services.broadcaster
    topic = broadcaster.topics.find(wanted) if broadcaster is not None else None
    if broadcaster is None or topic is None:
        raise CommandError("topics.unknown", name=wanted[:60], prefix=ctx.prefix)
    chosen = [m for m in measures if m.topic == topic.slug]
    return chosen, broadcaster.topics.name(topic.slug, ctx.language)


@command("massnahme", aliases=("measure", "maßnahme"))
async def massnahme(ctx: Context, args: str) -> None:
    """Show one measure with its details and latest news."""
    if not args:
        raise UsageError
    measure = _measure(ctx, args)
    service = _service(ctx)
    state = await service.state(measure)
    lang = ctx.language
    broadcaster = ctx.services.broadcaster
    topic = broadcaster.topics.name(measure.topic, lang) if broadcaster else measure.topic
    lines = [
        ctx.t(
            "measures.detail",
            title=_title(measure, lang),
            id=measure.id,
            topic=topic,
            status=status_name(state.status, lang),
            progress=state.progress,
            description=measure.description.get(lang, measure.description["de"]),
            target=measure.target_group.get(lang, measure.target_group["de"]),
            responsible=measure.responsible,
            period=_period(ctx, measure),
        )
    ]
    values = await service.store.values(measure.id)
    changes = await service.store.milestone_changes(measure.id)
    lines += _facts(ctx, measure)
    lines += indicator_lines(ctx, measure, last_values(measure, values))
    lines += milestone_lines(ctx, milestones_now(measure, changes))
    # Curated sources and links from the measures file, so these links are ours.
    lines.append(ctx.t("measures.sources", links=_links(measure.sources)))
    if measure.links:
        lines.append(ctx.t("measures.links", links=_links(measure.links)))
    lines += await _history(ctx, service, measure, value_history(ctx, measure, values, changes))
    await ctx.reply("\n".join(lines))
    await send_indicator_chart(ctx, measure, values)  # only when an indicator has values


def _period(ctx: Context, measure: Measure) -> str:
    """ "01.01.2026 – 31.12.2027", "ab …", "bis …" or "noch nicht festgelegt"."""
    start, end = (d.strftime("%d.%m.%Y") if d else "" for d in (measure.start, measure.end))
    key = {(True, True): "range", (True, False): "from", (False, True): "until"}.get(
        (bool(start), bool(end)), "none"
    )
    return ctx.t(f"measures.period_{key}", start=start, end=end)


def _facts(ctx: Context, measure: Measure) -> list[str]:
    """Owners' department, eea field and CO₂ lines (only those the catalogue has)."""
    lines = []
    if measure.owners.department:
        lines.append(ctx.t("measures.department", department=measure.owners.department))
    if measure.eea_field:
        lines.append(ctx.t("measures.eea_field", field=_eea_field(ctx, measure.eea_field)))
    for key, amount in (
        ("measures.co2", measure.co2_saving_t_per_year),
        ("measures.co2_achieved", measure.co2_achieved_t_per_year),
    ):
        if amount is not None:
            lines.append(ctx.t(key, co2=format_number(amount, ctx.language)))
    return lines


def _eea_field(ctx: Context, field: str) -> str:
    """The eea field's name in the reader's language (the config's German name if the
    catalogs do not know a field added later)."""
    key = f"measures.eea_{field.replace('-', '_')}"
    return ctx.t(key) if ctx.catalog.has(key) else EEA_FIELDS[field]


def _links(urls: tuple[str, ...]) -> Markup:
    return Markup(", ".join(f"[{urlsplit(u).netloc.removeprefix('www.')}]({u})" for u in urls))


async def _history(
    ctx: Context, service: MeasureService, measure: Measure, more: list[tuple[float, str]]
) -> list[str]:
    """The latest news, status changes, values and milestone changes, newest first."""
    entries = list(more)
    for u in await service.store.history(measure.id, limit=HISTORY_LINES):
        text = (
            Markup(u.text)
            if u.text
            else ctx.t(
                "measures.history_status",
                status=status_name(u.status or "", ctx.language),
                progress=u.progress,
            )
        )
        entries.append((u.created_at, text))
    if not entries:
        return []
    entries.sort(key=lambda entry: entry[0], reverse=True)
    lines = [ctx.t("measures.history_title")]
    for created_at, text in entries[:HISTORY_LINES]:
        date = datetime.fromtimestamp(created_at, BERLIN).strftime("%d.%m.%Y")
        lines.append(ctx.t("measures.history_line", date=date, text=text))
    return lines


@command("status", for_owners=True)
async def status(ctx: Context, args: str) -> None:
    """Set a measure's status (and progress) after a preview; 'ja' records and announces."""
    words = args.split()
    if len(words) < 2:
        raise UsageError
    measure = _measure(ctx, words[0], "status")
    require_edit(ctx, measure)
    rest = words[1:]
    progress: int | None = None
    if rest and rest[-1].rstrip("%").isdigit():
        progress = int(rest.pop().rstrip("%"))
        if not 0 <= progress <= 100:
            raise CommandError("measures.progress_invalid")
    new_status = normalize_status(" ".join(rest))
    if new_status is None:
        raise CommandError("measures.status_unknown", status=" ".join(rest)[:40])
    if new_status == "abgeschlossen" and progress is None:
        progress = 100
    service = _service(ctx)
    state = await service.state(measure)
    progress = state.progress if progress is None else progress
    text = ctx.catalog.text("de", "measures.status_text", status=new_status, progress=progress)
    await _preview(ctx, measure, {"status": new_status, "progress": progress}, text)


@command("update", for_owners=True)
async def update(ctx: Context, args: str) -> None:
    """Record news on a measure after a preview; 'ja' records and announces it."""
    measure_id, _, text = args.partition(" ")
    if not measure_id or not text.strip():
        raise UsageError
    measure = _measure(ctx, measure_id, "update")
    require_edit(ctx, measure)
    await _preview(ctx, measure, {"text": text.strip()}, text.strip())


async def _preview(ctx: Context, measure: Measure, change: dict[str, Any], text: str) -> None:
    """Show what will be recorded and who gets it, and wait for 'ja' (as `!ankuendigen`)."""
    broadcaster = ctx.services.broadcaster
    recipients = ""
    if broadcaster is not None:
        # The same lines as `!ankuendigen`'s, so held (quiet hours) and weekly are told too.
        recipients = recipient_lines(ctx, await broadcaster.audience(measure.topic, measure.id))
    dialogs = ctx.services.dialogs
    assert dialogs is not None
    await dialogs.open(ctx, CONFIRM_KIND, {"measure": measure.id, **change})
    await ctx.reply_key(
        "measures.preview",
        title=_title(measure, ctx.language),
        text=Markup(text),  # the editor's own Markdown, shown as it will be sent
        recipients=recipients or ctx.t("measures.preview_nobody"),
    )


async def confirm_measure_change(ctx: Context, dialog: Dialog, text: str) -> None:
    """The answer to a `!status`/`!update` preview: 'ja' records and announces, 'nein' cancels."""
    dialogs = ctx.services.dialogs
    assert dialogs is not None
    data = dialog.data
    measure = _service(ctx).find(str(data.get("measure", "")))
    if measure is None or not may_edit(ctx, measure):  # ownership may be gone since the preview
        await dialogs.close(ctx)
        await ctx.reply_key("error.not_allowed")
    elif await confirmed(ctx, text, "measures.cancelled"):
        await _apply(ctx, measure, data)


async def _apply(ctx: Context, measure: Measure, data: dict[str, Any]) -> None:
    store = _service(ctx).store
    if "text" in data:
        text = str(data["text"])
        await store.record(measure.id, ctx.message.sender, text=text)
    else:
        new_status, progress = str(data["status"]), int(data["progress"])
        await store.record(measure.id, ctx.message.sender, new_status, progress)
        text = ctx.catalog.text("de", "measures.status_text", status=new_status, progress=progress)
    await _announce(ctx, measure, text)


async def _announce(ctx: Context, measure: Measure, text: str) -> None:
    broadcaster = ctx.services.broadcaster
    title = _title(measure, ctx.language)
    if broadcaster is None:
        await ctx.reply_key("measures.recorded", title=title)
        return
    audience = await broadcaster.audience(measure.topic, measure.id)
    if not audience.recipients:
        await ctx.reply_key("measures.no_subscribers", title=title)
        return
    await ctx.reply_key("measures.recorded", title=title)
    # The header names the measure in each recipient's language (Broadcaster.compose).
    await broadcaster.send(ctx, "measure_update", measure.topic, text, measure_id=measure.id)
