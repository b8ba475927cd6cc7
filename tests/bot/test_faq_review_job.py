"""The weekly FAQ review as an APScheduler job, and the console's stand-in for a chart."""

from __future__ import annotations

import io
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

from bot.chat import run_chat
from bot.jobs import Jobs
from bot.wiring import ServiceSettings


async def _review() -> None:
    return None


async def _pruned(cutoff: float) -> int:
    return 0


def _jobs(**extra: Any) -> Jobs:
    """Jobs with stand-ins for what the other jobs use (only the schedule is looked at)."""
    settings: Any = SimpleNamespace(digest_weekday=0, digest_hour=8, digest_minute=0)
    handled: Any = SimpleNamespace(prune=_pruned)
    limiter: Any = SimpleNamespace(forget_idle=lambda: None)
    none: Any = None
    return Jobs(handled, limiter, timedelta(hours=1), none, none, settings, **extra)


async def test_faq_review_runs_every_monday_at_eight_in_berlin() -> None:
    jobs = _jobs(faq_review=_review)
    jobs.start()
    try:
        job = jobs.scheduler.get_job("weekly-faq-review")
        assert job is not None
        due = job.next_run_time
        assert (due.weekday(), due.hour, due.minute) == (0, 8, 0)
        assert str(due.tzinfo) == "Europe/Berlin"
    finally:
        jobs.shutdown()


async def test_no_faq_review_job_without_a_faq() -> None:
    jobs = _jobs()
    jobs.start()
    try:
        assert jobs.scheduler.get_job("weekly-faq-review") is None
    finally:
        jobs.shutdown()


async def test_console_shows_the_chart_by_its_alt_text() -> None:
    out = io.StringIO()
    lines = "Muss ich mein Balkonkraftwerk anmelden?\n/rolle manager\nstatistik 7\n"
    assert await run_chat(ServiceSettings.defaults(), io.StringIO(lines), out) == 0
    text = out.getvalue()
    assert "Gestellte Fragen: 1" in text
    assert "[Bild: Diagramm: FAQ-Fragen pro Woche" in text
