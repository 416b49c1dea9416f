"""Held fires given back: what the runner pre-claimed or flipped ahead and will not start
goes back, so the usual claim (this runner's or another's) fires it once.

Flipped fires are deleted as if never claimed (store.preclaims.unflip), pre-claims withdrawn
(withdraw_own): never `abandoned`, they never ran. What goes back: the held fires that waited
too long for a slot (runner.held: HOLD_WAIT, the on-time grace), every held fire of a runner
that cannot start them (fenced, suspended, in standby, stopping) or lost its lease, and at a
stop every one. What the relay holds is taken out of it first, under its lock: a fire is
either started by a worker or given back, never both (runner.relay). A stopping runner waits
for the relay's starts in flight to reach it (RELAY_LANDING) before it waits for its runs.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime

from tickwork.runner.held import HeldFires, Ready
from tickwork.store.preclaims import Preclaim, owned, unflip, withdraw_own

RELAY_LANDING = 5.0  # seconds a stopping runner waits to hear of the relay's last starts


class GiveBack(HeldFires):
    async def _lease_lost(self) -> None:
        """This runner's lease lapsed meanwhile (found on renewal): every fire it holds goes
        back at once (another runner may have released them, or taken flipped ones for
        abandoned: only those still this runner's are given back; none starts here)."""
        self._held_epoch += 1  # a flip under way gives back what it flipped (_refill)
        await self._give_back_held(self.clock(), everything=True)

    async def _give_back_held(self, now: datetime, everything: bool = False) -> None:
        """Held fires that will not start here go back: those that waited too long (see
        _held_until), or
        every one whose instant came in a runner that cannot start them (fenced, suspended,
        in standby, stopping), or (`everything`) every one."""
        drop = not self._can_start()

        def gone(at: datetime) -> bool:
            return everything or (at <= now and (drop or now > self._held_until(at)))

        ready: list[Ready] = [link.item for link in self._relay.take(gone)]
        for at in [at for at in self._ready if gone(at)]:
            ready.extend(self._ready.pop(at))
        plans: list[Preclaim] = []
        for at in [at for at in self._plans if gone(at)]:
            plans.extend(self._plans.pop(at))
        self._relay.expect(self._more_held(now))
        if ready:
            await self._unflip(ready)
        if plans:  # the usual claim applies the catch-up policy
            await self._give_back(plans)

    async def _unflip(self, ready: list[Ready]) -> None:
        """Fires flipped ahead that will not start here: deleted as if never claimed (see
        store.preclaims.unflip); if the database cannot be reached, a sweep or this runner's
        reconcile deals with them (abandoned, or started late exactly once)."""
        await self._unflip_ids([item[0].id for item in ready])

    async def _give_back(self, plans: list[Preclaim]) -> None:
        """Withdraw pre-claims this runner will not start: the usual claim takes their fires."""
        if not plans or self.lease is None:
            return
        await self._give_back_ids([p.run.id for p in plans])

    async def _give_back_all(self) -> None:
        """Stopping: every fire this runner pre-claimed (or flipped ahead) and did not start
        goes back."""
        if self._refilling is not None:  # its flip lands first: what it flipped goes back too
            await asyncio.gather(self._refilling, return_exceptions=True)
        self._plans.clear()
        self._usual_switch()
        ready = [link.item for link in self._relay.take()]  # no worker starts one from here on
        ready.extend(item for items in self._ready.values() for item in items)
        self._ready.clear()
        self._made.clear()
        self._contexts.clear()
        await self._relay_landed()
        if self.lease is None or not self._leased:
            return
        lease_id = self.lease.id
        if ready:
            ids = [item[0].id for item in ready]
            what = "give back fires flipped ahead"
            await self.calls.persist(what, unflip, self.store, lease_id, ids)
        await self.calls.persist("give back pre-claimed fires", withdraw_own, self.store, lease_id)

    async def _relay_landed(self) -> None:
        """Wait until the loop heard of every start a worker made from the relay (it is told
        with the next batch of results, at once as a rule; RELAY_LANDING seconds at most): their
        runs are then this runner's tasks, seen through like the others."""
        deadline = time.monotonic() + RELAY_LANDING
        while self._relay.in_flight() and time.monotonic() < deadline:
            await asyncio.sleep(0.001)

    def _flipped_ids(self) -> set[str]:
        """Runs this runner flipped ahead and has not started yet (running in the database),
        or is flipping now, or a worker started from the relay and the loop has not heard of."""
        ready = {item[0].id for items in self._ready.values() for item in items}
        return ready | self._flipping | self._relay.ids()

    async def _reconcile_ahead(self) -> None:
        """Pre-claims of this runner it does not hold in memory (the reply of a pre-claim lost
        with the connection) go back: nobody else would start them while its lease lives. No
        pre-claim is in flight here (the cycle makes them); a flip may be (_refill: a pre-claim
        it takes was in _plans when `known` was made, or is in _flipping)."""
        if self.lease is None:
            return
        known = {p.run.id for plans in self._plans.values() for p in plans} | self._flipping
        mine = await self.calls(owned, self.store, self.lease.id)
        stray = [i for i in mine if i not in known]
        if stray:
            await self._give_back_ids(stray)

    async def _give_back_ids(self, ids: list[str]) -> None:
        assert self.lease is not None
        lease_id = self.lease.id
        await self.calls.persist(
            "give back pre-claimed fires", withdraw_own, self.store, lease_id, ids
        )
        self._recheck = True
