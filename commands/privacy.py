"""Data rights (DSGVO): `!meinedaten` sends everything stored as JSON, `!vergessen` erases it."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from commands.context import Context
from commands.dialogs import confirmed
from commands.errors import require_direct
from commands.quiet import BERLIN
from commands.registry import command
from commands.services import require
from commands.subscriptions import target_name
from store.dialogs import Dialog
from store.privacy import PrivacyStore

__all__ = ["FORGET_KIND", "confirm_forget", "meinedaten", "vergessen"]

FORGET_KIND = "forget_confirm"
EXPORT_NAME = "klimabot-meine-daten.json"
# Columns holding a UNIX time besides every `*_at` (shown as ISO 8601, 0 as null).
_TIME_COLUMNS = frozenset({"not_before", "last_active"})
# Columns holding JSON text (exported as the JSON they hold).
_JSON_COLUMNS = frozenset({"topics", "candidates", "data", "answers", "result"})
# What the person sent or started for others: it stays, without their name.
_SENT_BY_THEM = frozenset({"broadcasts", "measure_updates", "measure_values", "polls", "campaigns"})
# The summary lists the user's own things first.
_ORDER = {"actors": 0, "subscriptions": 1, "delivery_prefs": 2, "user_settings": 3}


def _privacy(ctx: Context) -> PrivacyStore:
    return require(ctx.services.privacy)


@command("meinedaten", aliases=("mydata", "meine-daten"))
async def meinedaten(ctx: Context, args: str) -> None:
    """Send the user a JSON file with everything stored about them, and a short summary."""
    require_direct(ctx.message.is_direct)
    user = ctx.message.sender
    data = await _privacy(ctx).export(user)
    if not data:
        await ctx.reply_key("privacy.nothing_stored")
        return
    await ctx.send_file(EXPORT_NAME, export_document(user, data, time.time()), "application/json")
    await ctx.reply(_summary(ctx, data))


def export_document(user: str, data: Mapping[str, list[dict[str, Any]]], now: float) -> bytes:
    """The export as JSON: times in ISO 8601 (Europe/Berlin), stored JSON as JSON, not text."""
    document = {
        "user_id": user,
        "exported_at": _iso(now),
        "time_zone": "Europe/Berlin",
        "data": {table: [_readable(row) for row in rows] for table, rows in data.items()},
    }
    return json.dumps(document, ensure_ascii=False, indent=2, default=str).encode()


def _readable(row: Mapping[str, Any]) -> dict[str, Any]:
    return {column: _value(column, value) for column, value in row.items()}


def _value(column: str, value: Any) -> Any:
    if column in _TIME_COLUMNS or column.endswith("_at"):
        if isinstance(value, int | float) and not isinstance(value, bool):
            return _iso(value) if value > 0 else None
    if column in _JSON_COLUMNS and isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, BERLIN).isoformat(timespec="seconds")


def _summary(ctx: Context, data: Mapping[str, list[dict[str, Any]]]) -> str:
    """The title, one line per kind of data, and how to delete it."""
    lines = [ctx.t("privacy.summary_title", file=EXPORT_NAME), *_kinds(ctx, data)]
    lines.append(ctx.t("privacy.summary_hint", prefix=ctx.prefix))
    return "\n".join(lines)


def _kinds(ctx: Context, data: Mapping[str, list[dict[str, Any]]]) -> list[str]:
    """One line per kind of data, with what it is where that fits on a line."""
    lines = []
    for table, rows in sorted(data.items(), key=lambda item: _ORDER.get(item[0], 99)):
        what = ctx.t(f"privacy.table.{table}")
        detail = _detail(ctx, table, rows)
        if detail:
            lines.append(ctx.t("privacy.summary_detail", what=what, detail=detail))
        else:
            lines.append(ctx.t("privacy.summary_line", what=what, count=len(rows)))
    return lines


def _detail(ctx: Context, table: str, rows: list[dict[str, Any]]) -> str:
    if table == "actors":
        return str(rows[0].get("name", ""))[:80]
    if table == "subscriptions":
        names = [target_name(ctx, str(r.get("kind")), str(r.get("target"))) for r in rows]
        return ", ".join(names)[:300]
    if table == "user_settings" and rows[0].get("language") in ("de", "en"):
        return ctx.t(f"privacy.language_{rows[0]['language']}")
    if table == "delivery_prefs" and rows[0].get("mode") in ("sofort", "woechentlich"):
        mode = ctx.t(f"topics.mode_{rows[0]['mode']}")
        quiet = str(rows[0].get("quiet") or "") or ctx.t("topics.quiet_off")
        return ctx.t("privacy.prefs_detail", mode=mode, quiet=quiet)
    return ""


@command("vergessen", aliases=("forget",))
async def vergessen(ctx: Context, args: str) -> None:
    """Say what is stored and ask for confirmation, then erase everything about the user."""
    dialogs = ctx.services.dialogs
    assert dialogs is not None
    data = await _privacy(ctx).export(ctx.message.sender)
    if not data:
        await ctx.reply_key("privacy.nothing_stored")
        return
    await dialogs.open(ctx, FORGET_KIND, {})
    lines = [ctx.t("privacy.confirm_title"), *_kinds(ctx, data)]
    if _SENT_BY_THEM & set(data):
        lines.append(ctx.t("privacy.confirm_sent_stays"))
    if "pledges" in data:
        lines.append(ctx.t("privacy.confirm_pledges"))
    lines.append(ctx.t("privacy.confirm_end"))
    await ctx.reply("\n".join(lines))


async def confirm_forget(ctx: Context, dialog: Dialog, text: str) -> None:
    """'ja' erases (the dialogue itself included), 'nein' keeps everything."""
    if await confirmed(ctx, text, "privacy.kept"):
        if ctx.services.network is not None:
            await ctx.services.network.withdraw(ctx.message.sender)
        await _privacy(ctx).forget(ctx.message.sender)
        ctx.services.languages.forget(ctx.message.sender)
        if ctx.services.network is not None:
            ctx.services.network.refresh(None, ctx.message.sender)
        await ctx.reply_key("privacy.forgotten")
