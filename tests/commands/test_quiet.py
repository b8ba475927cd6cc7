"""Quiet hours."""

from __future__ import annotations

from datetime import datetime

import pytest

from commands.quiet import BERLIN, parse_quiet, quiet_end


def _ts(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=BERLIN).timestamp()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("21:00-07:00", "21:00-07:00"),
        ("21-7", "21:00-07:00"),
        ("22.30 - 6.15 uhr", "22:30-06:15"),
        ("22:00 bis 06:30", "22:00-06:30"),
        ("von 22 Uhr bis 6:30 Uhr", "22:00-06:30"),
        ("22 – 7", "22:00-07:00"),
        ("from 10 to 7", "10:00-07:00"),
        ("22h-6h", "22:00-06:00"),
    ],
)
def test_quiet_ranges_are_normalised(text: str, expected: str) -> None:
    assert parse_quiet(text) == expected


@pytest.mark.parametrize(
    "text", ["25-7", "abends", "7-7", "", "21:00-", "bis 7", "22 bis", "22 und 7", "22:60-7"]
)
def test_bad_quiet_ranges_are_refused(text: str) -> None:
    assert parse_quiet(text) is None


def test_message_due_late_evening_waits_until_morning() -> None:
    assert quiet_end("21:00-07:00", _ts("2026-11-25T22:15")) == _ts("2026-11-26T07:00")


def test_message_due_early_morning_waits_until_seven() -> None:
    assert quiet_end("21:00-07:00", _ts("2026-11-26T05:00")) == _ts("2026-11-26T07:00")


def test_message_due_in_the_day_goes_now() -> None:
    assert quiet_end("21:00-07:00", _ts("2026-11-26T12:00")) is None
    assert quiet_end("", _ts("2026-11-26T23:00")) is None


def test_quiet_end_is_right_across_the_spring_dst_change() -> None:
    # 28 March 2027: clocks jump from 02:00 to 03:00; the night is one hour shorter.
    end = quiet_end("21:00-07:00", _ts("2027-03-27T23:00"))
    assert end is not None
    assert datetime.fromtimestamp(end, BERLIN).hour == 7
    assert end - _ts("2027-03-27T23:00") == 7 * 3600
