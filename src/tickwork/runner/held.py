"""Held fires: a herd larger than the free slots, pre-claimed whole, started from memory as
slots free; what will not be started goes back.

Claim-ahead (runner.ahead) pre-claims a herd up to the slots plus HOLD fires, flips as many as
there are slots plus BUFFER a moment before the instant and starts as many as there are free
slots at it. The rest is held in memory: pre-claimed (pending, owned) or flipped (running since
the flip, not started). The moment an action ends, its slot takes the next held flipped fire
(_fill_slots: no database work between a slot freeing and the next start), and the next held
pre-claims are flipped in the background (_refill) while the flipped ones start, so flipped
fires are always at hand. A held python call (made ready at the pre-claim) is started by the
worker whose call just ended (runner.relay): the loop steps aside meanwhile (RELAY_HOLD) and
hears of the starts with the results. Each fire's started_at is the moment its action started:
a held fire is late by its wait for a slot (its outcome records the real start;
store.outcomes). The schedules of started fires are moved on in batches (_move_on).

A held fire goes back (flipped ones deleted as if never claimed, pre-claims withdrawn: never
`abandoned`, they never ran) when no held fire started for HOLD_WAIT seconds (slots held by
long actions) or it is later than the on-time grace (the catch-up policy decides), when the
runner stops, is fenced or finds its lease lost (runner.giveback); the usual claim (this
runner's or another's) then takes it, as its catch-up policy says. A pause, edit or delete
withdraws a held pre-claim (store.preclaims); one landing after the flip applies from the next
fire.
"""

from __future__ import annotations

import asyncio
import sqlite3
import sys
import time
from dataclasses import replace
from datetime import datetime, timedelta

from tickwork.domain.claim_plan import ON_TIME_GRACE
from tickwork.domain.runs import Run
from tickwork.domain.status import RunStatus
from tickwork.runner.actions import Launched, launch, prepare, start_calls
from tickwork.runner.actions import ready as ready_action
from tickwork.runner.execution import Execution
from tickwork.runner.payload import RunContext, context_for
from tickwork.runner.relay import Link
from tickwork.runner.storecalls import Halted
from tickwork.runner.threads import deliver_held
from tickwork.store import StoreError
from tickwork.store.claims import LeaseLost
from tickwork.store.preclaims import Preclaim, advance, flip, unflip

HOLD = 10_000  # fires pre-claimed beyond the slots at most (held for slots as they free)
HOLD_WAIT = 3.0  # seconds held fires wait for a slot while none of them starts, at most
BUFFER = 128  # flipped fires kept at hand beyond the free slots while a herd is held
RELAY_HOLD = 3.0  # seconds the loop steps aside for the relay's workers, at most
RELAY_SWITCH = 0.0005  # seconds between hand-overs of the interpreter lock meanwhile (5 ms)
REFILL = (64, 256)  # the first refill flip stays small (a slot waits for it), then 256 each
REFILL_LOOK = 0.005  # seconds between looks at the relay's fires left while it holds
# Flipped: running in the database, started from memory (with what it is told).
Ready = tuple[Run, Preclaim, RunContext]


class HeldFires(Execution):
    buffer = BUFFER  # (tests set it lower, to hold pre-claims that are not flipped yet)

    @property
    def planned(self) -> int:
        """Fires pre-claimed (or flipped ahead) and not started yet."""
        held = sum(len(p) for p in self._plans.values()) + sum(len(r) for r in self._ready.values())
        return held + len(self._flipping) + self._relay.held()

    def _hold_wait(self) -> timedelta:
        """How long held fires wait for a slot while none of them starts: HOLD_WAIT, less with
        a short lease (a runner held up that long may have lost it)."""
        return timedelta(seconds=min(HOLD_WAIT, self.lease_ttl / 2))

    def _held_until(self, at: datetime) -> datetime:
        """Until when the held fires of instant `at` may wait for a slot: HOLD_WAIT after the
        instant or the last start of a held fire, within the on-time grace."""
        since = at if self._held_start is None else max(at, self._held_start)
        return min(since + self._hold_wait(), at + ON_TIME_GRACE)

    def _can_start(self) -> bool:
        return (
            self.lease is not None
            and not self.fenced
            and self.state == "active"
            and not self._stopping.is_set()
        )

    def _held_flipped(self, now: datetime) -> int:
        held = sum(len(items) for at, items in self._ready.items() if self._come(at, now))
        held += len(self._relay)
        return held

    def _at_hand(self) -> int:
        """Flipped fires to keep at hand for the free slots: BUFFER more, or while the relay's
        workers start them (faster than a flip), a refill's worth more again."""
        more = REFILL[1] if self._relay.holding else 0
        return max(0, self.max_concurrency - self.busy) + self.buffer + more

    def _flip_share(self, at: datetime) -> int:
        """How many of instant `at`'s pre-claimed fires to flip ahead of it: the slots and
        BUFFER more; and when its held fires go to the relay (their python calls made ready),
        a refill's worth more again, as _at_hand keeps while the relay's workers start them
        (the relay would otherwise run dry at once, waiting for the first refill's flip)."""
        share = self.max_concurrency + self.buffer
        plans = self._plans.get(at, [])
        if any(p.run.id in self._made for p in plans[share:]):
            share += REFILL[1]
        return share

    def _held_instants(self) -> list[datetime]:
        """The instants of held fires: every one pre-claimed or flipped, and the relay's
        earliest (all the callers need of it: called as each slot frees)."""
        relayed = self._relay.earliest()
        return [*self._plans, *self._ready, *([relayed] if relayed is not None else [])]

    def _slot_freed(self) -> bool:
        """An action ended (or its task did): its slot goes to the next held fire. True when
        held fires wait for slots (a cycle would find no room for a claim then)."""
        if not self._plans and not self._ready and not len(self._relay):
            return False
        now = self.clock()
        self._fill_slots()
        return any(at <= now for at in self._held_instants())

    def _fill_slots(self) -> None:
        """Start held flipped fires in the free slots; then flip the next held pre-claims if
        few flipped ones are left."""
        self._start_held()
        self._top_up()

    def _start_held(self) -> None:
        """Start held flipped fires whose instant came in the free slots, earliest first, from
        memory (those past HOLD_WAIT are given back by the cycle: runner.ahead); then the
        relay's (python calls made ready: a worker whose call ends starts the next itself),
        and the rest with calls made ready go to the relay."""
        if not self._can_start():
            return
        now = self.clock()
        while self.busy < self.max_concurrency and self._ready:
            at = next(iter(self._ready))
            if at > now or now > self._held_until(at):
                break
            items = self._ready[at]
            run, plan, ctx = items.pop(0)
            if not items:
                del self._ready[at]
            run = replace(run, started_at=self.clock())  # late by its wait for a slot
            # A python call starts now, on a worker (not when its task first runs).
            call = self._launch(run, plan, ctx)
            self._start(run, plan.schedule, plan.upcoming, ctx=ctx, launched=call)
            self._moved_on(plan)
            self._held_start = now
        while self.busy < self.max_concurrency and (link := self._relay.first()) is not None:
            start_calls([link.call])
            self._relayed(link, time.monotonic(), by_worker=False)
        self._feed_relay(now)

    def _come(self, at: datetime, now: datetime) -> bool:
        """Whether instant `at` came, or its fires were handed over a moment before it (their
        workers wait for it: the next are flipped from then on)."""
        return at <= now or at == self._handed

    def _feed_relay(self, now: datetime) -> None:
        """Held flipped fires whose instant came (or was handed over) and whose calls were made
        ready go to the relay, earliest first: workers start them as calls end."""
        if not self._can_start():
            return
        links: list[Link[Ready]] = []
        for at in [at for at in self._ready if self._come(at, now)]:
            keep: list[Ready] = []
            for item in self._ready[at]:
                call = self._made.pop(item[0].id, None)
                if call is None:
                    keep.append(item)  # a command, a coroutine, a jitter: the loop starts it
                    continue
                call.relay = self._relay
                links.append(Link(at, item[0].id, item, call))
            if keep:
                self._ready[at] = keep
            else:
                del self._ready[at]
        if links:
            self._relay.put(links, coming=self._more_held(now))
            if not self._relay.holding:  # the loop steps aside while workers start them
                self._relay.holding = True
                self._quick_switch()
                asyncio.get_running_loop().call_later(RELAY_HOLD, self._relay_release)

    def _more_held(self, now: datetime) -> bool:
        """Whether held fires are being flipped, or held pre-claims of an instant that came are
        left: the runner flips them for the relay (_refill), and a worker that finds it empty
        meanwhile waits for them."""
        if self._flipping:
            return True
        return bool(self._plans) and self._come(next(iter(self._plans)), now)

    def _relay_release(self) -> None:
        """RELAY_HOLD passed since the relay began holding: the loop hears of every start and
        result from now on as they come (the runs' tasks, timeouts and outcomes)."""
        self._relay.release()
        self._usual_switch()
        deliver_held()

    def _quick_switch(self) -> None:
        """While the relay's workers start a herd, a thread waiting for the interpreter lock
        (a worker whose write returned, the flip of the next held fires) gets it within
        RELAY_SWITCH, not the usual 5 ms: the herd's calls and flips hand it on quickly."""
        if self._switch is None and sys.getswitchinterval() > RELAY_SWITCH:
            self._switch = sys.getswitchinterval()
            sys.setswitchinterval(RELAY_SWITCH)

    def _usual_switch(self) -> None:
        if self._switch is not None:
            sys.setswitchinterval(self._switch)
            self._switch = None

    def _relay_allowed(self, at: datetime) -> bool:
        """Whether a worker whose call ended may start a held fire of instant `at` now (in the
        worker, under the relay's lock). If so, the worker starts it now: the last start of a
        held fire, as _held_until counts it (the loop hears of it later)."""
        if not self._can_start():
            return False
        now = self.clock()
        if at <= now <= self._held_until(at):
            self._held_start = now if self._held_start is None else max(now, self._held_start)
            return True
        return False

    def _relayed(self, link: Link[Ready], at: float, by_worker: bool = True) -> None:
        """A held fire's call started at monotonic time `at` (by a worker whose call ended, or
        by _start_held): its run is seen through by a task, its schedule moved on."""
        self.relayed += by_worker
        run, plan, ctx = link.item
        ago = max(0.0, time.monotonic() - at)
        now = self.clock()
        run = replace(run, started_at=now - timedelta(seconds=ago))  # its real start
        self._start(run, plan.schedule, plan.upcoming, ctx=ctx, launched=link.call.future)
        self._moved_on(plan)
        self._held_start = now

    def _launch(self, run: Run, plan: Preclaim, ctx: RunContext) -> Launched | None:
        """A held fire's python call started now: the one made ready at the flip, or made now
        (None: its task starts the action; a fire with jitter starts later)."""
        made = self._made.pop(run.id, None)
        if plan.schedule.policies.jitter_seconds:
            return None
        if made is None:
            return launch(plan.schedule.action, ctx)
        made.relay = self._relay  # once it ended, its worker may start the next held one
        start_calls([made])
        return made.future

    def _top_up(self) -> None:
        """Flip the next held pre-claims in the background, unless enough are flipped at hand
        (or a flip is under way)."""
        if self._refilling is not None and not self._refilling.done():
            return
        if not self._plans or not self._can_start():
            return
        now = self.clock()
        if not self._come(next(iter(self._plans)), now):
            return  # before the instant: runner.ahead flips them
        if self._held_flipped(now) >= self._at_hand() and not self._relay.holding:
            return  # (while the relay holds, the loop hears of no start: _refill looks)
        self._refilling = asyncio.ensure_future(self._refill())
        self._refilling.add_done_callback(lambda t: self._look_at(t, "flipping held fires"))

    async def _refill(self) -> None:
        """Flip held pre-claims chunk by chunk while few flipped ones are at hand, starting
        them as slots allow. A lapsed lease puts them back (the cycle renews it first, and
        fences); any other failure too (the next cycle tries again)."""
        try:
            await self._refill_chunks()
        finally:  # (a worker waiting for more stops waiting: the loop hears of it)
            self._relay.expect(False)

    async def _refill_chunks(self) -> None:
        size = REFILL[0]
        while self._plans and self._can_start():
            now = self.clock()
            at = next(iter(self._plans))
            if not self._come(at, now) or now > self._held_until(at):
                return
            if self._held_flipped(now) >= self._at_hand():
                if not self._relay.holding:
                    return
                await asyncio.sleep(REFILL_LOOK)  # the loop hears of no start while it holds
                continue
            plans = self._plans.pop(at)
            take, rest = plans[:size], plans[size:]
            if rest:
                self._plans = {at: rest, **self._plans}
            size = REFILL[1]
            assert self.lease is not None
            ids = [p.run.id for p in take]
            self._flipping.update(ids)
            if not await self._refill_flip(at, take, ids):
                return

    async def _refill_flip(self, at: datetime, take: list[Preclaim], ids: list[str]) -> bool:
        """Flip the held pre-claims `take` (of instant `at`) and hand them to the slots and the
        relay; a failure puts them back (see _refill). Whether to go on refilling."""
        assert self.lease is not None
        epoch = self._held_epoch
        try:
            since = max(self.clock(), at)  # (flipped as its fires were handed over: the instant)
            mine = await self.calls(flip, self.store, self.clock(), self.lease, ids, since)
        except (Halted, LeaseLost, StoreError, sqlite3.Error, OSError) as exc:
            self._flipping.difference_update(ids)
            self._plans[at] = [*take, *self._plans.get(at, [])]
            self._plans = dict(sorted(self._plans.items()))
            if isinstance(exc, Halted):
                self._halt(exc)
            elif isinstance(exc, LeaseLost):
                self._last_beat = None  # the cycle renews the lease (and fences) first
            else:
                self.calls.report("refill", f"could not flip held fires: {exc}")
            self._recheck = True
            self._wake.set()
            return False
        if epoch != self._held_epoch:  # the lease lapsed meanwhile: none starts here
            try:
                await self._unflip_ids(sorted(mine))
            finally:  # (known as flipping until then: no reconcile starts them)
                self._flipping.difference_update(ids)
            return False
        self._flipping.difference_update(ids)  # in _ready from here on (no await between)
        flipped = max(self.clock(), at)
        ready: list[Ready] = []
        for plan in take:
            if (run := self._flipped(plan, mine, flipped)) is not None:
                ready.append((run, plan, self._context(plan)))
        if ready:
            self._ready.setdefault(at, []).extend(ready)
            self._ready = dict(sorted(self._ready.items()))
            kinds = {repr(item[1].schedule.action): item[1].schedule.action for item in ready}
            for action in kinds.values():  # imported already, as a rule (see the flip)
                await prepare(action)
            self._make_ready(ready)
        self._start_held()
        return True

    async def _prepare_held(self, plans: list[Preclaim]) -> None:
        """Fires just pre-claimed: what each is told and its python call, made now (the loop
        has time before their instant), not when they are flipped or started (a herd's starts
        would wait for that work). What is left of fires no longer held is dropped first."""
        kinds = {repr(plan.schedule.action): plan.schedule.action for plan in plans}
        for action in kinds.values():  # few (a herd shares them): imported now
            await prepare(action)
        held = {p.run.id for ps in self._plans.values() for p in ps}
        held.update(item[0].id for items in self._ready.values() for item in items)
        for made in (self._made, self._contexts):
            for run_id in [run_id for run_id in made if run_id not in held]:
                del made[run_id]
        ready: list[Ready] = []
        for plan in plans:
            if plan.run.id in held:  # (not given back meanwhile)
                ctx = self._contexts[plan.run.id] = self._context(plan)
                ready.append((plan.run, plan, ctx))
        self._make_ready(ready)

    def _context(self, plan: Preclaim) -> RunContext:
        """What a pre-claimed fire is told: made when it was pre-claimed, or now."""
        ctx = self._contexts.pop(plan.run.id, None)
        if ctx is None:
            ctx = context_for(
                plan.schedule, plan.run, upcoming=plan.upcoming, inherit_env=self.inherit_env
            )
            ctx.payload  # noqa: B018 (made now, not at the start)
        return ctx

    def _make_ready(self, ready: list[Ready]) -> None:
        """The python calls of held fires, made ready now, not at their start (none with a
        jitter: it starts later)."""
        for run, plan, ctx in ready:
            if run.id in self._made or plan.schedule.policies.jitter_seconds:
                continue
            if (call := ready_action(plan.schedule.action, ctx)) is not None:
                self._made[run.id] = call

    def _flipped(self, plan: Preclaim, mine: set[str], started_at: datetime) -> Run | None:
        """The run of a pre-claim the flip returned, as it now is (announced "claimed"); None
        when the flip did not return it (withdrawn or released: claimed as usual)."""
        if plan.run.id not in mine:
            self._recheck = True
            self._made.pop(plan.run.id, None)
            self._contexts.pop(plan.run.id, None)
            return None
        run = replace(plan.run, status=RunStatus.RUNNING, started_at=started_at)
        self._emit("claimed", run)
        return run

    def _moved_on(self, plan: Preclaim) -> None:
        """A held fire started: its schedule is moved on with the others started meanwhile."""
        self._unmoved.append(plan)
        if not self._moving:
            self._moving = True
            self._background_task(self._move_on(), "advance")

    async def _move_on(self) -> None:
        try:
            while self._unmoved:
                plans, self._unmoved = self._unmoved, []
                await self._advance(plans, wake=not self._unmoved and not self._ready)
        finally:
            self._moving = False

    async def _advance(self, plans: list[Preclaim], *, wake: bool = True) -> None:
        try:
            await self.calls.persist("move the started schedules on", advance, self.store, plans)
        except Halted as exc:
            self._halt(exc)
        except (StoreError, sqlite3.Error) as exc:  # only when stopping: claims move them on
            self._emit_note(f"could not move {len(plans)} started schedules on: {exc}")
        else:  # their next fires are claimable now: look (and pre-claim) again
            self._recheck = True
            if wake:
                self._wake.set()

    async def _unflip_ids(self, ids: list[str]) -> None:
        for run_id in ids:  # their calls made ready are never started
            self._made.pop(run_id, None)
            self._contexts.pop(run_id, None)
        if self.lease is None or not ids:
            return
        try:
            await self.calls(unflip, self.store, self.lease.id, ids)
        except (StoreError, sqlite3.Error, OSError) as exc:
            self._emit_note(f"could not give back {len(ids)} fires flipped ahead: {exc}")
        self._recheck = True
