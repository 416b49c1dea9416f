"""Golden and unit tests for tickwork.cron and tickwork.describe."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from tickwork import cron
from tickwork.describe import describe, describe_duration


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def iso(values: list[datetime]) -> list[str]:
    return [v.strftime("%Y-%m-%dT%H:%MZ") for v in values]


NY = "America/New_York"

# ------------------------------------------------------------------ golden DST cases
GOLDEN = [
    (
        "30 2 * * *",
        NY,
        datetime(2025, 3, 9, tzinfo=timezone(timedelta(hours=-5))),
        ["2025-03-09T07:00Z", "2025-03-10T06:30Z"],
    ),
    ("30 1 * * *", NY, utc(2025, 11, 1, 12), ["2025-11-02T05:30Z", "2025-11-03T06:30Z"]),
    ("30 1 * * *", NY, utc(2025, 11, 2, 6, 10), ["2025-11-03T06:30Z"]),
    (
        "*/30 1 * * *",
        NY,
        utc(2025, 11, 2, 4),
        [
            "2025-11-02T05:00Z",
            "2025-11-02T05:30Z",
            "2025-11-02T06:00Z",
            "2025-11-02T06:30Z",
            "2025-11-03T06:00Z",
        ],
    ),
    ("*/20 2 * * *", NY, utc(2025, 3, 8, 12), ["2025-03-10T06:00Z"]),
    (
        "15 2 * * *",
        "Australia/Lord_Howe",
        utc(2026, 10, 3, 12),
        ["2026-10-03T15:30Z", "2026-10-04T15:15Z"],
    ),
    (
        "0 0 * * *",
        "America/Havana",
        utc(2026, 3, 7, 12),
        ["2026-03-08T05:00Z", "2026-03-09T04:00Z"],
    ),
    (
        "0 1 * * *",
        "Europe/London",
        utc(2026, 10, 24, 12),
        ["2026-10-25T00:00Z", "2026-10-26T01:00Z"],
    ),
    ("0 12 1 * 1", "UTC", utc(2026, 1, 1), ["2026-01-01T12:00Z", "2026-01-05T12:00Z"]),
    ("0 12 */10 * 1", "UTC", utc(2026, 1, 1), ["2026-05-11T12:00Z", "2026-06-01T12:00Z"]),
]


@pytest.mark.parametrize(("expression", "zone", "after", "expected"), GOLDEN)
def test_golden(expression: str, zone: str, after: datetime, expected: list[str]) -> None:
    runs = cron.next_runs(expression, zone, after, len(expected))
    assert iso(runs) == expected
    assert all(r.tzinfo is UTC for r in runs)
    assert [f.at for f in cron.next_fires(expression, zone, after, len(expected))] == runs


def test_wildcard_after_in_first_pass_still_gets_second_pass() -> None:
    runs = cron.next_runs("*/30 1 * * *", NY, utc(2025, 11, 2, 5, 50), 3)
    assert iso(runs) == ["2025-11-02T06:00Z", "2025-11-02T06:30Z", "2025-11-03T06:00Z"]


def test_fixed_time_after_in_first_pass_does_not_fire_again() -> None:
    runs = cron.next_runs("45 1 * * *", NY, utc(2025, 11, 2, 5, 50), 1)
    assert iso(runs) == ["2025-11-03T06:45Z"]


def test_gap_matches_fire_once_even_with_a_match_at_the_transition() -> None:
    runs = cron.next_runs("0,30 2,3 * * *", NY, utc(2025, 3, 9, 5), 3)
    assert iso(runs) == ["2025-03-09T07:00Z", "2025-03-09T07:30Z", "2025-03-10T06:00Z"]


def test_seconds_in_after() -> None:
    runs = cron.next_runs("* * * * *", "UTC", utc(2026, 1, 1, 10, 0, 30), 2)
    assert iso(runs) == ["2026-01-01T10:01Z", "2026-01-01T10:02Z"]
    assert iso(cron.next_runs("0 10 * * *", "UTC", utc(2026, 1, 1, 10, 0, 0), 1)) == [
        "2026-01-02T10:00Z"
    ]


def test_strictly_after_and_aware_input() -> None:
    assert iso(cron.next_runs("0 9 * * *", "UTC", utc(2026, 1, 1, 9), 1)) == ["2026-01-02T09:00Z"]
    berlin = cron.next_runs(
        "0 9 * * *", "UTC", datetime(2026, 1, 1, 9, 30, tzinfo=timezone(timedelta(hours=1))), 1
    )
    assert iso(berlin) == ["2026-01-01T09:00Z"]


def test_notes() -> None:
    fires = cron.next_fires("*/30 1 * * *", NY, utc(2025, 11, 2, 4), 5)
    assert [f.note for f in fires] == [
        "repeated hour (1st time)",
        "repeated hour (1st time)",
        "repeated hour (2nd time)",
        "repeated hour (2nd time)",
        None,
    ]
    assert [f.local.strftime("%H:%M") for f in fires] == [
        "01:00",
        "01:30",
        "01:00",
        "01:30",
        "01:00",
    ]
    assert fires[2].local.fold == 1
    moved = cron.next_fires("30 2 * * *", NY, utc(2025, 3, 9), 1)[0]
    assert moved.note == "moved by DST (02:30 does not exist)"
    assert moved.local.strftime("%H:%M") == "03:00"
    once = cron.next_fires("30 1 * * *", NY, utc(2025, 11, 1, 12), 1)[0]
    assert once.note == "repeated hour (fires once)"


def test_skipped_between() -> None:
    skipped = cron.skipped_between("*/20 2 * * *", NY, utc(2025, 3, 8), utc(2025, 3, 11))
    assert [t.strftime("%m-%d %H:%M") for t in skipped] == [
        "03-09 02:00",
        "03-09 02:20",
        "03-09 02:40",
    ]
    assert all(t.tzinfo is None for t in skipped)
    assert cron.skipped_between("30 2 * * *", NY, utc(2025, 3, 8), utc(2025, 3, 11)) == []
    assert cron.skipped_between("*/20 2 * * *", NY, utc(2025, 4, 1), utc(2025, 4, 3)) == []
    assert cron.skipped_between("@every 1h", NY, utc(2025, 3, 8), utc(2025, 3, 11)) == []


# ------------------------------------------------------------------------- syntax
@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("0 9 * JAN,feb MON", ["2026-01-05T09:00Z", "2026-01-12T09:00Z"]),
        ("0 9 * * sun", ["2026-01-04T09:00Z", "2026-01-11T09:00Z"]),
        ("0 9 * * 0", ["2026-01-04T09:00Z", "2026-01-11T09:00Z"]),
        ("0 9 * * 7", ["2026-01-04T09:00Z", "2026-01-11T09:00Z"]),
        ("0 9 * * Fri-Mon", ["2026-01-02T09:00Z", "2026-01-03T09:00Z"]),
        ("0 22-1 * * *", ["2026-01-01T01:00Z", "2026-01-01T22:00Z"]),  # reversed ranges wrap
        ("0 0 L * *", ["2026-01-31T00:00Z", "2026-02-28T00:00Z"]),
        ("0 0 1,L * *", ["2026-01-31T00:00Z", "2026-02-01T00:00Z"]),
        ("0 0 * * 5#3", ["2026-01-16T00:00Z", "2026-02-20T00:00Z"]),
        ("0 0 * * fri#3", ["2026-01-16T00:00Z", "2026-02-20T00:00Z"]),
        ("0 0 * * 5L", ["2026-01-30T00:00Z", "2026-02-27T00:00Z"]),
        ("0 0 * * friL", ["2026-01-30T00:00Z", "2026-02-27T00:00Z"]),
        ("0 0 * * L5", ["2026-01-30T00:00Z", "2026-02-27T00:00Z"]),
        ("0 0 * * 1#1,L1", ["2026-01-05T00:00Z", "2026-01-26T00:00Z"]),
        ("0 12 1 * */3", ["2026-02-01T12:00Z", "2026-03-01T12:00Z"]),  # '*' side: AND
        ("5/20 * * * *", ["2026-01-01T00:05Z", "2026-01-01T00:25Z"]),
        ("@hourly", ["2026-01-01T01:00Z", "2026-01-01T02:00Z"]),
        ("@daily", ["2026-01-02T00:00Z", "2026-01-03T00:00Z"]),
        ("@midnight", ["2026-01-02T00:00Z", "2026-01-03T00:00Z"]),
        ("@weekly", ["2026-01-04T00:00Z", "2026-01-11T00:00Z"]),
        ("@monthly", ["2026-02-01T00:00Z", "2026-03-01T00:00Z"]),
        ("@yearly", ["2027-01-01T00:00Z", "2028-01-01T00:00Z"]),
        ("@ANNUALLY", ["2027-01-01T00:00Z", "2028-01-01T00:00Z"]),
    ],
)
def test_syntax(expression: str, expected: list[str]) -> None:
    cron.validate(expression)
    assert iso(cron.next_runs(expression, "UTC", utc(2026, 1, 1), 2)) == expected


def test_leap_day_and_rare_expressions() -> None:
    assert iso(cron.next_runs("0 0 29 2 *", "UTC", utc(2026, 1, 1), 2)) == [
        "2028-02-29T00:00Z",
        "2032-02-29T00:00Z",
    ]
    assert iso(cron.next_runs("0 0 * 2 5#5", "UTC", utc(2026, 1, 1), 1)) == ["2036-02-29T00:00Z"]


# -------------------------------------------------------------------------- @every
def test_every_grid_default_anchor() -> None:
    runs = cron.next_runs("@every 1h30m", "UTC", utc(2026, 1, 1, 0, 10), 3)
    assert iso(runs) == ["2026-01-01T01:30Z", "2026-01-01T03:00Z", "2026-01-01T04:30Z"]
    exact = cron.next_runs("@every 1h30m", "UTC", utc(2026, 1, 1, 1, 30), 1)
    assert iso(exact) == ["2026-01-01T03:00Z"]  # strictly after a grid point


def test_every_anchor_and_dst() -> None:
    anchor = utc(2025, 3, 8, 6, 7, 30)
    runs = cron.next_runs("@every 1h", NY, utc(2025, 3, 9, 5), 4, anchor=anchor)
    assert runs == [utc(2025, 3, 9, h, 7, 30) for h in (5, 6, 7, 8)]
    before_anchor = cron.next_runs("@every 1d", NY, utc(2025, 3, 1), 1, anchor=anchor)
    assert before_anchor == [utc(2025, 3, 1, 6, 7, 30)]
    fires = cron.next_fires("@every 1h", NY, utc(2025, 3, 9, 5), 4, anchor=anchor)
    assert [f.local.strftime("%H:%M") for f in fires] == ["00:07", "01:07", "03:07", "04:07"]
    assert all(f.note is None for f in fires)


# ------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("61 * * * *", "minute 61 is out of range 0-59"),
        ("* 24 * * *", "hour 24 is out of range 0-23"),
        ("* * 0 * *", "day-of-month 0 is out of range 1-31"),
        ("* * * 13 *", "month 13 is out of range 1-12"),
        ("* * * * 8", "day-of-week 8 is out of range 0-7"),
        ("*/0 * * * *", "step must be a positive number, got 0"),
        ("*/x * * * *", "step must be a positive number, got 'x'"),
        ("5-5 * * * *", "range 5-5 starts and ends at the same value; write just 5"),
        ("* * * jnu *", "unknown month name 'jnu'"),
        ("* * * * mox", "unknown day name 'mox'"),
        ("* * * * monday", "unknown day name 'monday' (use three-letter names like 'mon')"),
        ("* * * *", "expected 5 fields (minute hour day-of-month month day-of-week), got 4"),
        (
            "0 * * * * *",
            "expected 5 fields (minute hour day-of-month month day-of-week), got 6; "
            "seconds and years fields are not supported",
        ),
        ("", "expression is empty"),
        (
            "@fortnightly",
            "unknown macro '@fortnightly' (use @yearly, @annually, @monthly, @weekly, "
            "@daily, @midnight, @hourly or @every <duration>)",
        ),
        ("@every 5x", "bad duration '5x': use a number with s, m, h or d, like 30s or 1h30m"),
        ("@every 0s", "duration must be at least 1s, got '0s'"),
        ("@every", "@every needs a duration, like @every 30m or @every 1h30m"),
        ("0 0 31 2 *", "never matches: February has no day 31"),
        ("0 0 31 4,6 *", "never matches: April and June have no day 31"),
        ("0 0 ? * *", "'?' is not supported; use * instead"),
        ("0 0 15W * *", "'W' (nearest weekday) is not supported"),
        ("-5 * * * *", "minute values cannot be negative, got '-5'"),
        ("a * * * *", "minute value 'a' is not a number"),
        ("1,,2 * * * *", "empty value in the minute list"),
        ("* * * * 5#6", "the week number after # must be 1-5, got '6' in '5#6'"),
        ("* * * * 1,5#3", "day-of-week cannot mix plain days with # or L days in one list"),
        (
            "0 0 1 * 5#2",
            "a day-of-week with # or L cannot be combined with a day-of-month; "
            "use * for the day of month",
        ),
    ],
)
def test_validate_messages(expression: str, message: str) -> None:
    with pytest.raises(cron.CronError) as info:
        cron.validate(expression)
    assert str(info.value) == message
    with pytest.raises(cron.CronError):
        cron.next_runs(expression, "UTC", utc(2026, 1, 1), 1)


def test_never_matching_with_star_day_of_week() -> None:
    with pytest.raises(cron.CronError, match=r"^never matches: February has no day 31$"):
        cron.validate("0 0 31 2 */2")  # '*' day-of-week side: AND, so February 31 only
    cron.validate("0 0 31 2 mon")  # either-day rule: Mondays in February still match


def test_bad_inputs() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        cron.next_runs("* * * * *", "UTC", datetime(2026, 1, 1), 1)
    with pytest.raises(cron.CronError, match="unknown time zone 'Mars/Base'"):
        cron.next_runs("* * * * *", "Mars/Base", utc(2026, 1, 1), 1)
    assert cron.next_runs("* * * * *", "UTC", utc(2026, 1, 1), 0) == []


# ---------------------------------------------------------------------- utilities
def test_durations() -> None:
    assert cron.parse_duration("30s") == timedelta(seconds=30)
    assert cron.parse_duration("1h30m") == timedelta(minutes=90)
    assert cron.parse_duration("1h 30m") == timedelta(minutes=90)
    assert cron.parse_duration("2d") == timedelta(days=2)
    assert cron.parse_duration("90m") == timedelta(minutes=90)
    for bad in ("", "0s", "-5m", "5", "1.5h", "5x", "h"):
        with pytest.raises(cron.CronError):
            cron.parse_duration(bad)
    assert cron.format_duration(timedelta(seconds=5400)) == "1h30m"
    assert cron.format_duration(timedelta(days=1, seconds=61)) == "1d1m1s"
    assert cron.format_duration(timedelta(0)) == "0s"


def test_expression_helpers() -> None:
    assert cron.normalize("  0   9 *  * 1-5 ") == "0 9 * * 1-5"
    assert cron.normalize("@every 90m") == "@every 1h30m"
    assert cron.normalize(" @Daily ") == "@daily"
    assert cron.expand_macro("@daily") == "0 0 * * *"
    assert cron.expand_macro("@weekly") == "0 0 * * 0"
    assert cron.expand_macro("0  9 * * *") == "0 9 * * *"
    assert cron.is_interval("@every 5m") and not cron.is_interval("@everyday")
    assert not cron.is_interval("@daily")
    assert cron.interval_of("@every 1h 30m") == timedelta(minutes=90)
    assert cron.is_fixed_time("@daily") and cron.is_fixed_time("30 2 * * *")
    assert not cron.is_fixed_time("@hourly") and not cron.is_fixed_time("*/5 2 * * *")
    assert not cron.is_fixed_time("0 */2 * * *") and not cron.is_fixed_time("@every 1h")


# ---------------------------------------------------------------------- describe
@pytest.mark.parametrize(
    ("expression", "text"),
    [
        ("0 9 * * 1-5", "At 09:00 AM, Monday through Friday"),
        ("0 0 * * *", "At 12:00 AM"),
        ("@daily", "At 12:00 AM"),
        ("@every 1h30m", "Every 1 hour 30 minutes"),
        ("@every 1h", "Every hour"),
        ("@every 45s", "Every 45 seconds"),
        ("*/15 * * * *", "Every 15 minutes"),
        ("0 12 1 * 1", "At 12:00 PM, on day 1 of the month, or on Monday"),
        ("0 12 */10 * 1", "At 12:00 PM, every 10 days, but only on Monday"),
        ("0 0 L * *", "At 12:00 AM, on the last day of the month"),
        ("0 0 1,L * *", "At 12:00 AM, on day 1 and the last day of the month"),
        ("0 0 * * fri#3", "At 12:00 AM, on the third Friday of the month"),
        ("0 0 * * 5L", "At 12:00 AM, on the last Friday of the month"),
        ("0 0 * * 5#1,5#3", "At 12:00 AM, on the first Friday and the third Friday of the month"),
        ("0 0 * jan mon", "At 12:00 AM, only on Monday, only in January"),
    ],
)
def test_describe(expression: str, text: str) -> None:
    assert describe(expression) == text


def test_describe_never_raises() -> None:
    assert describe("not a cron") == "not a cron"
    assert describe("@every 5x") == "@every 5x"
    assert describe("") == ""
    assert describe_duration(timedelta(days=2, minutes=1)) == "2 days 1 minute"
