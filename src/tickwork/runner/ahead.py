"""Claim-ahead: the runner pre-claims the fires due within `lead` seconds, flips them to running
a moment before their instant, and starts them at the instant from memory: no database work
between the instant and the starts.

The protocol and what keeps its guarantees are in store.preclaims. Here: when to pre-claim
(`lead` before the next fire nobody owns), when to flip (as late as the herd's size allows: see
_flip_lead; a pause or edit landing after the flip applies from the next fire), starting what is
due, moving the schedules on afterwards (one write), and giving back what will not be started (a
fire held up past HOLD_WAIT, a stop, a fenced runner). A herd larger than the free slots is
pre-claimed whole (up to HOLD beyond the slots): as many as there are free slots start at the
instant, the rest are held and start as slots free (runner.held). A pre-claim not flipped in time
is flipped at its instant the same way.

At the instant itself nothing but the starts: the loop wakes WAKE before it and hands the python
calls flipped for it to their workers, each of which waits for the instant itself (one wake-up
between the instant and the call, not the loop's timer, then its sleep, then the worker's); the
cycle does no database work from the last QUIET before the instant until AFTER past it (a store
call's thread would take the interpreter lock and a core from the starting calls).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import sqlite3
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from tickwork.domain.model import Schedule
from tickwork.domain.runs import Run
from tickwork.domain.timeutil import parse_iso
from tickwork.runner.actions import (
    Call,
    Launched,
    Outcome,
    launch,
    prepare,
    start_calls,
    wait_started,
)
from tickwork.runner.giveback import GiveBack
from tickwork.runner.held import HOLD, Ready
from tickwork.store import StoreError
from tickwork.store.claims import BATCH, NOT_OWNED, UNREADABLE, LeaseLost
from tickwork.store.preclaims import Preclaim, flip, preclaim

PRECISE = 0.01  # seconds: closer than this to an instant, the runner hands its fires over (see
# _fire_ahead) or waits it out (blocking: the loop's timers wake up to a millisecond late, more on
# a busy host; a thread's sleep within tens of microseconds)
WAKE = 0.005  # seconds before an instant the loop's timer is set for
AFTER = 0.005  # seconds past an instant whose fires were handed over with no database work yet
SPIN = 0.002  # seconds before an instant a few handed-over calls stop sleeping and spin (a
# sleeping thread's wake-up is what a busy host delays; SPIN_CALLS at most, so a herd never spins)
SPIN_CALLS = 4
QUIET = 0.15  # seconds before an instant in which a cycle does nothing but flip (no other
# database work: a claim or a sweep started then could hold the loop past the instant)
FLIP_AHEAD = 0.1  # seconds before an instant its pre-claims are flipped (more for a big herd)
MAX_LEAD = 30.0  # seconds: the earliest a herd is pre-claimed
HERD_SETTLE = 1.0  # seconds a herd's calls get to end before its schedules are moved on
HERD_FIRST = 0.25  # seconds the loop waits (blocked) at most for a herd's calls to be taken by
# workers before it makes their tasks: while the loop holds the interpreter lock, a worker gets
# it only every switch interval (5 ms), and a 10,000 herd's starts would wait behind the loop


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


def _until(seconds: float, spin: float = 0.0) -> Callable[[], None]:
    """A wait (blocking, real time) that ends `seconds` from now, wherever it is called: a
    sleep, its last `spin` seconds spun."""
    deadline = time.monotonic() + seconds

    def wait() -> None:
        left = deadline - time.monotonic()
        if left > spin:
            time.sleep(left - spin)
        while time.monotonic() < deadline:
            pass

    return wait


class ClaimAhead(GiveBack):
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
        """The next instant pre-claimed fires start at (to come: held fires whose instant
        passed start as slots free)."""
        now = self.clock()
        return min([at for at in (*self._plans, *self._ready) if at > now], default=None)

    def _quiet_after(self) -> datetime | None:
        """Until when the cycle does no database work after an instant whose fires were handed
        over (their workers start them at it); None: not now."""
        if self._handed is None:
            return None
        until = self._handed + timedelta(seconds=AFTER)
        return until if self.clock() < until else None

    def _instant_near(self) -> bool:
        """Whether pre-claimed fires start within QUIET seconds, or were handed over and AFTER
        has not passed since their instant."""
        if self._quiet_after() is not None:
            return True
        first = self._next_instant()
        return first is not None and (first - self.clock()).total_seconds() < QUIET

    def _ahead_wait(self, now: datetime) -> float | None:
        """Seconds until claim-ahead has something to do (an instant comes, or the lead before
        the next fire nobody owns), None if nothing."""
        options: list[datetime] = []
        if coming := [at for at in self._plans if at > now]:  # when to flip the next ones
            n = min(len(self._plans[coming[0]]), self._flip_share(coming[0]))
            options.append(coming[0] - timedelta(seconds=self._flip_lead(n)))
        held = [at for at in self._held_instants() if at <= now]
        if held:  # when held fires that found no slot go back
            options.append(min(self._held_until(at) for at in held) + timedelta(seconds=PRECISE))
        nxt = self._next_due
        if self._ahead_active() and nxt is not None and nxt != self._ahead_for:
            options.append(nxt - timedelta(seconds=self._lead_for(self._herd)))
        if (quiet := self._quiet_after()) is not None:  # the cycle's own work waits until then
            options = [quiet]
        if (first := self._next_instant()) is not None:
            options.append(first - timedelta(seconds=WAKE))  # then handed over, or waited out
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
        lead = self._lead_for(min(self._herd, self.max_concurrency + HOLD))
        if nxt <= now or (nxt - now).total_seconds() > lead or nxt == self._ahead_for:
            return
        self._ahead_for = nxt
        until = now + timedelta(seconds=lead)
        share = await self._share()
        taken = 0
        while not self._stopping.is_set() and self.clock() < nxt:
            room = min(share - self.busy - self.planned, BATCH)
            if room <= 0:
                break
            began = time.perf_counter()
            plans = await self.calls(preclaim, self.store, now, self.lease, until=until, limit=room)
            if self.observe_claim is not None:
                self.observe_claim(time.perf_counter() - began)
            for plan in plans:
                self._plans.setdefault(plan.instant, []).append(plan)
            await self._prepare_held(plans)
            took = time.perf_counter() - began
            if len(plans) >= 64:  # a measure worth keeping: the next herd's lead follows it
                self._preclaim_rate = took / len(plans)
            taken += len(plans)
            if len(plans) < room:
                break
        if taken:
            self._plans = dict(sorted(self._plans.items()))
            self._next_due = await self.calls(self._next_wake)

    async def _share(self) -> int:
        """How many fires this runner pre-claims for the next instant at most: its slots and
        HOLD more to start as slots free when it runs alone; beside other active runners, its
        slots or its part of the herd if larger (the others pre-claim theirs, or claim what is
        left at the instant)."""
        alone = self.max_concurrency + HOLD
        if self._herd <= self.max_concurrency:
            return alone
        now = self.clock()
        leases = await self.calls(self.store.leases.alive, now)
        runners = max(1, sum(1 for lease in leases if lease.state == "active"))
        return min(alone, max(self.max_concurrency, -(-self._herd // runners)))

    async def _fire_ahead(self) -> None:
        """Start the pre-claimed fires whose instant has come, first thing in a cycle: those
        flipped ahead, from memory, in the free slots; the rest are held for slots as they
        free (runner.held), or go back (held up past HOLD_WAIT, a stopped, suspended or fenced
        runner). Within PRECISE of an instant, its flipped fires that have a slot are handed
        over instead (see _start_ready), else the loop waits the instant out."""
        if self.lease is None or not (self._plans or self._ready or len(self._relay)):
            return
        first = self._next_instant()
        if first is not None and 0 < (early := (first - self.clock()).total_seconds()) <= PRECISE:
            if self._hand_over(first, early):
                return
            time.sleep(early)  # at most PRECISE, once per instant
        now = self.clock()
        ready: list[Ready] = []
        room = self.max_concurrency - self.busy if self._can_start() else 0
        for at in [at for at in self._ready if at <= now <= self._held_until(at)]:
            if len(ready) >= room:
                break
            items = self._ready[at]
            take = items[: room - len(ready)]
            ready.extend(take)
            if len(take) == len(items):
                del self._ready[at]
            else:
                self._ready[at] = items[len(take) :]
        if ready:
            self._feed_relay(now)  # (first: a call that ends at once finds the next there)
            self._start_ready(ready)
            self._held_start = now
        self._start_held()  # (the relay's, in slots still free; the rest go to the relay)
        await self._give_back_held(now)
        self._top_up()  # held pre-claims whose instant came: flipped as slots need them

    def _hand_over(self, at: datetime, early: float) -> bool:
        """Start the fires flipped for `at` that have a slot, `early` seconds before it: each
        python call waits for the instant in its worker. False: none was."""
        room = self.max_concurrency - self.busy if self._can_start() else 0
        items = self._ready.get(at, [])
        if room <= 0 or not items:
            return False
        ready, rest = items[:room], items[room:]  # (the rest start as slots free: runner.held)
        if rest:
            self._ready[at] = rest
        else:
            del self._ready[at]
        self._handed = self._held_start = at
        self._feed_relay(self.clock())  # the rest: started by the workers as calls end (fed
        self._start_ready(ready, early)  # first: a call that ends at once finds them there)
        self._top_up()  # and the next held ones flipped from now on, as they start
        return True

    async def _flip_ahead(self) -> None:
        """Flip the next instant's pre-claims (as many as there are slots, and BUFFER more
        for a herd held for slots) once it is within their flip lead: they are running in the
        database from then on, and start at the instant from memory."""
        if not self._plans or self.lease is None or self.fenced or self._quiet_after():
            return
        now = self.clock()
        at = next((t for t in self._plans if t > now), None)
        if at is None:
            return
        want = self._flip_share(at) - len(self._ready.get(at, ()))
        if want <= 0:
            return
        plans = self._plans[at][:want]
        if (at - now).total_seconds() > self._flip_lead(len(plans)):
            return
        if rest := self._plans[at][want:]:
            self._plans[at] = rest
        else:
            del self._plans[at]
        began = time.perf_counter()
        ids = [p.run.id for p in plans]
        try:
            mine = await self.calls(flip, self.store, self.clock(), self.lease, ids, at)
        except (LeaseLost, StoreError, sqlite3.Error, OSError) as exc:
            self._plans[at] = [*plans, *self._plans.get(at, [])]  # flipped later, or given back
            self._plans = dict(sorted(self._plans.items()))
            if not isinstance(exc, LeaseLost):
                raise
            self._last_beat = None  # this cycle renews the lease (and fences) first
            return
        ready: list[Ready] = []
        for plan in plans:
            if (run := self._flipped(plan, mine, at)) is None:
                continue
            ready.append((run, plan, self._context(plan)))  # (made at the pre-claim, as a rule)
        if ready:
            self._ready.setdefault(at, []).extend(ready)
            self._ready = dict(sorted(self._ready.items()))
            kinds = {repr(item[1].schedule.action): item[1].schedule.action for item in ready}
            for action in kinds.values():  # few (a herd shares them): imported already
                await prepare(action)
            self._make_ready(ready)  # their calls made ready now, if not at the pre-claim
        self._flip_rate = (time.perf_counter() - began) / len(ids)  # all of it: the lead for it

    def _start_ready(self, ready: list[Ready], early: float = 0.0) -> None:
        """Start fires flipped ahead: every action that can start at once first (python calls:
        actions.launch), then the tasks that see them through; `early` seconds before their
        instant, each such call waits for it in its worker (and the loop itself, if any other
        fire is among them, before their tasks start them). Their "started" events, the
        schedules moved on and the garbage collector wait until the herd's calls ended (at most
        HERD_SETTLE seconds): formatting a thousand log lines, a write or a full collection over
        a herd's objects would hold the interpreter lock for tens of ms while calls wait to
        start. (A run that ends before emits its own "started" first: see _execute.)"""
        _GC.hold()  # released by _after_herd, which is made whatever happens here
        calls: list[Launched | None] = []
        quiet: list[Run] = []
        try:
            spin = SPIN if len(ready) <= SPIN_CALLS else 0.0
            wait = _until(early, spin) if early > 0 else None
            made: list[Call[Any]] = []
            held = bool(self._plans or self._ready or len(self._relay))  # more than the slots
            for run, plan, ctx in ready:
                ahead = self._made.pop(run.id, None)
                if ahead is not None and held:  # once it ended, its worker may start the next
                    ahead.relay = self._relay
                if plan.schedule.policies.jitter_seconds:  # it starts later: told then
                    calls.append(None)
                elif ahead is not None:
                    made.append(ahead)
                    calls.append(ahead.future)
                else:
                    calls.append(launch(plan.schedule.action, ctx, wait))
            start_calls(made, wait)  # handed to the workers together
            wait_started(made, HERD_FIRST)  # the loop out of their way until they are taken
            if wait is not None and None in calls:  # started by their tasks: not before it
                wait()
            for (run, plan, ctx), launched in zip(ready, calls, strict=True):
                jitter = plan.schedule.policies.jitter_seconds
                upcoming = plan.upcoming
                self._start(
                    run, plan.schedule, upcoming, announced=not jitter, ctx=ctx, launched=launched
                )
                if not jitter:
                    quiet.append(run)
        finally:  # (a fire not started is running in the database: _reconcile starts it)
            self._unannounced.update(run.id for run in quiet)
            started = [call for call in calls if call is not None]
            plans = [item[1] for item in ready]
            self._background_task(self._after_herd(started, quiet, plans), "advance")

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

    async def _record(self, run: Run, s: Schedule, outcome: Outcome) -> None:
        """Execution._record; then the next fire nobody owns may be pre-claimed again: a
        pre-claim passes over a schedule with an open run (an `@every 1s` claimed at its instant
        would else have every later fire claimed at its instant too)."""
        await super()._record(run, s, outcome)
        self._ahead_for = None

    def _announce(self, runs: list[Run]) -> None:
        for run in runs:
            if run.id in self._unannounced:
                self._unannounced.discard(run.id)
                self._emit("started", run)
