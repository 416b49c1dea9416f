"""Which runs the history shows, read page by page from the store. Blocking: use thread workers.

The outcome and schedule filters go through `store.runs.list`/`count`. The store has no filter
on the schedule *name*, so that one (and only that one) is a read-only query of our own over the
store's public SELECT_RUN/run_from_row, with the same ordering as `store.runs.list`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tickwork.domain.runs import Run
from tickwork.domain.status import FAILED_STATUSES, RunStatus
from tickwork.store import Store
from tickwork.store.runs import NOT_PRECLAIMED, SELECT_RUN, run_from_row

OUTCOMES: dict[str, tuple[str, ...] | None] = {
    "all": None,
    "failed": tuple(sorted(FAILED_STATUSES)),
    "succeeded": (RunStatus.SUCCEEDED,),
    "running": (RunStatus.RUNNING,),
    "missed": (RunStatus.MISSED,),
    "skipped": (RunStatus.SKIPPED,),
}
OUTCOME_ORDER: tuple[str, ...] = tuple(OUTCOMES)
PAGE_SIZE = 100


def next_outcome(outcome: str) -> str:
    """all -> failed -> succeeded -> running -> missed -> skipped -> all."""
    i = OUTCOME_ORDER.index(outcome) if outcome in OUTCOME_ORDER else -1
    return OUTCOME_ORDER[(i + 1) % len(OUTCOME_ORDER)]


@dataclass(frozen=True)
class RunQuery:
    schedule_id: str | None = None
    outcome: str = "all"
    name: str = ""  # a case-insensitive part of the schedule name

    @property
    def statuses(self) -> tuple[str, ...] | None:
        return OUTCOMES.get(self.outcome)

    def describe(self) -> str:
        parts = [f"outcome: {self.outcome}"]
        if self.name.strip():
            parts.append(f"name contains {self.name.strip()!r}")
        return " · ".join(parts)


@dataclass(frozen=True)
class RunPage:
    runs: list[Run]
    total: int
    version: int
    slow_after: dict[str, float] = field(default_factory=dict)  # schedule id -> seconds
    zones: dict[str, str] = field(default_factory=dict)  # schedule id -> its time zone


def slow_thresholds(store: Store) -> dict[str, float]:
    """max_duration_warning of the schedules that have one (few: the policy is opt-in)."""
    rows = store.query(
        "SELECT id, max_duration_warning FROM schedules WHERE max_duration_warning IS NOT NULL"
    )
    return {str(i): float(s) for i, s in rows}


def _name_where(query: RunQuery) -> tuple[str, list[Any]]:
    escaped = query.name.strip().lower().replace("\\", "\\\\").replace("%", "\\%")
    clauses = ["lower(s.name) LIKE ? ESCAPE '\\'", NOT_PRECLAIMED]  # as store.runs.list
    params: list[Any] = ["%" + escaped.replace("_", "\\_") + "%"]
    if query.schedule_id:
        clauses.append("r.schedule_id = ?")
        params.append(query.schedule_id)
    if query.statuses:
        clauses.append(f"r.status IN ({', '.join('?' for _ in query.statuses)})")
        params.extend(query.statuses)
    return " WHERE " + " AND ".join(clauses), params


def fetch_runs(
    store: Store, query: RunQuery, *, offset: int = 0, limit: int = PAGE_SIZE
) -> list[Run]:
    """One page of runs, newest first."""
    if not query.name.strip():
        return store.runs.list(
            query.schedule_id, statuses=query.statuses, limit=limit, offset=offset
        )
    where, params = _name_where(query)
    sql = f"{SELECT_RUN}{where} ORDER BY r.created_at DESC, r.id DESC LIMIT ? OFFSET ?"
    return [run_from_row(row) for row in store.query(sql, [*params, limit, offset])]


def count_runs(store: Store, query: RunQuery) -> int:
    """How many runs match (all pages)."""
    if not query.name.strip():
        if query.statuses is None:
            return store.runs.count(query.schedule_id)
        return sum(store.runs.count(query.schedule_id, status=s) for s in query.statuses)
    where, params = _name_where(query)
    sql = f"SELECT count(*) FROM runs r LEFT JOIN schedules s ON s.id = r.schedule_id{where}"
    return int(store.query(sql, params)[0][0])


def load_page(store: Store, query: RunQuery, *, limit: int = PAGE_SIZE) -> RunPage:
    """The newest `limit` matching runs, their total and the data version they were read at."""
    version = store.content_version()
    runs = fetch_runs(store, query, limit=limit)
    return RunPage(
        runs, count_runs(store, query), version, slow_thresholds(store), schedule_zones(store)
    )


def schedule_zones(store: Store) -> dict[str, str]:
    """Every schedule's time zone (times in the history are shown in it, if chosen)."""
    return {str(i): str(tz) for i, tz in store.query("SELECT id, timezone FROM schedules")}
