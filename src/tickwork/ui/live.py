"""What the status bar shows, read from the store in one go (no Textual; call it off the loop)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime

from tickwork.domain.runs import FAILED_STATUSES, RunnerLease
from tickwork.store import Store
from tickwork.ui.format import shown_location

_FAILING_SQL = "SELECT count(*) FROM schedules WHERE last_status IN ({})".format(
    ", ".join("?" for _ in FAILED_STATUSES)
)


# What the status bar says of the runner when it is narrow.
SHORT_RUNNER = {
    "active": "runner active",
    "standby": "runner standby",
    "starting": "runner starting",
    "headless": "headless runner",
    "off": "no runner",
    "stopped": "runner stopped",
}


@dataclass(frozen=True)
class Counts:
    active: int = 0
    paused: int = 0
    failing: int = 0


@dataclass(frozen=True)
class StatusInfo:
    """Everything the always-visible status bar says."""

    db_path: str = ""
    runner_kind: str = "off"  # active | standby | starting | headless | off | stopped | stopping
    runner_text: str = "no runner"
    counts: Counts = field(default_factory=Counts)
    times: str = "schedule zone"  # the clock times are shown on (z changes it)
    runner_short: str = "no runner"


def read_counts(store: Store) -> Counts:
    by_state = store.counts()
    failing = int(store.query(_FAILING_SQL, tuple(sorted(FAILED_STATUSES)))[0][0])
    return Counts(by_state["active"], by_state["paused"], failing)


def read_leases(store: Store, now: datetime) -> list[RunnerLease]:
    return store.leases.alive(now)


def runner_status(
    embedded_state: str | None, leases: list[RunnerLease], *, enabled: bool
) -> tuple[str, str]:
    """(kind, text) for the status bar from the embedded runner's state and the live leases."""
    headless = next((lease for lease in leases if lease.mode == "headless"), None)
    others = [lease for lease in leases if lease.mode == "embedded" and lease.pid != os.getpid()]
    if enabled and embedded_state == "active":
        return "active", "embedded runner active"
    if enabled and embedded_state == "standby":
        if headless is not None:
            return "standby", (
                f"standby: headless runner on {headless.host} pid {headless.pid} alive"
            )
        return "standby", "embedded runner on standby"
    if enabled and embedded_state in (None, "starting"):
        return "starting", "embedded runner starting…"
    if headless is not None:
        return "headless", f"headless runner on {headless.host} pid {headless.pid}"
    if others:
        return "headless", f"runner in another UI on {others[0].host} pid {others[0].pid}"
    if enabled and embedded_state == "stopped":
        return "stopped", "runner stopped"
    return "off", "no runner"


class Monitor:
    """What changed in the database since the last look. `read()` blocks: call it off the loop."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.version: int | None = None
        self.counts = Counts()
        self.leases: list[RunnerLease] = []

    def read(self, now: datetime, force: bool = False) -> bool:
        """Refresh counts and leases; True when another connection committed since last time."""
        version = self.store.content_version()
        changed = self.version is not None and version != self.version
        if force or version != self.version:
            self.counts = read_counts(self.store)
        self.leases = read_leases(self.store, now)
        self.version = version
        return changed

    def status(
        self, embedded_state: str | None, *, runner_enabled: bool, times: str = "schedule zone"
    ) -> StatusInfo:
        kind, text = runner_status(embedded_state, self.leases, enabled=runner_enabled)
        short = SHORT_RUNNER.get(kind, text)
        return StatusInfo(shown_location(self.store.target), kind, text, self.counts, times, short)
