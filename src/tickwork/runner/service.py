"""The runner: one asyncio component that claims due fires and executes them. No Textual.

The UI embeds it; `tickwork run` runs it headless. It sleeps until the next due time, capped at
one second so that edits by other processes (seen through PRAGMA data_version) and wall-clock jumps
are noticed quickly.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import random
import socket
import sqlite3
import time
import traceback
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal, ParamSpec, TypeVar

from tickwork.domain import spec
from tickwork.domain.model import Schedule
from tickwork.domain.runs import Run, RunnerLease
from tickwork.domain.timeutil import Clock, iso_ms, parse_iso, utcnow
from tickwork.runner.actions import Outcome, execute
from tickwork.runner.failure_policies import paused_by, slow_detail, slow_timer
from tickwork.runner.notify import notify_and_record, notify_event
from tickwork.runner.orphans import kill_run_processes
from tickwork.runner.payload import context_for
from tickwork.store import Store, claims
from tickwork.store.db import is_busy

P = ParamSpec("P")
T = TypeVar("T")
Mode = Literal["headless", "embedded", "manual"]


@dataclass(frozen=True)
class RunEvent:
    """Something that happened to a run: claimed, started, succeeded, failed, timed_out, missed,
    skipped, abandoned, cancelled, queued, retrying, slow (past max_duration_warning) or paused
    (its fire paused the schedule: pause_after_failures)."""

    kind: str
    run: Run
    schedule_name: str
    detail: str | None = None


class Runner:
    def __init__(
        self,
        store: Store,
        *,
        mode: Mode = "embedded",
        max_concurrency: int = 8,
        clock: Clock = utcnow,
        on_event: Callable[[RunEvent], None] | None = None,
        lease_ttl: float = 10.0,
        heartbeat: float = 2.0,
        kill_grace: float = 5.0,
        shutdown_grace: float = 30.0,
        keep_runs: int = 1000,
        tick: float = 1.0,
        inherit_env: bool = False,
    ) -> None:
        self.store = store
        self.mode = mode
        self.max_concurrency = max(1, max_concurrency)
        self.clock = clock
        self.on_event = on_event
        self.lease_ttl = lease_ttl
        self.heartbeat = heartbeat
        self.kill_grace = kill_grace
        self.shutdown_grace = shutdown_grace
        self.keep_runs = keep_runs
        self.inherit_env = inherit_env  # every command gets the runner's environment
        self.tick = tick
        self.state = "starting"
        self.lease: RunnerLease | None = None
        self.tasks: dict[str, asyncio.Task[None]] = {}
        self._hooks: set[asyncio.Task[None]] = set()  # notifications for abandoned runs
        self._cancel_reasons: dict[str, str] = {}
        self._stopping = asyncio.Event()
        self._wake = asyncio.Event()
        self._last_beat = 0.0
        self._last_sweep = 0.0
        self._sweep_after = 0.0  # after a long absence, others get a lease to beat again
        self._recheck = True  # look for due and queued work even before _next_due
        self._last_prune = 0.0
        self._data_version = -1
        self._next_due: datetime | None = None
        self.warnings: list[str] = []
        self.last_db_contact: float | None = None  # monotonic time the database last answered
        self.observe_claim: Callable[[float], None] | None = None  # metrics: claim time

    def _new_lease(self, now: datetime, state: str) -> RunnerLease:
        return RunnerLease(
            id=spec.new_id("rnr_"),
            host=socket.gethostname(),
            pid=os.getpid(),
            mode=self.mode,
            state=state,
            started_at=now,
            heartbeat_at=now,
            expires_at=now,
        )

    # --- public ----------------------------------------------------------------------------

    async def run(self, *, once: bool = False) -> None:
        """Run until stop() (or, with once=True, fire what is due now, wait for it, return)."""
        now = self.clock()
        self.lease = self._new_lease(now, "starting")
        try:
            while not self._stopping.is_set():
                await self._guarded_cycle(once)
                if once:
                    await self._drain_once(now)
                    break
                await self._sleep()
        finally:
            await self._shutdown()

    async def run_one(self, run_id: str) -> None:
        """Start one pending (manual) run through the usual path and wait for it to finish."""
        now = self.clock()
        self.lease = self._new_lease(now, "active")
        await self._beat(now)
        beat = asyncio.create_task(self._keep_beating())
        try:
            runs = await self._db(
                claims.claim_pending, self.store, now, self.lease, 1, run_id=run_id
            )
            for run in runs:
                found: Schedule | None = await self._db(self.store.find, run.schedule_id)
                if found is not None:
                    self._start(run, found)
            while self.tasks:
                await asyncio.wait(list(self.tasks.values()))
        finally:
            beat.cancel()
            await self._shutdown()

    async def _keep_beating(self, state: str | None = None) -> None:
        while True:
            await asyncio.sleep(self.heartbeat)
            await self._beat(self.clock(), state)

    async def stop(self, grace: float | None = None) -> None:
        """Stop claiming; running actions get `grace` seconds, then are cancelled and recorded."""
        if grace is not None:
            self.shutdown_grace = grace
        self._stopping.set()
        self._wake.set()

    @property
    def running(self) -> int:
        return len(self.tasks)

    # --- the loop --------------------------------------------------------------------------

    async def _db(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """A store call off the event loop; a locked database is waited out, never given up."""
        delay = 0.05
        while True:
            try:
                result = await asyncio.to_thread(fn, *args, **kwargs)
                self.last_db_contact = time.monotonic()  # for /healthz
                return result
            except sqlite3.OperationalError as exc:
                if not is_busy(exc):
                    raise
                self._emit_note(f"database busy ({exc}); retrying")
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)

    async def _timed(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        began = time.perf_counter()
        result = await self._db(fn, *args, **kwargs)
        if self.observe_claim is not None:
            self.observe_claim(time.perf_counter() - began)
        return result

    async def _cycle(self) -> None:
        now = self.clock()
        mono = time.monotonic()
        if mono - self._last_beat >= self.heartbeat or self._clock_moved(now):
            await self._beat(now)
        if self.state != "active":
            return
        if mono - self._last_sweep >= max(1.0, self.lease_ttl / 2) and mono >= self._sweep_after:
            self._last_sweep = mono
            await self._sweep(now)
        version = await self._db(self.store.data_version)
        changed = version != self._data_version
        self._data_version = version
        if changed:
            await self._cancel_requested()
        if not (changed or self._recheck) and (self._next_due is None or now < self._next_due):
            return
        await self._claim(now)
        if mono - self._last_prune >= 600:
            self._last_prune = mono
            await self._db(self.store.runs.prune, self.keep_runs)

    def _clock_moved(self, now: datetime) -> bool:
        """Whether the wall clock left [last heartbeat, last heartbeat + heartbeat): a jump, a
        suspend (monotonic time stands still meanwhile), or no beat yet."""
        if self.state == "starting" or self.lease is None:
            return True
        since = (now - self.lease.heartbeat_at).total_seconds()
        return since < 0 or since >= self.heartbeat

    async def _guarded_cycle(self, once: bool) -> None:
        """A daemon outlives an unexpected error in one cycle: it is logged with its traceback
        and the next cycle tries again (nothing was claimed by the failed transaction)."""
        try:
            await self._cycle()
        except (sqlite3.Error, OSError, ValueError, LookupError) as exc:
            if once:
                raise
            detail = "".join(traceback.format_exception(exc)).rstrip()
            self._emit_note(f"cycle failed, retrying in 1 s: {detail}")
            await asyncio.sleep(1.0)

    async def _beat(self, now: datetime, state: str | None = None) -> None:
        """Refresh this runner's lease; without `state`, decide between active and standby."""
        assert self.lease is not None
        if state is None:
            state = "active"
        if state == "active" and self.mode == "embedded":
            alive = await self._db(self.store.leases.alive, now)
            me = self.lease.id
            headless = [
                x for x in alive if x.mode == "headless" and x.id != me and x.state != "stopping"
            ]
            state = "standby" if headless else "active"
        if state != self.state:
            self.state = state
            self._next_due = None
            self._recheck = True
        previous = self.lease
        self.lease = await self._db(self.store.leases.beat, self.lease, now, self.lease_ttl, state)
        mono = time.monotonic()
        away = self._last_beat > 0 and (
            mono - self._last_beat > self.lease_ttl
            or not 0 <= (now - previous.heartbeat_at).total_seconds() <= self.lease_ttl
        )
        if away:
            # This runner could not beat for longer than a lease (a locked database, a suspend,
            # a clock jump): the others likely could not either. Give them a lease to renew
            # before their runs are judged abandoned.
            self._sweep_after = mono + self.lease_ttl
        self._last_beat = mono

    async def _sweep(self, now: datetime) -> None:
        assert self.lease is not None
        dead = await self._db(claims.abandon_dead, self.store, now, exclude_runner=self.lease.id)
        if dead:
            self._recheck = True  # retries may have been queued
        for run, retry in dead:
            killed = kill_run_processes(run)
            detail = run.error or ""
            if killed:
                detail += f"; killed {killed} leftover process(es)"
            self._emit("abandoned", run, detail)
            if retry is not None:
                self._emit_retry(retry)
                continue
            schedule: Schedule | None = await self._db(self.store.find, run.schedule_id)
            if schedule is not None:  # in the background: a slow hook must not stall claims
                self._background(self._notify(schedule, run, None))

    async def _cancel_requested(self) -> None:
        assert self.lease is not None
        for run_id in await self._db(claims.cancel_requested, self.store, self.lease.id):
            self._cancel(run_id, "cancelled: replaced by a newer run (overlap=replace)")

    def _cancel(self, run_id: str, reason: str) -> None:
        task = self.tasks.get(run_id)
        if task is not None and not task.done():
            self._cancel_reasons[run_id] = reason
            task.cancel()

    async def _claim(self, due_by: datetime) -> None:
        """Claim fires due by `due_by` (the cycle's time; --once: its start), then start waiting
        runs whose time has come, while there is room. Each claim reads the clock afresh, so a
        run's started_at is when it started, also late in a big batch."""
        assert self.lease is not None
        self._recheck = False
        while not self._stopping.is_set():
            room = self.max_concurrency - len(self.tasks)
            if room <= 0:
                break
            due = await self._db(claims.due_ids, self.store, due_by, room)
            if not due:
                break
            for schedule_id, expected in due:
                try:
                    if expected is None:
                        raise ValueError("next_run_at is not a time")
                    at = self.clock()
                    claim = await self._timed(  # the claim transaction, timed for metrics
                        claims.claim_due, self.store, schedule_id, expected, at, self.lease
                    )
                except claims.UNREADABLE as exc:  # one bad row must not stop the others
                    await self._db(claims.disable_invalid, self.store, schedule_id, str(exc))
                    self._emit_note(f"schedule {schedule_id} deactivated: invalid: {exc}")
                    continue
                if claim is not None:
                    self._apply(claim, claim.previous or claim.schedule)
            if len(due) < room:
                break
        room = self.max_concurrency - len(self.tasks)
        if room > 0 and not self._stopping.is_set():
            waiting = await self._db(
                claims.claim_pending, self.store, self.clock(), self.lease, room, due_by=due_by
            )
            for run in waiting:
                found: Schedule | None = await self._db(self.store.find, run.schedule_id)
                if found is not None:
                    self._start(run, found)
        self._next_due = await self._db(self._next_wake)

    def _next_wake(self) -> datetime | None:
        rows = self.store.query(
            "SELECT (SELECT min(next_run_at) FROM schedules WHERE active = 1 AND "
            "next_run_at IS NOT NULL), (SELECT min(not_before) FROM runs WHERE status = 'pending')"
        )
        options = []
        for text in rows[0]:
            with contextlib.suppress(*claims.UNREADABLE):  # a bad row is dealt with when due
                if (t := parse_iso(text)) is not None:
                    options.append(t)
        return min(options) if options else None

    def _apply(self, claim: claims.Claim, before: Schedule) -> None:
        if claim.warning:
            self.warnings.append(claim.warning)
            self._emit_note(f"{before.name}: {claim.warning}")
        for run in claim.recorded:
            kind = {"pending": "queued"}.get(run.status, run.status)
            self._emit(kind, run, run.error)
        for run_id in claim.cancel:
            self._cancel(run_id, "cancelled: replaced by a newer run (overlap=replace)")
        for run in claim.start:
            self._emit("claimed", run)
            self._start(run, before)

    def _start(self, run: Run, s: Schedule) -> None:
        task = asyncio.create_task(self._execute(run, s), name=f"tickwork-run-{run.id}")
        self.tasks[run.id] = task
        task.add_done_callback(functools.partial(self._finished, run.id))

    def _finished(self, run_id: str, _task: object = None) -> None:
        self.tasks.pop(run_id, None)
        self._recheck = True  # a slot is free: look for due and queued work now
        self._wake.set()

    async def _execute(self, run: Run, s: Schedule) -> None:
        started = time.monotonic()
        slow: asyncio.TimerHandle | None = None
        try:
            if s.policies.jitter_seconds and run.trigger in ("schedule", "catchup"):
                await asyncio.sleep(random.uniform(0, float(s.policies.jitter_seconds)))
                run = replace(run, started_at=self.clock())  # when the action really starts
                await self._db(self.store.runs.update, run.id, {"started_at": run.started_at})
                started = time.monotonic()
            self._emit("started", run)
            slow = slow_timer(s, lambda: self._slow(run, s))  # max_duration_warning
            upcoming = tuple(spec.upcoming(s, self.clock(), 5)) if s.active else ()
            ctx = context_for(s, run, upcoming=upcoming, inherit_env=self.inherit_env)

            def on_start(pid: int) -> None:
                try:
                    self.store.runs.update(run.id, {"pid": pid})
                except sqlite3.OperationalError as exc:  # best effort: only for orphan cleanup
                    self._emit_note(f"could not record pid {pid} of {run.id}: {exc}")

            outcome = await execute(
                s.action,
                ctx,
                timeout=float(s.policies.timeout_seconds),
                kill_grace=self.kill_grace,
                on_start=on_start,
            )
        except asyncio.CancelledError:
            reason = self._cancel_reasons.pop(run.id, "cancelled")
            outcome = Outcome("cancelled", time.monotonic() - started, error=reason)
        if slow is not None:
            slow.cancel()
        retry = await self._db(claims.finish, self.store, run, outcome, self.clock())
        done = replace(
            run,
            status=outcome.status,
            finished_at=self.clock(),
            duration=outcome.duration,
            exit_code=outcome.exit_code,
            http_status=outcome.http_status,
            error=outcome.error,
        )
        self._emit(outcome.status, done, outcome.error)
        if retry is not None:
            self._emit_retry(retry)
        elif outcome.status != "cancelled":  # the fire's final attempt: tell the hooks
            await self._notify(s, done, s.last_status)

    async def _notify(self, s: Schedule, run: Run, previous_status: str | None) -> None:
        """on_failure / on_success / on_recovery; a failing hook is recorded on the run. Then,
        if this fire made the schedule pause itself (pause_after_failures), a `paused` event."""
        paused = None
        if s.policies.pause_after_failures is not None:
            paused = await self._db(paused_by, self.store, s, run)
        if paused is not None:
            self._emit("paused", run, paused)
        if not (s.on_failure or s.on_success or s.on_recovery):
            return
        error = await notify_and_record(
            self.store, s, run, previous_status, inherit_env=self.inherit_env
        )
        if error is not None:
            self._emit("notify_failed", run, error)
        if paused is not None:
            await self._notify_event(s, run, "paused")

    def _slow(self, run: Run, s: Schedule) -> None:
        self._emit("slow", run, slow_detail(s))
        if s.on_failure:
            self._background(self._notify_event(s, run, "slow"))

    async def _notify_event(self, s: Schedule, run: Run, event: str) -> None:
        error = await notify_event(self.store, s, run, event, inherit_env=self.inherit_env)
        if error is not None:
            self._emit("notify_failed", run, error)

    def _background(self, work: Coroutine[Any, Any, None]) -> None:
        """Hooks run beside the loop (a slow hook must not stall claims); awaited at shutdown."""
        task = asyncio.create_task(work)
        self._hooks.add(task)
        task.add_done_callback(self._hooks.discard)

    async def _sleep(self) -> None:
        """Until the next due time, a finished run or a stop; at most `tick` (to notice other
        processes' changes and wall-clock jumps). Work that is due but blocked (no free slot, an
        earlier run of its schedule still running) is looked at again after a tick."""
        if self._recheck and self.state == "active":
            return
        now = self.clock()
        wait = self.tick
        if self._next_due is not None and self._next_due > now:
            wait = min(wait, (self._next_due - now).total_seconds())
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=wait)

    async def _drain_once(self, start: datetime) -> None:
        """--once: run what was due at `start`, including queued fires and retries due by then,
        as slots free up; return when none is left running."""
        while not self._stopping.is_set():
            await self._claim(start)
            if self.tasks:
                await asyncio.wait(list(self.tasks.values()), return_when=asyncio.FIRST_COMPLETED)
            elif not self._recheck:  # nothing ran, and nothing finished during the claim
                break

    async def _shutdown(self) -> None:
        self._stopping.set()
        if self.tasks:
            # Keep the lease alive (state "stopping") while the runs finish or are stopped, so
            # no other runner takes them for abandoned; an embedded one may take over meanwhile.
            assert self.lease is not None
            await self._beat(self.clock(), "stopping")
            beating = asyncio.create_task(self._keep_beating("stopping"))
            try:
                tasks = list(self.tasks.values())  # again: some may have ended during the beat
                _, pending = (
                    await asyncio.wait(tasks, timeout=self.shutdown_grace)
                    if tasks
                    else (set(), set())
                )
                for task in pending:
                    run_id = task.get_name().removeprefix("tickwork-run-")
                    reason = f"cancelled: runner stopped (shutdown grace {self.shutdown_grace:g}s)"
                    self._cancel(run_id, reason)
                if pending:
                    await asyncio.gather(*pending, return_exceptions=True)
            finally:
                beating.cancel()
        if self._hooks:  # notifications of abandoned runs: not lost, but not waited on forever
            await asyncio.wait(list(self._hooks), timeout=self.shutdown_grace)
        self.state = "stopped"
        if self.lease is not None:
            await self._db(self.store.leases.release, self.lease.id)

    # --- events ----------------------------------------------------------------------------

    def _emit(self, kind: str, run: Run, detail: str | None = None) -> None:
        if self.on_event is not None:
            self.on_event(RunEvent(kind, run, run.schedule_name or run.schedule_id, detail))

    def _emit_retry(self, retry: Run) -> None:
        self._emit("retrying", retry, f"attempt {retry.attempt} at {iso_ms(retry.not_before)}")

    def _emit_note(self, message: str) -> None:
        if self.on_event is not None:
            note = Run(
                id="-",
                schedule_id="-",
                scheduled_for=self.clock(),
                attempt=0,
                trigger="-",
                status="note",
                created_at=self.clock(),
            )
            self.on_event(RunEvent("warning", note, "-", message))
