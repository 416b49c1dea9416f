"""Example schedules for `tickwork --demo`, screenshots and snapshot tests. No Textual here.

`build_demo(store)` fills a (throwaway) database with a dozen schedules in several time zones that
fire harmless commands (echo, date, sleep 2), so the runner, the timeline and the history move at
once. Ids are fixed (demo_01 …) so that screenshots of a frozen clock are reproducible.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from itertools import takewhile
from typing import Any

from tickwork.domain import spec
from tickwork.domain.model import Schedule
from tickwork.domain.runs import FAILED_STATUSES, Run
from tickwork.domain.status import RunStatus, Trigger
from tickwork.store import Store
from tickwork.store.runs import insert_run


def _cmd(command: str, **extra: Any) -> dict[str, Any]:
    return {"kind": "command", "command": command, **extra}


# (data, paused): each data dict is exactly what `tickwork add` would send to the store.
DEMO_SCHEDULES: list[tuple[dict[str, Any], bool]] = [
    (
        {
            "name": "heartbeat",
            "cron": "* * * * *",
            "action": _cmd("echo tick"),
            "description": "Proves the runner is alive once a minute",
        },
        False,
    ),
    (
        {"name": "fast poll", "every": "10s", "action": _cmd("date"), "external_id": "poller-1"},
        False,
    ),
    (
        {
            "name": "sync cache",
            "every": "30s",
            "action": _cmd("sleep 2; echo synced"),
            "max_runs": 500,
            "deduplication_key": "cache-sync",
        },
        False,
    ),
    (
        {
            "name": "flaky export",
            "cron": "*/2 * * * *",
            "action": _cmd("echo exporting; exit 3"),
            "retries": 1,
            "retry_backoff_seconds": 5,
            "description": "Fails on purpose (exit 3)",
        },
        False,
    ),
    (
        {
            "name": "webhook ping",
            "cron": "*/5 * * * *",
            "action": {"kind": "http", "url": "http://127.0.0.1:9/hook", "method": "POST"},
            "timeout_seconds": 5,
            "description": "Nothing listens on port 9: fails",
        },
        False,
    ),
    (
        {
            "name": "quarter-hour check",
            "cron": "*/15 * * * *",
            "timezone": "America/Los_Angeles",
            "action": _cmd("sleep 2; echo checked"),
            "overlap": "queue",
            "timeout_seconds": 30,
        },
        False,
    ),
    (
        {
            "name": "hourly rollup",
            "cron": "0 * * * *",
            "timezone": "Australia/Sydney",
            "action": _cmd("date -u"),
            "jitter_seconds": 10,
        },
        False,
    ),
    (
        {
            "name": "nightly backup",
            "time_of_day": "02:30",
            "timezone": "America/New_York",
            "action": _cmd("echo backing up", cwd="/tmp"),
            "catchup": "all",
            "description": "02:30 does not exist on spring-forward night: moved by DST",
        },
        False,
    ),
    (
        {
            "name": "standup reminder",
            "time_of_day": "09:15",
            "days_of_week": "mon-fri",
            "timezone": "Europe/London",
            "action": _cmd("echo standup", env={"TEAM": "core"}),
            "external_id": "JIRA-42",
        },
        False,
    ),
    (
        {
            "name": "weekend report",
            "time_of_day": "10:00",
            "days_of_week": "sat,sun",
            "timezone": "Asia/Tokyo",
            "action": _cmd("echo weekend"),
        },
        False,
    ),
    (
        {
            "name": "month-end invoices",
            "cron": "0 9 L * *",
            "timezone": "Europe/Berlin",
            "action": {"kind": "python", "target": "tickwork.demo:say_hello"},
        },
        False,
    ),
    (
        {
            "name": "old cleanup",
            "cron": "0 4 * * *",
            "action": _cmd("echo cleaning"),
            "description": "Paused: resume it with p",
        },
        True,
    ),
]


def say_hello() -> str:
    """The demo's python action."""
    return "hello from tickwork.demo"


def build_demo(store: Store, *, history: bool = False) -> list[Schedule]:
    """Add the demo schedules (fixed ids demo_01 …); `history` adds an hour of past runs."""
    now = store.clock()
    made: list[Schedule] = []
    for n, (data, paused) in enumerate(DEMO_SCHEDULES, start=1):
        s = spec.build(data, now, schedule_id=f"demo_{n:02d}")
        if paused:
            s = spec.set_active(s, False, now)
        store.save(s)
        made.append(s)
    if history:
        made = [_add_history(store, s, now) for s in made]
    return made


HISTORY_RUNS = 60  # finished fires per schedule: enough for the 50-run outcome strip
# What each demo action takes, in seconds (the runs' durations vary around it).
TYPICAL_SECONDS = {
    "heartbeat": 0.01,
    "fast poll": 0.005,
    "sync cache": 2.0,
    "flaky export": 0.02,
    "webhook ping": 0.003,
    "quarter-hour check": 2.0,
    "hourly rollup": 0.008,
    "nightly backup": 0.02,
    "standup reminder": 0.01,
    "weekend report": 0.01,
    "month-end invoices": 0.05,
}


def _outcome(s: Schedule, k: int) -> tuple[RunStatus, int | None, str | None, float | None]:
    """(status, exit code, error, duration) of the k-th past fire, as the runner records them."""
    typical = TYPICAL_SECONDS.get(s.name, 0.01)
    took = round(typical * (0.8 + 0.1 * ((k * 7) % 5)) + 0.0005 * (k % 3), 4)
    if s.name == "flaky export":
        return RunStatus.FAILED, 3, "exit status 3", took
    if s.name == "webhook ping":
        return RunStatus.FAILED, None, "connection refused: 127.0.0.1:9", took
    if s.name == "quarter-hour check" and k % 9 == 4:
        timeout = s.policies.timeout_seconds
        return RunStatus.TIMED_OUT, None, f"timed out after {timeout:g}s", timeout
    if s.name == "sync cache" and k % 13 == 6:  # the previous sync was still running
        return RunStatus.SKIPPED, None, "overlap=skip: the previous run was still running", None
    if s.name == "hourly rollup" and k % 11 == 3:
        return RunStatus.SUCCEEDED, 0, None, round(took * 40, 3)  # a slow one now and then
    return RunStatus.SUCCEEDED, 0, None, took


def _add_history(store: Store, s: Schedule, now: datetime) -> Schedule:
    """The last (up to) HISTORY_RUNS fires before `now` as finished runs (a failed attempt of
    a schedule with retries followed by its retry), and the schedule's run fields."""
    if not s.active:
        return s
    fires: list[datetime] = []
    for window in (timedelta(hours=1), timedelta(days=1), timedelta(days=14)):
        fires = list(takewhile(lambda t: t < now, spec.iter_upcoming(s, now - window)))
        fires = fires[-HISTORY_RUNS:]
        if len(fires) == HISTORY_RUNS:
            break
    if not fires:
        return s
    runs: list[Run] = []
    for k, at in enumerate(fires):
        status, code, error, took = _outcome(s, k)
        attempts = 1 + (s.policies.retries if status in FAILED_STATUSES else 0)
        for attempt in range(1, attempts + 1):
            due = at + timedelta(seconds=s.policies.retry_backoff_seconds * (attempt - 1))
            if due >= now:
                break
            started = None if took is None else due + timedelta(milliseconds=40)
            runs.append(
                Run(
                    id=f"run_{s.id}_{k:02d}_{attempt}",
                    schedule_id=s.id,
                    scheduled_for=at,
                    attempt=attempt,
                    trigger=Trigger.SCHEDULE if attempt == 1 else Trigger.RETRY,
                    status=status,
                    created_at=due,
                    runner_id="rnr_demo",
                    host="demo-host",
                    pid=None if started is None else 4242 + len(runs),
                    started_at=started,
                    finished_at=None if started is None else started + timedelta(seconds=took or 0),
                    duration=took,
                    exit_code=code,
                    output=None if started is None else _output(s, status),
                    error=error,
                )
            )
    last = runs[-1]
    updated = replace(
        s,
        last_run_at=last.scheduled_for,
        last_status=last.status,
        run_count=len(fires),
        status_reason=last.error if last.status in FAILED_STATUSES else None,
    )
    with store.write() as conn:
        for run in runs:
            insert_run(conn, run)
    store.save(updated)
    return updated


def _output(s: Schedule, status: RunStatus) -> str:
    if s.name == "flaky export":
        return "exporting\n"
    if status == RunStatus.SUCCEEDED:
        return "ok\n"
    return ""
