"""Descriptions say what fires: the traps of the text form, and 50 common expressions."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tickwork import cron
from tickwork.describe import describe

# Texts whose plain reading is not what fires (issue 11), and what tickwork says instead.
TRAPS = [
    ("0 0 * * 0-7", "At 12:00 AM"),  # not "Sunday through Sunday": every day
    ("0 0 1-7 * */7", "At 12:00 AM, between day 1 and 7 of the month, but only on Sunday"),
    ("0 0 L,15 * *", "At 12:00 AM, on day 15 and the last day of the month"),
    ("0-59/100 * * * *", "Every hour"),  # not "every 100 minutes": :00 only
    ("0 0 */31 * *", "At 12:00 AM, on day 1 of the month"),
    ("0 0 1-31/40 * *", "At 12:00 AM, on day 1 of the month"),
    ("5-2 * * * *", "At 0 through 2 and 5 through 59 minutes past the hour"),  # it wraps
    ("0 0 28-3 * *", "At 12:00 AM, on day 1 through 3 and 28 through 31 of the month"),
    ("*/7 * * * *", "At 0, 7, 14, 21, 28, 35, 42, 49, and 56 minutes past the hour"),
    ("*/45 * * * *", "At 0 and 45 minutes past the hour"),
    ("0 */5 * * *", "At 12:00 AM, 05:00 AM, 10:00 AM, 03:00 PM and 08:00 PM"),
    ("0 0 * * */2", "At 12:00 AM, only on Sunday, Tuesday, Thursday, and Saturday"),
    ("0 0 1 */5 *", "At 12:00 AM, on day 1 of the month, only in January, June, and November"),
    ("0 0 1-31 * 1", "At 12:00 AM"),  # no star: cron's either-day rule, and day 1-31 is all
    ("0 0 1 * 0-7", "At 12:00 AM"),
    ("0 0 *,5 * 1", "At 12:00 AM, only on Monday"),
    ("0 0 5,* * 1", "At 12:00 AM"),
    ("* * * * *,0", "Every minute"),
    ("0 0 * * 7-2", "At 12:00 AM, Sunday through Tuesday"),
    ("0 0 * * 5-7", "At 12:00 AM, Friday through Sunday"),
    ("0 22-2 * * *", "At 0 minutes past the hour, between 10:00 PM and 02:59 AM"),
]

COMMON = [
    ("* * * * *", "Every minute"),
    ("*/5 * * * *", "Every 5 minutes"),
    ("*/10 * * * *", "Every 10 minutes"),
    ("*/15 * * * *", "Every 15 minutes"),
    ("*/30 * * * *", "Every 30 minutes"),
    ("0 * * * *", "Every hour"),
    ("15 * * * *", "At 15 minutes past the hour"),
    ("0 */2 * * *", "Every 2 hours"),
    ("0 */3 * * *", "Every 3 hours"),
    ("0 */4 * * *", "Every 4 hours"),
    ("0 */6 * * *", "Every 6 hours"),
    ("0 */12 * * *", "Every 12 hours"),
    ("0 0 * * *", "At 12:00 AM"),
    ("0 1 * * *", "At 01:00 AM"),
    ("30 2 * * *", "At 02:30 AM"),
    ("0 6 * * *", "At 06:00 AM"),
    ("0 9 * * *", "At 09:00 AM"),
    ("0 12 * * *", "At 12:00 PM"),
    ("0 18 * * *", "At 06:00 PM"),
    ("59 23 * * *", "At 11:59 PM"),
    ("0 9 * * 1-5", "At 09:00 AM, Monday through Friday"),
    ("30 8 * * mon-fri", "At 08:30 AM, Monday through Friday"),
    ("0 17 * * 5", "At 05:00 PM, only on Friday"),
    ("0 10 * * 6,0", "At 10:00 AM, only on Saturday and Sunday"),
    ("0 0 * * 0", "At 12:00 AM, only on Sunday"),
    ("0 0 * * 1", "At 12:00 AM, only on Monday"),
    ("0 9 * * 1,3,5", "At 09:00 AM, only on Monday, Wednesday, and Friday"),
    ("0 0 1 * *", "At 12:00 AM, on day 1 of the month"),
    ("0 0 15 * *", "At 12:00 AM, on day 15 of the month"),
    ("0 0 1,15 * *", "At 12:00 AM, on day 1 and 15 of the month"),
    ("0 0 L * *", "At 12:00 AM, on the last day of the month"),
    ("0 0 1 1 *", "At 12:00 AM, on day 1 of the month, only in January"),
    ("0 0 1 */3 *", "At 12:00 AM, on day 1 of the month, every 3 months"),
    (
        "0 0 1 1,4,7,10 *",
        "At 12:00 AM, on day 1 of the month, only in January, April, July, and October",
    ),
    ("0 0 * * 1#1", "At 12:00 AM, on the first Monday of the month"),
    ("0 9 * * mon#2", "At 09:00 AM, on the second Monday of the month"),
    ("0 18 * * 5L", "At 06:00 PM, on the last Friday of the month"),
    (
        "*/5 9-17 * * 1-5",
        "Every 5 minutes, between 09:00 AM and 05:59 PM, Monday through Friday",
    ),
    (
        "0 9-17 * * 1-5",
        "At 0 minutes past the hour, between 09:00 AM and 05:59 PM, Monday through Friday",
    ),
    ("0 8-18/2 * * *", "Every 2 hours, between 08:00 AM and 06:59 PM"),
    ("0 22 * * 1-5", "At 10:00 PM, Monday through Friday"),
    ("45 23 * * 0", "At 11:45 PM, only on Sunday"),
    ("5 4 * * sun", "At 04:05 AM, only on Sunday"),
    ("0 0,12 * * *", "At 12:00 AM and 12:00 PM"),
    ("0 0 25 12 *", "At 12:00 AM, on day 25 of the month, only in December"),
    ("0 6,18 * * *", "At 06:00 AM and 06:00 PM"),
    ("0 12 1 * 1", "At 12:00 PM, on day 1 of the month, or on Monday"),
    ("0 12 */10 * 1", "At 12:00 PM, every 10 days, but only on Monday"),
    ("@hourly", "Every hour"),
    ("@daily", "At 12:00 AM"),
    ("@weekly", "At 12:00 AM, only on Sunday"),
    ("@monthly", "At 12:00 AM, on day 1 of the month"),
    ("@yearly", "At 12:00 AM, on day 1 of the month, only in January"),
    ("@every 90s", "Every 1 minute 30 seconds"),
    ("@every 1d", "Every day"),
]


@pytest.mark.parametrize(("expression", "text"), TRAPS)
def test_traps_are_described_from_what_fires(expression: str, text: str) -> None:
    assert describe(expression) == text


def test_fifty_common_expressions() -> None:
    assert len(COMMON) >= 50
    wrong = [(e, describe(e), want) for e, want in COMMON if describe(e) != want]
    assert wrong == []


@pytest.mark.parametrize("expression", [e for e, _ in TRAPS])
def test_trap_expressions_fire_as_their_description_says(expression: str) -> None:
    """The examples whose description names days or minutes: check them against fires."""
    runs = cron.next_runs(expression, "UTC", datetime(2026, 1, 1, tzinfo=UTC), 400)
    if expression == "0 0 1-7 * */7":  # first Sundays only
        assert all(r.weekday() == 6 and r.day <= 7 for r in runs)
    if expression == "0 0 L,15 * *":
        assert [(r.month, r.day) for r in runs[:4]] == [(1, 15), (1, 31), (2, 15), (2, 28)]
    if expression in ("0 0 */31 * *", "0 0 1-31/40 * *"):
        assert {r.day for r in runs} == {1}
    if expression == "0-59/100 * * * *":
        assert {r.minute for r in runs} == {0}
    if expression == "5-2 * * * *":
        assert {r.minute for r in runs} == {0, 1, 2} | set(range(5, 60))
    if expression == "0 0 * * 0-7":
        assert len({r.weekday() for r in runs}) == 7


def test_describe_never_raises() -> None:
    for text in ("", "not a cron", "@every 5x", "61 * * * *", "\x00", "* * * * * * *"):
        assert describe(text) == " ".join(text.split())
