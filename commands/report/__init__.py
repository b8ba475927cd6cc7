"""The council report for a period: data (model, collect), charts, HTML and PDF, `!bericht`.

Registered as a feature module: the command handler `bericht` is imported here.
"""

from __future__ import annotations

from commands.report.collect import ReportSources, collect
from commands.report.command import ReportFiles, bericht, build_files, file_name
from commands.report.model import Period, Report
from commands.report.period import check_period, parse_period, parse_span

__all__ = [
    "Period",
    "Report",
    "ReportFiles",
    "ReportSources",
    "bericht",
    "build_files",
    "check_period",
    "collect",
    "file_name",
    "parse_period",
    "parse_span",
]
