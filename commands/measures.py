"""The climate plan's measures: catalogue, live status with history, updates that are announced."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from commands.context import Context, Role
from commands.errors import CommandError, UsageError
from commands.formatting import Markup
from commands.quiet import BERLIN
from commands.registry import command
from commands.services import require
from config.measures import Catalogue, Measure, normalize_status
from store.measures import MeasureState, MeasureStore

__all__ = ["MeasureService", "massnahme", "massnahmen", "status", "status_name", "update"]

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

    def find(self, text: str) -> Measure | None:
        """A measure by id (case-insensitive)."""
        return self.catalogue.get(text.strip())

    async def state(self, measure: Measure) -> MeasureState:
        """The live status and progress of `measure`."""
        return (await self.store.states()).get(
            measure.id, MeasureState(measure.status, measure.progress, 0.0)
        )


def _service(ctx: Context) -> MeasureService:
    return require(ctx.services.measures)


def status_name(status: str, language: str) -> str:
    """A status in the user's language."""
    return _STATUS_EN.get(status, status) if language == "en" else status


def _title(measure: Measure, language: str) -> str:
    return measure.title.get(language, measure.title["de"])


def _measure(ctx: Context, text: str) -> Measure:
    measure = _service(ctx).find(text)
    if measure is None:
        raise CommandError("measures.unknown", id=text[:60], prefix=ctx.prefix)
    return measure


@command("massnahmen", aliases=("measures", "maßnahmen"))
async def massnahmen(ctx: Context, args: str) -> None:
    """List measures, optionally filtered by topic or status."""
    service = _service(ctx)
    states = await service.store.states()
    chosen = list(service.catalogue.measures)
    wanted = args.strip()
    if wanted:
        chosen = _filter(ctx, chosen, states, wanted)
        if not chosen:
            raise CommandError("measures.none", filter=wanted[:60])
    lines = [ctx.t("measures.title", filter=f" – {wanted}" if wanted else "", count=len(chosen))]
    for m in chosen:
        state = _current(m, states)
        lines.append(
            ctx.t(
                "measures.line",
                id=m.id,
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
) -> list[Measure]:
    status = normalize_status(wanted)
    if status is not None:
        return [m for m in measures if _current(m, states).status == status]
    broadcaster = ctx.services.broadcaster
    topic = broadcaster.topics.find(wanted) if broadcaster is not None else None
    if topic is None:
        raise CommandError("topics.unknown", name=wanted[:60], prefix=ctx.prefix)
    return [m for m in measures if m.topic == topic.slug]


@command("massnahme", aliases=("measure", "maßnahme"))
async def massnahme(ctx: Context, args: str) -> None:
    """Show one measure with its details and latest news."""
    if not args:
        raise UsageError
    measure = _measure(ctx, args.split()[0])
    service = _service(ctx)
    state = await service.state(measure)
    lang = ctx.language
    broadcaster = ctx.services.broadcaster
    topic = broadcaster.topics.name(measure.topic, lang) if broadcaster else measure.topic
    period = " – ".join(
        d.strftime("%d.%m.%Y") if d else ctx.t("measures.open_period")
        for d in (measure.start, measure.end)
    )
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
            period=period,
        )
    ]
    if measure.co2_saving_t_per_year is not None:
        lines.append(ctx.t("measures.co2", co2=f"{measure.co2_saving_t_per_year:g}"))
    # Curated sources from the measures file, so these links are ours.
    links = Markup(
        ", ".join(f"[{urlsplit(u).netloc.removeprefix('www.')}]({u})" for u in measure.sources)
    )
    lines.append(ctx.t("measures.sources", links=links))
    lines += await _history(ctx, service, measure)
    await ctx.reply("\n".join(lines))


async def _history(ctx: Context, service: MeasureService, measure: Measure) -> list[str]:
    updates = await service.store.history(measure.id)
    if not updates:
        return []
    lines = [ctx.t("measures.history_title")]
    for u in updates:
        date = datetime.fromtimestamp(u.created_at, BERLIN).strftime("%d.%m.%Y")
        text = (
            Markup(u.text)
            if u.text
            else ctx.t(
                "measures.history_status",
                status=status_name(u.status or "", ctx.language),
                progress=u.progress,
            )
        )
        lines.append(ctx.t("measures.history_line", date=date, text=text))
    return lines


@command("status", role=Role.MANAGER)
async def status(ctx: Context, args: str) -> None:
    """Set a measure's status (and progress) and announce the change."""
    words = args.split()
    if len(words) < 2:
        raise UsageError
    measure = _measure(ctx, words[0])
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
    await service.store.record(measure.id, ctx.message.sender, new_status, progress)
    text = ctx.catalog.text("de", "measures.status_text", status=new_status, progress=progress)
    await _announce(ctx, measure, text)


@command("update", role=Role.MANAGER)
async def update(ctx: Context, args: str) -> None:
    """Record news on a measure and announce it."""
    measure_id, _, text = args.partition(" ")
    if not measure_id or not text.strip():
        raise UsageError
    measure = _measure(ctx, measure_id)
    await _service(ctx).store.record(measure.id, ctx.message.sender, text=text.strip())
    await _announce(ctx, measure, text.strip())


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
    body = f"**{measure.title['de']}:** {text}"
    await ctx.reply_key("measures.recorded", title=title)
    await broadcaster.send(ctx, "measure_update", measure.topic, body, measure_id=measure.id)
