"""The public page's content (commands/monitor): rendering, escaping, no personal data, open data.

A real SQLite file and the shipped example catalogue, in which one title is made hostile; the
service is called directly (the routes are tested in tests/bot/test_web.py).
"""

from __future__ import annotations

import csv
import dataclasses
import datetime
import io
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import icalendar
import pytest

from commands.broadcast import TopicIndex
from commands.i18n import Catalog
from commands.measures import MeasureService
from commands.monitor import MonitorService, MonitorSettings
from commands.monitor.opendata import DATASETS
from commands.quiet import BERLIN
from commands.termine_service import EventService
from config.faq import load_topics
from config.measures import load_measures
from config.settings import shipped_config_dir
from store.db import Database
from store.events_calendar import EventStore
from store.measures import MeasureStore

BOT = "@klimabot:ochtrup.test"
LED = "led-strassenbeleuchtung"
WAERME = "kommunale-waermeplanung"  # its example owner is @beispiel-klimaschutz:ochtrup.invalid
HOSTILE_TITLE = '<script>alert(1)</script><b title="x" onmouseover="y">LED & Co</b>'
OWNER = "@owner:ochtrup.test"
MATRIX_ID = re.compile(r"@[a-z0-9._=\-/+]+:[A-Za-z0-9.\-]+")


@dataclasses.dataclass
class Monitor:
    service: MonitorService
    measures: MeasureService
    db: Database


@pytest.fixture
async def monitor(tmp_path: Path) -> AsyncIterator[Monitor]:
    shipped = (shipped_config_dir() / "measures.yaml").read_text(encoding="utf-8")
    original = 'title: {de: "Umstellung der Straßenbeleuchtung auf LED"'
    assert original in shipped
    hostile = json.dumps(HOSTILE_TITLE, ensure_ascii=False)  # a valid YAML double-quoted string
    path = tmp_path / "measures.yaml"
    path.write_text(shipped.replace(original, f"title: {{de: {hostile}"), encoding="utf-8")
    # Only what the page uses (building every service would load the whole FAQ per test).
    topics = TopicIndex(load_topics(shipped_config_dir() / "topics.yaml"))
    db = await Database.open(tmp_path / "bot.sqlite")
    slugs = frozenset(t.slug for t in topics.topics)
    measures = MeasureService(load_measures(path, slugs), MeasureStore(db))
    await measures.seed()
    service = MonitorService(
        measures,
        topics,
        Catalog.load(),
        MonitorSettings(BOT, "https://klima.ochtrup.test/monitor", "Rathaus, Zimmer 1"),
    )
    yield Monitor(service, measures, db)
    await db.close()


async def _record_chat_data(m: Monitor) -> None:
    store = m.measures.store
    led = m.measures.catalogue.get(LED)
    assert led is not None
    await store.record_value(LED, led.indicators[0].id, 41.5, datetime.date(2025, 6, 30), OWNER)
    await store.record(LED, OWNER, "in Umsetzung", 42)
    await store.record(LED, OWNER, text="Erledigt mit @anna:ochtrup.de und <i>Team</i>")
    await store.record_milestone(LED, 2, OWNER, done=True)


async def _everything(m: Monitor) -> dict[str, str]:
    s = m.service
    bodies = {
        "/": await s.index(),
        f"/massnahmen/{LED}": await s.measure_page(LED),
        f"/massnahmen/{WAERME}": await s.measure_page(WAERME),
        "/themen": await s.topics_page(),
        "/daten": s.data_page(),
        "/barrierefreiheit": s.accessibility_page(),
    }
    for name in DATASETS:
        for kind in ("csv", "json"):
            bodies[f"/daten/{name}.{kind}"] = await s.open_data(f"{name}.{kind}")
    assert all(reply.status == 200 for reply in bodies.values())
    return {path: reply.body.decode("utf-8") for path, reply in bodies.items()}


async def test_hostile_title_and_news_are_escaped_on_every_page(monitor: Monitor) -> None:
    await _record_chat_data(monitor)
    pages = await _everything(monitor)
    for path, body in pages.items():
        if path.startswith("/daten/"):
            continue
        assert "<script>alert" not in body, path
        assert "<i>Team" not in body, path
        assert 'onmouseover="y"' not in body, path
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b title=&#34;x&#34;" in pages["/"]
    assert "&lt;i&gt;Team&lt;/i&gt;" in pages[f"/massnahmen/{LED}"]


async def test_no_page_or_file_names_a_matrix_account_but_the_bots_own(monitor: Monitor) -> None:
    await _record_chat_data(monitor)
    waerme = monitor.measures.catalogue.get(WAERME)
    assert waerme is not None
    assert waerme.owners.users
    for path, body in (await _everything(monitor)).items():
        accounts = set(MATRIX_ID.findall(body)) - {BOT}
        assert not accounts, f"{path}: {accounts}"
    history = (await monitor.service.open_data("verlauf.json")).body.decode()
    assert "Erledigt mit […] und <i>Team</i>" in history


async def test_measures_csv_and_json_round_trip_the_catalogue_and_live_state(
    monitor: Monitor,
) -> None:
    await _record_chat_data(monitor)
    csv_rows = list(csv.DictReader(io.StringIO(await _text(monitor, "massnahmen.csv"))))
    json_rows = json.loads(await _text(monitor, "massnahmen.json"))
    catalogue = monitor.measures.catalogue.measures
    assert [r["id"] for r in csv_rows] == [r["id"] for r in json_rows] == [m.id for m in catalogue]
    assert list(csv_rows[0]) == list(json_rows[0]) == list(DATASETS["massnahmen"])
    states = await monitor.measures.store.states()
    for measure, from_csv, from_json in zip(catalogue, csv_rows, json_rows, strict=True):
        assert from_csv["titel"] == from_json["titel"] == measure.title["de"]
        assert from_csv["status"] == from_json["status"] == states[measure.id].status
        progress = states[measure.id].progress
        assert int(from_csv["fortschritt_prozent"]) == from_json["fortschritt_prozent"] == progress
        assert from_csv["quellen"].split() == from_json["quellen"] == list(measure.sources)
        co2 = measure.co2_saving_t_per_year
        assert from_json["co2_erwartet_t_pro_jahr"] == co2
        assert (float(from_csv["co2_erwartet_t_pro_jahr"]) if co2 is not None else "") == (
            co2 if co2 is not None else from_csv["co2_erwartet_t_pro_jahr"]
        )
        assert from_json["seite"] == f"https://klima.ochtrup.test/monitor/massnahmen/{measure.id}"
    led = next(r for r in json_rows if r["id"] == LED)
    assert (led["titel"], led["fortschritt_prozent"]) == (HOSTILE_TITLE, 42)


async def test_indicator_values_have_catalogue_and_chat_values_in_both_formats(
    monitor: Monitor,
) -> None:
    await _record_chat_data(monitor)
    rows = json.loads(await _text(monitor, "kennzahlen.json"))
    led = [r for r in rows if r["massnahme_id"] == LED]
    assert [(r["datum"], r["wert"], r["herkunft"]) for r in led] == [
        ("2020-08-30", 27.0, "katalog"),
        ("2025-06-30", 41.5, "chat"),
    ]
    assert (led[0]["zielwert"], led[0]["zieljahr"]) == (100.0, 2030)
    csv_rows = list(csv.DictReader(io.StringIO(await _text(monitor, "kennzahlen.csv"))))
    assert [(r["massnahme_id"], r["datum"], float(r["wert"])) for r in csv_rows] == [
        (r["massnahme_id"], r["datum"], r["wert"]) for r in rows
    ]


async def test_history_is_newest_first_with_kinds_and_without_authors(monitor: Monitor) -> None:
    await _record_chat_data(monitor)
    rows = [r for r in json.loads(await _text(monitor, "verlauf.json")) if r["massnahme_id"] == LED]
    assert {r["art"] for r in rows} == {"status", "meldung", "wert", "meilenstein"}
    assert [r["zeitpunkt"] for r in rows] == sorted((r["zeitpunkt"] for r in rows), reverse=True)
    status = next(r for r in rows if r["art"] == "status")
    assert (status["status"], status["fortschritt_prozent"]) == ("in Umsetzung", 42)
    assert all(set(r) == set(DATASETS["verlauf"]) for r in rows)
    assert OWNER not in json.dumps(rows)


async def test_a_csv_text_cell_that_looks_like_a_formula_is_defused(monitor: Monitor) -> None:
    await monitor.measures.store.record(LED, OWNER, text='=HYPERLINK("http://x","klick")')
    csv_text = await _text(monitor, "verlauf.csv")
    assert "'=HYPERLINK" in csv_text
    rows = json.loads(await _text(monitor, "verlauf.json"))
    assert rows[0]["text"] == '=HYPERLINK("http://x","klick")'  # JSON keeps the text as it is


@pytest.mark.parametrize(
    "measure_id",
    ["gibt-es-nicht", LED.upper(), f" {LED}", "../config/settings.py", "..%2Fetc%2Fpasswd", ""],
)
async def test_only_an_exact_known_measure_id_has_a_page(monitor: Monitor, measure_id: str) -> None:
    assert (await monitor.service.measure_page(measure_id)).status == 404
    assert (await monitor.service.indicator_png(measure_id)).status == 404


@pytest.mark.parametrize("name", ["massnahmen", "massnahmen.xml", "../massnahmen.csv", "x.csv"])
async def test_unknown_open_data_file_is_not_found(monitor: Monitor, name: str) -> None:
    assert (await monitor.service.open_data(name)).status == 404


async def test_measure_without_indicator_values_has_no_chart(monitor: Monitor) -> None:
    without = next(m for m in monitor.measures.catalogue.measures if not m.indicators)
    assert (await monitor.service.indicator_png(without.id)).status == 404
    page = (await monitor.service.measure_page(without.id)).body.decode()
    assert "kennzahlen.png" not in page


async def test_charts_are_drawn_once_per_data_version(monitor: Monitor) -> None:
    first = await monitor.service.progress_png()
    again = await monitor.service.progress_png()
    assert first.body.startswith(b"\x89PNG\r\n\x1a\n")
    assert first.content_type == "image/png"
    assert again.body == first.body
    assert monitor.service.charts.drawn == 1
    await monitor.measures.store.record(LED, OWNER, "in Umsetzung", 43)
    await monitor.service.progress_png()
    assert monitor.service.charts.drawn == 2
    assert (await monitor.service.indicator_png(LED)).status == 200
    assert monitor.service.charts.drawn == 3


async def test_pages_are_german_with_landmarks_and_accessible_tables(monitor: Monitor) -> None:
    await _record_chat_data(monitor)
    page = (await monitor.service.measure_page(LED)).body.decode()
    assert page.startswith('<!DOCTYPE html>\n<html lang="de">')
    assert '<a class="skip" href="#inhalt">Zum Inhalt springen</a>' in page
    assert '<main id="inhalt"' in page
    assert "<nav aria-label=" in page
    assert "<footer" in page
    assert page.count("<h1>") == 1
    assert "<caption>" in page
    assert '<th scope="col">' in page
    assert re.search(r'<img src="[^"]+kennzahlen.png" alt="Diagramm: [^"]+">', page)
    assert "42 %" in page  # progress as text, not only as a bar
    assert 'href="https://matrix.to/#/@klimabot:ochtrup.test"' in page
    assert "abonnieren led-strassenbeleuchtung" in page


async def test_not_found_page_links_to_the_public_address(monitor: Monitor) -> None:
    reply = monitor.service.not_found()
    assert reply.status == 404
    assert 'href="https://klima.ochtrup.test/monitor/">Zur Übersicht' in reply.body.decode()


async def _text(monitor: Monitor, name: str) -> str:
    reply = await monitor.service.open_data(name)
    assert reply.status == 200
    return reply.body.decode("utf-8")


async def test_a_status_change_without_progress_names_no_number(monitor: Monitor) -> None:
    await monitor.measures.store.record(LED, OWNER, status="zurückgestellt")
    rows = json.loads(await _text(monitor, "verlauf.json"))
    assert rows[0]["text"] == "Status zurückgestellt, – %"
    assert rows[0]["fortschritt_prozent"] is None


async def test_period_without_dates_reads_not_known(monitor: Monitor) -> None:
    eea = (await monitor.service.measure_page("european-energy-award")).body.decode()
    assert "<dt>Zeitraum</dt><dd>nicht bekannt</dd>" in eea
    started = (await monitor.service.measure_page("klimaschutzmanagement")).body.decode()
    assert "<dt>Zeitraum</dt><dd>01.01.2020 – offen</dd>" in started


# --- events (issue 14: upcoming events with calendar files on the public page) -----------------

# A week before the clocks go forward (28.03.2027, 02:00): an event on the 27th is still in
# winter time, one on 3 April in summer time.
NOW = datetime.datetime(2027, 3, 21, 12, 0, tzinfo=BERLIN).timestamp()
KSM = "@ksm:ochtrup.test"


def _at(day: int, month: int, hour: int, minute: int = 0) -> float:
    return datetime.datetime(2027, month, day, hour, minute, tzinfo=BERLIN).timestamp()


def _with_events(m: Monitor) -> tuple[MonitorService, EventStore]:
    store = EventStore(m.db)
    service = MonitorService(
        m.measures,
        TopicIndex(load_topics(shipped_config_dir() / "topics.yaml")),
        Catalog.load(),
        MonitorSettings(BOT, "https://klima.ochtrup.test/monitor"),
        clock=lambda: NOW,
    )
    # Only the store, prefix and clock are used by the page; broadcaster and users are not.
    service.events = EventService(store, None, Catalog.load(), None, "!", lambda: NOW)  # type: ignore[arg-type]
    return service, store


async def _add(store: EventStore, title: str, starts: float, **fields: Any) -> int:
    values: dict[str, Any] = {
        "place": "Rathaus, Saal 1",
        "capacity": None,
        "topic": None,
        "body": "",
        "closes_at": None,
    }
    values.update(fields)
    return await store.add(title=title, starts_at=starts, author=KSM, **values)


async def test_events_page_lists_upcoming_events_in_german_local_time_with_free_places(
    monitor: Monitor,
) -> None:
    service, store = _with_events(monitor)
    repair = await _add(store, "Repair-Café", _at(4, 4, 14, 30), capacity=2, topic="mobilitaet")
    walk = await _add(store, "Energiespaziergang", _at(27, 3, 10))
    cancelled = await _add(store, "Abgesagter Abend", _at(25, 3, 19))
    await store.cancel(cancelled)
    await _add(store, "Schon vorbei", _at(20, 3, 19))
    await store.register(repair, "@anna:ochtrup.test", 2)
    reply = await service.events_page()
    assert reply.status == 200
    page = reply.body.decode()
    assert page.index("Energiespaziergang") < page.index("Repair-Café")  # soonest first
    assert "Abgesagter Abend" not in page
    assert "Schon vorbei" not in page
    walk_time = (
        '<time datetime="2027-03-27T10:00+01:00">Samstag, 27.03.2027, 10:00–12:00 Uhr</time>'
    )
    repair_time = (
        '<time datetime="2027-04-04T14:30+02:00">Sonntag, 04.04.2027, 14:30–16:30 Uhr</time>'
    )
    assert walk_time in page
    assert repair_time in page
    assert "<dd>1 von 2 frei</dd>" in page
    assert "<dd>ohne Begrenzung</dd>" in page
    assert f"<code>!anmelden {walk}</code>" in page
    assert f"<code>!anmelden {repair}</code>" in page
    assert 'href="https://matrix.to/#/@klimabot:ochtrup.test"' in page
    assert 'href="themen#mobilitaet"' in page
    assert f'href="termine/{repair}.ics"' in page
    assert not set(MATRIX_ID.findall(page)) - {BOT}  # never who registered, nor the author


async def test_events_page_is_accessible_with_one_h1_headings_and_a_list(monitor: Monitor) -> None:
    service, store = _with_events(monitor)
    await _add(store, "Energiespaziergang", _at(27, 3, 10))
    page = (await service.events_page()).body.decode()
    assert page.startswith('<!DOCTYPE html>\n<html lang="de">')
    assert page.count("<h1>") == 1
    assert '<ul class="events">' in page
    assert '<h2 id="termin-1" tabindex="-1">Energiespaziergang</h2>' in page
    assert '<article aria-labelledby="termin-1">' in page
    assert '<dl class="facts">' in page


async def test_full_and_closed_events_say_so_without_names(monitor: Monitor) -> None:
    service, store = _with_events(monitor)
    full = await _add(store, "Voll", _at(28, 3, 10), capacity=1)
    await store.register(full, "@anna:ochtrup.test", 1)
    await store.register(full, "@bernd:ochtrup.test", 1)
    await _add(store, "Geschlossen", _at(29, 3, 10), closes_at=_at(21, 3, 11))
    page = (await service.events_page()).body.decode()
    assert "ausgebucht – Anmeldung auf die Warteliste (1 wartend)" in page
    assert "Die Anmeldung ist geschlossen." in page
    assert "!anmelden 2" not in page  # closed: no command to copy
    assert "anna" not in page
    assert "bernd" not in page


async def test_hostile_event_texts_are_escaped_and_matrix_ids_removed(monitor: Monitor) -> None:
    service, store = _with_events(monitor)
    number = await _add(
        store,
        HOSTILE_TITLE,
        _at(28, 3, 10),
        place="bei @bob:ochtrup.test <i>zuhause</i>",
        body="Fragen an @carla:ochtrup.test",
    )
    pages = {
        "/termine": (await service.events_page()).body.decode(),
        "/": (await service.index()).body.decode(),
    }
    for path, page in pages.items():
        assert "<script>alert" not in page, path
        assert 'onmouseover="y"' not in page, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page, path
        assert "bob" not in page, path
    assert "bei […] &lt;i&gt;zuhause&lt;/i&gt;" in pages["/termine"]
    assert "Fragen an […]" in pages["/termine"]
    for reply in (await service.events_ics(), await service.event_ics(str(number))):
        text = reply.body.decode()
        assert "bob" not in text
        assert "carla" not in text
        assert "@ksm" not in text


async def test_events_page_shows_the_end_and_both_dates_across_days(monitor: Monitor) -> None:
    service, store = _with_events(monitor)
    # Saturday 10:00 for two days: summer time begins on Sunday, Monday still 10:00.
    await _add(store, "Klimacamp", _at(27, 3, 10), duration=2 * 86400.0)
    await _add(store, "Kurzvortrag", _at(4, 4, 18), duration=45 * 60.0)
    page = (await service.events_page()).body.decode()
    assert "Samstag, 27.03.2027, 10:00 Uhr bis Montag, 29.03.2027, 10:00 Uhr" in page
    assert "Sonntag, 04.04.2027, 18:00–18:45 Uhr" in page
    feed = icalendar.Calendar.from_ical((await service.events_ics()).body)
    ends = [e.decoded("DTEND") for e in feed.walk("VEVENT")]
    assert [e.strftime("%d.%m. %H:%M %z") for e in ends] == [
        "29.03. 10:00 +0200",
        "04.04. 18:45 +0200",
    ]


async def test_calendar_files_hold_only_upcoming_events_in_local_time(monitor: Monitor) -> None:
    service, store = _with_events(monitor)
    walk = await _add(store, "Energiespaziergang", _at(27, 3, 10))
    repair = await _add(store, "Repair-Café", _at(4, 4, 14, 30))
    cancelled = await _add(store, "Abgesagt", _at(25, 3, 19))
    await store.cancel(cancelled)
    past = await _add(store, "Vorbei", _at(20, 3, 19))
    feed = await service.events_ics()
    assert feed.content_type == "text/calendar; charset=utf-8"
    calendar = icalendar.Calendar.from_ical(feed.body)
    entries = calendar.walk("VEVENT")
    assert [str(e["SUMMARY"]) for e in entries] == ["Energiespaziergang", "Repair-Café"]
    starts = [e.decoded("DTSTART") for e in entries]
    assert [s.strftime("%H:%M %z") for s in starts] == ["10:00 +0100", "14:30 +0200"]
    assert calendar.walk("VTIMEZONE")
    one = await service.event_ics(str(repair))
    assert one.status == 200
    assert one.content_type == "text/calendar; charset=utf-8"
    [entry] = icalendar.Calendar.from_ical(one.body).walk("VEVENT")
    assert str(entry["SUMMARY"]) == "Repair-Café"
    assert str(entry["STATUS"]) == "CONFIRMED"
    assert entry.decoded("DTEND").strftime("%H:%M %z") == "16:30 +0200"  # two hours assumed
    assert (await service.event_ics(str(walk))).status == 200
    for number in (str(cancelled), str(past), "99", "0", f"0{walk}", "-1", "1.0", "١", "9" * 40):
        reply = await service.event_ics(number)
        assert reply.status == 404, number
        assert reply.content_type == "text/html; charset=utf-8"


async def test_overview_shows_the_next_three_events_and_links_to_all(monitor: Monitor) -> None:
    service, store = _with_events(monitor)
    for day in (24, 25, 26, 27):
        await _add(store, f"Termin am {day}.", _at(day, 3, 18))
    page = (await service.index()).body.decode()
    assert '<h2 id="termine">Nächste Termine</h2>' in page
    assert "Termin am 24." in page
    assert "Termin am 26." in page
    assert "Termin am 27." not in page
    assert 'href="termine#termin-1"' in page
    assert 'href="termine">Alle Termine</a>' in page
    assert 'href="termine.ics"' in page


async def test_without_events_the_page_says_none_are_planned(monitor: Monitor) -> None:
    service, _ = _with_events(monitor)
    assert "Zurzeit sind keine Termine geplant." in (await service.events_page()).body.decode()
    assert "Zurzeit sind keine Termine geplant." in (await service.index()).body.decode()
    assert b"BEGIN:VEVENT" not in (await service.events_ics()).body
    bare = monitor.service  # no event service attached: a page without events, no 500
    assert (await bare.events_page()).status == 200
    assert (await bare.event_ics("1")).status == 404
    assert "Nächste Termine" not in (await bare.index()).body.decode()
