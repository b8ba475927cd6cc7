"""The council report: period words, the data model, HTML and PDF, and `!bericht` in chat."""

from __future__ import annotations

import dataclasses
import io
import time
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from commands.errors import CommandError
from commands.i18n import Catalog
from commands.quiet import BERLIN
from commands.report import Period, ReportSources, build_files, collect, parse_period
from commands.report.blocks import Texts
from commands.report.history import build_measures
from commands.report.model import (
    BroadcastStats,
    Change,
    NetworkStats,
    QuestionStats,
    Report,
    question_stats,
)
from commands.report.view import build_document
from config.measures import Catalogue, Indicator, Measure, Milestone
from store.report import HistoryRow, MilestoneRow, ValueRow
from tests.commands.fakes import MANAGER, make_router, message

TODAY = date(2026, 12, 6)
HOSTILE = '<script>alert("x")</script> & <img src=x onerror=alert(1)>'


# --- the period -------------------------------------------------------------------------------


def test_no_words_mean_the_last_twelve_months() -> None:
    assert parse_period("", TODAY) == Period(date(2025, 12, 7), TODAY)


@pytest.mark.parametrize(
    ("words", "first", "last"),
    [
        ("1.1.2026 31.3.2026", date(2026, 1, 1), date(2026, 3, 31)),
        ("2026-01-01 bis 2026-03-31", date(2026, 1, 1), date(2026, 3, 31)),
        ("Januar 2026", date(2026, 1, 1), date(2026, 1, 31)),
        ("märz 2026 - Juni 2026", date(2026, 3, 1), date(2026, 6, 30)),
        ("2025", date(2025, 1, 1), date(2025, 12, 31)),
        ("02.2024", date(2024, 2, 1), date(2024, 2, 29)),
        ("2026-11-01", date(2026, 11, 1), TODAY),  # one day alone runs until today
        ("2026", date(2026, 1, 1), TODAY),  # the year is not over: it ends today
        ("letztes Jahr", date(2025, 1, 1), date(2025, 12, 31)),
        ("Vorjahr", date(2025, 1, 1), date(2025, 12, 31)),
        ("last year", date(2025, 1, 1), date(2025, 12, 31)),
        ("dieses Jahr", date(2026, 1, 1), TODAY),
        ("letzten Monat", date(2026, 11, 1), date(2026, 11, 30)),
        ("diesen Monat", date(2026, 12, 1), TODAY),
        ("vergangenes Jahr bis diesen Monat", date(2025, 1, 1), TODAY),
    ],
)
def test_period_words_name_days_months_and_years(words: str, first: date, last: date) -> None:
    assert parse_period(words, TODAY) == Period(first, last)


def test_last_month_in_january_is_the_december_before() -> None:
    january = date(2027, 1, 15)
    assert parse_period("letzten Monat", january) == Period(date(2026, 12, 1), date(2026, 12, 31))


@pytest.mark.parametrize(
    ("words", "key"),
    [
        ("31.3.2026 1.1.2026", "report.reversed"),
        ("31.12.2026 1.1.2026", "report.reversed"),  # a swap, even though its start is ahead
        ("1.1.2027", "report.future"),
        ("gestern?", "report.bad_date"),
        ("32.1.2026", "report.bad_date"),
        ("Brumaire 2026", "report.bad_date"),
        ("2026 2025 2024", "report.bad_period"),
        ("1990 2026", "report.bad_date"),
    ],
)
def test_bad_period_words_get_a_polite_error(words: str, key: str) -> None:
    with pytest.raises(CommandError) as caught:
        parse_period(words, TODAY)
    assert caught.value.key == key


# --- the model --------------------------------------------------------------------------------

PERIOD = Period(date(2026, 1, 1), date(2026, 6, 30))


def _ts(day: date) -> float:
    return datetime(day.year, day.month, day.day, 12, tzinfo=BERLIN).timestamp()


def _measure(**changes: Any) -> Measure:
    base = Measure(
        id="m1",
        title={"de": "Wärmeplanung", "en": "Heat planning"},
        topic="waerme-heizung",
        description={"de": "d", "en": "d"},
        target_group={"de": "g", "en": "g"},
        responsible="Stadt",
        status="geplant",
        status_note={},
        progress=0,
        start=None,
        end=None,
        co2_saving_t_per_year=120.0,
        sources=("https://example.invalid/",),
        co2_achieved_t_per_year=30.5,
        indicators=(Indicator("anschluesse", "Anschlüsse", "Gebäude", (0, 2024), (400, 2035), ()),),
        milestones=(
            Milestone(1, "Bestandsanalyse", date(2026, 3, 31), False),
            Milestone(2, "Zielszenario", date(2026, 5, 31), False),
            Milestone(3, "Beschluss", date(2027, 3, 31), False),
        ),
        eea_field="entwicklungsplanung",
    )
    return dataclasses.replace(base, **changes)


def _rows(measure: Measure) -> Any:
    history = [
        HistoryRow("m1", "in Umsetzung", 10, None, _ts(date(2025, 11, 1))),  # before the period
        HistoryRow("m1", None, 40, "Analyse läuft", _ts(date(2026, 2, 1))),
        HistoryRow("m1", None, None, "Bürgerabend am 5.3.", _ts(date(2026, 2, 20))),
        HistoryRow("m1", None, 90, None, _ts(date(2026, 7, 5))),  # after the period
    ]
    values = [
        ValueRow("m1", "anschluesse", 80, date(2025, 12, 1), _ts(date(2025, 12, 1))),
        ValueRow("m1", "anschluesse", 120, date(2026, 4, 1), _ts(date(2026, 4, 2))),
        ValueRow("m1", "anschluesse", 500, date(2026, 8, 1), _ts(date(2026, 8, 2))),  # later
    ]
    milestones = [MilestoneRow("m1", 1, True, None, _ts(date(2026, 3, 30)))]
    return build_measures(Catalogue(False, None, (measure,)), PERIOD, history, values, milestones)


def test_measure_shows_its_state_before_and_after_and_the_changes_between() -> None:
    [row] = _rows(_measure())
    assert (row.status_before, row.progress_before) == ("in Umsetzung", 10)
    assert (row.status, row.progress) == ("in Umsetzung", 40)  # the July update is later
    kinds = [(c.day, c.kind) for c in row.changes]
    assert kinds == [
        (date(2026, 2, 1), "status"),
        (date(2026, 2, 20), "news"),
        (date(2026, 3, 30), "milestone_done"),
        (date(2026, 4, 1), "value"),
    ]
    assert row.changed


def test_milestones_met_and_missed_in_the_period() -> None:
    [row] = _rows(_measure())
    assert [m.name for m in row.milestones_met] == ["Bestandsanalyse"]
    assert [m.name for m in row.milestones_missed] == ["Zielszenario"]  # "Beschluss" is later


def test_indicator_against_baseline_and_target_at_the_end_of_the_period() -> None:
    [row] = _rows(_measure())
    [indicator] = row.indicators
    assert indicator.before == (date(2025, 12, 1), 80)
    assert indicator.last == (date(2026, 4, 1), 120)  # the August value is after the period
    assert indicator.values_in_period == 1
    assert indicator.share == 30  # 120 of the way from 0 to 400


def test_a_measure_without_history_is_unchanged() -> None:
    [row] = build_measures(Catalogue(False, None, (_measure(milestones=()),)), PERIOD, [], [], [])
    assert not row.changed
    assert (row.status_before, row.status) == ("geplant", "geplant")


def test_a_measure_with_only_an_overdue_milestone_is_not_changed() -> None:
    [row] = build_measures(Catalogue(False, None, (_measure(),)), PERIOD, [], [], [])
    assert [m.name for m in row.milestones_missed] == ["Bestandsanalyse", "Zielszenario"]
    assert not row.changed


def test_entries_of_one_day_are_listed_in_the_order_they_were_recorded() -> None:
    day = date(2026, 3, 10)
    history = [HistoryRow("m1", "in Umsetzung", 50, None, _ts(day) + 60)]
    values = [ValueRow("m1", "anschluesse", 45, day, _ts(day))]
    [row] = build_measures(Catalogue(False, None, (_measure(),)), PERIOD, history, values, [])
    assert [c.kind for c in row.changes] == ["value", "status"]


def test_questions_count_by_entry_topic_and_guessed_topic_without_texts() -> None:
    rows = [("answer", "wp-kosten", 5), ("did_you_mean", "pv-1", 2), ("dont_know", None, 4)]
    topics = {"wp-kosten": "waerme-heizung", "pv-1": "photovoltaik"}
    stats = question_stats(rows, topics.get, ["photovoltaik", None, "photovoltaik"])
    assert stats.total == 11
    assert stats.outcomes == {"answer": 5, "did_you_mean": 2, "on_topic": 0, "dont_know": 4}
    assert stats.topics == (("waerme-heizung", 5), ("photovoltaik", 4), (None, 2))


# --- rendering --------------------------------------------------------------------------------


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Any]:
    router, replier, db, clock = await make_router(tmp_path)
    clock.now = time.time()  # the stores stamp rows with the real time
    yield router, replier, clock
    await db.close()


def _this_year() -> Period:
    today = datetime.now(BERLIN).date()
    return Period(today - timedelta(days=30), today)


async def _record_changes(router: Any, title: str = "Kommunale Wärmeplanung") -> None:
    service = router.services.measures
    measures = tuple(
        dataclasses.replace(m, title={"de": title, "en": title})
        if m.id == "kommunale-waermeplanung"
        else m
        for m in service.catalogue.measures
    )
    service.catalogue = dataclasses.replace(service.catalogue, measures=measures)
    await service.store.record("kommunale-waermeplanung", MANAGER, "in Umsetzung", 60, "Ö&A")
    await service.store.record("led-strassenbeleuchtung", MANAGER, text=f"Neu: {HOSTILE}")


async def _files(router: Any) -> tuple[str, str]:
    report = await collect(ReportSources.of(router.services), _this_year(), time.time())
    files = build_files(report, Catalog.load())
    assert files.pdf.startswith(b"%PDF-")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(files.pdf)).pages)
    return files.html.decode("utf-8"), text


async def test_html_and_pdf_contain_the_periods_changes(bot: Any) -> None:
    router, _, _ = bot
    await _record_changes(router)
    html, pdf = await _files(router)
    for text in (html, " ".join(pdf.split())):
        assert "Kommunale Wärmeplanung" in text
        assert "Status in Umsetzung, 60 %" in text
        assert "CO₂-Einsparung" in text
    assert '<html lang="de">' in html
    assert '<th scope="col"' in html
    assert '<th scope="row">' in html
    assert "<caption>" in html
    assert '<img src="data:image/png;base64,' in html
    assert 'alt="Diagramm: 17 Maßnahmen nach Status und Fortschritt' in html
    assert "@media print" in html


async def test_hostile_measure_and_news_text_is_escaped_in_html(bot: Any) -> None:
    router, _, _ = bot
    await _record_changes(router, title=HOSTILE)
    html, pdf = await _files(router)
    assert "<script>" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;img src=x" in html
    assert '<script>alert("x")</script>' in pdf  # the PDF shows it as typed


def test_a_period_with_no_data_still_gives_a_report_saying_so() -> None:
    report = Report(
        PERIOD,
        datetime(2026, 7, 1, tzinfo=BERLIN),
        False,
        (),
        QuestionStats(0, {}, ()),
        BroadcastStats(0, (), (), 0, 0, 0, 0, 0, 0),
        NetworkStats(0, 0, (), {}),
    )
    assert report.quiet
    text = build_document(report, Texts(Catalog.load())).text()
    assert "Im Berichtszeitraum ist nichts geschehen" in text
    assert "Im Zeitraum wurden keine Fragen gestellt." in text
    files = build_files(report, Catalog.load())
    assert files.pdf.startswith(b"%PDF-")
    assert len(PdfReader(io.BytesIO(files.pdf)).pages) >= 1


def test_event_announcements_are_named_in_the_report_not_shown_as_a_raw_kind() -> None:
    report = Report(
        PERIOD,
        datetime(2026, 7, 1, tzinfo=BERLIN),
        False,
        (),
        QuestionStats(0, {}, ()),
        BroadcastStats(
            2, (("termin", 1), ("pledge_milestone", 1)), (("mobilitaet", 2),), 1, 1, 0, 0, 0, 0
        ),
        NetworkStats(0, 0, (), {}),
    )
    text = build_document(report, Texts(Catalog.load())).text()
    assert "Terminankündigung" in text
    assert "Zwischenstand einer Mitmach-Aktion" in text
    assert "Sonstiges" not in text


def test_change_texts_read_as_sentences() -> None:
    from commands.report.view import _change_text

    t = Texts(Catalog.load())
    moved = Change(date(2026, 2, 1), "milestone_moved", name="Beschluss", moved_to=date(2027, 1, 1))
    value = Change(date(2026, 2, 1), "value", name="LED-Anteil", value=1234.5, unit="%")
    assert _change_text(t, moved) == "01.02.2026: Meilenstein „Beschluss“ verschoben auf 01.01.2027"
    assert _change_text(t, value) == "01.02.2026: LED-Anteil 1.234,5 %"


# --- in chat ----------------------------------------------------------------------------------


async def test_manager_gets_summary_pdf_and_html_in_a_dm(bot: Any) -> None:
    router, replier, clock = bot
    await _record_changes(router)
    await router.dispatch(message("!bericht", sender=MANAGER, direct=True, ts=clock.now))
    assert "Klimaschutzbericht" in replier.texts[-1]
    assert "Maßnahmen: 17, davon geändert: 2 · Fragen: 0" in replier.texts[-1]
    [(pdf_name, pdf), (html_name, html)] = replier.files
    assert pdf_name.startswith("klimaschutzbericht-")
    assert pdf_name.endswith(".pdf")
    assert html_name.endswith(".html")
    assert pdf.startswith(b"%PDF-")
    assert b"Status in Umsetzung, 60 %" in html


async def test_report_is_refused_in_an_ordinary_room(bot: Any) -> None:
    router, replier, clock = bot
    await router.dispatch(message("!bericht", sender=MANAGER, ts=clock.now))
    assert "nur im Raum des Klimaschutzmanagements" in replier.texts[-1]
    assert not replier.files


async def test_citizen_cannot_have_the_report(bot: Any) -> None:
    router, replier, clock = bot
    await router.dispatch(message("!bericht", direct=True, ts=clock.now))
    assert not replier.files


async def test_reversed_dates_get_a_polite_answer_in_chat(bot: Any) -> None:
    router, replier, clock = bot
    await router.dispatch(
        message("!bericht 31.3.2026 1.1.2026", sender=MANAGER, direct=True, ts=clock.now)
    )
    assert "Der Anfang (31.03.2026) liegt nach dem Ende (01.01.2026)" in replier.texts[-1]
    assert not replier.files


async def test_many_measures_chart_only_the_first_ones_changed_first(
    bot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from commands.report import charts

    router, _, _ = bot
    await _record_changes(router)
    monkeypatch.setattr(charts, "MAX_PROGRESS_BARS", 2)
    report = await collect(ReportSources.of(router.services), _this_year(), time.time())
    [progress, *_] = charts.figures(report, Texts(Catalog.load()))
    assert "(gezeigt: 2 von 17, die geänderten zuerst" in progress.caption
    assert "(gezeigt: 2 von 17, die geänderten zuerst" in progress.alt


def _pdf_text(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def test_pdf_wraps_long_cells_and_repeats_the_header_on_every_page() -> None:
    from fpdf import FPDF

    from commands.report.blocks import Document, Table
    from commands.report.pdffile import FONT, _wrap, font_dir, render_pdf

    pdf = FPDF()
    pdf.add_font(FONT, "", str(font_dir() / "DejaVuSans.ttf"))
    pdf.set_font(FONT, size=8.5)
    text = "Klimaschutzmanagementstellenbesetzungsverfahren und Wärmeplanung in Ochtrup"
    lines = _wrap(pdf, text, 20)
    assert len(lines) > 2
    assert all(pdf.get_string_width(line) <= 20 for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    pdf.output()  # fpdf2 closes its font files when it writes the document

    rows = tuple((f"Maßnahme {n}", f"{n} %") for n in range(120))
    doc = Document("T", "de", [Table("Tabelle", ("Spalte Maßnahme", "Spalte Wert"), rows)])
    pages = _pdf_text(render_pdf(doc, Texts(Catalog.load())))
    assert len(pages) >= 3
    assert all("Spalte Maßnahme" in page for page in pages)
    assert "Maßnahme 119" in pages[-1]


def test_a_busy_measure_lists_its_latest_changes_and_counts_the_rest() -> None:
    from commands.report.view import CHANGES_SHOWN

    history = [
        HistoryRow("m1", None, None, f"Nachricht {n}", _ts(date(2026, 1, 1)) + n)
        for n in range(CHANGES_SHOWN + 5)
    ]
    measures = build_measures(Catalogue(False, None, (_measure(),)), PERIOD, history, [], [])
    report = Report(
        PERIOD,
        datetime(2026, 7, 1, tzinfo=BERLIN),
        False,
        measures,
        QuestionStats(0, {}, ()),
        BroadcastStats(0, (), (), 0, 0, 0, 0, 0, 0),
        NetworkStats(0, 0, (), {}),
    )
    text = build_document(report, Texts(Catalog.load())).text()
    assert "… und 5 frühere Einträge im Zeitraum" in text
    assert f"Nachricht {CHANGES_SHOWN + 4}" in text
    assert "Nachricht 4\n" not in text
    assert "Nachricht 5\n" in text


def test_dollar_signs_in_measure_and_indicator_names_are_drawn_as_text() -> None:
    measure = _measure(
        title={"de": "Kosten $5 und $x^{", "en": "x"},
        indicators=(Indicator("k", "Ersparnis $^{", "$", (0, 2024), (10, 2030), ()),),
    )
    [row] = build_measures(
        Catalogue(False, None, (measure,)),
        PERIOD,
        [],
        [ValueRow("m1", "k", 4, date(2026, 2, 1), _ts(date(2026, 2, 1)))],
        [],
    )
    report = Report(
        PERIOD,
        datetime(2026, 7, 1, tzinfo=BERLIN),
        False,
        (row,),
        QuestionStats(0, {}, ()),
        BroadcastStats(0, (), (), 0, 0, 0, 0, 0, 0),
        NetworkStats(0, 0, (), {}),
    )
    from commands.report.charts import figures

    progress, indicator = figures(report, Texts(Catalog.load()))  # matplotlib did not choke
    assert "Ersparnis $^{: 1 Wert, zuletzt 4 $ am 01.02.2026" in indicator.alt
    assert "\\$" not in indicator.alt + indicator.caption + progress.alt


def test_counts_read_correctly_for_one() -> None:
    report = Report(
        PERIOD,
        datetime(2026, 7, 1, tzinfo=BERLIN),
        False,
        (),
        QuestionStats(0, {}, ()),
        BroadcastStats(1, (("announcement", 1),), (("mobilitaet", 1),), 1, 1, 1, 0, 0, 0),
        NetworkStats(1, 1, (("Handwerk", 1),), {"accepted": 1}),
    )
    text = build_document(report, Texts(Catalog.load())).text()
    assert "1 Ankündigung; erreichte Personen: 1" in text
    assert "Beiträge in Themenräumen: 1" in text
    assert "Vernetzungsanfragen im Zeitraum: 1 – angenommen: 1" in text
    assert "1 Akteur im Netzwerk (neu: 1); Vernetzungsanfragen: 1" in text
