"""`klimabot report --from … --to … --out FILE.pdf|.html`: the council report from the database.

Runs beside the bot (SQLite in WAL mode lets it read while the bot writes) with the same curated
data and services as the bot, built by bot/wiring.py; nothing is sent anywhere.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from datetime import date, datetime
from pathlib import Path

from bot.wiring import ServiceSettings, build_services
from commands.context import Health
from commands.errors import CommandError
from commands.formatting import to_plain
from commands.i18n import Catalog
from commands.quiet import BERLIN
from commands.report import ReportSources, build_files, check_period, collect, parse_span
from config.settings import Config
from store.db import Database

__all__ = ["first_day", "last_day", "write_report"]

SUFFIXES = (".pdf", ".html")
DATE_FORMS = "2026-01-01, 1.1.2026, 01.2026, Januar 2026, 2026"


def _span(text: str) -> tuple[date, date]:
    """The chat's date words (the manager types the same in both places), or a usage error."""
    span = parse_span(text, datetime.now(BERLIN).date())
    if span is None:
        raise argparse.ArgumentTypeError(f"not a date: {text!r} (for example {DATE_FORMS})")
    return span


def first_day(text: str) -> date:
    """`--from`: a day, or the first day of a month or year ("Januar 2026" is 1.1.2026)."""
    return _span(text)[0]


def last_day(text: str) -> date:
    """`--to`: a day, or the last day of a month or year ("2026" is 31.12.2026)."""
    return _span(text)[1]


class _Offline:
    """No transport: the report does not ask for the bot's health."""

    async def health(self) -> Health:
        raise RuntimeError("offline")


async def _no_notify(room: str, text: str) -> None:
    return None


async def write_report(config: Config, first: date, last: date, out: Path) -> int:
    """Write the report of [first, last] to `out` (.pdf or .html); 0 on success."""
    if out.suffix.lower() not in SUFFIXES:
        print(f"--out must end in .pdf or .html: {out}", file=sys.stderr)
        return 2
    if not out.parent.is_dir():  # found out before the report is made, not as a traceback after
        print(f"--out: no such directory: {out.parent}", file=sys.stderr)
        return 2
    if not config.database_path.exists():
        print(f"no database at {config.database_path}", file=sys.stderr)
        return 1
    catalog = Catalog.load()
    now = time.time()
    try:
        period = check_period(first, last, datetime.fromtimestamp(now, BERLIN).date())
    except CommandError as exc:
        print(to_plain(catalog.text("de", exc.key, **exc.params)), file=sys.stderr)
        return 2
    db = await Database.open(config.database_path)
    try:
        settings = ServiceSettings.from_config(config)
        services = build_services(db, settings, catalog, _Offline(), _no_notify)
        report = await collect(ReportSources.of(services), period, now)
    finally:
        await db.close()
    pdf = out.suffix.lower() == ".pdf"
    files = await asyncio.to_thread(build_files, report, catalog, html=not pdf, pdf=pdf)
    await asyncio.to_thread(out.write_bytes, files.pdf if pdf else files.html)
    print(f"report {period.first:%d.%m.%Y}–{period.last:%d.%m.%Y} written to {out}")
    return 0
