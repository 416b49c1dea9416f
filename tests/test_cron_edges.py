"""Edge cases of the cron engine found against classic cron and other libraries' test suites:
clock resets (offset changes of 3 hours or more), lists holding '*', cron's day rule on
fields that restrict nothing, and the ends of what a datetime can hold."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests import cron_oracle as oracle
from tickwork import cron


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def iso(values: list[datetime]) -> list[str]:
    return [v.strftime("%Y-%m-%dT%H:%MZ") for v in values]


# ------------------------------------------------------------------- clock resets
RESETS = [
    # Samoa skipped 2011-12-30 (UTC-10 -> UTC+14): no "moved by DST" fire that day
    (
        "0 12 * * *",
        "Pacific/Apia",
        utc(2011, 12, 28),
        ["2011-12-28T22:00Z", "2011-12-29T22:00Z", "2011-12-30T22:00Z"],
    ),
    (
        "0 12 * * *",
        "Pacific/Fakaofo",
        utc(2011, 12, 28),
        ["2011-12-28T23:00Z", "2011-12-29T23:00Z", "2011-12-30T23:00Z"],
    ),
    # Kwajalein skipped 1993-08-21 (UTC-12 -> UTC+12)
    (
        "30 1 * * *",
        "Pacific/Kwajalein",
        utc(1993, 8, 19),
        ["1993-08-19T13:30Z", "1993-08-20T13:30Z", "1993-08-21T13:30Z"],
    ),
    # Casey moved +3 h exactly (2020-10-04 00:01 -> 03:01): a reset too, so 02:00 is lost
    ("0 2 * * *", "Antarctica/Casey", utc(2020, 10, 3, 12), ["2020-10-04T15:00Z"]),
    # Vostok went back 7 h (1994-01-31): a fixed-time job runs again in the repeated hours
    (
        "30 18 * * *",
        "Antarctica/Vostok",
        utc(1994, 1, 31, 10),
        ["1994-01-31T11:30Z", "1994-01-31T18:30Z", "1994-02-01T18:30Z"],
    ),
]


@pytest.mark.parametrize(("expression", "zone", "after", "expected"), RESETS)
def test_clock_resets_follow_cron_c(
    expression: str, zone: str, after: datetime, expected: list[str]
) -> None:
    runs = cron.next_runs(expression, zone, after, len(expected))
    assert iso(runs) == expected
    end = runs[-1]
    assert oracle.fires_between(expression, zone, after, end) == runs


# Clock resets back at the first instant of a year (the engine looks a day ahead for those only
# in the years that have one, so the day before must see the next year's)
YEAR_END_RESETS = [
    ("America/Cambridge_Bay", utc(1920, 1, 1)),  # 7 h back
    ("America/Inuvik", utc(1953, 1, 1)),  # 8 h back
    ("America/Rankin_Inlet", utc(1957, 1, 1)),  # 6 h back
]


@pytest.mark.parametrize(("zone", "reset"), YEAR_END_RESETS)
@pytest.mark.parametrize("expression", ["15 */2 * * *", "0 17-23 31 12 *"])
@pytest.mark.parametrize("hours_before", [1, 4, 5, 6, 26])
def test_a_reset_back_at_new_year_repeats_as_cron_c(
    zone: str, reset: datetime, expression: str, hours_before: int
) -> None:
    after = reset - timedelta(hours=hours_before)
    end = reset + timedelta(hours=30)
    expected = oracle.fires_between(expression, zone, after, end)
    runs = cron.next_runs(expression, zone, after, len(expected) + 1)
    assert [r for r in runs if r <= end] == expected


def test_a_reset_has_no_moved_fire_and_lists_what_it_skipped() -> None:
    fires = cron.next_fires("0 12 * * *", "Pacific/Apia", utc(2011, 12, 28), 3)
    assert all(f.note is None for f in fires)
    skipped = cron.skipped_between("0 12 * * *", "Pacific/Apia", utc(2011, 12, 28), fires[-1].at)
    assert skipped == [datetime(2011, 12, 30, 12, 0)]
    again = cron.next_fires("30 18 * * *", "Antarctica/Vostok", utc(1994, 1, 31, 12), 1)[0]
    assert again.note == "repeated by a clock reset (fires again)"


def test_a_dst_gap_under_three_hours_is_still_caught_up() -> None:
    moved = cron.next_fires("30 2 * * *", "America/New_York", utc(2025, 3, 9), 1)[0]
    assert moved.note == "moved by DST (02:30 does not exist)"
    assert iso([moved.at]) == ["2025-03-09T07:00Z"]


# ---------------------------------------------------------------- lists with '*'
@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("* * * * *,0", ["2026-01-01T00:01Z", "2026-01-01T00:02Z"]),  # cronie: the '*' wins
        ("*,5 * * * *", ["2026-01-01T00:01Z", "2026-01-01T00:02Z"]),
        ("0 0 *,5 * 1", ["2026-01-05T00:00Z", "2026-01-12T00:00Z"]),  # DOM_STAR: AND -> Mondays
        ("0 0 5,* * 1", ["2026-01-02T00:00Z", "2026-01-03T00:00Z"]),  # no star: OR -> every day
        # fields that restrict nothing without a star still make cron's rule OR
        ("0 0 1 * 0-7", ["2026-01-02T00:00Z", "2026-01-03T00:00Z"]),
        ("0 0 1-31 * 1", ["2026-01-02T00:00Z", "2026-01-03T00:00Z"]),
        ("0 0 */1 * 1", ["2026-01-05T00:00Z", "2026-01-12T00:00Z"]),
        ("0 9 * * 7-2", ["2026-01-04T09:00Z", "2026-01-05T09:00Z"]),  # Sunday-Tuesday
    ],
)
def test_lists_and_cron_day_rule(expression: str, expected: list[str]) -> None:
    runs = cron.next_runs(expression, "UTC", utc(2026, 1, 1), 2)
    assert iso(runs) == expected
    assert oracle.fires_between(expression, "UTC", utc(2026, 1, 1), runs[-1]) == runs


def test_star_first_in_a_list_decides_wildcard_or_fixed() -> None:
    assert not cron.is_fixed_time("*,0 3 * * *")
    assert cron.is_fixed_time("0,* 3 * * *")


# -------------------------------------------------------------------- refusals
@pytest.mark.parametrize(
    ("expression", "message"),
    [
        (
            "50-10/7 * * * *",
            "range 50-10/7 runs backwards with a step, which is ambiguous: list the values, "
            "or split it in two, like 50-59/7,0-10/7",
        ),
        ("* * * * 7-7", "range 7-7 starts and ends at the same value; write just 7"),
        ("* * * * 0-0", "range 0-0 starts and ends at the same value; write just 0"),
        ("*,61 * * * *", "minute 61 is out of range 0-59"),
        ("9" * 30 + " * * * *", "minute 999999999999… is out of range 0-59"),
        ("*/" + "9" * 30 + " * * * *", "step " + "9" * 20 + " is too large: use at most 6 digits"),
        ("9" * 5000 + " * * * *", "expression is 5008 characters long: keep it under 1000"),
        ("@every 30000000h", "duration '30000000h' is too long: use at most 36500d (100 years)"),
        (
            "@every 999999999999999999999h",
            "duration '999999999999999999999h' is too long: use at most 36500d (100 years)",
        ),
        (
            "@every " + "9" * 30 + "s",
            "duration '" + "9" * 30 + "s' is too long: use at most 36500d (100 years)",
        ),
    ],
)
def test_refused_with_one_line(expression: str, message: str) -> None:
    with pytest.raises(cron.CronError) as info:
        cron.validate(expression)
    assert str(info.value) == message


# ------------------------------------------------------ the ends of the calendar
@pytest.mark.parametrize("zone", ["UTC", "Pacific/Kiritimati", "America/New_York"])
def test_no_overflow_at_the_ends_of_time(zone: str) -> None:
    late = datetime(9999, 12, 31, 23, 59, tzinfo=UTC)
    assert cron.next_runs("* * * * *", zone, late, 3) == []
    assert cron.next_fires("* * * * *", zone, late, 3) == []
    assert cron.next_runs("@every 1h", zone, late, 3) == []
    assert cron.skipped_between("* * * * *", zone, late - timedelta(days=1), late) == []
    early = datetime(1, 1, 1, tzinfo=UTC)
    assert len(cron.next_fires("0 0 * * *", zone, early, 2)) == 2
    assert len(cron.next_runs("@every 30m", zone, early, 2)) == 2


def test_the_longest_interval_still_has_representable_fires() -> None:
    runs = cron.next_runs("@every 36500d", "UTC", utc(2026, 1, 1), 3)
    assert [r.year for r in runs] == [2069, 2169, 2269]
    assert cron.next_runs("@every 36500d", "UTC", utc(9990, 1, 1), 3) == []
