"""What a claim decides about time: which due fires of a schedule run now, wait, were missed or
are skipped, and what the schedule becomes. Pure: the store reads the rows and writes the plan
in its claim transaction (store.claims), this module only decides.

Catch-up (`catchup`), overlap (`overlap`), max_runs and end_at are decisions about time, not
storage: the same plan serves SQLite and PostgreSQL, one schedule or a batch of thousands.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tickwork.domain import spec
from tickwork.domain.model import Schedule
from tickwork.domain.runs import Run, RunnerLease
from tickwork.domain.status import OPEN_STATUSES, RunStatus, Trigger
from tickwork.domain.timeutil import iso

ON_TIME_GRACE = timedelta(seconds=60)  # a fire later than this counts as missed downtime
MAX_CATCHUP_RUNS = 100  # catchup=all runs at most this many missed fires
MAX_MISSED_ROWS = 1000  # beyond this a backlog is summarised in the last missed row
MAX_BACKLOG = 100_000  # fires looked at per claim
UPCOMING_IN_PAYLOAD = 5  # the next fires an action is told about

Due = tuple[list[datetime], datetime | None, int]  # (due fires, first fire after now, cut off)


@dataclass
class Claim:
    """What one claim of one schedule decided (and the store wrote)."""

    schedule: Schedule  # as the claim left it
    start: list[Run] = field(default_factory=list)  # status running, owned by the claimer
    recorded: list[Run] = field(default_factory=list)  # missed / skipped / pending rows
    cancel: list[str] = field(default_factory=list)  # running run ids to cancel (overlap=replace)
    warning: str | None = None
    previous: Schedule | None = None  # as it was before (what the actions are told)
    upcoming: tuple[datetime, ...] = ()  # the next fires after the claim (the payload's)


def new_run(
    s: Schedule,
    at: datetime,
    now: datetime,
    trigger: Trigger,
    status: RunStatus,
    lease: RunnerLease | None,
    *,
    attempt: int = 1,
    error: str | None = None,
    not_before: datetime | None = None,
) -> Run:
    """A run row of a fire of `s`: a running one is owned by `lease` from `now` on; a pending one
    waits until `not_before` (default `now`); a missed or skipped one is closed at once."""
    run_id = spec.new_id("run_")
    running = status == RunStatus.RUNNING
    closed = status in (RunStatus.MISSED, RunStatus.SKIPPED)
    return Run(
        id=run_id,
        schedule_id=s.id,
        scheduled_for=at,
        attempt=attempt,
        trigger=trigger,
        status=status,
        created_at=now,
        runner_id=lease.id if running and lease else None,
        host=lease.host if running and lease else None,
        not_before=(not_before or now) if status == RunStatus.PENDING else None,
        webhook_id=run_id,
        started_at=now if running else None,
        finished_at=now if closed else None,
        error=error,
        schedule_name=s.name,
    )


def due_times(s: Schedule, now: datetime) -> Due:
    """Fires from next_run_at up to now, the first fire after now, and how many were cut off.

    max_runs is left out of the walk: it counts runs, and a missed fire is not a run.
    """
    assert s.next_run_at is not None
    walk = s.with_changes(max_runs=None)
    times = [s.next_run_at]
    cut = 0
    size = 2  # usually one fire is due and the next one is wanted: grow only for a backlog
    while True:
        batch = spec.upcoming(walk, times[-1], size)
        size = min(size * 4, 512)
        for t in batch:
            if t > now:
                return times, t, cut
            if len(times) < MAX_BACKLOG:
                times.append(t)
            else:
                cut += 1
        if not batch:
            return times, None, cut
        if cut:  # a huge backlog: jump ahead instead of walking every fire
            nxt = spec.upcoming(walk, now, 1)
            return times, (nxt[0] if nxt else None), cut


def timing_key(s: Schedule) -> Hashable:
    """What a schedule's fires depend on: schedules with the same key (a herd of one
    expression) share their cron walks within one claim."""
    left = None if s.max_runs is None else s.max_runs - s.run_count
    return (s.expression, s.timezone, s.anchor_at, s.end_at, left, s.next_run_at)


class Walks:
    """due_times and the payload's upcoming fires, computed once per timing (see timing_key)
    for the schedules of one claim transaction (one `now`)."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self._due: dict[Hashable, Due] = {}
        self._upcoming: dict[Hashable, tuple[datetime, ...]] = {}

    def due(self, s: Schedule) -> Due:
        key = timing_key(s)
        found = self._due.get(key)
        if found is None:
            found = self._due[key] = due_times(s, self.now)
        times, nxt, cut = found
        return list(times), nxt, cut

    def upcoming(self, s: Schedule) -> tuple[datetime, ...]:
        if not s.active:
            return ()
        key = timing_key(s)
        found = self._upcoming.get(key)
        if found is None:
            found = self._upcoming[key] = tuple(spec.upcoming(s, self.now, UPCOMING_IN_PAYLOAD))
        return found


def split_catchup(
    s: Schedule, times: list[datetime], now: datetime
) -> tuple[list[datetime], list[datetime]]:
    """Split due fires into (fire, missed) by the catch-up policy.

    A fire at most ON_TIME_GRACE late is on time and always fires; the policy decides about the
    older ones (downtime): `latest` runs the most recent one unless an on-time fire supersedes
    it, `skip` runs none, `all` runs the first MAX_CATCHUP_RUNS in order.
    """
    stale = [t for t in times if now - t > ON_TIME_GRACE]
    fresh = times[len(stale) :]
    policy = s.policies.catchup
    if policy == "all":
        fire, missed = stale[:MAX_CATCHUP_RUNS] + fresh, stale[MAX_CATCHUP_RUNS:]
    elif policy == "skip":
        fire, missed = fresh, stale
    else:  # latest
        fire, missed = (fresh, stale) if fresh else (stale[-1:], stale[:-1])
    if s.max_runs is not None:  # fires beyond max_runs never happen: the schedule ends first
        fire = fire[: max(0, s.max_runs - s.run_count)]
    return fire, missed


def overlap_verdict(
    s: Schedule, running: Iterable[Run], pending: Iterable[Run]
) -> tuple[RunStatus, str | None, list[str]]:
    """What a new fire does while an earlier run of the schedule still runs: (status of the new
    run, its error, ids of running runs to cancel)."""
    running = list(running)
    if not running or s.policies.overlap == "allow":
        return RunStatus.RUNNING, None, []
    policy = s.policies.overlap
    if policy == "replace":
        return RunStatus.RUNNING, None, [r.id for r in running]
    if policy == "queue" and not any(p.trigger != Trigger.RETRY for p in pending):
        return RunStatus.PENDING, None, []
    why = "a run is already queued" if policy == "queue" else f"run {running[0].id} still running"
    return RunStatus.SKIPPED, f"skipped (overlap={policy}): {why}", []


def plan_claim(
    s: Schedule,
    due: Due,
    open_runs: Iterable[Run],
    now: datetime,
    lease: RunnerLease,
    *,
    recorded: Callable[[list[datetime]], list[datetime]] | None = None,
) -> Claim:
    """The claim of one due schedule at `now`: its fires (`due`, from due_times) less those
    `recorded` already (a clock stepped back), split by the catch-up policy; the first fire
    starts, waits or is skipped by the overlap policy (`open_runs`: the schedule's running and
    pending runs), a backlog waits its turn in order, and the schedule moves on (or ends)."""
    times, next_after, cut = due
    if recorded is not None:
        times = recorded(times)
    claim = Claim(schedule=s, previous=s)
    policy = s.policies.catchup
    fire, missed = split_catchup(s, times, now)
    if policy == "all" and (len(missed) > 0 or cut):
        claim.warning = (
            f"{len(missed) + cut} missed fires beyond the first {MAX_CATCHUP_RUNS} "
            "were not run (catchup=all runs at most 100)"
        )
    runs = list(open_runs)
    running = [r for r in runs if r.status == RunStatus.RUNNING]
    pending = [r for r in runs if r.status == RunStatus.PENDING]
    started = 0
    for i, at in enumerate(fire):
        trigger = Trigger.SCHEDULE if now - at <= ON_TIME_GRACE else Trigger.CATCHUP
        if i > 0:  # a backlog (catch-up, a late runner): the rest wait their turn, in order
            claim.recorded.append(new_run(s, at, now, trigger, RunStatus.PENDING, lease))
            started += 1
            continue
        status, error, cancel = overlap_verdict(s, running, pending)
        claim.cancel.extend(cancel)
        run = new_run(s, at, now, trigger, status, lease, error=error)
        (claim.start if status == RunStatus.RUNNING else claim.recorded).append(run)
        if status in OPEN_STATUSES:
            started += 1
    kept = missed[-MAX_MISSED_ROWS:]
    for j, at in enumerate(kept):
        dropped = max(0, len(missed) - MAX_MISSED_ROWS) + cut
        note = f"missed: runner down (catchup={policy})"
        if j == len(kept) - 1 and (dropped or cut):
            note += f"; {dropped} earlier missed fires not listed"
        claim.recorded.append(
            new_run(s, at, now, Trigger.CATCHUP, RunStatus.MISSED, None, error=note)
        )
    claim.schedule = moved_on(s, next_after, started, max(fire) if started else None)
    return claim


def moved_on(
    s: Schedule, next_after: datetime | None, started: int, last: datetime | None
) -> Schedule:
    """The schedule after `started` more runs (the last one for `last`), next at `next_after`:
    ended when max_runs is reached or no fire is left."""
    updated = s.with_changes(
        next_run_at=next_after,
        run_count=s.run_count + started,
        last_run_at=last if last is not None else s.last_run_at,
    )
    if updated.max_runs is not None and updated.run_count >= updated.max_runs:
        return updated.with_changes(
            active=False,
            next_run_at=None,
            status_reason=f"max_runs reached ({updated.max_runs} runs)",
        )
    if next_after is None:
        reason = f"ended: end_at {iso(s.end_at)} reached" if s.end_at else "never fires again"
        return updated.with_changes(active=False, status_reason=reason)
    return updated
