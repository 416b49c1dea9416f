"""Helpers of the fault tests: schedules whose every execution leaves a line in a log file, and
the audit of what ran against what the database recorded.

Executions are counted outside the database (each command appends "schedule fire attempt" to a
file with O_APPEND, atomic for short lines), so a fire executed twice is seen even if the
database would hide it."""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from tests.runner.conftest import add, command, query
from tickwork.domain.timeutil import parse_iso
from tickwork.store import Store

SECOND = timedelta(seconds=1)
FULL = os.environ.get("TICKWORK_CHAOS_FULL") == "1"  # the full-size runs


def logged(log: Path) -> str:
    return f'echo "$TICKWORK_SCHEDULE_ID $TICKWORK_SCHEDULED_FOR $TICKWORK_ATTEMPT" >> {log}'


def make_schedules(db: Path | str, log: Path, count: int, **fields: object) -> list[str]:
    with Store.open(db) as store:
        return [
            add(store, f"chaos-{i:03}", action=command(logged(log)), **fields).id
            for i in range(count)
        ]


@dataclass
class Audit:
    fires: int = 0  # fire instants recorded (first attempts)
    executions: int = 0  # lines in the execution log
    duplicates: list[str] = field(default_factory=list)  # a fire attempt executed twice
    gaps: list[str] = field(default_factory=list)  # an instant with no run row
    stuck: list[str] = field(default_factory=list)  # runs still running or waiting
    unexecuted: list[str] = field(default_factory=list)  # succeeded but not in the log
    unretried: list[str] = field(default_factory=list)  # abandoned, owed a retry, none came
    exhausted: list[str] = field(default_factory=list)  # abandoned at the last attempt allowed
    twice: int = 0  # fires executed by more than one attempt
    unaccounted: list[str] = field(default_factory=list)  # ... with no abandoned attempt first
    statuses: Counter[str] = field(default_factory=Counter)
    lags: list[float] = field(default_factory=list)  # first attempts: start - scheduled (s)

    def lag(self, q: float) -> float:
        if not self.lags:
            return float("nan")
        ordered = sorted(self.lags)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    def figures(self) -> str:
        return (
            f"fires {self.fires}, executions {self.executions}, duplicates "
            f"{len(self.duplicates)}, gaps {len(self.gaps)}, stuck {len(self.stuck)}, "
            f"unretried {len(self.unretried)}, abandoned at their last attempt "
            f"{len(self.exhausted)}, fires run by two attempts {self.twice} "
            f"(unaccounted {len(self.unaccounted)}), start lag p50 {self.lag(0.5) * 1000:.0f} ms "
            f"p99 {self.lag(0.99) * 1000:.0f} ms, statuses {dict(self.statuses)}"
        )


def rows(db: Path | str, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Rows as tuples, from an SQLite file (a connection of its own) or a PostgreSQL URL."""
    if isinstance(db, Path):
        return [tuple(r) for r in query(db, sql, params)]
    with Store.open(db) as store:
        return store.query(sql, params)


def audit(db: Path | str, log: Path, ids: list[str], lag_since: datetime | None = None) -> Audit:
    """What ran against what was recorded; start lags of fires due from `lag_since` on (the
    backlog of fires due before the runners were up is not lag)."""
    out = Audit()
    lines = log.read_text().split("\n") if log.exists() else []
    wanted = set(ids)
    seen = Counter(line for line in lines if line and line.split(" ", 1)[0] in wanted)
    out.executions = sum(seen.values())
    out.duplicates = sorted(line for line, n in seen.items() if n > 1)
    runs: dict[str, list[tuple[Any, ...]]] = {schedule_id: [] for schedule_id in ids}
    for row in rows(
        db,
        "SELECT schedule_id, scheduled_for, attempt, status, started_at, created_at, error "
        "FROM runs "
        "ORDER BY schedule_id, scheduled_for, attempt",
    ):
        if row[0] in runs:
            runs[row[0]].append(row[1:])
    nexts = dict(rows(db, "SELECT id, next_run_at FROM schedules"))
    budget = {sid: int(n or 0) for sid, n in rows(db, "SELECT id, retries FROM schedules")}
    for schedule_id in ids:
        times: list[datetime] = []
        attempts: dict[datetime, dict[int, str]] = {}
        taken: set[str] = set()  # "instant attempt" of attempts abandoned (then maybe recorded)
        for scheduled_for, attempt, status, started, created, error in runs[schedule_id]:
            out.statuses[status] += 1
            if status in ("running", "pending"):
                out.stuck.append(f"{schedule_id} {scheduled_for} {status}")
            at = parse_iso(scheduled_for)
            assert at is not None
            if attempt == 1:
                times.append(at)
                begun = parse_iso(started or created)
                steady = lag_since is None or at >= lag_since
                if begun is not None and status != "missed" and steady:
                    out.lags.append((begun - at).total_seconds())
            attempts.setdefault(at, {})[attempt] = status
            if status == "abandoned" or "judged dead" in (error or ""):
                taken.add(f"{at.isoformat(timespec='seconds')} {attempt}")
            key = f"{schedule_id} {at.isoformat(timespec='seconds')} {attempt}"
            if status == "succeeded" and key not in seen:
                out.unexecuted.append(key)
        for at, tries in attempts.items():  # an abandoned attempt is followed by its retry
            for attempt, status in tries.items():  # (while the retries allow one)
                if status == "abandoned" and attempt + 1 not in tries:
                    owed = attempt <= budget.get(schedule_id, 0)
                    where = out.unretried if owed else out.exhausted
                    where.append(f"{schedule_id} {at.isoformat()} {attempt}")
        out.fires += len(times)
        ran: dict[str, list[int]] = {}
        for line in seen:
            sid, instant, attempt_text = line.split(" ")
            if sid == schedule_id:
                ran.setdefault(instant, []).append(int(attempt_text))
        for instant, executed in ran.items():  # run twice: each earlier attempt taken over
            if len(executed) > 1:
                out.twice += 1
                for attempt in sorted(executed)[:-1]:
                    if f"{instant} {attempt}" not in taken:  # the log has the same form
                        out.unaccounted.append(f"{schedule_id} {instant} {attempt}")
        nxt = parse_iso(nexts[schedule_id])
        if times and nxt is not None:  # every instant from the first fire to the next one
            expected = times[0]
            have = set(times)
            while expected < nxt:
                if expected not in have:
                    out.gaps.append(f"{schedule_id} {expected.isoformat()}")
                expected += SECOND
    return out
