"""Events, the pure parts: form parsing, the calendar file across DST, the CSV, the waiting list."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from icalendar import Calendar

from commands.formatting import to_plain
from commands.i18n import Catalog
from commands.termine_form import (
    MAX_DURATION,
    FieldError,
    FormError,
    duration_of,
    parse_field,
    parse_form,
)
from commands.termine_ics import event_uid, participants_csv, to_ics, to_ics_feed
from commands.termine_service import EventService
from commands.when import BERLIN
from store.db import Database
from store.events_calendar import CalendarEvent, EventStore, Registration

# Thursday 2026-12-03 12:00 Berlin.
NOW = datetime(2026, 12, 3, 12, 0, tzinfo=BERLIN).timestamp()
TOPICS = {"mobilitaet": "mobilitaet", "Mobilität": "mobilitaet"}


def find(name: str) -> str | None:
    return TOPICS.get(name)


def event(starts: datetime, **changes: object) -> CalendarEvent:
    values: dict[str, object] = {
        "id": 7,
        "title": "Solar-Abend; mit Komma, und Zeilen",
        "starts_at": starts.timestamp(),
        "place": "Rathaus, Saal 1",
        "capacity": 30,
        "topic": "mobilitaet",
        "body": "Alles über PV",
        "closes_at": None,
        "author": "@ksm:x",
        "sequence": 0,
        "cancelled": False,
        "broadcast_id": None,
        "created_at": 1_790_000_000.0,
    }
    values.update(changes)
    return CalendarEvent(**values)  # type: ignore[arg-type]


def local(when: float) -> datetime:
    return datetime.fromtimestamp(when, BERLIN)


def test_form_reads_every_field_with_planen_date_parsing() -> None:
    values = parse_form(
        "titel= Repair  Café ; wann=freitag 19:30; ort=Bürgerhaus; plätze=12; "
        "thema=Mobilität; text=Bitte Werkzeug mitbringen; bis=freitag 12:00",
        NOW,
        find,
    )
    assert values["title"] == "Repair Café"
    assert local(values["starts_at"]).strftime("%a %d.%m. %H:%M") == "Fri 04.12. 19:30"
    assert local(values["closes_at"]).strftime("%H:%M") == "12:00"
    assert (values["place"], values["capacity"], values["topic"]) == (
        "Bürgerhaus",
        12,
        "mobilitaet",
    )


def test_form_accepts_morgen_18_uhr_and_iso_and_english_keys() -> None:
    one = parse_form("title=A b; when=morgen 18 Uhr; topic=mobilitaet", NOW, find)
    assert local(one["starts_at"]).strftime("%d.%m. %H:%M") == "04.12. 18:00"
    two = parse_form("title=A b; when=2027-03-28T10:00; topic=mobilitaet; seats=-", NOW, find)
    assert local(two["starts_at"]).utcoffset() == timedelta(hours=2)  # summer time already
    assert two["capacity"] is None


@pytest.mark.parametrize("text", ["0", "-1", "10001", "zehn", "1e3", "3.5", "99999999999"])
def test_places_must_be_a_sensible_whole_number(text: str) -> None:
    with pytest.raises(FieldError) as caught:
        parse_field("capacity", text, NOW, find)
    assert caught.value.key == "termin.invalid_places"


def test_places_may_be_unlimited() -> None:
    assert parse_field("capacity", "unbegrenzt", NOW, find) is None
    assert parse_field("capacity", " 10000 ", NOW, find) == 10_000


def test_title_loses_control_and_bidi_characters() -> None:
    assert parse_field("title", "Abend\u202e\x00 am\u200b See", NOW, find) == "Abend am See"
    with pytest.raises(FieldError):
        parse_field("title", "x" * 121, NOW, find)
    with pytest.raises(FieldError):
        parse_field("title", "!!", NOW, find)


def test_times_in_the_past_and_repeats_are_refused() -> None:
    with pytest.raises(FieldError) as past:
        parse_field("starts_at", "2026-12-01 10:00", NOW, find)
    assert past.value.key == "when.past"
    with pytest.raises(FieldError) as repeat:
        parse_field("starts_at", "jeden montag 9:00", NOW, find)
    assert repeat.value.key == "termin.no_repeat"
    with pytest.raises(FieldError) as trailing:
        parse_field("starts_at", "morgen 18 Uhr im Saal", NOW, find)
    assert trailing.value.key == "when.invalid"


def test_form_errors_name_the_field_as_typed() -> None:
    with pytest.raises(FormError) as caught:
        parse_form("titel=Abend; Plätze=viele; wann=morgen 9:00; thema=mobilitaet", NOW, find)
    assert caught.value.label == "Plätze"
    assert caught.value.error.key == "termin.invalid_places"
    with pytest.raises(FormError) as missing:
        parse_form("titel=Abend; thema=mobilitaet", NOW, find)
    assert missing.value.error.key == "termin.form_missing_starts_at"
    with pytest.raises(FormError) as late:
        parse_form("titel=Abend; wann=morgen 9:00; bis=samstag 9:00; thema=mobilitaet", NOW, find)
    assert late.value.error.key == "termin.closes_after_start"


@pytest.mark.parametrize(
    ("starts", "offset"),
    [
        # The morning of the spring change (02:00 -> 03:00): 10:00 is summer time.
        (datetime(2027, 3, 28, 10, 0, tzinfo=BERLIN), timedelta(hours=2)),
        # The morning of the autumn change (03:00 -> 02:00): 10:00 is winter time again.
        (datetime(2027, 10, 31, 10, 0, tzinfo=BERLIN), timedelta(hours=1)),
    ],
)
def test_calendar_file_keeps_local_time_across_dst(starts: datetime, offset: timedelta) -> None:
    data = to_ics(event(starts), NOW)
    cal = Calendar.from_ical(data)
    [tz] = cal.timezones
    assert tz["TZID"] == "Europe/Berlin"
    [entry] = cal.events
    start = entry.start
    assert isinstance(start, datetime)
    assert (start.hour, start.minute) == (10, 0)
    assert start.utcoffset() == offset
    assert start.astimezone(UTC) == starts.astimezone(UTC)
    assert b"DTSTART;TZID=Europe/Berlin:" in data
    assert entry["SUMMARY"] == "Solar-Abend; mit Komma, und Zeilen"
    assert entry["LOCATION"] == "Rathaus, Saal 1"
    assert entry["UID"] == event_uid(event(starts))
    assert cal["METHOD"] == "PUBLISH"
    assert entry["STATUS"] == "CONFIRMED"


def test_calendar_uid_is_stable_and_sequence_and_cancel_follow_the_event() -> None:
    starts = datetime(2027, 3, 28, 10, 0, tzinfo=BERLIN)
    first = Calendar.from_ical(to_ics(event(starts), NOW)).events[0]
    changed = Calendar.from_ical(to_ics(event(starts, sequence=1, place="Aula"), NOW + 60))
    assert changed.events[0]["UID"] == first["UID"]
    assert changed.events[0]["SEQUENCE"] == 1
    cancelled = Calendar.from_ical(to_ics(event(starts, sequence=2), NOW, cancelled=True))
    assert cancelled["METHOD"] == "CANCEL"
    assert cancelled.events[0]["STATUS"] == "CANCELLED"
    assert event_uid(event(starts, created_at=1.0)) != first["UID"]  # another database


def test_csv_is_spreadsheet_safe() -> None:
    regs = [
        Registration(1, 7, "@anna:x", False, False, False, NOW),
        Registration(2, 7, "=HYPERLINK(1)", True, False, False, NOW),
    ]
    text = participants_csv(event(datetime(2027, 1, 1, tzinfo=BERLIN)), regs).decode("utf-8-sig")
    lines = text.splitlines()
    assert lines[0] == "nr;matrix_id;status;angemeldet_am"
    assert lines[1] == "1;'@anna:x;angemeldet;03.12.2026 12:00"
    assert lines[2].startswith("2;'=HYPERLINK(1);warteliste")


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[EventStore]:
    db = await Database.open(tmp_path / "k.sqlite")
    yield EventStore(db)
    await db.close()


async def test_waiting_list_moves_up_in_order_of_arrival(store: EventStore) -> None:
    number = await store.add("Abend", NOW + 86400, "", 2, "mobilitaet", "", None, "@m:x")
    seats = [await store.register(number, f"@u{i}:x", 2) for i in range(5)]
    assert [(s.waiting, s.position) for s in seats] == [
        (False, 0),
        (False, 0),
        (True, 1),
        (True, 2),
        (True, 3),
    ]
    again = await store.register(number, "@u3:x", 2)
    assert (again.new, again.waiting, again.position) == (False, True, 2)
    assert await store.promote(number, 2) == []  # full: nobody moves
    removed = await store.unregister(number, "@u0:x")
    assert removed is not None
    assert not removed.waiting
    assert await store.promote(number, 2) == ["@u2:x"]
    assert await store.unregister(number, "@u3:x") is not None  # a waiting place given up
    assert await store.promote(number, 2) == []
    assert await store.update(number, {"capacity": 4})
    assert await store.promote(number, 4) == ["@u4:x"]
    assert await store.counts(number) == (4 - 1, 0)
    assert await store.unregister(number, "@nobody:x") is None


async def test_new_time_resets_reminders_and_bumps_sequence(store: EventStore) -> None:
    number = await store.add("Abend", NOW + 3000, "", None, None, "", None, "@m:x")
    await store.register(number, "@u:x", None)
    assert await store.mark_reminded(number, "@u:x", 3600)
    assert not await store.mark_reminded(number, "@u:x", 3600)
    await store.update(number, {"starts_at": NOW + 86400 * 3})
    changed = await store.get(number)
    assert changed is not None
    assert changed.sequence == 1
    [reg] = await store.registrations(number)
    assert not reg.reminded_hour
    assert await store.cancel(number)
    assert not await store.cancel(number)
    assert not await store.update(number, {"place": "x"})  # cancelled events stay as they were
    with pytest.raises(ValueError, match="not editable"):
        await store.update(number, {"author": "@x:x"})


def test_public_feed_holds_every_event_with_one_timezone_and_no_people() -> None:
    spring = event(datetime(2027, 3, 28, 10, 0, tzinfo=BERLIN))
    autumn = event(datetime(2027, 10, 31, 10, 0, tzinfo=BERLIN), id=8, author="@secret:x")
    cal = Calendar.from_ical(to_ics_feed([spring, autumn], NOW))
    assert len(cal.timezones) == 1
    starts = [e.start for e in cal.events]
    assert all(isinstance(s, datetime) for s in starts)
    assert [(s.hour, s.utcoffset()) for s in starts if isinstance(s, datetime)] == [
        (10, timedelta(hours=2)),
        (10, timedelta(hours=1)),
    ]
    assert len({e["UID"] for e in cal.events}) == 2
    assert b"@secret" not in to_ics_feed([autumn], NOW)
    assert Calendar.from_ical(to_ics_feed([], NOW)).events == []


# --- the duration (dauer=) ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("2 Std.", 120),
        ("2 Stunden", 120),
        ("90 min", 90),
        ("45 Min.", 45),
        ("1,5 h", 90),
        ("1.5 hours", 90),
        ("2h", 120),
        ("1:30", 90),
        ("1 Tag 2 Stunden", 26 * 60),
        ("14 Tage", 14 * 24 * 60),
        ("  3 H ", 180),
    ],
)
def test_duration_reads_german_and_english_forms(text: str, minutes: int) -> None:
    assert parse_field("duration", text, NOW, find) == minutes * 60.0


@pytest.mark.parametrize(
    "text",
    [
        "0",
        "0 min",
        "0,001 h",
        "-2h",
        "2",  # no unit: hours or minutes?
        "zwei",
        "dreizehn Stunden",
        "15 Tage",
        "337 h",
        "99999999999h",
        "1e9h",
        "inf h",
        "nan h",
        "1:75",
        "h",
        "2h h",
        "2 Lichtjahre",
        "١ h",
        "2h" * 500,
    ],
)
def test_duration_refuses_zero_negative_huge_and_unreadable(text: str) -> None:
    with pytest.raises(FieldError) as caught:
        parse_field("duration", text, NOW, find)
    assert caught.value.key == "termin_dauer.invalid"
    assert len(str(caught.value.params["value"])) <= 40


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("zwei Stunden", 120),
        ("Eine Stunde", 60),
        ("anderthalb Stunden", 90),
        ("zwölf Std.", 720),
        ("ein Tag zwei Stunden", 26 * 60),
        ("dreißig min", -1),
        ("two hours", 120),
    ],
)
def test_duration_reads_number_words_one_to_twelve(text: str, minutes: int) -> None:
    if minutes < 0:  # only one to twelve are words we read
        with pytest.raises(FieldError):
            parse_field("duration", text, NOW, find)
        return
    assert parse_field("duration", text, NOW, find) == minutes * 60.0


def test_duration_dash_or_missing_means_not_given() -> None:
    assert parse_field("duration", "-", NOW, find) is None
    values = parse_form("title=A b; when=morgen 18 Uhr; topic=mobilitaet", NOW, find)
    assert values["duration"] is None
    given = parse_form("titel=A b; wann=morgen 18 Uhr; thema=mobilitaet; dauer=1:30", NOW, find)
    assert given["duration"] == 5400.0
    english = parse_form("title=A b; when=morgen 18 Uhr; topic=mobilitaet; duration=3h", NOW, find)
    assert english["duration"] == 3 * 3600.0


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        False,
        "7200",
        [7200],
        {"s": 1},
        0,
        -60.0,
        float("nan"),
        float("inf"),
        10**400,
        MAX_DURATION + 1,
    ],
)
def test_stored_duration_of_any_other_type_is_not_used(value: object) -> None:
    assert duration_of(value) is None


def test_stored_duration_in_range_is_kept() -> None:
    assert duration_of(5400) == 5400.0
    assert duration_of(MAX_DURATION) == MAX_DURATION


def _dtend(item: CalendarEvent, tzid: bool = True) -> datetime:
    [entry] = Calendar.from_ical(to_ics(item, NOW)).walk("VEVENT")
    assert (entry["DTEND"].params.get("TZID") == "Europe/Berlin") is tzid
    end: datetime = entry.decoded("DTEND")
    return end


def test_ics_end_across_the_autumn_dst_change_keeps_local_time() -> None:
    # 2027-10-31 03:00 CEST becomes 02:00 CET.
    night = event(datetime(2027, 10, 31, 1, 30, tzinfo=BERLIN), duration=2 * 3600.0)
    end = _dtend(night, tzid=False)  # 02:30 comes twice that night: written in UTC
    assert end.astimezone(BERLIN).strftime("%d.%m. %H:%M %z") == "31.10. 02:30 +0100"
    assert end.timestamp() - night.starts_at == 2 * 3600  # two real hours
    before = event(datetime(2027, 10, 31, 0, 30, tzinfo=BERLIN), duration=2 * 3600.0)
    assert _dtend(before).strftime("%d.%m. %H:%M %z") == "31.10. 02:30 +0200"  # summer time
    weekend = event(datetime(2027, 10, 30, 10, 0, tzinfo=BERLIN), duration=2 * 86400.0)
    assert _dtend(weekend).strftime("%d.%m. %H:%M %z") == "01.11. 10:00 +0100"  # calendar days
    assumed = event(datetime(2027, 10, 30, 23, 0, tzinfo=BERLIN))
    assert _dtend(assumed).strftime("%d.%m. %H:%M %z") == "31.10. 01:00 +0200"
    assert Calendar.from_ical(to_ics(weekend, NOW)).walk("VTIMEZONE")


def test_card_shows_start_and_end_on_one_day_or_both_dates() -> None:
    service = EventService(None, None, Catalog.load(), None, "!")  # type: ignore[arg-type]
    evening = event(datetime(2027, 10, 29, 18, 0, tzinfo=BERLIN))
    assert to_plain(service.span(evening, "de")) == "29.10.2027, 18:00–20:00 Uhr"
    assert to_plain(service.span(evening, "en")) == "29.10.2027, 18:00–20:00"
    camp = event(datetime(2027, 10, 30, 10, 0, tzinfo=BERLIN), duration=86400.0 + 3600.0)
    assert to_plain(service.span(camp, "de")) == "30.10.2027, 10:00 Uhr bis 31.10.2027, 11:00 Uhr"
    assert to_plain(service.span(camp, "en")) == "30.10.2027, 10:00 to 31.10.2027, 11:00"
    late = event(datetime(2027, 10, 29, 23, 0, tzinfo=BERLIN), duration=90 * 60.0)
    assert to_plain(service.span(late, "de")) == "29.10.2027, 23:00 Uhr bis 30.10.2027, 00:30 Uhr"
