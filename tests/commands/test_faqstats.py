"""!statistik, the weekly FAQ review and spike notices, on a small FAQ of our own."""

from __future__ import annotations

import dataclasses
import struct
import time
import zlib
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from commands.context import Context, Reaction, Role
from commands.errors import CommandError
from commands.faqchart import PNG_SIGNATURE, ChartSeries, png_size, weekly_chart
from commands.faqreview import DAY, FaqWatch
from commands.faqstats import compute, parse_days, weekly, weeks_between
from commands.quiet import BERLIN
from config.settings import default_faq_settings
from store.faqstats import AskedRow, Votes
from tests.commands.fakes import CITIZEN, MANAGER, make_router, message

TEAM = "!team:ochtrup.test"
ENTRY = """\
  - id: {id}
    topic: {topic}
    question:
      de: "{question}"
    phrasings:
      de: [{phrasings}]
    answer:
      de: "Antwort zu {id}."
    sources: ["https://example.org/{id}"]
    checked: {checked}
{extra}"""
BKW = "Muss ich mein Balkonkraftwerk anmelden?"
PUMP = "Gibt es Förderung für eine Wärmepumpe?"
GREEN = "Woran erkenne ich guten Ökostrom?"


def _berlin(year: int, month: int, day: int, hour: int = 12) -> float:
    return datetime(year, month, day, hour, tzinfo=BERLIN).timestamp()


def _today() -> date:
    return datetime.fromtimestamp(time.time(), BERLIN).date()


def _write_faq(tmp_path: Path) -> Any:
    today = _today()
    entries = [
        ENTRY.format(
            id="bkw-anmelden",
            topic="erneuerbare-energien",
            question=BKW,
            phrasings='"Balkonkraftwerk anmelden", "Steckersolar anmelden", "PV Balkon Anmeldung"',
            checked=(today - timedelta(days=60)).isoformat(),
            extra=(
                f"    review: {(today - timedelta(days=1)).isoformat()}\n"
                "    owner: Frau Muster\n    answers: [rules, procedure]\n"
            ),
        ),
        ENTRY.format(
            id="wp-foerderung",
            topic="waerme-heizung",
            question=PUMP,
            phrasings='"Wärmepumpe Förderung", "Zuschuss Wärmepumpe", "Geld für Wärmepumpe"',
            checked=(today - timedelta(days=250)).isoformat(),
            extra="    volatile: true\n",
        ),
        ENTRY.format(
            id="oekostrom",
            topic="erneuerbare-energien",
            question=GREEN,
            phrasings='"Ökostrom erkennen", "Ökostrom Siegel", "echter Ökostrom"',
            checked=today.isoformat(),
            extra="",
        ),
    ]
    faq_dir = tmp_path / "faq"
    faq_dir.mkdir()
    (faq_dir / "test.yaml").write_text("entries:\n" + "".join(entries), encoding="utf-8")
    # The shipped topics and synonyms: the measures catalogue needs its topics.
    return dataclasses.replace(default_faq_settings(), directory=faq_dir)


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Any]:
    router, replier, db, clock = await make_router(
        tmp_path, faq=_write_faq(tmp_path), manager_room=TEAM
    )
    clock.now = time.time()
    yield router, replier, db, clock
    await db.close()


def _watch(router: Any) -> FaqWatch:
    watch = router.services.faq.watch
    assert watch is not None
    return watch


def _ctx(router: Any, replier: Any, sender: str = CITIZEN) -> Context:
    return Context(
        message("x", sender=sender),
        Role.CITIZEN,
        "de",
        "!",
        router.catalog,
        replier,
        router.services,
    )


async def _question(db: Any, text: str, outcome: str, at: float) -> None:
    await db.execute(
        "INSERT INTO faq_questions (user_id, room_id, text, outcome, entry_id, confidence, open, "
        "asked_at) VALUES (?, '!r', ?, ?, NULL, 0.1, 1, ?)",
        (CITIZEN, text, outcome, at),
    )


async def _vote(db: Any, n: int, entry_id: str, vote: int, at: float) -> None:
    await db.execute(
        "INSERT INTO faq_feedback (answer_event_id, user_id, entry_id, vote, voted_at) "
        "VALUES (?, ?, ?, ?, ?)",
        (f"$a{n}", f"@u{n}:x", entry_id, vote, at),
    )


async def manager(router: Any, text: str) -> None:
    await router.dispatch(message(text, sender=MANAGER, room=TEAM))


# --- statistics (pure) --------------------------------------------------------------------


def test_counts_and_shares_per_outcome() -> None:
    start, end = _berlin(2026, 11, 2), _berlin(2026, 11, 8)
    rows = [AskedRow("answer", "a", start + i) for i in range(6)]
    rows += [AskedRow("did_you_mean", None, start + 10), AskedRow("on_topic", None, start + 11)]
    rows += [AskedRow("dont_know", None, start + 12), AskedRow("dont_know", None, start + 13)]
    stats = compute(rows, {"a": 6, "b": 2}, {}, ["solar", "solar", None], start, end, 7)
    assert stats.total == 10
    assert stats.outcomes == {"answer": 6, "did_you_mean": 1, "on_topic": 1, "dont_know": 2}
    assert stats.top_entries == (("a", 6), ("b", 2))
    assert stats.open_topics == (("solar", 2), (None, 1))


def test_votes_are_listed_worst_first() -> None:
    votes = {"good": Votes(5, 0), "bad": Votes(0, 3), "mixed": Votes(2, 3), "worse": Votes(1, 5)}
    stats = compute([], {}, votes, [], 0.0, 1.0, 7)
    assert [entry for entry, _ in stats.votes] == ["worse", "bad", "mixed", "good"]


def test_weeks_run_across_the_year_boundary_as_iso_weeks() -> None:
    start, end = _berlin(2026, 12, 23), _berlin(2027, 1, 12)
    rows = [
        AskedRow("answer", "a", _berlin(2026, 12, 31)),
        AskedRow("dont_know", None, _berlin(2027, 1, 1)),
        AskedRow("answer", "a", _berlin(2027, 1, 4, 0)),  # Monday just after midnight
    ]
    weeks = weekly(rows, start, end)
    assert [(w.year, w.week) for w in weeks] == [(2026, 52), (2026, 53), (2027, 1), (2027, 2)]
    assert [w.total for w in weeks] == [0, 2, 1, 0]
    assert weeks[1].counts == (1, 0, 0, 1)


def test_an_empty_period_has_its_weeks_with_zeros() -> None:
    start, end = _berlin(2026, 11, 8), _berlin(2026, 12, 8)
    stats = compute([], {}, {}, [], start, end, 30)
    assert stats.total == 0
    assert len(stats.weeks) == len(weeks_between(start, end)) == 6
    assert all(w.total == 0 for w in stats.weeks)


def test_only_seven_thirty_or_a_year_are_periods() -> None:
    assert parse_days("") == 30
    assert parse_days(" 365 ") == 365
    for bad in ("12", "30 7", "x", "99999999999999999999"):
        with pytest.raises(CommandError):
            parse_days(bad)


def test_chart_is_a_png_of_the_size_it_says() -> None:
    series = [ChartSeries("beantwortet", (3, 0, 5)), ChartSeries("keine Antwort", (1, 0, 2))]
    chart = weekly_chart("Fragen", ["KW 52/26", "KW 53/26", "KW 1/27"], series, "Fragen")
    assert chart.data.startswith(PNG_SIGNATURE)
    length, kind = struct.unpack(">I4s", chart.data[8:16])
    assert (length, kind) == (13, b"IHDR")
    ihdr = chart.data[12:29]
    (crc,) = struct.unpack(">I", chart.data[29:33])
    assert zlib.crc32(ihdr) == crc
    assert png_size(chart.data) == (chart.width, chart.height) == (800, 450)


def test_png_size_rejects_what_is_no_png() -> None:
    with pytest.raises(ValueError, match="not a PNG"):
        png_size(b"GIF89a" + b"\0" * 30)


# --- !statistik -----------------------------------------------------------------------------


async def test_statistik_answers_with_text_and_a_chart(bot: Any) -> None:
    router, replier, db, clock = bot
    await router.dispatch(message(BKW, direct=True))
    await router.dispatch(message("Wie hoch ist der Meeresspiegel in Tokio?", direct=True))
    answer_id = "$answer1"
    await router.react(Reaction("$r1", "!room:ochtrup.test", CITIZEN, answer_id, "👎"))
    replier.sent.clear()
    await manager(router, "!statistik 7")
    text = replier.sent[-1][1]
    assert "letzte 7 Tage" in text
    assert "Gestellte Fragen: 2" in text
    assert "beantwortet: 1 (50 %)" in text
    assert "bkw-anmelden" in text
    assert "👎 1" in text
    [(name, data, mimetype, width, height, alt)] = replier.images
    assert (name, mimetype) == ("faq-statistik.png", "image/png")
    assert png_size(data) == (width, height)
    assert "2 Fragen" in alt


async def test_statistik_of_a_quiet_period_sends_no_chart(bot: Any) -> None:
    router, replier, _, _ = bot
    await manager(router, "!stats")
    assert "keine Fragen" in replier.sent[-1][1]
    assert replier.images == []


async def test_citizens_get_no_statistics(bot: Any) -> None:
    router, replier, _, _ = bot
    await router.dispatch(message("!statistik", direct=True))
    assert "Gestellte Fragen" not in replier.sent[-1][1]
    assert replier.images == []


async def test_statistik_names_the_periods_it_knows(bot: Any) -> None:
    router, replier, _, _ = bot
    await manager(router, "!statistik 14")
    assert "7, 30 oder 365" in replier.sent[-1][1]


# --- spikes ---------------------------------------------------------------------------------


async def test_five_unanswered_questions_on_a_topic_are_posted_once_a_day(bot: Any) -> None:
    router, replier, db, clock = bot
    watch = _watch(router)
    ctx = _ctx(router, replier)
    outcome = watch.service.ask(BKW)
    for i in range(4):
        await _question(db, BKW, "dont_know", clock.now - 3600 + i)
    await _question(db, BKW, "dont_know", clock.now - 2 * DAY)  # too old to count
    await watch.unanswered(ctx, outcome)
    assert replier.notices == []
    await _question(db, BKW, "dont_know", clock.now - 60)
    await watch.unanswered(ctx, outcome)
    [(room, text, _)] = replier.notices
    assert room == TEAM
    assert "5 Fragen zum Thema Erneuerbare Energien" in text
    await _question(db, BKW, "dont_know", clock.now - 30)
    await watch.unanswered(ctx, outcome)
    assert len(replier.notices) == 1  # once per topic a day
    clock.now += DAY + 1
    for i in range(5):
        await _question(db, BKW, "dont_know", clock.now - 10 + i)
    await watch.unanswered(ctx, outcome)
    assert len(replier.notices) == 2


async def test_three_downvotes_on_a_topic_are_posted_at_once(bot: Any) -> None:
    router, replier, db, clock = bot
    watch = _watch(router)
    ctx = _ctx(router, replier)
    await _vote(db, 1, "bkw-anmelden", -1, clock.now - 100)
    await _vote(db, 2, "oekostrom", -1, clock.now - 50)  # same topic, other entry
    await _vote(db, 3, "wp-foerderung", -1, clock.now - 50)  # other topic
    await _vote(db, 4, "oekostrom", 1, clock.now - 40)
    await watch.downvoted(ctx, "oekostrom")
    assert replier.notices == []
    await _vote(db, 5, "oekostrom", -1, clock.now - 10)
    await watch.downvoted(ctx, "oekostrom")
    [(room, text, _)] = replier.notices
    assert room == TEAM
    assert "3× 👎" in text
    assert "Erneuerbare Energien" in text
    await watch.downvoted(ctx, "bkw-anmelden")
    assert len(replier.notices) == 1


async def test_the_spike_threshold_comes_from_the_config(tmp_path: Path) -> None:
    settings = dataclasses.replace(_write_faq(tmp_path), spike_questions=2)
    router, replier, db, clock = await make_router(tmp_path, faq=settings, manager_room=TEAM)
    clock.now = time.time()
    try:
        for _ in range(2):
            await _question(db, BKW, "dont_know", clock.now - 5)
        await _watch(router).unanswered(_ctx(router, replier), _watch(router).service.ask(BKW))
        assert len(replier.notices) == 1
    finally:
        await db.close()


async def test_questions_asked_for_real_raise_the_spike_once(bot: Any) -> None:
    router, replier, _, _ = bot
    question = "Was kostet ein Balkonkraftwerk?"
    assert _watch(router).service.ask(question).kind == "on_topic"
    for n in range(6):
        await router.dispatch(message(question, sender=f"@b{n}:ochtrup.test", direct=True))
    spikes = [text for room, text, _ in replier.notices if "Häufung" in text]
    assert len(spikes) == 1
    assert "5 Fragen" in spikes[0]


# --- weekly review --------------------------------------------------------------------------


async def test_weekly_review_lists_overdue_volatile_disliked_and_the_weeks_open_questions(
    bot: Any,
) -> None:
    router, replier, db, clock = bot
    await _vote(db, 1, "oekostrom", -1, clock.now - 100)
    await _vote(db, 2, "oekostrom", -1, clock.now - 90)
    await _vote(db, 3, "oekostrom", 1, clock.now - 80)
    await _vote(db, 4, "bkw-anmelden", 1, clock.now - 80)
    await router.dispatch(message("Wie hoch ist der Meeresspiegel in Tokio?", direct=True))
    await manager(router, "!offen")
    number = int(replier.sent[-1][1].split("Nr. ")[1].split()[0])
    replier.sent.clear()
    await manager(router, "!faq-pruefung")
    text = replier.sent[-1][1]
    overdue, rest = text.split("Veränderliche")
    assert "bkw-anmelden" in overdue
    assert "Frau Muster" in overdue
    volatile, rest = rest.split("Mehr 👎 als 👍")
    assert "wp-foerderung" in volatile
    assert "bkw" not in volatile
    disliked, open_part = rest.split("Offene Fragen dieser Woche")
    assert "oekostrom: 👍 1 · 👎 2" in disliked
    assert "bkw" not in disliked
    assert f"Nr. {number}" in open_part
    assert "Meeresspiegel" in open_part


async def test_weekly_job_posts_the_review_to_the_manager_room(bot: Any) -> None:
    router, replier, _, _ = bot
    await _watch(router).weekly(router.services, replier)
    [(room, text, _)] = replier.notices
    assert room == TEAM
    assert "FAQ-Prüfung der Woche" in text
    assert replier.sent == []  # a notice in the room, not a reply to anything


async def test_weekly_job_is_skipped_without_a_manager_room(tmp_path: Path) -> None:
    router, replier, db, _ = await make_router(tmp_path, faq=_write_faq(tmp_path))
    try:
        await _watch(router).weekly(router.services, replier)
        assert replier.notices == []
        assert replier.sent == []
    finally:
        await db.close()


async def test_review_of_an_up_to_date_faq_says_so(tmp_path: Path) -> None:
    settings = _write_faq(tmp_path)
    router, replier, db, clock = await make_router(tmp_path, faq=settings, manager_room=TEAM)
    clock.now = time.time() - 300 * DAY  # before anything was due
    try:
        await manager(router, "!faq-review")
        assert "Alles aktuell" in replier.sent[-1][1]
    finally:
        await db.close()
