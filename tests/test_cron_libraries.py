"""What tickwork relies on in croniter and cron-descriptor, pinned.

pyproject allows a range of versions of both; a release that changes any of this fails
here first (and tickwork's own tests say what it would break)."""

from __future__ import annotations

from datetime import datetime

import pytest
from cron_descriptor import CasingTypeEnum, DescriptionTypeEnum, ExpressionDescriptor, Options
from croniter import CroniterBadCronError, CroniterError, croniter


def expanded(expression: str) -> list[list[int | str]]:
    c = croniter(expression, datetime(2000, 1, 1), day_or=True, implement_cron_bug=True)
    return list(c.expanded)


def field(expression: str, index: int) -> list[int | str]:
    return expanded(expression)[index]


# ------------------------------------------------------------------------ croniter
@pytest.mark.parametrize(
    ("expression", "index", "values"),
    [
        ("* * * * *", 0, ["*"]),  # a field matching everything is ['*'] ...
        ("0-59 * * * *", 0, ["*"]),  # ... however it is written
        ("0 0 1-31 * *", 2, ["*"]),
        ("0 0 * * 0-7", 4, ["*"]),
        ("0 0 * * sun-sat", 4, ["*"]),
        ("5,1,3 * * * *", 0, [1, 3, 5]),  # sorted ints
        ("*/100 * * * *", 0, [0]),  # a step past the field: the first value only
        ("0-59/100 * * * *", 0, [0]),
        ("5/20 * * * *", 0, [5, 25, 45]),  # a/n is a-max/n
        ("0 22-1 * * *", 1, [0, 1, 22, 23]),  # reversed ranges wrap
        ("0 0 28-3 * *", 2, [1, 2, 3, 28, 29, 30, 31]),
        ("0 0 * nov-feb *", 3, [1, 2, 11, 12]),
        ("0 0 * * fri-mon", 4, [0, 1, 5, 6]),
        ("0 0 * * 7", 4, [0]),  # 7 is Sunday
        ("0 0 * * 5-7", 4, [0, 5, 6]),
        ("0 0 * * 7-2", 4, [0, 1, 2]),
        ("0 0 * * 7/2", 4, [0, 2, 4, 6]),
        ("0 0 * * 1/2", 4, [1, 3, 5]),
        ("0 0 * * 3-7/2", 4, [0, 3, 5]),
        ("0 0 * jan-mar *", 3, [1, 2, 3]),
        ("0 0 L * *", 2, ["l"]),  # the last day of the month
        ("0 0 1,L * *", 2, [1, "l"]),
        ("0 0 15-L * *", 2, list(range(15, 32))),
    ],
)
def test_croniter_expands_fields(expression: str, index: int, values: list[int | str]) -> None:
    assert field(expression, index) == values


def test_croniter_nth_weekdays() -> None:
    c = croniter("0 0 * * 5#3,1#1", datetime(2000, 1, 1), day_or=True, implement_cron_bug=True)
    assert c.nth_weekday_of_month == {1: {1}, 5: {3}}
    c = croniter("0 0 * * L5", datetime(2000, 1, 1), day_or=True, implement_cron_bug=True)
    assert c.nth_weekday_of_month == {5: {"l"}}
    assert c.expanded[4] == [5]


@pytest.mark.parametrize(
    "expression",
    ["61 * * * *", "* 24 * * *", "0 0 L-3 * *", "0 0 */L * *", "0 0 * * 5L", "a * * * *"],
)
def test_croniter_refuses(expression: str) -> None:
    with pytest.raises(CroniterBadCronError):
        expanded(expression)
    assert issubclass(CroniterBadCronError, CroniterError)


def test_croniter_traps_tickwork_refuses_before_it_parses() -> None:
    """croniter accepts these with a meaning nobody wrote; tickwork.cron refuses them."""
    assert field("5-5 * * * *", 0) == ["*"]  # a one-value range is the whole field
    assert field("50-10/7 * * * *", 0) == [5, 50, 57]  # the wrap loses 4
    assert field("0 0 * * 5-2/3", 4) == [2, 5]  # 5, 1 expected


# --------------------------------------------------------------- cron-descriptor
def parts(expression: str) -> list[str]:
    d = ExpressionDescriptor(expression, Options(locale_code="en_US", use_24hour_time_format=False))
    kinds = (
        DescriptionTypeEnum.TIMEOFDAY,
        DescriptionTypeEnum.DAYOFMONTH,
        DescriptionTypeEnum.DAYOFWEEK,
        DescriptionTypeEnum.MONTH,
    )
    return [str(d.get_description(k)) for k in kinds]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("0 9 * * 1-5", ["At 09:00 AM", "", ", Monday through Friday", ""]),
        ("*/15 * * * *", ["every 15 minutes, every hour", ", every day", "", ""]),
        ("0 0 1,L * *", ["At 12:00 AM", ", on day 1 and L of the month", "", ""]),
        ("0 12 */10 * 1", ["At 12:00 PM", ", every 10 days", ", or on Monday", ""]),
        ("0 0 * * 5#3", ["At 12:00 AM", "", ", on the third Friday of the month", ""]),
        ("0 0 * * 5L", ["At 12:00 AM", "", ", on the last Friday of the month", ""]),
        ("0 0 * jan *", ["At 12:00 AM", ", every day", "", ", only in January"]),
        ("0 0 * * 5-7", ["At 12:00 AM", "", ", Friday through Sunday", ""]),
        (
            "0 22-2 * * *",
            ["at 0 minutes past the hour, between 10:00 PM and 02:59 AM", ", every day", "", ""],
        ),
        (
            "0 0 * * 0,2,4,6",
            ["At 12:00 AM", "", ", only on Sunday, Tuesday, Thursday, and Saturday", ""],
        ),
        # the texts tickwork rewrites before asking (see tickwork.describe)
        ("0 0 * * 0-7", ["At 12:00 AM", "", ", Sunday through Sunday", ""]),
        ("0 0 */31 * *", ["At 12:00 AM", ", every 31 days", "", ""]),
    ],
)
def test_cron_descriptor_parts(expression: str, expected: list[str]) -> None:
    assert parts(expression) == expected


def test_cron_descriptor_verbosity_and_case() -> None:
    d = ExpressionDescriptor("0 9 * * *", Options(locale_code="en_US"))
    assert d.transform_verbosity("At 09:00 AM, every day", use_verbose_format=False) == (
        "At 09:00 AM"
    )
    assert ExpressionDescriptor.transform_case("at 09:00 AM", CasingTypeEnum.Sentence) == (
        "At 09:00 AM"
    )


RACE = """
import threading
from tickwork.cron.parse import validate
start, errors = threading.Barrier(8), []
def first_use(minute):
    start.wait()
    try:
        validate(f"{minute} * * * *")
    except Exception as exc:
        errors.append(repr(exc))
threads = [threading.Thread(target=first_use, args=(m,)) for m in range(8)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(errors)
"""


def test_threads_parsing_their_first_crontab_at_once_all_get_the_whole_croniter() -> None:
    """The UI's thread and its runner's both parse crontabs at start: croniter (imported on
    first use) was taken half-imported by one of them, which died of "partially initialized
    module 'croniter'" (about 4 fresh interpreters in 10 here before the fix)."""
    import subprocess
    import sys

    for _ in range(5):  # fresh interpreters: croniter not imported yet in any
        done = subprocess.run(
            [sys.executable, "-c", RACE], capture_output=True, text=True, timeout=120
        )
        assert (done.returncode, done.stdout.strip()) == (0, "[]"), done.stderr
