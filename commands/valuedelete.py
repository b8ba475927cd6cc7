"""`!wert-loeschen`: remove a wrongly entered indicator value, after a preview and "ja".

A value typed again for the same day replaces the old one (`!wert`); this is for a value that
should not be there at all. Only values recorded in chat can go: the catalogue's own figures
are changed in its file.
"""

from __future__ import annotations

from commands.context import Context
from commands.dialogs import confirmed
from commands.errors import CommandError, UsageError
from commands.measurevalues import (
    berlin_today,
    date_text,
    find_indicator,
    find_measure,
    format_number,
    measure_service,
    parse_date,
    require_edit,
)
from commands.registry import command
from config.measures import Indicator, Measure
from store.dialogs import Dialog
from store.measures import StoredValue

__all__ = ["DELETE_VALUE_KIND", "confirm_value_delete", "wert_loeschen"]

DELETE_VALUE_KIND = "measure_value_delete"


@command("wert-loeschen", aliases=("wert-löschen", "value-delete"), for_owners=True)
async def wert_loeschen(ctx: Context, args: str) -> None:
    """Delete a value recorded in chat (the latest, or that of a day) after 'ja'."""
    words = args.split()
    if len(words) not in (2, 3):
        raise UsageError
    measure = find_measure(ctx, words[0], "wert-loeschen")
    indicator = find_indicator(measure, words[1])
    require_edit(ctx, measure)
    value = await _chosen(ctx, measure, indicator, words[2] if len(words) == 3 else None)
    shown = {
        "title": measure.title.get(ctx.language, measure.title["de"]),
        "name": indicator.name,
        "value": format_number(value.value, ctx.language),
        "unit": indicator.unit,
        "date": date_text(value.measured_on),
    }
    dialogs = ctx.services.dialogs
    assert dialogs is not None
    # Row id and time name the value exactly; the texts let the answer say what went.
    row = {"measure": measure.id, "row": value.id, "at": value.created_at}
    await dialogs.open(ctx, DELETE_VALUE_KIND, {**row, **shown})
    await ctx.reply_key("measures.value_delete_confirm", **shown)


async def _chosen(
    ctx: Context, measure: Measure, indicator: Indicator, day: str | None
) -> StoredValue:
    """The value of that day, or the latest one; a polite error if chat recorded none."""
    stored = await measure_service(ctx).store.values(measure.id, indicator.id)
    if day is not None:
        wanted = parse_date(day, berlin_today(ctx))
        if wanted is None:
            raise CommandError("measures.date_invalid", date=day[:40])
        stored = [v for v in stored if v.measured_on == wanted]
        if not stored:
            raise CommandError(
                "measures.value_none_on", name=indicator.name, date=date_text(wanted)
            )
    if not stored:
        raise CommandError("measures.value_none", name=indicator.name)
    return stored[-1]  # oldest day first: the last is the latest


async def confirm_value_delete(ctx: Context, dialog: Dialog, text: str) -> None:
    """The answer to the delete question: 'ja' deletes exactly the value shown, 'nein' keeps it."""
    if not await confirmed(ctx, text, "measures.value_delete_cancelled"):
        return
    measure = find_measure(ctx, str(dialog.data.get("measure", "")))
    require_edit(ctx, measure)  # the question lasts; the right to edit may not
    row, at = dialog.data.get("row"), dialog.data.get("at")
    gone = (
        isinstance(row, int)
        and isinstance(at, float)
        and await measure_service(ctx).store.delete_value(measure.id, row, at)
    )
    shown = {k: str(dialog.data.get(k, "")) for k in ("title", "name", "value", "unit", "date")}
    await ctx.reply_key("measures.value_deleted" if gone else "measures.value_delete_gone", **shown)
