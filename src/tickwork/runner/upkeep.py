"""The runner's upkeep: its lease (and fencing when it was lost), sweeps of dead runners,
the wall-clock watch, pruning of old runs in the background."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import datetime, timedelta

from tickwork.domain.humanize import duration_words
from tickwork.domain.model import Schedule
from tickwork.domain.runs import RunnerLease
from tickwork.domain.status import RunStatus
from tickwork.domain.timeutil import iso_ms
from tickwork.runner.base import RunnerBase, due
from tickwork.runner.liveness import runner_alive
from tickwork.runner.orphans import kill_run_processes
from tickwork.runner.storecalls import Halted
from tickwork.store import StoreError, outcomes
from tickwork.store.clock_steps import rewind
from tickwork.store.preclaims import withdraw_own

CLOCK_STEP = 2.0  # seconds the wall clock may drift from the monotonic one before it is a jump
FENCE_MARGIN = 0.2  # of the lease's TTL: a runner fences itself this long before it expires
GUARD_POLL = 0.25  # seconds between the guard's looks at the lease
SUSPEND_GAP = 2.0  # seconds between two looks that mean this process was stopped or suspended


class Upkeep(RunnerBase):
    def _beating(self, state: str | None = None) -> asyncio.Task[None]:
        """A task that beats every `heartbeat` seconds until cancelled (its failure is logged)."""

        async def beat() -> None:
            while True:
                await asyncio.sleep(self.heartbeat)
                await self._beat(self.clock(), state)

        task = asyncio.create_task(beat(), name="tickwork-heartbeat")
        task.add_done_callback(lambda t: self._look_at(t, "the heartbeat"))
        return task

    def _clock_moved(self, now: datetime) -> bool:
        """Whether the wall clock left [last heartbeat, last heartbeat + heartbeat): a jump, a
        suspend (monotonic time stands still meanwhile), or no beat yet."""
        if self.state == "starting" or self.lease is None:
            return True
        since = (now - self.lease.heartbeat_at).total_seconds()
        return since < 0 or since >= self.heartbeat

    async def _watch_clock(self, now: datetime, mono: float) -> None:
        """A wall clock stepped back: say so, and bring next runs that now lie too far ahead
        back to each schedule's next fire (nothing stays silent for the size of the step).
        Stepped forward (or the machine slept): say so; catch-up policies decide."""
        last, self._last_wall = self._last_wall, (now, mono)
        if last is None:
            return
        drift = (now - last[0]).total_seconds() - (mono - last[1])
        if abs(drift) < CLOCK_STEP:
            return
        jump = now - last[0] - timedelta(seconds=mono - last[1])
        size = duration_words(abs(jump))
        if drift < 0:
            moved = await self.calls(rewind, self.store, now, -jump)
            # The rewind withdrew the pre-claims of times still to come; the others go back too
            # (the usual claim judges them against the stepped clock).
            self._plans.clear()
            if self.lease is not None and self._leased:
                await self.calls.persist(
                    "give back pre-claimed fires", withdraw_own, self.store, self.lease.id
                )
            self._emit_note(
                f"the wall clock stepped back by {size}: {len(moved)} next run(s) recomputed; "
                "fires already made are not made again"
            )
            self._next_due = None
            self._recheck = True
        else:
            self._emit_note(
                f"the wall clock jumped forward by {size} (or the machine slept): missed fires "
                "follow each schedule's catch-up policy"
            )

    async def _beat(self, now: datetime, state: str | None = None) -> None:
        """Refresh this runner's lease; without `state`, decide between active and standby.
        A lease found lost (expired while this runner was stopped or suspended) fences it:
        runs another runner took over are stopped here, and claims wait for the new lease."""
        async with self._beat_lock:  # the cycle's beat and the guard's: one at a time
            await self._renew(now, state)

    async def _renew(self, now: datetime, state: str | None) -> None:
        assert self.lease is not None
        if state is None:
            state = "active"
        if state == "active" and self.mode == "embedded":
            alive = await self.calls(self.store.leases.alive, now)
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
        sent_wall, sent = self.wall(), self.monotonic()
        renewed, lost = await self.calls(
            self.store.leases.renew, self.lease, now, self.lease_ttl, state
        )
        self.lease = renewed
        self._renewed = sent
        if self.fenced:
            self.fenced = False
            self._emit_note("this runner renewed its lease: it claims again")
        mono = self.monotonic()
        if self.store.dialect.native_times:  # the lease holds the server's time: follow it
            self._anchor_to(renewed.heartbeat_at, sent_wall, sent, mono)
        away = self._last_beat is not None and (
            mono - self._last_beat > self.lease_ttl
            or not 0 <= (now - previous.heartbeat_at).total_seconds() <= self.lease_ttl
        )
        if away:
            # This runner could not beat for longer than a lease (a locked database, a suspend,
            # a clock jump): the others likely could not either. Give them a lease to renew
            # before their runs are judged abandoned.
            self._sweep_after = mono + self.lease_ttl
        self._last_beat = mono
        if lost and self._leased:
            await self._fenced(previous)
        self._leased = True

    async def _guard(self) -> None:
        """The lease's own task, on a database shared by hosts (PostgreSQL): it renews the lease
        when the cycle is held up (a sweep waiting on a row lock must not let it expire), and
        once the lease went unrenewed for its TTL minus a margin (this host's monotonic time)
        the runner fences itself: it stops claiming and stops its actions, which it records as
        abandoned when the database answers again (their retry policy applies once; a runner
        that took them over meanwhile decided it already). A stopped or suspended process
        (a long gap between two looks) gets a new window to renew first: on renewal, _fenced
        stops only the runs another runner took over."""
        beat: asyncio.Task[None] | None = None
        seen = self.monotonic()
        while True:
            await asyncio.sleep(GUARD_POLL)
            mono = self.monotonic()
            if mono - seen > SUSPEND_GAP or self._fence_from is None:
                self._fence_from = mono  # woke up (or first look): the next beat decides
            seen = mono
            if self._renewed is None or self._stopping.is_set():
                continue
            start = max(self._renewed, self._fence_from)
            overdue = mono - start
            if overdue >= self.lease_ttl * (1 - FENCE_MARGIN):
                self._fence(mono - self._renewed)
            idle = due(self._last_beat, self.heartbeat * 1.5, mono)  # the cycle is held up
            if (beat is None or beat.done()) and idle:
                beat = asyncio.create_task(self._guard_beat(), name="tickwork-lease-guard")

    async def _guard_beat(self) -> None:
        try:
            await self._beat(self.clock())
        except Halted as exc:
            self._halt(exc)
        except (StoreError, sqlite3.Error) as exc:
            self.calls.report("lease", f"could not renew this runner's lease: {exc}")
        else:
            self.calls.recovered("lease")

    def _fence(self, unrenewed: float) -> None:
        """Stop claiming and stop every action (see _guard)."""
        running = [r for r in self.tasks if r not in self._recording]
        if not self.fenced:
            self.fenced = True
            self._emit_note(
                f"this runner could not renew its lease for {unrenewed:.1f} s (the database "
                f"is unreachable or held up): it fenced itself; {len(running)} running action(s) "
                "stopped, recorded as abandoned when the database answers; no claims until "
                "the lease is renewed"
            )
        reason = (
            "abandoned: its runner fenced itself (it could not renew its lease, so another "
            "runner may take this run over)"
        )
        for run_id in running:
            self._cancel(run_id, reason, RunStatus.ABANDONED)

    async def _fenced(self, previous: RunnerLease) -> None:
        await self._lease_lost()  # first: no held fire starts now
        gone = await self.calls(outcomes.taken_over, self.store, list(self.tasks))
        note = (
            f"this runner's lease expired at {iso_ms(previous.expires_at)} (was it stopped or "
            "suspended?); it renewed it before claiming again"
        )
        if gone:
            note += f"; {len(gone)} of its runs were taken over by another runner: stopped"
        self._emit_note(note)
        for run_id in gone:
            self._cancel(run_id, "cancelled: this runner lost its lease and the run was taken over")
        self._recheck = True

    async def _sweep(self, now: datetime) -> None:
        assert self.lease is not None
        found = await self.calls(
            outcomes.abandon_dead,
            self.store,
            now,
            exclude_runner=self.lease.id,
            host=self.lease.host,
            alive=runner_alive,
        )
        for run, lease in found.spared:
            if lease.id not in self._spared:
                self._spared.add(lease.id)
                self._emit_note(
                    f"runner {lease.id} (pid {lease.pid}) on this host missed its lease but is "
                    f"alive (stopped?): its run {run.id} is left to it, nothing is killed"
                )
        if found.abandoned or found.released:
            self._recheck = True  # retries may have been queued, fires released to claim
        for run, retry in found.abandoned:
            killed = kill_run_processes(run)
            detail = run.error or ""
            if killed:
                detail += f"; killed {killed} leftover process(es)"
            self._emit("abandoned", run, detail)
            if retry is not None:
                self._emit_retry(retry)
                continue
            schedule: Schedule | None = await self.calls(self.store.find, run.schedule_id)
            if schedule is not None:  # in the background: a slow hook must not stall claims
                self._background_task(self._notify(schedule, run, None), "notify")
        await self.calls(self.store.leases.sweep, now, max(60.0, self.lease_ttl))

    async def _prune(self) -> None:
        """Delete finished runs beyond keep_runs per schedule, in small batches (one short
        transaction each): claims never wait behind it."""
        try:
            targets = await self.calls(self.store.runs.prune_targets, self.keep_runs)
            for schedule_id in targets:
                while not self._stopping.is_set():
                    deleted = await self.calls(
                        self.store.runs.prune_batch, schedule_id, self.keep_runs
                    )
                    await asyncio.sleep(0)  # let claims in between batches
                    if deleted == 0:
                        break
        except Halted as exc:
            self._halt(exc)
        except (StoreError, sqlite3.Error) as exc:
            self._emit_note(f"pruning old runs failed, tried again later: {exc}")
