from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta

import pytest

from commands.errors import CommandError
from commands.when import BERLIN, MESSAGE_KEYS, Schedule, WhenError, parse_when

# Wednesday, 25 November 2026, noon in Ochtrup.
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=BERLIN)


def berlin(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN)


def parse(text: str, now: datetime = NOW) -> tuple[Schedule, str]:
    return parse_when(text, now)


def error_of(text: str, now: datetime = NOW) -> WhenError:
    with pytest.raises(WhenError) as info:
        parse_when(text, now)
    return info.value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-01T18:30 waerme Text", berlin(2026, 12, 1, 18, 30)),
        ("2026-12-01 18:30 waerme Text", berlin(2026, 12, 1, 18, 30)),
        ("2026-12-01T18:30:00 waerme Text", berlin(2026, 12, 1, 18, 30)),
        ("1.12.2026 18:30 waerme Text", berlin(2026, 12, 1, 18, 30)),
        ("01.12.2026 18:30 uhr waerme Text", berlin(2026, 12, 1, 18, 30)),
        ("1.12.26 18:30 waerme Text", berlin(2026, 12, 1, 18, 30)),
        ("01.12. 18:30 waerme Text", berlin(2026, 12, 1, 18, 30)),
        ("heute 18:30 waerme Text", berlin(2026, 11, 25, 18, 30)),
        ("Heute um 18:30 Uhr waerme Text", berlin(2026, 11, 25, 18, 30)),
        ("today 18:30 waerme Text", berlin(2026, 11, 25, 18, 30)),
        ("morgen 9:00 waerme Text", berlin(2026, 11, 26, 9, 0)),
        ("tomorrow at 9:00 waerme Text", berlin(2026, 11, 26, 9, 0)),
        ("übermorgen 9 waerme Text", berlin(2026, 11, 27, 9, 0)),
        ("uebermorgen 9 waerme Text", berlin(2026, 11, 27, 9, 0)),
        ("ÜBERMORGEN 9 waerme Text", berlin(2026, 11, 27, 9, 0)),
        ("montag 18:30 waerme Text", berlin(2026, 11, 30, 18, 30)),
        ("Monday 18:30 waerme Text", berlin(2026, 11, 30, 18, 30)),
        ("mo 18:30 waerme Text", berlin(2026, 11, 30, 18, 30)),
        ("mo. 18:30 waerme Text", berlin(2026, 11, 30, 18, 30)),
        ("mittwoch 18:30 waerme Text", berlin(2026, 11, 25, 18, 30)),
        ("mittwoch 11:00 waerme Text", berlin(2026, 12, 2, 11, 0)),
    ],
)
def test_one_off_forms_give_local_time_and_rest(text: str, expected: datetime) -> None:
    schedule, rest = parse(text)
    assert schedule.first == expected
    assert schedule.first.utcoffset() == expected.utcoffset()
    assert schedule.weekday is None
    assert (schedule.hour, schedule.minute) == (expected.hour, expected.minute)
    assert rest == "waerme Text"


@pytest.mark.parametrize(
    ("word", "hour", "minute"),
    [
        ("9", 9, 0),
        ("9:00", 9, 0),
        ("09:00", 9, 0),
        ("9.00", 9, 0),
        ("9 uhr", 9, 0),
        ("9uhr", 9, 0),
        ("18:30 uhr", 18, 30),
        ("18:30 Uhr", 18, 30),
        ("0:05", 0, 5),
        ("23.59", 23, 59),
    ],
)
def test_time_formats_are_understood_and_uhr_is_consumed(word: str, hour: int, minute: int) -> None:
    schedule, rest = parse(f"morgen {word} Uhrzeit folgt")
    assert (schedule.first.hour, schedule.first.minute) == (hour, minute)
    assert rest == "Uhrzeit folgt"


def test_iso_offset_is_converted_to_berlin() -> None:
    schedule, _ = parse("2026-12-01T18:30+00:00 x")
    assert schedule.first == berlin(2026, 12, 1, 19, 30)
    assert schedule.first.tzinfo is BERLIN
    assert (schedule.hour, schedule.minute) == (19, 30)


def test_iso_z_suffix_means_utc() -> None:
    schedule, _ = parse("2026-12-01T17:30Z x")
    assert schedule.first == berlin(2026, 12, 1, 18, 30)


def test_rest_keeps_line_breaks_of_the_text() -> None:
    _, rest = parse("morgen 9 waerme Erste Zeile\n\nZweite Zeile  ")
    assert rest == "waerme Erste Zeile\n\nZweite Zeile"


def test_time_alone_leaves_empty_rest() -> None:
    _, rest = parse("morgen 9")
    assert rest == ""


def test_german_date_without_year_in_the_past_means_next_year() -> None:
    schedule, _ = parse("20.11. 9:00 x")
    assert schedule.first == berlin(2027, 11, 20, 9, 0)


def test_german_date_without_year_later_today_means_today() -> None:
    schedule, _ = parse("25.11. 18:00 x")
    assert schedule.first == berlin(2026, 11, 25, 18, 0)


def test_weekday_today_with_time_passed_means_next_week() -> None:
    schedule, _ = parse("mi 12:00 x")
    assert schedule.first == berlin(2026, 12, 2, 12, 0)


@pytest.mark.parametrize(
    "text",
    ["jeden montag 9:00 x", "every monday 9:00 x", "jeden mo 9 x", "Jeden Montag um 9 Uhr x"],
)
def test_repeating_forms_set_weekday_and_first_occurrence(text: str) -> None:
    schedule, rest = parse(text)
    assert schedule.weekday == 0
    assert (schedule.hour, schedule.minute) == (9, 0)
    assert schedule.first == berlin(2026, 11, 30, 9, 0)
    assert rest == "x"


def test_repeating_today_with_time_ahead_starts_today() -> None:
    schedule, _ = parse("jeden mittwoch 18:00 x")
    assert schedule.first == berlin(2026, 11, 25, 18, 0)


def test_repeating_next_after_is_one_week_later() -> None:
    schedule, _ = parse("jeden montag 9:00 x")
    assert schedule.next_after(schedule.first) == berlin(2026, 12, 7, 9, 0)
    assert schedule.next_after(schedule.first - timedelta(minutes=1)) == schedule.first


def test_one_off_has_no_next_time() -> None:
    schedule, _ = parse("morgen 9 x")
    assert schedule.next_after(NOW) is None
    assert schedule.next_after(schedule.first) is None


# --- daylight saving time ------------------------------------------------------------------


def test_one_off_in_spring_gap_moves_forward_to_first_valid_time() -> None:
    schedule, _ = parse("28.03.2027 2:30 x")
    assert schedule.first == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)
    assert (schedule.first.hour, schedule.first.minute) == (3, 30)
    assert (schedule.hour, schedule.minute) == (3, 30)
    assert schedule.first.utcoffset() == timedelta(hours=2)


def test_one_off_in_autumn_overlap_takes_first_occurrence() -> None:
    schedule, _ = parse("2026-10-25 2:30 x", now=berlin(2026, 10, 20, 12, 0))
    # Compare in UTC: Python never calls an ambiguous local time equal to another zone's time.
    assert schedule.first.astimezone(UTC) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert schedule.first.utcoffset() == timedelta(hours=2)
    assert schedule.first.fold == 0


def test_repeating_in_spring_gap_fires_once_then_keeps_wall_clock() -> None:
    schedule, _ = parse("jeden sonntag 2:30 x", now=berlin(2027, 3, 22, 12, 0))
    assert schedule.first == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)  # 03:30 summer time
    assert (schedule.hour, schedule.minute) == (2, 30)
    following = schedule.next_after(schedule.first)
    assert following == berlin(2027, 4, 4, 2, 30)
    assert following is not None
    assert following.utcoffset() == timedelta(hours=2)


def test_repeating_in_autumn_overlap_fires_once_at_first_occurrence() -> None:
    schedule, _ = parse("jeden sonntag 2:30 x", now=berlin(2026, 10, 20, 12, 0))
    # Compare in UTC: Python never calls an ambiguous local time equal to another zone's time.
    assert schedule.first.astimezone(UTC) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    second_occurrence = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    following = schedule.next_after(schedule.first)
    assert following == schedule.next_after(second_occurrence)
    assert following == berlin(2026, 11, 1, 2, 30)
    assert following is not None
    assert following.utcoffset() == timedelta(hours=1)


@pytest.mark.parametrize(
    "now", [berlin(2026, 10, 13, 12, 0), berlin(2027, 3, 16, 12, 0)], ids=["autumn", "spring"]
)
def test_next_after_keeps_nine_local_across_dst_change(now: datetime) -> None:
    schedule, _ = parse("jeden montag 9:00 x", now=now)
    before = schedule.first
    after = schedule.next_after(before)
    assert after is not None
    assert (after.hour, after.minute, after.weekday()) == (9, 0, 0)
    assert after.utcoffset() != before.utcoffset()
    assert after.astimezone(UTC) - before.astimezone(UTC) != timedelta(days=7)


def test_next_after_gives_nine_local_every_monday_for_a_year() -> None:
    schedule, _ = parse("jeden montag 9:00 x")
    moment: datetime | None = schedule.first
    for _ in range(60):
        assert moment is not None
        local = moment.astimezone(BERLIN)
        assert (local.weekday(), local.hour, local.minute) == (0, 9, 0)
        following = schedule.next_after(moment)
        assert following is not None
        assert following > moment
        moment = following


def test_next_after_accepts_moment_in_other_zone() -> None:
    schedule, _ = parse("jeden montag 9:00 x")
    assert schedule.next_after(datetime(2026, 11, 30, 7, 59, tzinfo=UTC)) == schedule.first
    assert schedule.next_after(datetime(2026, 11, 30, 8, 0, tzinfo=UTC)) == berlin(
        2026, 12, 7, 9, 0
    )


# --- errors --------------------------------------------------------------------------------


def test_error_is_a_value_error_and_a_user_facing_command_error() -> None:
    error = error_of("")
    assert isinstance(error, ValueError)
    assert isinstance(error, CommandError)
    assert error.key in MESSAGE_KEYS


@pytest.mark.parametrize(
    "text", ["", "   ", "morgen", "morgen waerme Text", "jeden", "montag um", "2026-12-01 x"]
)
def test_no_time_given_is_missing(text: str) -> None:
    assert error_of(text).key == "when.missing"


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("waerme Text", "waerme"),
        ("irgendwann 9:00", "irgendwann"),
        ("morgen 25:00 x", "morgen 25:00"),
        ("morgen 9:60 x", "morgen 9:60"),
        ("morgen 9:5 x", "morgen 9:5"),
        ("31.02.2027 9:00 x", "31.02.2027"),
        ("31.04. 9:00 x", "31.04."),
        ("2026-13-01T10:00 x", "2026-13-01t10:00"),
        ("2026-12-01T24:00 x", "2026-12-01t24:00"),
        ("2026-12-01T10:00+25:00 x", "2026-12-01t10:00+25:00"),
        ("0001-01-01T00:30 x", "0001-01-01t00:30"),
        ("jeden tag 9:00 x", "jeden tag"),
    ],
)
def test_unreadable_time_is_invalid_and_quotes_words(text: str, quoted: str) -> None:
    error = error_of(text)
    assert error.key == "when.invalid"
    assert error.params["text"].lower() == quoted


def test_invalid_quote_is_shortened() -> None:
    error = error_of("x" * 500)
    assert len(error.params["text"]) <= 40


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("heute 9:00 x", "25.11.2026 09:00"),
        ("1.12.2025 18:30 x", "01.12.2025 18:30"),
        ("2026-11-25T12:00 x", "25.11.2026 12:00"),
        ("1.1.1999 9 x", "01.01.1999 09:00"),
    ],
)
def test_one_off_time_not_in_future_is_past(text: str, shown: str) -> None:
    error = error_of(text)
    assert error.key == "when.past"
    assert error.params == {"time": shown}


@pytest.mark.parametrize("text", ["1.12.2027 9:00 x", "2030-01-01T10:00 x", "29.02. 9:00 x"])
def test_one_off_more_than_366_days_ahead_is_too_far(text: str) -> None:
    assert error_of(text).key == "when.too_far"


def test_exactly_366_days_ahead_is_accepted_one_minute_more_is_not() -> None:
    schedule, _ = parse("26.11.2027 12:00 x")
    assert schedule.first == berlin(2027, 11, 26, 12, 0)
    assert error_of("26.11.2027 12:01 x").key == "when.too_far"


def test_naive_now_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        parse_when("morgen 9", datetime(2026, 11, 25, 12, 0))


GARBAGE = [
    "<script>alert(1)</script>" * 400,
    "<p>morgen</p> <b>9:00</b>",
    "x" * 10_000,
    "9" * 10_000,
    "1" * 5_000 + ":" + "0" * 5_000,
    "1." * 5_000,
    "2026-12-01T" + "9" * 10_000,
    "morgen " + "9" * 10_000,
    "jeden " * 2_000,
    "morgen um " + ":" * 10_000,
    "\x00\ufffd\u202e" * 3_000,
    "١٢:٣٠ heute",
    "heute ١٢:٣٠",
]


@pytest.mark.parametrize("text", GARBAGE, ids=range(len(GARBAGE)))
def test_garbage_raises_when_error_quickly(text: str) -> None:
    started = time.perf_counter()
    with pytest.raises(WhenError):
        parse_when(text, NOW)
    assert time.perf_counter() - started < 0.5


def test_random_word_salad_only_ever_raises_when_error() -> None:
    vocabulary = [
        "jeden", "every", "morgen", "heute", "übermorgen", "montag", "so", "um", "uhr", "9",
        "9:00", "25:61", "1.12.", "31.02.", "1.12.2026", "2026-12-01", "2026-12-01T18:30+01:00",
        "2026-02-30T10:00", "99.99.9999", ".", ":", "-", "<b>", "ü", "", "0", "00:00", "23.59",
    ]  # fmt: skip
    rng = random.Random(20261125)
    for _ in range(3_000):
        text = " ".join(rng.choice(vocabulary) for _ in range(rng.randint(0, 6)))
        try:
            schedule, _ = parse_when(text, NOW)
        except WhenError:
            continue
        assert schedule.first.tzinfo is BERLIN
        assert schedule.first > NOW
