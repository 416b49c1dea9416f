"""The runner: one asyncio component that claims due fires and executes them. No Textual.

The UI embeds it; `tickwork run` runs it headless. It sleeps until the next due time, capped at
`tick` so that edits by other processes (seen through PRAGMA data_version) and wall-clock jumps
are noticed quickly. Its clocks are injectable: `clock` (wall time, what schedules are about)
and `monotonic` (intervals: heartbeats, sweeps, pruning), so tests drive time instead of
sleeping; `wake()` makes it look again at once.

Every store call goes through one path (runner.storecalls): a busy database is waited out, the
record of what a run did is retried until it is written, a damaged or read-only file stops the
runner (`fault` says why).
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
import traceback
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from tickwork.domain.model import Schedule
from tickwork.domain.runs import Run
from tickwork.runner.ahead import ClaimAhead
from tickwork.runner.base import Mode, RunEvent, due
from tickwork.runner.liveness import new_lease
from tickwork.runner.storecalls import Halted
from tickwork.runner.upkeep import Upkeep
from tickwork.store import StoreError, claims, outcomes
from tickwork.store.faults import describe
from tickwork.store.waiting import claim_pending

__all__ = ["Mode", "RunEvent", "Runner"]

STOPPED_AT_ONCE = "cancelled: runner stopped at once (stop asked twice: no shutdown grace)"


class Runner(Upkeep, ClaimAhead):
    """See the module docstring; the parameters are RunnerBase's."""

    # --- public ----------------------------------------------------------------------------

    async def run(self, *, once: bool = False) -> None:
        """Run until stop() (or, with once=True, fire what is due now, wait for it, return).
        A damaged or read-only database stops it too: `fault` then says why."""
        now = self.clock()
        self._once = once
        self.lease = new_lease(self.mode, now, "starting")
        if not once:  # PostgreSQL: an edit on another host wakes this runner at once
            self.store.on_change(self._woken_from(asyncio.get_running_loop()))
        guard: asyncio.Task[None] | None = None
        if not once and self.store.dialect.shared_hosts:
            guard = asyncio.create_task(self._guard(), name="tickwork-guard")
            guard.add_done_callback(lambda t: self._look_at(t, "the lease guard"))
        try:
            while not self._stopping.is_set():
                await self._guarded_cycle(once)
                if once:
                    if not self._stopping.is_set():
                        await self._drain_once(now)
                        await self._prune()
                    break
                await self._sleep()
        except Halted as exc:
            self._halt(exc)
        except sqlite3.Error as exc:  # --once: one line, not a traceback
            raise describe(self.store.path, exc) from None
        finally:
            if guard is not None:
                guard.cancel()
                await asyncio.gather(guard, return_exceptions=True)
            await self._shutdown()

    async def run_one(self, run_id: str) -> None:
        """Start one pending (manual) run through the usual path and wait for it to finish."""
        now = self.clock()
        self.lease = new_lease(self.mode, now, "active")
        try:
            await self._beat(now)
            beat = self._beating()
            try:
                runs = await self.calls(
                    claim_pending, self.store, now, self.lease, 1, run_id=run_id
                )
                await self._start_waiting(runs)
                while self.tasks:
                    await asyncio.wait(list(self.tasks.values()))
            finally:
                beat.cancel()
        except Halted as exc:
            self._halt(exc)
        finally:
            await self._shutdown()

    async def stop(self, grace: float | None = None) -> None:
        """Stop claiming; running actions get `grace` seconds, then are cancelled and recorded."""
        if grace is not None:
            self.shutdown_grace = grace
        self._stopping.set()
        self._wake.set()

    def stop_now(self) -> None:
        """Stop at once (a second quit or stop signal): the shutdown grace ends now; running
        actions are cancelled (a command's group: SIGTERM, SIGKILL after `kill_grace`) and
        recorded `cancelled`. Called again while they are being stopped: SIGKILL at once."""
        again = self._hurry.is_set()
        self._hurry.set()
        self._stopping.set()
        self._wake.set()
        if again:
            for run_id in list(self.tasks):
                self._cancel(run_id, STOPPED_AT_ONCE)

    @property
    def stopping_now(self) -> bool:
        """stop_now() was called."""
        return self._hurry.is_set()

    def wake(self) -> None:
        """Start the next cycle now instead of after `tick` (tests call it after moving their
        clocks: what is due by the new time is claimed then)."""
        self._wake.set()

    @property
    def running(self) -> int:
        return len(self.tasks)

    # --- the loop --------------------------------------------------------------------------

    async def _guarded_cycle(self, once: bool) -> None:
        """One cycle. A daemon outlives an unexpected error in a cycle: it is logged (once
        while it lasts) and the next cycle tries again; nothing was claimed by the failed
        transaction. A damaged or read-only database stops the runner."""
        try:
            await self._cycle()
        except Halted as exc:
            self._halt(exc)
        except claims.LeaseLost:
            self._last_beat = None  # the next cycle renews it first, and fences (see _beat)
            self._recheck = True
        except (StoreError, sqlite3.Error, OSError, ValueError, LookupError) as exc:
            if once:
                raise
            if isinstance(exc, StoreError | sqlite3.Error):
                detail = str(exc)
            else:
                detail = "".join(traceback.format_exception(exc)).rstrip()
            self.calls.report("cycle", f"cycle failed, retrying every second: {detail}")
            await self._rest(1.0)
        else:
            self.calls.recovered("cycle")
        finally:
            self.cycles += 1

    async def _cycle(self) -> None:
        await self._fire_ahead()  # first: nothing between a pre-claimed instant and its starts
        await self._flip_ahead()
        if self._instant_near():
            return  # no other database work in the last moments before pre-claimed fires start
        now = self.clock()
        mono = self.monotonic()
        await self._watch_clock(now, mono)
        if due(self._last_beat, self.heartbeat, mono) or self._clock_moved(now):
            await self._beat(now)
        if self.state != "active" or self.fenced:
            return
        sweep_every = max(1.0, self.lease_ttl / 2)
        if due(self._last_sweep, sweep_every, mono) and (
            self._sweep_after is None or mono >= self._sweep_after
        ):
            self._last_sweep = mono
            await self._sweep(now)
            await self._reconcile()
        version = await self.calls(self.store.data_version)
        changed = version != self._data_version
        self._data_version = version
        if changed:
            await self._cancel_requested()
        if changed or self._recheck or (self._next_due is not None and now >= self._next_due):
            await self._claim(now)
        await self._claim_ahead()
        if not self._once and due(self._last_prune, self.prune_every, mono):
            self._last_prune = mono
            self._background_task(self._prune(), "prune")
        if self._last_check is None:  # the store checked the file before its first write
            self._last_check = mono
        elif due(self._last_check, self.check_every, mono):
            self._last_check = mono
            self._background_task(self.calls(self.store.verify_file), "check")

    async def _claim(self, due_by: datetime) -> None:
        """Claim fires due by `due_by` (the cycle's time; --once: its start), then start waiting
        runs whose time has come, while there is room. Each claim reads the clock afresh, so a
        run's started_at is when it started, also late in a big batch."""
        assert self.lease is not None
        self._recheck = False
        while not self._stopping.is_set():
            room = min(self.max_concurrency - self.busy, claims.BATCH)
            if room <= 0:
                break
            at = self.clock()
            began = time.perf_counter()  # the claim transaction, timed for metrics
            claimed, invalid = await self.calls(
                claims.claim_batch, self.store, at, self.lease, due_by=due_by, limit=room
            )
            if self.observe_claim is not None:
                self.observe_claim(time.perf_counter() - began)
            for bad in invalid:  # one bad row must not stop the others
                self._emit_note(f"schedule {bad.schedule_id} deactivated: invalid: {bad.error}")
            for claim in claimed:
                self._apply(claim, claim.previous or claim.schedule)
            if len(claimed) + len(invalid) < room:
                break
        room = self.max_concurrency - self.busy
        if room > 0 and not self._stopping.is_set():
            now = self.clock()
            # --once starts what it queued itself (and retries due meanwhile), not only what
            # waited at its start: nothing it claimed is left pending behind it.
            waiting = await self.calls(
                claim_pending,
                self.store,
                now,
                self.lease,
                room,
                due_by=now if self._once else due_by,
            )
            await self._start_waiting(waiting)
        self._next_due = await self.calls(self._next_wake)

    async def _reconcile(self) -> None:
        """Start the runs this runner claimed without knowing it: the claim committed, its reply
        was lost with the connection. No claim is in flight here (the cycle makes them)."""
        assert self.lease is not None
        await self._reconcile_ahead()
        known = set(self.tasks) | self._flipped_ids()  # flipped ahead: they start at their instant
        lost = await self.calls(outcomes.unstarted_claims, self.store, self.lease.id, known)
        known = set(self.tasks) | self._flipped_ids()  # a held fire flipped meanwhile is known
        lost = [run for run in lost if run.id not in known]
        if lost:
            self._emit_note(
                f"{len(lost)} run(s) claimed while the database's reply was lost (a dropped "
                "connection): started now"
            )
            await self._start_waiting(lost)

    async def _start_waiting(self, runs: list[Run]) -> None:
        """Start runs claimed from the waiting list; each is told when its schedule last ran
        before it (not its own start, which the claim just recorded)."""
        for run in runs:
            found: Schedule | None = await self.calls(self.store.find, run.schedule_id)
            if found is None:
                continue
            last = await self.calls(claims.previous_fire, self.store, run)
            self._start(run, replace(found, last_run_at=last))

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
            self._start(run, before, claim.upcoming)

    async def _sleep(self) -> None:
        """Until the next due time, a finished run or a stop; at most `tick` (to notice other
        processes' changes and wall-clock jumps). Work that is due but blocked (no free slot, an
        earlier run of its schedule still running) is looked at again after a tick."""
        if self._recheck and self.state == "active" and not self._instant_near():
            return
        now = self.clock()
        wait = self.tick
        if self._next_due is not None and self._next_due > now:
            wait = min(wait, (self._next_due - now).total_seconds())
        ahead = self._ahead_wait(now)
        if ahead is not None:
            wait = min(wait, ahead)
        await self._rest(wait)

    def _woken_from(self, loop: asyncio.AbstractEventLoop) -> Callable[[], None]:
        def wake() -> None:  # from the store's listening thread
            with contextlib.suppress(RuntimeError):  # the loop is closed: this runner is done
                loop.call_soon_threadsafe(self._wake.set)

        return wake

    async def _rest(self, seconds: float) -> None:
        """Wait `seconds` (real time), or less if woken: by a finished run, a stop, wake()."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=max(0.0, seconds))
        self._wake.clear()  # after, not before: a wake during the last cycle is not lost

    async def _drain_once(self, start: datetime) -> None:
        """--once: run what was due at `start`, with the fires it queued and the retries due
        meanwhile, as slots free up; return when none is left running."""
        while not self._stopping.is_set():
            try:
                await self._claim(start)
            except claims.LeaseLost:
                await self._beat(self.clock())  # renews it (and fences) before claiming again
                continue
            if self.tasks:
                await asyncio.wait(list(self.tasks.values()), return_when=asyncio.FIRST_COMPLETED)
            elif not self._recheck:  # nothing ran, and nothing finished during the claim
                break

    async def _shutdown(self) -> None:
        self._stopping.set()
        with contextlib.suppress(Halted, StoreError, sqlite3.Error):
            await self._give_back_all()  # pre-claimed fires go back to whoever claims next
        for task in list(self._background):
            if task.get_name() == "tickwork-prune":
                task.cancel()
        if self.tasks:
            # Keep the lease alive (state "stopping") while the runs finish or are stopped, so
            # no other runner takes them for abandoned; an embedded one may take over meanwhile.
            with contextlib.suppress(Halted, StoreError, sqlite3.Error):
                await self._beat(self.clock(), "stopping")
            beating = self._beating("stopping")
            try:
                # again: some may have ended during the beat
                pending = await self._within_grace(set(self.tasks.values()))
                if self._hurry.is_set():
                    reason = STOPPED_AT_ONCE
                else:
                    reason = f"cancelled: runner stopped (shutdown grace {self.shutdown_grace:g}s)"
                for task in pending:
                    self._cancel(task.get_name().removeprefix("tickwork-run-"), reason)
                if pending:
                    await asyncio.gather(*pending, return_exceptions=True)
            finally:
                beating.cancel()
        if self._background:  # hooks of abandoned runs: not lost, but not waited on forever
            await self._within_grace(set(self._background))
        self.state = "stopped"
        if self.lease is not None and self._leased:
            try:
                await self.calls(self.store.leases.release, self.lease.id)
            except (Halted, StoreError, sqlite3.Error) as exc:
                self._emit_note(f"could not release this runner's lease: {exc}")

    async def _within_grace(self, tasks: set[asyncio.Task[None]]) -> set[asyncio.Task[None]]:
        """Wait for `tasks` up to the shutdown grace, or until stop_now(); those still pending."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.shutdown_grace
        hurry = asyncio.ensure_future(self._hurry.wait())
        try:
            pending = {t for t in tasks if not t.done()}
            while pending and not self._hurry.is_set():
                left = deadline - loop.time()
                if left <= 0:
                    break
                await asyncio.wait(
                    [*pending, hurry], timeout=left, return_when=asyncio.FIRST_COMPLETED
                )
                pending = {t for t in pending if not t.done()}
            return pending
        finally:
            hurry.cancel()

    # --- events ----------------------------------------------------------------------------
