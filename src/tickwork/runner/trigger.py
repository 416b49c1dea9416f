"""Manual runs: `tickwork trigger` and the UI's "run now" go through the runner's own path."""

from __future__ import annotations

import asyncio

from tickwork.domain.runs import Run
from tickwork.domain.timeutil import Clock, utcnow
from tickwork.store import Store
from tickwork.store.claims import enqueue_manual


async def trigger_now(store: Store, schedule_id: str, *, clock: Clock = utcnow) -> Run:
    """Queue a manual run now (also while the schedule is paused); a live runner starts it."""
    return await asyncio.to_thread(enqueue_manual, store, schedule_id, clock())
