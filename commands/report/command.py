"""`!bericht [von] [bis]` / `!report`: the council report as a PDF and an HTML file in chat."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, datetime

from commands.context import Context, Role
from commands.errors import CommandError
from commands.i18n import Catalog
from commands.quiet import BERLIN
from commands.registry import command
from commands.report.blocks import Texts
from commands.report.charts import figures
from commands.report.collect import ReportSources, collect
from commands.report.model import Period, Report
from commands.report.period import parse_period
from commands.report.view import build_document

__all__ = ["ReportFiles", "bericht", "build_files", "file_name"]


@dataclass(frozen=True)
class ReportFiles:
    """The same report twice: accessible HTML and PDF."""

    html: bytes
    pdf: bytes


def build_files(
    report: Report, catalog: Catalog, *, html: bool = True, pdf: bool = True
) -> ReportFiles:
    """Draw the charts and write the files (blocking: charts and PDF take a while)."""
    # Imported here: fpdf2 pulls in numpy and Pillow (about 40 MB), which the bot should only
    # carry once someone asks for a report (issue 11: RSS after a broadcast < 150 MB).
    from commands.report.htmlfile import render_html
    from commands.report.pdffile import render_pdf

    t = Texts(catalog)
    doc = build_document(report, t, figures(report, t))
    return ReportFiles(render_html(doc, t) if html else b"", render_pdf(doc, t) if pdf else b"")


def file_name(period: Period, suffix: str) -> str:
    """'klimaschutzbericht-2026-01-01-bis-2026-12-31.pdf'."""
    return f"klimaschutzbericht-{period.first.isoformat()}-bis-{period.last.isoformat()}.{suffix}"


def _today(ctx: Context) -> date:
    return datetime.fromtimestamp(ctx.services.clock(), BERLIN).date()


def _in_place(ctx: Context) -> bool:
    """The report holds internal figures: only in a DM or the manager room."""
    faq = ctx.services.faq
    room = faq.manager_room if faq is not None else None
    return ctx.message.is_direct or (room is not None and ctx.message.room_id == room)


def summary(ctx: Context, report: Report) -> str:
    """A few lines in the user's language above the files."""
    first, last = report.period.first.strftime("%d.%m.%Y"), report.period.last.strftime("%d.%m.%Y")
    lines = [ctx.t("report.summary_title", first=first, last=last)]
    if report.quiet:
        lines.append(ctx.t("report.summary_quiet"))
    lines.append(
        ctx.t(
            "report.summary",
            measures=len(report.measures),
            changed=len(report.changed),
            questions=report.questions.total,
            broadcasts=report.broadcasts.count,
            actors=report.network.actors,
        )
    )
    return "\n".join(lines)


@command("bericht", aliases=("report",), role=Role.MANAGER)
async def bericht(ctx: Context, args: str) -> None:
    """The council report for a period (default: the last 12 months) as PDF and HTML."""
    if not _in_place(ctx):
        raise CommandError("report.where")
    period = parse_period(args, _today(ctx), ctx.prefix)
    report = await collect(ReportSources.of(ctx.services), period, ctx.services.clock())
    files = await asyncio.to_thread(build_files, report, ctx.catalog)  # charts, PDF: off the loop
    await ctx.reply(summary(ctx, report))
    await ctx.send_file(file_name(period, "pdf"), files.pdf, "application/pdf")
    await ctx.send_file(file_name(period, "html"), files.html, "text/html")
