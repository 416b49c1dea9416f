"""How runs end: a recorded outcome (and the retry it may call for), or abandonment when their
runner died. The claim protocol that starts them is in store.claims."""

from __future__ import annotations

import random
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from tickwork.domain import spec
from tickwork.domain.runs import FAILED_STATUSES, Run, RunnerLease
from tickwork.domain.status import RunStatus, Trigger
from tickwork.domain.timeutil import iso_ms, parse_iso
from tickwork.store.claims import UNREADABLE
from tickwork.store.dialect import Conn
from tickwork.store.failures import record_fire
from tickwork.store.preclaims import release_dead
from tickwork.store.rows import SELECT_SCHEDULE, from_row
from tickwork.store.runs import RUN_FIELDS, SELECT_RUN, insert_run, run_from_row

if TYPE_CHECKING:
    from tickwork.store.schedules import Store

# Whether the runner of a lease (host, pid, started_at) is still alive, though not beating
# (stopped, suspended): asked only about runners of this host.
Liveness = Callable[[RunnerLease], bool]


class OutcomeLike(Protocol):
    """What an action's outcome carries (the runner's Outcome satisfies it)."""

    @property
    def status(self) -> RunStatus: ...
    @property
    def duration(self) -> float: ...
    @property
    def output(self) -> str: ...
    @property
    def exit_code(self) -> int | None: ...
    @property
    def http_status(self) -> int | None: ...
    @property
    def error(self) -> str | None: ...


LATE = (
    "recorded late: its runner had been judged dead and the run abandoned (and retried as its "
    "policy says) before this outcome arrived"
)


def finish(store: Store, run: Run, outcome: OutcomeLike, now: datetime) -> Run | None:
    """Record a run's outcome; returns the retry run it scheduled, if any.

    A run already judged abandoned (its runner looked dead to another one) still gets its real
    outcome recorded, but the retry decision taken then stands: no second retry, and the
    schedule's last status is left to the runs after it (a retry may have ended since). Its
    error says so (LATE): the fire may have run twice, and the history shows why.
    """
    with store.write() as conn:
        return _finish(store, conn, run, outcome, now)


Ended = tuple[Run, OutcomeLike, datetime]  # a run, how it ended, when


def finish_many(
    store: Store, ended: Sequence[Ended], pids: Sequence[tuple[str, int]] = ()
) -> list[Run | None]:
    """Record several outcomes (and the pids of commands started since the last call) in one
    write transaction, each as finish() does; returns each one's retry, in order. The
    schedules' rows are locked in one order (their ids; a schedule's runs in the order they
    ended), so two runners never deadlock; the pids come last (a pid, as on its own, locks only
    its run)."""
    retries: dict[str, Run | None] = {}
    with store.write() as conn:
        for run, outcome, now in sorted(ended, key=lambda e: e[0].schedule_id):
            retries[run.id] = _finish(store, conn, run, outcome, now)
        if pids:
            conn.executemany("UPDATE runs SET pid = ? WHERE id = ?", [(p, r) for r, p in pids])
    return [retries[run.id] for run, _, _ in ended]


def _finish(store: Store, conn: Conn, run: Run, outcome: OutcomeLike, now: datetime) -> Run | None:
    store.dialect.lock_schedule(conn, run.schedule_id)  # first, as every writer of it does
    row = conn.execute("SELECT status FROM runs WHERE id = ?", (run.id,)).fetchone()
    if row is None:  # its schedule was deleted meanwhile
        return None
    error = outcome.error
    if row[0] == "abandoned":
        error = f"{error}; {LATE}" if error else LATE
    # started_at: when the action started, as the runner saw it (a fire held for a slot
    # after its flip starts later than the flip recorded: runner.held).
    conn.execute(
        "UPDATE runs SET status = ?, finished_at = ?, duration = ?, output = ?, exit_code = ?, "
        "http_status = ?, error = ?, started_at = COALESCE(?, started_at) WHERE id = ?",
        (
            outcome.status,
            iso_ms(now),
            outcome.duration,
            outcome.output,
            outcome.exit_code,
            outcome.http_status,
            error,
            iso_ms(run.started_at),
            run.id,
        ),
    )
    if row[0] != RunStatus.RUNNING:
        return None
    conn.execute(
        "UPDATE schedules SET last_status = ? WHERE id = ?", (outcome.status, run.schedule_id)
    )
    retry = _maybe_retry(conn, run, outcome.status, now)
    record_fire(conn, run, outcome.status, now, final=retry is None)
    return retry


def _maybe_retry(conn: Conn, run: Run, status: RunStatus, now: datetime) -> Run | None:
    if status not in FAILED_STATUSES:
        return None
    row = conn.execute(f"{SELECT_SCHEDULE} WHERE id = ?", (run.schedule_id,)).fetchone()
    if row is None:
        return None
    try:
        s = from_row(row)
    except UNREADABLE:  # a schedule that cannot be read is not retried
        return None
    if run.attempt > s.policies.retries:
        return None
    delay = s.policies.retry_backoff_seconds * (2 ** (run.attempt - 1))
    delay *= random.uniform(0.8, 1.2)  # jitter keeps retries of many schedules apart
    retry = Run(
        id=spec.new_id("run_"),
        schedule_id=run.schedule_id,
        scheduled_for=run.scheduled_for,
        attempt=run.attempt + 1,
        trigger=Trigger.RETRY if run.trigger != Trigger.MANUAL else Trigger.MANUAL,
        status=RunStatus.PENDING,
        created_at=now,
        not_before=now + timedelta(seconds=delay),
        webhook_id=run.webhook_id or run.id,
        schedule_name=run.schedule_name,
    )
    insert_run(conn, retry)
    return retry


@dataclass
class Sweep:
    """What a sweep found: runs abandoned (with the retry each called for, if any), and runs
    left to a runner of this host that missed its lease but is alive (stopped, suspended)."""

    abandoned: list[tuple[Run, Run | None]] = field(default_factory=list)
    spared: list[tuple[Run, RunnerLease]] = field(default_factory=list)
    released: int = 0  # fires dead runners pre-claimed and never started: claimable again


def abandon_dead(
    store: Store,
    now: datetime,
    *,
    exclude_runner: str | None = None,
    host: str | None = None,
    alive: Liveness | None = None,
) -> Sweep:
    """Mark runs whose runner's lease expired as abandoned (retrying if the policy says so).

    `exclude_runner` is the caller: a runner is never dead to itself, whatever its clock says.
    A runner of the caller's `host` whose process is `alive` (stopped by SIGSTOP, say) is not
    dead: its runs are left to it (it records them when it wakes), nothing is killed or re-run.
    """
    out = Sweep()
    with store.write() as conn:
        now = store.dialect.server_now(conn) or now  # leases are in the server's time
        out.released = release_dead(conn, now, exclude_runner)
        rows = conn.execute(
            f"SELECT {RUN_FIELDS}, w.id, w.host, w.pid, w.mode, w.state, w.started_at, "
            "w.heartbeat_at, w.expires_at FROM runs r "
            "LEFT JOIN schedules s ON s.id = r.schedule_id "
            "LEFT JOIN runners w ON w.id = r.runner_id "
            "WHERE r.status = 'running' AND r.runner_id IS DISTINCT FROM ? "
            "AND (w.id IS NULL OR w.expires_at <= ?)",
            (exclude_runner, iso_ms(now)),
        ).fetchall()
        for row in rows:
            run = run_from_row(row[:-8])
            lease = _lease(row[-8:])
            if lease is not None and alive is not None and lease.host == host and alive(lease):
                out.spared.append((run, lease))
                continue
            if not _lock_or_skip(store, conn, run.schedule_id):
                continue  # another runner holds its schedule: the next sweep looks again
            error = f"abandoned: its runner ({run.host or '?'} {run.runner_id}) stopped"
            cur = conn.execute(
                "UPDATE runs SET status = 'abandoned', finished_at = ?, error = ? "
                "WHERE id = ? AND status = 'running'",
                (iso_ms(now), error, run.id),
            )
            if cur.rowcount != 1:  # finished or abandoned since the first look
                continue
            conn.execute(
                "UPDATE schedules SET last_status = 'abandoned' WHERE id = ?", (run.schedule_id,)
            )
            retry = _maybe_retry(conn, run, RunStatus.ABANDONED, now)
            record_fire(conn, run, RunStatus.ABANDONED, now, final=retry is None)
            out.abandoned.append(
                (replace(run, status=RunStatus.ABANDONED, error=error, finished_at=now), retry)
            )
    return out


def _lock_or_skip(store: Store, conn: Conn, schedule_id: str) -> bool:
    """Lock a schedule's row unless another transaction holds it (SQLite: always there)."""
    sql = f"SELECT 1 FROM schedules WHERE id = ?{store.dialect.skip_locked}"
    return conn.execute(sql, (schedule_id,)).fetchone() is not None


def _lease(cols: tuple[object, ...]) -> RunnerLease | None:
    rid, host, pid, mode, state, started, beat, expires = cols
    if rid is None:
        return None
    times = [parse_iso(str(t)) for t in (started, beat, expires)]
    if any(t is None for t in times):
        return None
    s, b, e = times
    assert s is not None and b is not None and e is not None
    return RunnerLease(str(rid), str(host), int(str(pid)), str(mode), str(state), s, b, e)


def taken_over(store: Store, run_ids: list[str]) -> list[str]:
    """Which of these runs (this runner's) are no longer `running`: another runner abandoned
    them while this one was away."""
    if not run_ids:
        return []
    marks = ", ".join("?" for _ in run_ids)
    rows = store.query(
        f"SELECT id FROM runs WHERE id IN ({marks}) AND status != 'running'", tuple(run_ids)
    )
    return [r[0] for r in rows]


def unstarted_claims(store: Store, runner_id: str, known: Collection[str]) -> list[Run]:
    """Runs of this runner the database holds as running that it does not run (not in `known`):
    claims that committed while their reply was lost (the connection dropped at the commit)."""
    rows = store.query(f"{SELECT_RUN} WHERE r.status = 'running' AND r.runner_id = ?", (runner_id,))
    return [run for run in map(run_from_row, rows) if run.id not in known]


def cancel_requested(store: Store, runner_id: str) -> list[str]:
    rows = store.query(
        "SELECT id FROM runs WHERE runner_id = ? AND status = 'running' AND cancel_requested = 1",
        (runner_id,),
    )
    return [r[0] for r in rows]
