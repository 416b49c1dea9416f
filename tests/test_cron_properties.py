"""Property tests for tickwork.cron over random valid expressions, zones and times."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from croniter import croniter
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

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
        st.tuples(pair, step).map(lambda q: f"{q[0][0]}-{q[0][1]}/{q[1]}"),  # may wrap
        st.lists(value, min_size=2, max_size=4, unique=True).map(lambda vs: ",".join(map(str, vs))),
        st.tuples(value, step).map(lambda q: f"{q[0]}/{q[1]}"),
    )


MINUTES = _numeric(0, 59, [0, 15, 30, 45])
HOURS = _numeric(0, 23, [0, 1, 2, 3, 23])
DOMS = st.one_of(_numeric(1, 31), st.sampled_from(["L", "1,L", "15-L"]))
MONTHS = st.one_of(
    _numeric(1, 12, [3, 4, 9, 10, 11]), st.sampled_from(["jan", "Mar-Apr", "oct,NOV", "nov-feb"])
)
PLAIN_DOWS = st.one_of(_numeric(0, 7), st.sampled_from(["mon-fri", "SAT,sun", "fri-mon"]))
# croniter's own spellings of nth weekdays (L5 = last Friday), so croniter can be the oracle
NTH_DOWS = st.sampled_from(["5#1", "0#2", "6#5", "L0", "L5", "1#1,1#3", "sun#1,L6"])


@st.composite
def expressions(draw: st.DrawFn) -> str:
    dow = draw(st.one_of(PLAIN_DOWS, NTH_DOWS))
    dom = "*" if "#" in dow or "L" in dow else draw(DOMS)
    text = " ".join([draw(MINUTES), draw(HOURS), dom, draw(MONTHS), dow])
    try:
        cron.validate(text)
    except cron.CronError:
        assume(False)
    return text


@cache
def transitions(zone_name: str) -> list[datetime]:
    """UTC instants 2020-2030 at which the zone's offset changes."""
    zone, found, step = ZoneInfo(zone_name), [], timedelta(hours=3)
    u, off = START, START.astimezone(zone).utcoffset()
    while u < END:
        nxt = u + step
        o = nxt.astimezone(zone).utcoffset()
        if o != off:
            lo, hi = 0, int(step.total_seconds())
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if (u + timedelta(seconds=mid)).astimezone(zone).utcoffset() == o:
                    hi = mid
                else:
                    lo = mid
            found.append(u + timedelta(seconds=hi))
        u, off = nxt, o
    return found


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


def _croniter(expression: str, naive: datetime) -> croniter:
    return croniter(
        cron.expand_macro(expression),
        naive,
        ret_type=datetime,
        day_or=True,
        implement_cron_bug=True,
    )


def _wall_matches(expression: str, wall: datetime) -> bool:
    return bool(_croniter(expression, wall - MINUTE).get_next(datetime) == wall)


@SETTINGS
@given(expressions(), st.datetimes(datetime(2020, 1, 1), datetime(2030, 12, 31)))
def test_naive_iteration_matches_croniter(expression: str, start: datetime) -> None:
    matcher = cron._compile(expression).matcher
    assert matcher is not None
    it = _croniter(expression, start)
    t: datetime | None = start
    for _ in range(6):
        t = matcher.next_after(t) if t else None
        assert t == it.get_next(datetime), expression


@settings(SETTINGS, max_examples=80)
@given(expressions(), zone_and_after())
def test_runs_ordered_matching_and_consistent(expression: str, za: tuple[str, datetime]) -> None:
    zone_name, after = za
    zone = ZoneInfo(zone_name)
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
            gap_end = f.at.replace(tzinfo=None) + post
            assert _croniter(expression, gap_start - MINUTE).get_next(datetime) < gap_end
        else:
            assert _wall_matches(expression, wall), (expression, zone_name, f)
    if fixed:  # a fixed-time job never fires twice at one local date and time
        walls = [f.local.replace(tzinfo=None, fold=0) for f in fires]
        assert len(set(walls)) == len(walls)
    assert cron.next_runs(expression, zone_name, runs[0], 3) == runs[1:]
    assert cron.next_runs(expression, zone_name, runs[1] - timedelta(seconds=1), 2) == runs[1:3]


@settings(SETTINGS, max_examples=40)
@given(expressions(), st.sampled_from(ZONES), st.data())
def test_against_minute_by_minute_oracle(
    expression: str, zone_name: str, data: st.DataObject
) -> None:
    """Scan every UTC minute of a 30-hour window around a transition; compare."""
    near = transitions(zone_name) or [datetime(2025, 3, 30, 1, tzinfo=UTC)]
    start = data.draw(st.sampled_from(near)) - timedelta(hours=data.draw(st.integers(1, 24)))
    end = start + timedelta(hours=30)
    zone, fixed = ZoneInfo(zone_name), cron.is_fixed_time(expression)
    wall_lo = start.astimezone(zone).replace(tzinfo=None) - timedelta(hours=3)
    wall_hi = end.astimezone(zone).replace(tzinfo=None) + timedelta(hours=3)
    matches, it = set(), _croniter(expression, wall_lo)
    while (w := it.get_next(datetime)) < wall_hi:
        matches.add(w)
    expected: set[datetime] = set()
    u = start + MINUTE
    while u <= end:
        local = u.astimezone(zone)
        wall = local.replace(tzinfo=None)
        second_pass = local.fold == 1 and zone.utcoffset(wall.replace(fold=0)) != local.utcoffset()
        if wall in matches and not (fixed and second_pass):
            expected.add(u)
        u += MINUTE
    for t in transitions(zone_name):
        pre = (t - timedelta(seconds=1)).astimezone(zone).utcoffset()
        post = t.astimezone(zone).utcoffset()
        assert pre is not None and post is not None
        if fixed and start < t <= end and post > pre:
            gap = (t.replace(tzinfo=None) + pre, t.replace(tzinfo=None) + post)
            if any(gap[0] <= m < gap[1] for m in matches):
                expected.add(t)
    got = cron.next_runs(expression, zone_name, start, len(expected) + 1)
    assert [g for g in got if g <= end] == sorted(expected), expression
