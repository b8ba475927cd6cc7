"""Data rights (DSGVO): `!meinedaten` sends everything stored as JSON, `!vergessen` erases it."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from commands.context import Context
from commands.dialogs import is_no, is_yes
from commands.registry import command
from commands.services import require
from store.dialogs import Dialog
from store.privacy import PrivacyStore

__all__ = ["FORGET_KIND", "confirm_forget", "meinedaten", "vergessen"]

FORGET_KIND = "forget_confirm"


def _privacy(ctx: Context) -> PrivacyStore:
    return require(ctx.services.privacy)


@command("meinedaten", aliases=("mydata", "meine-daten"))
async def meinedaten(ctx: Context, args: str) -> None:
    """Send the user a JSON file with everything stored about them, and a short summary."""
    user = ctx.message.sender
    data = await _privacy(ctx).export(user)
    document = {
        "user_id": user,
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "data": data,
    }
    payload = json.dumps(document, ensure_ascii=False, indent=2, default=str).encode()
    if not data:
        await ctx.reply_key("privacy.nothing_stored")
        return
    await ctx.send_file("klimabot-meine-daten.json", payload, "application/json")
    lines = [ctx.t("privacy.summary_title")]
    lines += [
        ctx.t("privacy.summary_line", what=ctx.t(f"privacy.table.{table}"), count=len(rows))
        for table, rows in sorted(data.items())
    ]
    lines.append(ctx.t("privacy.summary_hint", prefix=ctx.prefix))
    await ctx.reply("\n".join(lines))


@command("vergessen", aliases=("forget",))
async def vergessen(ctx: Context, args: str) -> None:
    """Ask for confirmation, then erase everything stored about the user."""
    dialogs = ctx.services.dialogs
    assert dialogs is not None
    await dialogs.open(ctx, FORGET_KIND, {})
    await ctx.reply_key("privacy.confirm")


async def confirm_forget(ctx: Context, dialog: Dialog, text: str) -> None:
    """'ja' erases (the dialogue itself included), 'nein' keeps everything."""
    dialogs = ctx.services.dialogs
    assert dialogs is not None
    if is_yes(text):
        if ctx.services.network is not None:
            await ctx.services.network.withdraw(ctx.message.sender)
        await _privacy(ctx).forget(ctx.message.sender)
        if ctx.services.network is not None:
            ctx.services.network.refresh(None, ctx.message.sender)
        await ctx.reply_key("privacy.forgotten")
    elif is_no(text):
        await dialogs.close(ctx)
        await ctx.reply_key("privacy.kept")
    else:
        await ctx.reply_key("dialog.yes_or_no", prefix=ctx.prefix)
