"""Is this runner healthy? For /healthz and the systemd watchdog.

Healthy means: it holds its lease (a heartbeat was written and the lease has not expired by the
runner's clock, and it is active or on standby, not starting or stopping) and the database
answered within the last heartbeat interval (plus one loop tick of slack: an active runner
reads the database every tick, a standby one at every heartbeat).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from tickwork.domain.timeutil import iso_ms
from tickwork.runner.service import Runner

SERVING_STATES = ("active", "standby")


@dataclass(frozen=True)
class Health:
    ok: bool
    state: str
    reasons: list[str] = field(default_factory=list)
    lease_id: str | None = None
    lease_expires_at: str | None = None
    db_contact_age: float | None = None  # seconds since the database last answered
    runs_in_flight: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "status": "ok" if self.ok else "unhealthy",
            "reasons": self.reasons,
            "state": self.state,
            "lease_id": self.lease_id,
            "lease_expires_at": self.lease_expires_at,
            "db_contact_age_seconds": (
                None if self.db_contact_age is None else round(self.db_contact_age, 3)
            ),
            "runs_in_flight": self.runs_in_flight,
        }


def check(runner: Runner, *, mono: float | None = None) -> Health:
    """The runner's health now (`mono`: time.monotonic(), injectable for tests)."""
    now = time.monotonic() if mono is None else mono
    reasons: list[str] = []
    lease = runner.lease
    if runner.state not in SERVING_STATES:
        reasons.append(f"runner is {runner.state}, not active or standby")
    elif lease is None or lease.expires_at <= runner.clock():
        expired = iso_ms(lease.expires_at) if lease is not None else None
        reasons.append(
            f"runner does not hold its lease (expired at {expired})"
            if lease is not None and lease.expires_at > lease.started_at
            else "runner has not written its first heartbeat yet"
        )
    if runner.fenced:
        reasons.append(
            "runner fenced itself: it could not renew its lease in time, so it claims nothing "
            "and stopped its actions until it renews it"
        )
    window = runner.heartbeat + runner.tick
    contact = runner.last_db_contact
    age = None if contact is None else max(0.0, now - contact)
    if age is None:
        reasons.append("the database has not answered yet")
    elif age > window:
        reasons.append(
            f"the database last answered {age:.1f}s ago (more than the heartbeat interval, "
            f"{window:g}s): locked, unreachable or the runner is stuck"
        )
    return Health(
        ok=not reasons,
        state=runner.state,
        reasons=reasons,
        lease_id=lease.id if lease is not None else None,
        lease_expires_at=iso_ms(lease.expires_at) if lease is not None else None,
        db_contact_age=age,
        runs_in_flight=runner.running,
    )


def first_heartbeat_done(runner: Runner) -> bool:
    """Whether the runner has written a heartbeat (a fresh lease expires when it starts)."""
    lease = runner.lease
    return lease is not None and lease.expires_at > lease.started_at
