"""The UI's pure parts: the page cache, form values -> store input, runner status words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.conftest import FIXED_NOW, cmd
from tickwork.domain import spec
from tickwork.domain.model import Schedule
from tickwork.domain.runs import RunnerLease
from tickwork.ui.live import runner_status
from tickwork.ui.widgets.form import values as fv
from tickwork.ui.widgets.schedules.pager import PageCache, Query


def sched(name: str, **data: Any) -> Schedule:
    if not {"every", "time_of_day"} & set(data):
        data.setdefault("cron", "0 9 * * *")
    data.setdefault("action", cmd())
    return spec.build({"name": name, **data}, FIXED_NOW)


def rows(n: int) -> list[Schedule]:
    base = sched("x")
    return [base.with_changes(id=f"s{i}", name=f"n{i}") for i in range(n)]


def test_page_cache_keeps_pages_and_drops_stale_generations() -> None:
    cache = PageCache(page_size=10, max_pages=2)
    cache.reset(Query(), 35, {0: rows(10)})
    third = cache.row(3)
    assert third is not None and third.id == "s3"
    assert cache.row(12) is None
    assert cache.pages_for(5, 34) == [0, 1, 2, 3]
    assert cache.missing([0, 1, 2]) == [1, 2]
    generation = cache.begin(1)
    assert cache.missing([1]) == []  # already being fetched
    cache.reset(Query(search="n"), 5, {})  # the filter changed meanwhile
    assert cache.put(generation, 1, rows(10)) is False
    assert cache.row(0) is None
    g = cache.generation
    for page in (0, 1, 2):
        cache.put(g, page, rows(10))
    assert cache.row(0) is None or cache.page_of(0) != 0  # LRU of 2 pages dropped page 0
    assert cache.index_of("s3") in (13, 23)


def test_form_values_round_trip_and_patch_only_changes() -> None:
    s = sched(
        "report",
        time_of_day="09:15",
        days_of_week="mon-fri",
        timezone="Europe/London",
        retries=2,
        max_runs=5,
    )
    v = fv.from_schedule(s)
    assert (v.timing, v.time_of_day, v.days_of_week, v.retries) == (
        "time",
        "09:15",
        (1, 2, 3, 4, 5),
        "2",
    )
    assert fv.patch_data(v, v) == {}
    changed = fv.FormValues(**{**v.__dict__, "name": "renamed", "max_runs": ""})
    assert fv.patch_data(v, changed) == {"name": "renamed", "max_runs": None}
    built, errors = fv.check(changed, v, s, FIXED_NOW)
    assert errors == [] and built is not None and built.max_runs is None
    clone = fv.from_schedule(s.with_changes(deduplication_key="k"), clone=True)
    assert clone.name == "report (copy)" and clone.deduplication_key == ""
    data = fv.create_data(clone)
    assert data["time_of_day"] == "09:15" and data["days_of_week"] == [1, 2, 3, 4, 5]
    assert spec.build(data, FIXED_NOW).expression == "15 9 * * 1-5"


def test_form_check_reports_the_domain_messages() -> None:
    v = fv.FormValues(name="", cron="61 * * * *", command="")
    _, errors = fv.check(v, fv.FormValues(), None, FIXED_NOW)
    by_field = {e.field: e.message for e in errors}
    assert by_field["cron"] == "minute 61 is out of range 0-59"
    assert set(by_field) == {"name", "cron", "command"}
    interval = fv.FormValues(timing="every", every="90m")
    candidate, _ = fv.preview(interval, fv.FormValues(), None, FIXED_NOW)
    assert candidate is not None and candidate.expression == "@every 1h30m"


def lease(mode: str, pid: int = 4242) -> RunnerLease:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    return RunnerLease("r1", "box", pid, mode, "active", now, now, now + timedelta(seconds=10))


def test_runner_status_words() -> None:
    assert runner_status("active", [], enabled=True) == ("active", "embedded runner active")
    assert runner_status("standby", [lease("headless")], enabled=True) == (
        "standby",
        "standby: headless runner on box pid 4242 alive",
    )
    assert runner_status(None, [], enabled=False) == ("off", "no runner")
    assert runner_status(None, [lease("headless")], enabled=False)[0] == "headless"


def test_detail_marks_times_moved_and_skipped_by_dst() -> None:
    from tickwork.ui.widgets.schedules import detail_text

    moved = sched("backup", time_of_day="02:30", timezone="America/New_York")
    text = "\n".join(detail_text.next_lines(moved, FIXED_NOW))
    assert "2026-03-08 03:00 EDT" in text and "moved by DST (02:30 does not exist)" in text
    wildcard = sched("often", cron="*/30 2 * * *", timezone="America/New_York")
    text = "\n".join(detail_text.next_lines(wildcard, FIXED_NOW + timedelta(days=5)))
    assert "skipped by DST" in text and "03-08 02:00, 03-08 02:30" in text
