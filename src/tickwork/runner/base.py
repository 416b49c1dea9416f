"""What the runner's parts share: its settings and state, its events, its store path.

The runner is one class (runner.service.Runner) in three files: this base, upkeep (lease,
sweeps, clock watch, pruning) and execution (running one claimed run to its recorded end).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import time
import traceback
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from tickwork.domain.model import Schedule
from tickwork.domain.runs import Run, RunnerLease
from tickwork.domain.status import RunStatus, Trigger
from tickwork.domain.timeutil import Clock, iso_ms, utcnow
from tickwork.runner.actions import Call, Status
from tickwork.runner.failure_policies import paused_by, slow_detail
from tickwork.runner.notify import notify, notify_event, record_notify_error
from tickwork.runner.payload import RunContext
from tickwork.runner.recorder import Recorder
from tickwork.runner.relay import Link, Relay
from tickwork.runner.storecalls import Halted, StoreCalls
from tickwork.store import Store, StoreError, outcomes
from tickwork.store.preclaims import Preclaim

Mode = Literal["headless", "embedded", "manual"]
OFFSET_WARN = 1.0  # seconds between this host's clock and the database server's worth a warning
ANCHOR_MAX_RTT = 1.0  # seconds: a heartbeat answered slower than this does not move the anchor
Monotonic = Callable[[], float]
log = logging.getLogger("tickwork.runner")


@dataclass(frozen=True)
class RunEvent:
    """Something that happened to a run: claimed, started, succeeded, failed, timed_out, missed,
    skipped, abandoned, cancelled, queued or retrying (and "warning" notes about the runner)."""

    kind: str
    run: Run
    schedule_name: str
    detail: str | None = None


def due(last: float | None, every: float, now: float) -> bool:
    """Whether something last done at `last` (None: never) is due again."""
    return last is None or now - last >= every


class RunnerBase:
    def __init__(
        self,
        store: Store,
        *,
        mode: Mode = "embedded",
        max_concurrency: int = 8,
        clock: Clock = utcnow,
        monotonic: Monotonic = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        on_event: Callable[[RunEvent], None] | None = None,
        lease_ttl: float = 10.0,
        heartbeat: float = 2.0,
        kill_grace: float = 5.0,
        shutdown_grace: float = 30.0,
        keep_runs: int = 1000,
        prune_every: float = 600.0,
        check_every: float = 300.0,
        tick: float = 1.0,
        inherit_env: bool = False,
        claim_ahead: bool = False,
    ) -> None:
        self.store = store
        self.mode = mode
        self.max_concurrency = max(1, max_concurrency)
        self.wall = clock  # this host's clock
        self.clock: Clock = self._now  # the runner's time: see _now
        self._anchor: tuple[datetime, float] | None = None  # (server time, monotonic) at a beat
        self.db_offset: float | None = None  # the database server's clock minus this host's
        self.monotonic = monotonic
        self.sleep = sleep  # for delays of the schedule's own (jitter): tests pass a fake one
        self.on_event = on_event
        self.lease_ttl = lease_ttl
        self.heartbeat = heartbeat
        self.kill_grace = kill_grace
        self.shutdown_grace = shutdown_grace
        self.keep_runs = keep_runs
        self.prune_every = prune_every
        self.check_every = check_every  # seconds between integrity checks of the file
        self.tick = tick
        self.inherit_env = inherit_env  # every command gets the runner's environment
        self.state = "starting"
        self.lease: RunnerLease | None = None
        self.tasks: dict[str, asyncio.Task[None]] = {}
        self.cycles = 0  # completed loop cycles (tests wait for "one more cycle")
        self.fault: StoreError | None = None  # why it stopped by itself (damaged, read-only)
        self.warnings: list[str] = []
        self.observe_claim: Callable[[float], None] | None = None  # metrics: claim time
        self.calls = StoreCalls(self._emit_note, monotonic, asyncio.sleep, self._is_stopping)
        self.recorder = Recorder(self.calls, store)  # outcomes written together
        self._background: set[asyncio.Task[None]] = set()  # hooks of abandoned runs, pruning
        self._recording: set[str] = set()  # runs whose action ended: never cancelled now
        self._unannounced: set[str] = set()  # started in a herd, "started" not emitted yet
        self._cancel_reasons: dict[str, tuple[Status, str]] = {}  # run id -> (status, reason)
        self._stopping = asyncio.Event()
        self._hurry = asyncio.Event()  # stop_now(): the shutdown grace is cut short
        self._wake = asyncio.Event()
        self._leased = False  # the lease was written once (a later "lost" means fenced)
        self._last_beat: float | None = None  # monotonic times; None: never
        self._renewed: float | None = None  # when the last renewal that worked was sent
        self._fence_from: float | None = None  # the lease's window starts (see Upkeep._guard)
        self._beat_lock = asyncio.Lock()  # one renewal at a time (the cycle's, the guard's)
        self.fenced = False  # could not renew its lease in time: claims and actions stopped
        self._last_sweep: float | None = None
        self._sweep_after: float | None = None  # after a long absence, others get to beat
        self._last_prune: float | None = None
        self._last_check: float | None = None
        self._last_wall: tuple[datetime, float] | None = None  # (wall, monotonic) last cycle
        self._spared: set[str] = set()  # runners of this host found alive but not beating
        self._recheck = True  # look for due and queued work even before _next_due
        self._data_version = -1
        self._next_due: datetime | None = None  # the next fire nobody owns yet
        self._once = False
        self.claim_ahead = claim_ahead  # pre-claim fires `lead` seconds ahead (runner.ahead)
        self.lead = min(2.0, lease_ttl / 4)
        self._plans: dict[datetime, list[Preclaim]] = {}  # pre-claimed, by instant, in order
        self._ready: dict[datetime, list[tuple[Run, Preclaim, RunContext]]] = {}  # flipped ahead
        self._flipping: set[str] = set()  # held pre-claims a flip is under way for (runner.held)
        self._refilling: asyncio.Future[None] | None = None  # that flip's task
        self._unmoved: list[Preclaim] = []  # held fires started, schedules not moved on yet
        self._moving = False  # a task moves them on
        self._held_epoch = 0  # counts lapsed leases: a flip under way then gives back
        self._held_start: datetime | None = None  # when a held fire last started
        self._made: dict[str, Call[Any]] = {}  # python calls made ready ahead, by run id
        self._contexts: dict[str, RunContext] = {}  # what pre-claimed fires are told, by run id
        # held fires whose calls workers start as calls end (runner.relay, runner.held)
        self.relayed = 0  # held fires a worker started itself (tests and benchmarks look)
        self._switch: float | None = None  # the interpreter's switch interval while relaying
        self._relay: Relay[tuple[Run, Preclaim, RunContext]] = Relay(
            self._relay_allowed, self._relayed
        )
        self._flip_rate = 0.0002  # seconds per run the last flip took (runner.ahead)
        self._preclaim_rate = 0.0003  # seconds per fire the last big pre-claim took
        self._herd = 0  # fires due at _next_due (with claim-ahead)
        self._ahead_for: datetime | None = None  # the next fire a pre-claim was made for
        self._handed: datetime | None = None  # the last instant whose fires were handed over

    @property
    def busy(self) -> int:
        """Slots taken: runs whose action has not ended (one whose outcome is being recorded
        leaves its slot to the next fire)."""
        return len(self.tasks) - len(self._recording)

    def _now(self) -> datetime:
        """This host's clock; on a database server that keeps time for every host (PostgreSQL),
        the server's time at the last heartbeat plus the monotonic time since: a host whose
        wall clock is wrong or jumps fires nothing early, late or twice."""
        if self._anchor is None:
            return self.wall()
        at, mono = self._anchor
        return at + timedelta(seconds=self.monotonic() - mono)

    def _anchor_to(self, server: datetime, sent_wall: datetime, sent: float, got: float) -> None:
        """A heartbeat answered with the server's time (sent at `sent`, answered at `got`,
        monotonic): the runner's time follows it; an offset over OFFSET_WARN is logged."""
        if self._anchor is not None and got - sent > ANCHOR_MAX_RTT:
            return  # a slow answer (a lock, a retry) says little about when `server` was
        mid = (sent + got) / 2
        self._anchor = (server, mid)
        offset = (server - sent_wall).total_seconds() - (mid - sent)
        was = self.db_offset
        self.db_offset = offset
        if abs(offset) > OFFSET_WARN and (was is None or abs(was) <= OFFSET_WARN):
            self._emit_note(
                f"this host's clock is {abs(offset):.1f} s {'behind' if offset > 0 else 'ahead of'}"
                " the database server's: the runner keeps the server's time (sync the clocks: "
                "chrony or systemd-timesyncd)"
            )
        elif abs(offset) <= OFFSET_WARN and was is not None and abs(was) > OFFSET_WARN:
            self._emit_note(f"this host's clock is within {OFFSET_WARN:g} s of the server's again")

    def _relay_allowed(self, at: datetime) -> bool:
        """Whether a worker may start a held fire of instant `at` now (runner.held)."""
        return False

    def _relayed(
        self, link: Link[tuple[Run, Preclaim, RunContext]], at: float, by_worker: bool = True
    ) -> None:
        """A worker started a held fire at monotonic time `at` (runner.held)."""

    async def _lease_lost(self) -> None:
        """The lease lapsed meanwhile: what this runner holds unstarted goes back (runner.held)."""

    def _is_stopping(self) -> bool:
        return self._stopping.is_set()

    async def _cancel_requested(self) -> None:
        assert self.lease is not None
        for run_id in await self.calls(outcomes.cancel_requested, self.store, self.lease.id):
            self._cancel(run_id, "cancelled: replaced by a newer run (overlap=replace)")

    def _cancel(self, run_id: str, reason: str, status: Status = RunStatus.CANCELLED) -> None:
        """Stop a run's action; it is recorded with `status` and `reason`."""
        task = self.tasks.get(run_id)
        if task is not None and not task.done() and run_id not in self._recording:
            self._cancel_reasons.setdefault(run_id, (status, reason))
            task.cancel()

    def _halt(self, exc: Halted) -> None:
        """The database cannot be used any more: stop (once), and say why."""
        if self.fault is None:
            self.fault = exc.error
            self._emit_note(f"stopping: {exc.error}")
        self._stopping.set()
        self._wake.set()

    def _emit(self, kind: str, run: Run, detail: str | None = None) -> None:
        if self.on_event is None:
            return
        try:
            self.on_event(RunEvent(kind, run, run.schedule_name or run.schedule_id, detail))
        except Exception:  # a broken listener (a closed pipe) must not break the runner
            log.exception("tickwork runner: the event listener failed on a %s event", kind)

    def _emit_retry(self, retry: Run) -> None:
        self._emit("retrying", retry, f"attempt {retry.attempt} at {iso_ms(retry.not_before)}")

    def _emit_note(self, message: str) -> None:
        note = Run(
            id="-",
            schedule_id="-",
            scheduled_for=self.clock(),
            attempt=0,
            trigger=Trigger.MANUAL,  # a note is no run: its id "-" says so
            status=RunStatus.PENDING,
            created_at=self.clock(),
        )
        self._emit("warning", note, message)

    def _look_at(self, task: asyncio.Task[None], what: str) -> None:
        """Every finished task's exception is looked at (and logged), never left unretrieved."""
        if task.cancelled():
            return
        exc = task.exception()
        if exc is None:
            return
        if isinstance(exc, Halted):
            self._halt(exc)
            return
        detail = "".join(traceback.format_exception(exc)).rstrip()
        self._emit_note(f"{what} failed unexpectedly: {detail}")

    def _background_task(self, coro: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.create_task(coro, name=f"tickwork-{name}")
        self._background.add(task)

        def done(t: asyncio.Task[None]) -> None:
            self._background.discard(t)
            self._look_at(t, name)

        task.add_done_callback(done)

    @property
    def last_db_contact(self) -> float | None:
        """When (monotonic) the database last answered one of this runner's calls (/healthz)."""
        return self.calls.last_contact

    @last_db_contact.setter
    def last_db_contact(self, value: float | None) -> None:
        self.calls.last_contact = value

    async def _notify(self, s: Schedule, run: Run, previous_status: str | None) -> None:
        """on_failure / on_success / on_recovery; a failing hook is recorded on the run. Then,
        if this fire made the schedule pause itself (pause_after_failures), a `paused` event."""
        paused = None
        if s.policies.pause_after_failures is not None:
            paused = await self.calls(paused_by, self.store, s, run)
        if paused is not None:
            self._emit("paused", run, paused)
        if not (s.on_failure or s.on_success or s.on_recovery):
            return
        error = await notify(s, run, previous_status, inherit_env=self.inherit_env)
        if error is not None:
            self._emit("notify_failed", run, error)
            with contextlib.suppress(StoreError, sqlite3.Error, Halted):
                await self.calls.persist(
                    f"record the notification error of {run.id}",
                    record_notify_error,
                    self.store,
                    run.id,
                    error,
                )
        if paused is not None:
            await self._notify_event(s, run, "paused")

    def _slow(self, run: Run, s: Schedule) -> None:
        self._emit("slow", run, slow_detail(s))
        if s.on_failure:
            self._background_task(self._notify_event(s, run, "slow"), "notify")

    async def _notify_event(self, s: Schedule, run: Run, event: str) -> None:
        error = await notify_event(self.store, s, run, event, inherit_env=self.inherit_env)
        if error is not None:
            self._emit("notify_failed", run, error)
