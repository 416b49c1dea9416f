"""Claim-ahead: the runner pre-claims the fires due within `lead` seconds, flips them to running
a moment before their instant, and starts them at the instant from memory: no database work
between the instant and the starts.

The protocol and what keeps its guarantees are in store.preclaims. Here: when to pre-claim
(`lead` before the next fire nobody owns), when to flip (as late as the herd's size allows: see
_flip_lead; a pause or edit landing after the flip applies from the next fire), starting what is
due, moving the schedules on afterwards (one write), and giving back what will not be started (a
fire later than the on-time grace, a stop, a fenced runner). A pre-claim not flipped in time is
flipped at its instant, chunk by chunk (the next chunk's flip commits while this one's start).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import sqlite3
import time
from dataclasses import replace
from datetime import datetime, timedelta

from tickwork.domain.claim_plan import ON_TIME_GRACE
from tickwork.domain.runs import Run
from tickwork.domain.status import RunStatus
from tickwork.domain.timeutil import parse_iso
from tickwork.runner.actions import Launched, launch, prepare
from tickwork.runner.execution import Execution
from tickwork.runner.payload import RunContext, context_for
from tickwork.runner.storecalls import Halted
from tickwork.store import StoreError
from tickwork.store.claims import BATCH, NOT_OWNED, UNREADABLE, LeaseLost
from tickwork.store.preclaims import (
    Preclaim,
    advance,
    flip,
    owned,
    preclaim,
    unflip,
    withdraw_own,
)

FLIP_CHUNKS = (64, 256)  # the first flips stay small (the first starts come soon), then:
FLIP_CHUNK = 512
PRECISE = 0.002  # seconds: closer than this to an instant, the runner waits it out (blocking:
# the loop's timers wake up to a millisecond late, a thread's sleep within tens of microseconds)
QUIET = 0.15  # seconds before an instant in which a cycle does nothing but flip (no other
# database work: a claim or a sweep started then could hold the loop past the instant)
FLIP_AHEAD = 0.1  # seconds before an instant its pre-claims are flipped (more for a big herd)
MAX_LEAD = 30.0  # seconds: the earliest a herd is pre-claimed
# Flipped ahead: running in the database, started at the instant (with what it is told).
Ready = tuple[Run, Preclaim, RunContext]
HERD_SETTLE = 1.0  # seconds a herd's calls get to end before its schedules are moved on


class _GcPause:
    """The cyclic garbage collector paused while herds start (counted: herds may overlap)."""

    def __init__(self) -> None:
        self.holds = 0
        self.paused = False  # by us (an embedding app may have disabled it itself)

    def hold(self) -> None:
        if self.holds == 0 and gc.isenabled():
            gc.disable()
            self.paused = True
        self.holds += 1

    def release(self) -> None:
        self.holds -= 1
        if self.holds == 0 and self.paused:
            self.paused = False
            gc.enable()


_GC = _GcPause()


class ClaimAhead(Execution):
    @property
    def planned(self) -> int:
        """Fires pre-claimed (or flipped ahead) and not started yet."""
        return sum(len(p) for p in self._plans.values()) + sum(len(r) for r in self._ready.values())

    def _flip_lead(self, n: int) -> float:
        """Seconds before its instant a herd of `n` pre-claims is flipped: twice what flipping
        it is expected to take (the rate measured at the last flip), at least FLIP_AHEAD."""
        return FLIP_AHEAD + 2 * n * self._flip_rate

    def _next_wake(self) -> datetime | None:
        """The next fire nobody owns yet, or the next waiting run's time (pre-claimed fires are
        started from memory: see runner.ahead). With claim-ahead, how many fires fall on it is
        counted too (_herd: how early to pre-claim them)."""
        rows = self.store.query(
            "SELECT (SELECT next_run_at FROM schedules WHERE active = 1 AND next_run_at IS NOT "
            f"NULL AND {NOT_OWNED} ORDER BY next_run_at LIMIT 1), (SELECT not_before FROM "
            "runs WHERE status IN ('running', 'pending') AND status = 'pending' "
            "AND runner_id IS NULL ORDER BY not_before LIMIT 1)"
        )
        options = []
        for text in rows[0]:
            with contextlib.suppress(*UNREADABLE):  # a bad row is dealt with when due
                if (t := parse_iso(text)) is not None:
                    options.append(t)
        self._herd = 0
        if self.claim_ahead and rows[0][0] is not None:
            self._herd = int(
                self.store.query(
                    "SELECT count(*) FROM schedules WHERE active = 1 AND next_run_at = ?",
                    (rows[0][0],),
                )[0][0]
            )
        return min(options) if options else None

    def _lead_for(self, n: int) -> float:
        """Seconds ahead of an instant its `n` fires are pre-claimed: `lead`, or for a herd
        what pre-claiming and flipping it is expected to take (rates measured), twice over."""
        needed = 2 * n * self._preclaim_rate + self._flip_lead(n) + QUIET
        return min(MAX_LEAD, max(self.lead, needed))

    def _next_instant(self) -> datetime | None:
        return min([*self._plans, *self._ready], default=None)

    def _instant_near(self) -> bool:
        """Whether fires flipped ahead (or pre-claimed ones, when there is a slot) start
        within QUIET seconds."""
        now = self.clock()
        if self._ready and 0 < (min(self._ready) - now).total_seconds() < QUIET:
            return True
        if not self._plans or self.busy >= self.max_concurrency:
            return False
        return 0 < (min(self._plans) - now).total_seconds() < QUIET

    def _ahead_wait(self, now: datetime) -> float | None:
        """Seconds until claim-ahead has something to do (an instant comes, or the lead before
        the next fire nobody owns), None if nothing."""
        options: list[datetime] = []
        if (first := self._next_instant()) is not None:
            options.append(first - timedelta(seconds=PRECISE / 2))  # then waited out exactly
        if self._plans:  # when to flip the next pre-claims
            at = min(self._plans)
            options.append(at - timedelta(seconds=self._flip_lead(len(self._plans[at]))))
        nxt = self._next_due
        if self._ahead_active() and nxt is not None and nxt != self._ahead_for:
            options.append(nxt - timedelta(seconds=self._lead_for(self._herd)))
        if not options:
            return None
        return max(0.0, (min(options) - now).total_seconds())

    def _ahead_active(self) -> bool:
        return self.claim_ahead and not self._once and self.state == "active"

    async def _claim_ahead(self) -> None:
        """Pre-claim what falls due within `lead`, as far as free slots go (after the cycle's
        claim computed the next fire nobody owns)."""
        nxt = self._next_due
        if not self._ahead_active() or nxt is None or self.lease is None:
            return
        now = self.clock()
        lead = self._lead_for(self._herd)
        if nxt <= now or (nxt - now).total_seconds() > lead or nxt == self._ahead_for:
            return
        self._ahead_for = nxt
        until = now + timedelta(seconds=lead)
        taken = 0
        while not self._stopping.is_set() and self.clock() < nxt:
            room = min(self.max_concurrency - self.busy - self.planned, BATCH)
            if room <= 0:
                break
            began = time.perf_counter()
            plans = await self.calls(preclaim, self.store, now, self.lease, until=until, limit=room)
            took = time.perf_counter() - began
            if self.observe_claim is not None:
                self.observe_claim(took)
            if len(plans) >= 64:  # a measure worth keeping: the next herd's lead follows it
                self._preclaim_rate = took / len(plans)
            for plan in plans:
                self._plans.setdefault(plan.instant, []).append(plan)
            taken += len(plans)
            if len(plans) < room:
                break
        if taken:
            self._plans = dict(sorted(self._plans.items()))
            self._next_due = await self.calls(self._next_wake)

    async def _fire_ahead(self) -> None:
        """Start the pre-claimed fires whose instant has come, first thing in a cycle: those
        flipped ahead from memory, then any not flipped in time (flipped now)."""
        first = self._next_instant()
        if first is None or self.lease is None:
            return
        early = (first - self.clock()).total_seconds()
        if 0 < early <= PRECISE:
            time.sleep(early)  # at most 2 ms, once per instant
        now = self.clock()
        ready: list[Ready] = []
        dropped: list[Ready] = []
        for at in [at for at in self._ready if at <= now]:
            held_up = now - at > ON_TIME_GRACE or self.fenced or self.state != "active"
            (dropped if held_up else ready).extend(self._ready.pop(at))
        if ready:
            self._start_ready(ready)
        if dropped:  # a stopped, suspended or fenced runner: not started, given back
            await self._unflip(dropped)
        late: list[Preclaim] = []
        for at in [at for at in self._plans if now - at > ON_TIME_GRACE]:
            late.extend(self._plans.pop(at))
        if late:  # a stopped or suspended runner: the usual claim applies the catch-up policy
            await self._give_back(late)
        due: list[Preclaim] = []
        room = self.max_concurrency - self.busy
        for at in list(self._plans):
            if at > now or len(due) >= room:
                break
            plans = self._plans[at]
            take = plans[: room - len(due)]
            due.extend(take)
            if len(take) == len(plans):
                del self._plans[at]
            else:
                self._plans[at] = plans[len(take) :]
        if due:
            await self._start_planned(due)

    async def _flip_ahead(self) -> None:
        """Flip the next instant's pre-claims once it is within their flip lead: they are
        running in the database from then on, and start at the instant from memory."""
        if not self._plans or self.lease is None or self.fenced:
            return
        at = min(self._plans)
        plans = self._plans[at]
        if (at - self.clock()).total_seconds() > self._flip_lead(len(plans)):
            return
        del self._plans[at]
        began = time.perf_counter()
        ids = [p.run.id for p in plans]
        try:
            mine = await self.calls(flip, self.store, self.clock(), self.lease, ids, at)
        except (LeaseLost, StoreError, sqlite3.Error, OSError) as exc:
            self._plans[at] = plans  # flipped at the instant instead, or given back
            self._plans = dict(sorted(self._plans.items()))
            if not isinstance(exc, LeaseLost):
                raise
            self._last_beat = None  # this cycle renews the lease (and fences) first
            return
        ready: list[Ready] = []
        for plan in plans:
            if (run := self._flipped(plan, mine, at)) is None:
                continue
            inherit = self.inherit_env
            ctx = context_for(plan.schedule, run, upcoming=plan.upcoming, inherit_env=inherit)
            ctx.payload  # noqa: B018 (made now, not at the instant)
            ready.append((run, plan, ctx))
        if ready:
            self._ready.setdefault(at, []).extend(ready)
            self._ready = dict(sorted(self._ready.items()))
            kinds = {repr(item[1].schedule.action): item[1].schedule.action for item in ready}
            for action in kinds.values():  # few (a herd shares them): imported now, not at it
                await prepare(action)
        self._flip_rate = (time.perf_counter() - began) / len(ids)  # all of it: the lead for it

    def _flipped(self, plan: Preclaim, mine: set[str], started_at: datetime) -> Run | None:
        """The run of a pre-claim the flip returned, as it now is (announced "claimed"); None
        when the flip did not return it (withdrawn or released: claimed as usual)."""
        if plan.run.id not in mine:
            self._recheck = True
            return None
        run = replace(plan.run, status=RunStatus.RUNNING, started_at=started_at)
        self._emit("claimed", run)
        return run

    def _start_ready(self, ready: list[Ready]) -> None:
        """Start fires flipped ahead: every action that can start at once first (python calls:
        actions.launch), then the tasks that see them through. Their "started" events, the
        schedules moved on and the garbage collector wait until the herd's calls ended (at most
        HERD_SETTLE seconds): formatting a thousand log lines, a write or a full collection over
        a herd's objects would hold the interpreter lock for tens of ms while calls wait to
        start. (A run that ends before emits its own "started" first: see _execute.)"""
        _GC.hold()  # released by _after_herd, which is made whatever happens here
        calls: list[Launched | None] = []
        quiet: list[Run] = []
        try:
            for _, plan, ctx in ready:
                jitter = plan.schedule.policies.jitter_seconds  # it starts later: told then
                calls.append(None if jitter else launch(plan.schedule.action, ctx))
            for (run, plan, ctx), call in zip(ready, calls, strict=True):
                jitter = plan.schedule.policies.jitter_seconds
                self._start(
                    run, plan.schedule, plan.upcoming, announced=not jitter, ctx=ctx, launched=call
                )
                if not jitter:
                    quiet.append(run)
        finally:  # (a fire not started is running in the database: _reconcile starts it)
            self._unannounced.update(run.id for run in quiet)
            launched = [call for call in calls if call is not None]
            plans = [item[1] for item in ready]
            self._background_task(self._after_herd(launched, quiet, plans), "advance")

    async def _after_herd(
        self, launched: list[Launched], quiet: list[Run], plans: list[Preclaim]
    ) -> None:
        try:
            if launched:
                await asyncio.wait(launched, timeout=HERD_SETTLE)
            else:
                await asyncio.sleep(0)  # the tasks' first steps (command starts) come first
        finally:
            _GC.release()
            self._announce(quiet)
        await self._advance(plans)

    def _announce(self, runs: list[Run]) -> None:
        for run in runs:
            if run.id in self._unannounced:
                self._unannounced.discard(run.id)
                self._emit("started", run)

    async def _unflip(self, ready: list[Ready]) -> None:
        """Fires flipped ahead that will not start here: deleted as if never claimed (see
        store.preclaims.unflip); if the database cannot be reached, a sweep or this runner's
        reconcile deals with them (abandoned, or started late exactly once)."""
        if self.lease is None:
            return
        ids = [item[0].id for item in ready]
        try:
            await self.calls(unflip, self.store, self.lease.id, ids)
        except (StoreError, sqlite3.Error, OSError) as exc:
            self._emit_note(f"could not give back {len(ids)} fires flipped ahead: {exc}")
        self._recheck = True

    async def _start_planned(self, due: list[Preclaim]) -> None:
        """Flip chunk by chunk (the next chunk's flip commits while this one's actions start),
        start what was flipped, then move the schedules on. A lapsed lease puts the fires back
        (the cycle renews it first); any other failure too (the next cycle tries again)."""
        assert self.lease is not None
        lease = self.lease
        sizes = [*FLIP_CHUNKS, *([FLIP_CHUNK] * (len(due) // FLIP_CHUNK + 1))]
        chunks: list[list[Preclaim]] = []
        rest = due
        for size in sizes:
            if not rest:
                break
            chunks.append(rest[:size])
            rest = rest[size:]
        started: list[Preclaim] = []

        def flip_chunk(chunk: list[Preclaim]) -> asyncio.Task[set[str]]:
            ids = [p.run.id for p in chunk]
            return asyncio.ensure_future(self.calls(flip, self.store, self.clock(), lease, ids))

        pending = flip_chunk(chunks[0])
        try:
            for i, chunk in enumerate(chunks):
                mine = await pending
                if i + 1 < len(chunks):
                    pending = flip_chunk(chunks[i + 1])
                now = self.clock()
                for plan in chunk:
                    if (run := self._flipped(plan, mine, now)) is None:
                        continue
                    self._start(run, plan.schedule, plan.upcoming)
                    started.append(plan)
        except (LeaseLost, StoreError, sqlite3.Error, OSError) as exc:
            done = {p.run.id for p in started}
            for plan in due:  # not flipped: tried again in the next cycle
                if plan.run.id not in done:
                    self._plans.setdefault(plan.instant, []).append(plan)
            self._plans = dict(sorted(self._plans.items()))
            if not pending.done():
                pending.cancel()
            if not isinstance(exc, LeaseLost):
                raise  # the cycle reports it and tries again
            self._last_beat = None  # this cycle renews the lease (and fences) first
        finally:
            if started:
                self._background_task(self._advance(started), "advance")

    async def _advance(self, plans: list[Preclaim]) -> None:
        try:
            await self.calls.persist("move the started schedules on", advance, self.store, plans)
        except Halted as exc:
            self._halt(exc)
        except (StoreError, sqlite3.Error) as exc:  # only when stopping: claims move them on
            self._emit_note(f"could not move {len(plans)} started schedules on: {exc}")
        else:  # their next fires are claimable now: look (and pre-claim) again
            self._recheck = True
            self._wake.set()

    async def _give_back(self, plans: list[Preclaim]) -> None:
        """Withdraw pre-claims this runner will not start: the usual claim takes their fires."""
        if not plans or self.lease is None:
            return
        await self._give_back_ids([p.run.id for p in plans])

    async def _give_back_all(self) -> None:
        """Stopping: every fire this runner pre-claimed (or flipped ahead) and did not start
        goes back."""
        self._plans.clear()
        ready = [item for items in self._ready.values() for item in items]
        self._ready.clear()
        if self.lease is None or not self._leased:
            return
        lease_id = self.lease.id
        if ready:
            ids = [item[0].id for item in ready]
            what = "give back fires flipped ahead"
            await self.calls.persist(what, unflip, self.store, lease_id, ids)
        await self.calls.persist("give back pre-claimed fires", withdraw_own, self.store, lease_id)

    def _flipped_ids(self) -> set[str]:
        """Runs this runner flipped ahead and has not started yet (running in the database)."""
        return {item[0].id for items in self._ready.values() for item in items}

    async def _reconcile_ahead(self) -> None:
        """Pre-claims of this runner it does not hold in memory (the reply of a pre-claim lost
        with the connection) go back: nobody else would start them while its lease lives. No
        pre-claim is in flight here (the cycle makes them)."""
        if self.lease is None:
            return
        known = {p.run.id for plans in self._plans.values() for p in plans}
        stray = [i for i in await self.calls(owned, self.store, self.lease.id) if i not in known]
        if stray:
            await self._give_back_ids(stray)

    async def _give_back_ids(self, ids: list[str]) -> None:
        assert self.lease is not None
        lease_id = self.lease.id
        await self.calls.persist(
            "give back pre-claimed fires", withdraw_own, self.store, lease_id, ids
        )
        self._recheck = True
