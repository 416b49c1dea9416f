"""Group commit of what runs did: outcomes (and the pids of commands) written together.

A run that ends hands its outcome to the recorder and waits for it to be written (the retry it
calls for comes back). The outcomes that end while a write is under way go in the next one: a
herd that ends at once is a few transactions, not one per run; a lone run is written at once,
as before. Nothing is written later than it would have been: a crash loses only what had not
been written yet, and those runs stay `running` under a dead lease and are abandoned by the
next runner, as when a runner dies mid-run.

A batch that fails for another reason than a lock (which is waited out) is written again one
outcome at a time, each retried until written (store.outcomes.finish): one bad record never
holds up the others.
"""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import datetime

from tickwork.domain.runs import Run
from tickwork.runner.storecalls import StoreCalls
from tickwork.store import Store, StoreError, outcomes
from tickwork.store.outcomes import Ended, OutcomeLike

BATCH = 500  # outcomes per transaction at most


class Recorder:
    def __init__(self, calls: StoreCalls, store: Store) -> None:
        self.calls = calls
        self.store = store
        self._ended: list[tuple[Ended, asyncio.Future[Run | None]]] = []
        self._pids: list[tuple[str, int]] = []
        self._writer: asyncio.Task[None] | None = None
        self.transactions = 0  # batches written (tests and benchmarks look)

    def finish(self, run: Run, outcome: OutcomeLike, now: datetime) -> asyncio.Future[Run | None]:
        """Record how `run` ended; the future gets the retry it called for (or None), or the
        error that stopped it from being written (Halted, or a StoreError when stopping)."""
        fut: asyncio.Future[Run | None] = asyncio.get_running_loop().create_future()
        self._ended.append(((run, outcome, now), fut))
        self._kick()
        return fut

    def pid(self, run_id: str, pid: int) -> None:
        """A command's process group (found and stopped after a crash): written with the next
        batch, best effort."""
        self._pids.append((run_id, pid))
        self._kick()

    def _kick(self) -> None:
        if self._writer is None or self._writer.done():
            self._writer = asyncio.ensure_future(self._drain())

    async def _drain(self) -> None:
        # (This task runs from the loop's next turn on: what else ended meanwhile joins.)
        while self._ended or self._pids:
            batch, self._ended = self._ended[:BATCH], self._ended[BATCH:]
            pids, self._pids = self._pids, []
            try:
                await self._write(batch, pids)
            finally:
                for _, fut in batch:  # cancelled (the loop is closing): nobody waits any more
                    if not fut.done():
                        fut.cancel()

    async def _write(
        self, batch: list[tuple[Ended, asyncio.Future[Run | None]]], pids: list[tuple[str, int]]
    ) -> None:
        ended = [e for e, _ in batch]
        what = f"record {len(ended)} outcomes" if len(ended) != 1 else f"record {ended[0][0].id}"
        try:
            retries = await self.calls.call(
                what, False, outcomes.finish_many, self.store, ended, pids
            )
        except (StoreError, sqlite3.Error):
            await self._one_by_one(batch, pids)
            return
        except Exception as exc:  # Halted: every waiter is told
            for _, fut in batch:
                fut.set_exception(exc)
            return
        self.transactions += 1
        for (_, fut), retry in zip(batch, retries, strict=True):
            fut.set_result(retry)

    async def _one_by_one(
        self, batch: list[tuple[Ended, asyncio.Future[Run | None]]], pids: list[tuple[str, int]]
    ) -> None:
        for run_id, pid in pids:
            try:
                await self.calls.call(
                    f"record pid {pid} of {run_id}",
                    False,
                    self.store.runs.update,
                    run_id,
                    {"pid": pid},
                )
            except (StoreError, sqlite3.Error) as exc:  # best effort: for orphan cleanup
                self.calls.report("pid", f"could not record pid {pid} of {run_id}: {exc}")
        for (run, outcome, now), fut in batch:
            try:
                retry = await self.calls.persist(
                    f"record the outcome of {run.id}",
                    outcomes.finish,
                    self.store,
                    run,
                    outcome,
                    now,
                )
            except Exception as exc:
                fut.set_exception(exc)
            else:
                fut.set_result(retry)
