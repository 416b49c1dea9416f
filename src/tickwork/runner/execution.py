"""Running one claimed run: its action, then its outcome recorded (retried until it is),
then the hooks. Nothing here is ever cancelled once the action ended."""

from __future__ import annotations

import asyncio
import functools
import random
import sqlite3
import time
from dataclasses import replace
from datetime import datetime

from tickwork.domain import spec
from tickwork.domain.model import Schedule
from tickwork.domain.runs import Run
from tickwork.domain.status import RunStatus, Trigger
from tickwork.runner.actions import Launched, Outcome, execute
from tickwork.runner.base import RunnerBase
from tickwork.runner.failure_policies import slow_timer
from tickwork.runner.payload import RunContext, context_for
from tickwork.runner.storecalls import Halted
from tickwork.store import StoreError


class Execution(RunnerBase):
    def _start(
        self,
        run: Run,
        s: Schedule,
        upcoming: tuple[datetime, ...] | None = None,
        *,
        announced: bool = False,
        ctx: RunContext | None = None,
        launched: Launched | None = None,
    ) -> None:
        """Run `run` of `s` as a task; `upcoming` (the payload's next fires) when the claim
        computed them already; `announced`: the caller emits its "started" event (see
        _unannounced); `ctx`: what
        the action is told, when the caller made it already; `launched`: the action, started
        by the caller (actions.launch)."""
        task = asyncio.create_task(
            self._execute(run, s, upcoming, announced, ctx, launched),
            name=f"tickwork-run-{run.id}",
        )
        self.tasks[run.id] = task
        task.add_done_callback(functools.partial(self._finished, run.id))

    def _finished(self, run_id: str, task: asyncio.Task[None]) -> None:
        self.tasks.pop(run_id, None)
        self._recording.discard(run_id)
        self._look_at(task, f"run {run_id}")
        self._freed()

    def _freed(self) -> None:
        """A slot is free: a held fire takes it, or the next cycle looks for due and queued
        work now."""
        if not self._slot_freed():
            self._recheck = True
            self._wake.set()

    def _slot_freed(self) -> bool:
        """Give a freed slot to a fire held for it (runner.held); True if fires are held."""
        return False

    async def _execute(
        self,
        run: Run,
        s: Schedule,
        upcoming: tuple[datetime, ...] | None = None,
        announced: bool = False,
        ctx: RunContext | None = None,
        launched: Launched | None = None,
    ) -> None:
        started = time.monotonic()  # a measurement (the run's duration), not a timer
        slow: asyncio.TimerHandle | None = None
        try:
            if s.policies.jitter_seconds and run.trigger in (Trigger.SCHEDULE, Trigger.CATCHUP):
                await self.sleep(random.uniform(0, float(s.policies.jitter_seconds)))
                run = replace(run, started_at=self.clock())  # when the action really starts
                await self.calls.persist(
                    f"record the start of {run.id}",
                    self.store.runs.update,
                    run.id,
                    {"started_at": run.started_at},
                )
                started = time.monotonic()
            if not announced:
                self._emit("started", run)
            slow = slow_timer(s, lambda: self._slow(run, s))  # max_duration_warning
            if ctx is None:
                if upcoming is None:
                    upcoming = tuple(spec.upcoming(s, self.clock(), 5)) if s.active else ()
                ctx = context_for(s, run, upcoming=upcoming, inherit_env=self.inherit_env)

            def on_start(pid: int) -> None:  # on the loop: written with the next outcomes
                self.recorder.pid(run.id, pid)

            outcome = await execute(
                s.action,
                ctx,
                timeout=float(s.policies.timeout_seconds),
                kill_grace=self.kill_grace,
                on_start=on_start,
                launched=launched,
            )
        except asyncio.CancelledError:
            status, reason = self._cancel_reasons.pop(run.id, (RunStatus.CANCELLED, "cancelled"))
            outcome = Outcome(status, time.monotonic() - started, error=reason)
        if slow is not None:
            slow.cancel()
        self._recording.add(run.id)  # the action ended: from now on only its record matters
        self._freed()
        if run.id in self._unannounced:  # its "started" before its outcome, whatever comes first
            self._unannounced.discard(run.id)
            self._emit("started", run)
        await self._record(run, s, outcome)

    async def _record(self, run: Run, s: Schedule, outcome: Outcome) -> None:
        """Record how the run ended (retried until written), then tell the hooks."""
        try:
            retry = await self.recorder.finish(run, outcome, self.clock())
        except Halted as exc:
            self._halt(exc)
            self._emit_note(f"the outcome of {run.id} ({outcome.status}) was not recorded: {exc}")
            return
        except (StoreError, sqlite3.Error) as exc:  # only when stopping: gave up
            self._emit_note(
                f"the outcome of {run.id} ({outcome.status}) could not be recorded ({exc}); "
                "the next runner will mark it abandoned"
            )
            return
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
        elif outcome.status != RunStatus.CANCELLED:  # the fire's final attempt: tell the hooks
            await self._notify(s, done, s.last_status)
