"""Property tests: tickwork.cron against an independent model of classic cron.

The oracle (tests/cron_oracle.py) expands fields without croniter and runs cronie's main
loop minute by minute over the zone's wall clock, so a disagreement in parsing, the day
rule, or the handling of any offset change (DST, and clock resets of more than 3 hours)
shows up here.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests import cron_oracle as oracle
from tickwork import cron

ZONES = [
    "America/New_York",
    "Europe/London",
    "Australia/Lord_Howe",
    "America/Havana",
    "Asia/Kolkata",
    "Pacific/Chatham",
    "America/Sao_Paulo",
    "UTC",
    "Asia/Tehran",
    "Europe/Dublin",
]
# Zones whose offset changed by more than 3 hours at once (clock resets), whole minutes.
RESET_ZONES = [
    "Pacific/Apia",
    "Pacific/Fakaofo",
    "Pacific/Kwajalein",
    "Pacific/Kiritimati",
    "Antarctica/Vostok",
    "Antarctica/Casey",
    "America/Iqaluit",
]
SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
MINUTE = timedelta(minutes=1)
START, END = datetime(2020, 1, 1, tzinfo=UTC), datetime(2030, 12, 31, tzinfo=UTC)


def _numeric(low: int, high: int, hot: list[int] | None = None) -> st.SearchStrategy[str]:
    value = (
        st.integers(low, high)
        if not hot
        else st.one_of(st.sampled_from(hot), st.integers(low, high))
    )
    pair = st.tuples(value, value).filter(lambda p: p[0] != p[1])
    step = st.integers(1, max(2, (high - low) // 2))
    return st.one_of(
        st.just("*"),
        value.map(str),
        step.map(lambda s: f"*/{s}"),
        pair.map(lambda p: f"{min(p)}-{max(p)}"),
        pair.map(lambda p: f"{p[0]}-{p[1]}"),  # may wrap
        st.tuples(pair, step).map(lambda q: f"{min(q[0])}-{max(q[0])}/{q[1]}"),
        st.lists(value, min_size=2, max_size=4, unique=True).map(lambda vs: ",".join(map(str, vs))),
        st.tuples(value, step).map(lambda q: f"{q[0]}/{q[1]}"),
        st.just(f"{low}-{high}"),  # every value, but not a star: cron's day rule differs
        value.map(lambda v: f"*,{v}"),  # a list holding '*': the '*' wins
        value.map(lambda v: f"{v},*"),
        st.integers(high - low + 1, 150).map(lambda s: f"*/{s}"),  # a step past the field
    )


MINUTES = _numeric(0, 59, [0, 15, 30, 45])
HOURS = _numeric(0, 23, [0, 1, 2, 3, 23])
DOMS = st.one_of(_numeric(1, 31), st.sampled_from(["L", "1,L", "15-L", "L,15"]))
MONTHS = st.one_of(
    _numeric(1, 12, [3, 4, 9, 10, 11]), st.sampled_from(["jan", "Mar-Apr", "oct,NOV", "nov-feb"])
)
PLAIN_DOWS = st.one_of(
    _numeric(0, 7), st.sampled_from(["mon-fri", "SAT,sun", "fri-mon", "5-7", "0-7", "7-2"])
)
NTH_DOWS = st.sampled_from(["5#1", "0#2", "6#5", "L0", "5L", "friL", "1#1,1#3", "sun#1,L6"])
MACROS = st.sampled_from(sorted(cron.MACROS))


@st.composite
def expressions(draw: st.DrawFn) -> str:
    if draw(st.integers(0, 19)) == 0:
        return draw(MACROS)
    dow = draw(st.one_of(PLAIN_DOWS, NTH_DOWS))
    dom = "*" if "#" in dow or "L" in dow.upper() else draw(DOMS)
    text = " ".join([draw(MINUTES), draw(HOURS), dom, draw(MONTHS), dow])
    try:
        cron.validate(text)
    except cron.CronError:
        assume(False)
    return text


@cache
def transitions(zone_name: str, start: datetime = START, end: datetime = END) -> list[datetime]:
    return oracle.transitions(zone_name, start, end)


@st.composite
def zone_and_after(draw: st.DrawFn) -> tuple[str, datetime]:
    zone = draw(st.sampled_from(ZONES))
    near, use_near = transitions(zone), draw(st.booleans())
    if near and use_near:
        around = draw(st.sampled_from(near))
        after = around + timedelta(seconds=draw(st.integers(-30 * 3600, 6 * 3600)))
    else:
        after = draw(st.datetimes(datetime(2020, 1, 1), datetime(2030, 12, 31))).replace(tzinfo=UTC)
    return zone, after


@SETTINGS
@given(expressions(), st.datetimes(datetime(2020, 1, 1), datetime(2030, 12, 31)))
def test_naive_iteration_matches_the_oracle(expression: str, start: datetime) -> None:
    matcher = cron._compile(expression).matcher
    assert matcher is not None
    entry = oracle.parse(expression)
    t: datetime | None = start
    expected = start
    for _ in range(4):
        t = matcher.next_after(t) if t else None
        expected = oracle.naive_next(entry, expected)
        assert t == expected, expression


@SETTINGS
@given(expressions())
def test_fixed_time_is_crons_flag(expression: str) -> None:
    assert cron.is_fixed_time(expression) == oracle.parse(expression).fixed


@settings(SETTINGS, max_examples=80)
@given(expressions(), zone_and_after())
def test_runs_ordered_matching_and_consistent(expression: str, za: tuple[str, datetime]) -> None:
    zone_name, after = za
    zone = ZoneInfo(zone_name)
    entry = oracle.parse(expression)
    fires = cron.next_fires(expression, zone_name, after, 4)
    runs = cron.next_runs(expression, zone_name, after, 4)
    assert [f.at for f in fires] == runs
    assert len(runs) == 4
    assert all(r.tzinfo is UTC for r in runs)
    assert runs[0] > after
    assert all(a < b for a, b in itertools.pairwise(runs))
    fixed = cron.is_fixed_time(expression)
    for f in fires:
        wall = f.at.astimezone(zone).replace(tzinfo=None)
        assert f.local.astimezone(UTC) == f.at and f.local.replace(tzinfo=None) == wall
        if f.note and f.note.startswith("moved by DST"):
            assert fixed
            before = (f.at - timedelta(seconds=1)).astimezone(zone)
            pre, post = before.utcoffset(), f.at.astimezone(zone).utcoffset()
            assert pre is not None and post is not None and post > pre  # f.at ends a gap
            gap_start = f.at.replace(tzinfo=None) + pre
            assert oracle.naive_next(entry, gap_start - MINUTE) < f.at.replace(tzinfo=None) + post
        else:
            assert entry.matches(wall), (expression, zone_name, f)
    if fixed:  # a fixed-time job never fires twice at one local date and time
        walls = [f.local.replace(tzinfo=None, fold=0) for f in fires]
        assert len(set(walls)) == len(walls)
    assert cron.next_runs(expression, zone_name, runs[0], 3) == runs[1:]
    assert cron.next_runs(expression, zone_name, runs[1] - timedelta(seconds=1), 2) == runs[1:3]


def _compare_with_daemon(expression: str, zone_name: str, start: datetime, hours: int) -> None:
    end = start + timedelta(hours=hours)
    expected = oracle.fires_between(expression, zone_name, start, end)
    got = cron.next_runs(expression, zone_name, start, len(expected) + 1)
    assert [g for g in got if g <= end] == expected, (expression, zone_name, start)


@settings(SETTINGS, max_examples=60)
@given(expressions(), st.sampled_from(ZONES), st.data())
def test_against_crons_main_loop_around_dst(
    expression: str, zone_name: str, data: st.DataObject
) -> None:
    """Every fire of a 30-hour window around a DST change, as cron.c's loop fires them."""
    near = transitions(zone_name) or [datetime(2025, 3, 30, 1, tzinfo=UTC)]
    start = data.draw(st.sampled_from(near)) - timedelta(hours=data.draw(st.integers(1, 24)))
    _compare_with_daemon(expression, zone_name, start, 30)


@cache
def _resets() -> list[tuple[str, datetime]]:
    found = []
    for name in RESET_ZONES:
        zone = ZoneInfo(name)
        for t in oracle.transitions(name, datetime(1900, 1, 1, tzinfo=UTC), END):
            before = (t - timedelta(seconds=1)).astimezone(zone).utcoffset()
            after = t.astimezone(zone).utcoffset()
            assert before is not None and after is not None
            whole = before.total_seconds() % 60 == 0 and after.total_seconds() % 60 == 0
            if whole and abs(after - before) >= timedelta(hours=3):
                found.append((name, t))
    return found


def test_reset_zones_have_resets_both_ways() -> None:
    ups = [(n, t) for n, t in _resets() if n == "Pacific/Apia" and t.year == 2011]
    downs = [(n, t) for n, t in _resets() if n == "Antarctica/Vostok" and t.year == 1994]
    assert ups and downs and len(_resets()) >= 8


@settings(SETTINGS, max_examples=60)
@given(expressions(), st.data())
def test_against_crons_main_loop_around_clock_resets(expression: str, data: st.DataObject) -> None:
    """Offset changes of more than 3 hours (Apia 2011, Kwajalein 1993, Vostok 1994 ...)."""
    zone_name, t = data.draw(st.sampled_from(_resets()))
    start = t - timedelta(hours=data.draw(st.integers(1, 30)))
    _compare_with_daemon(expression, zone_name, start, 54)
