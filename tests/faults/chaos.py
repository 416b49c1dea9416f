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

from tests.runner.conftest import add, command, query
from tickwork.domain.timeutil import parse_iso
from tickwork.store import Store

SECOND = timedelta(seconds=1)
FULL = os.environ.get("TICKWORK_CHAOS_FULL") == "1"  # the full-size runs


def logged(log: Path) -> str:
    return f'echo "$TICKWORK_SCHEDULE_ID $TICKWORK_SCHEDULED_FOR $TICKWORK_ATTEMPT" >> {log}'


def make_schedules(db: Path, log: Path, count: int, **fields: object) -> list[str]:
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
    statuses: Counter[str] = field(default_factory=Counter)

    def figures(self) -> str:
        return (
            f"fires {self.fires}, executions {self.executions}, duplicates "
            f"{len(self.duplicates)}, gaps {len(self.gaps)}, stuck {len(self.stuck)}, "
            f"statuses {dict(self.statuses)}"
        )


def audit(db: Path, log: Path, ids: list[str]) -> Audit:
    out = Audit()
    lines = log.read_text().split("\n") if log.exists() else []
    wanted = set(ids)
    seen = Counter(line for line in lines if line and line.split(" ", 1)[0] in wanted)
    out.executions = sum(seen.values())
    out.duplicates = sorted(line for line, n in seen.items() if n > 1)
    for schedule_id in ids:
        rows = query(
            db,
            "SELECT scheduled_for, attempt, status, started_at FROM runs WHERE schedule_id = ? "
            "ORDER BY scheduled_for, attempt",
            (schedule_id,),
        )
        [sched] = query(db, "SELECT next_run_at FROM schedules WHERE id = ?", (schedule_id,))
        times: list[datetime] = []
        for r in rows:
            out.statuses[r["status"]] += 1
            if r["status"] in ("running", "pending"):
                out.stuck.append(f"{schedule_id} {r['scheduled_for']} {r['status']}")
            at = parse_iso(r["scheduled_for"])
            assert at is not None
            if r["attempt"] == 1:
                times.append(at)
            key = f"{schedule_id} {at.isoformat(timespec='seconds')} {r['attempt']}"
            if r["status"] == "succeeded" and key not in seen:
                out.unexecuted.append(key)
        out.fires += len(times)
        nxt = parse_iso(sched["next_run_at"])
        if times and nxt is not None:  # every instant from the first fire to the next one
            expected = times[0]
            have = set(times)
            while expected < nxt:
                if expected not in have:
                    out.gaps.append(f"{schedule_id} {expected.isoformat()}")
                expected += SECOND
    return out
