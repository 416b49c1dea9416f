"""The runner's side of the failure policies: noticing a pause, timing a slow run.

The decisions are the domain's (tickwork.domain.failures); the store pauses a schedule in the
transaction that records the fire's result. The runner only tells: a `paused` or `slow` event
(log line, metric) and the on_failure hook with TICKWORK_EVENT=paused / slow.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from tickwork.domain.failures import paused_by_failures
from tickwork.domain.model import Schedule
from tickwork.domain.runs import FAILED_STATUSES, Run
from tickwork.store import Store


def paused_by(store: Store, s: Schedule, run: Run) -> str | None:
    """The pause reason if this run's fire paused its schedule (the reason names the run);
    reads the schedule only when it has the policy and the run failed."""
    if s.policies.pause_after_failures is None or run.status not in FAILED_STATUSES:
        return None
    fresh = store.find(s.id)
    if fresh is None or fresh.active or not paused_by_failures(fresh.status_reason):
        return None
    reason = fresh.status_reason or ""
    return reason if f"run {run.id} " in reason else None


def slow_timer(s: Schedule, fire: Callable[[], None]) -> asyncio.TimerHandle | None:
    """Call `fire` once the run has been going max_duration_warning seconds (None: off)."""
    limit = s.policies.max_duration_warning
    if limit is None:
        return None
    return asyncio.get_running_loop().call_later(float(limit), fire)


def slow_detail(s: Schedule) -> str:
    limit = s.policies.max_duration_warning or 0
    return f"still running after {limit:g}s (max_duration_warning); it goes on until it ends"
