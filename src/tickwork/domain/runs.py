"""Runs (one fire of a schedule, one attempt) and runner leases, as plain dataclasses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tickwork.domain.status import (
    FAILED_STATUSES,
    OPEN_STATUSES,
    RunStatus,
    Trigger,
)
from tickwork.domain.timeutil import iso, iso_ms

__all__ = [
    "FAILED_STATUSES",
    "OPEN_STATUSES",
    "RUN_STATUSES",
    "Run",
    "RunStatus",
    "RunnerLease",
    "Trigger",
]

# The statuses and triggers, and how they look, live in tickwork.domain.status (one table).
RUN_STATUSES: tuple[str, ...] = tuple(s.value for s in RunStatus)


@dataclass(frozen=True)
class Run:
    id: str
    schedule_id: str
    scheduled_for: datetime
    attempt: int
    trigger: Trigger
    status: RunStatus
    created_at: datetime
    runner_id: str | None = None
    host: str | None = None
    pid: int | None = None
    not_before: datetime | None = None
    cancel_requested: bool = False
    webhook_id: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    duration: float | None = None
    exit_code: int | None = None
    http_status: int | None = None
    output: str | None = None
    error: str | None = None
    notify_error: str | None = None
    schedule_name: str | None = None  # joined in by list queries, not stored on the run

    @property
    def finished(self) -> bool:
        return self.status not in OPEN_STATUSES

    def to_json(self, *, with_output: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "schedule_id": self.schedule_id,
            "schedule_name": self.schedule_name,
            "scheduled_for": iso(self.scheduled_for),
            "attempt": self.attempt,
            "trigger": self.trigger,
            "status": self.status,
            "created_at": iso_ms(self.created_at),
            "started_at": iso_ms(self.started_at),
            "finished_at": iso_ms(self.finished_at),
            "duration": self.duration,
            "exit_code": self.exit_code,
            "http_status": self.http_status,
            "error": self.error,
            "notify_error": self.notify_error,
            "runner_id": self.runner_id,
            "host": self.host,
            "pid": self.pid,
        }
        if with_output:
            out["output"] = self.output
        return out


@dataclass(frozen=True)
class RunnerLease:
    id: str
    host: str
    pid: int
    mode: str  # "headless" | "embedded"
    state: str  # "active" (claiming) | "standby" (idle while a headless runner lives) | "stopping"
    started_at: datetime
    heartbeat_at: datetime
    expires_at: datetime

    def alive(self, now: datetime) -> bool:
        return self.expires_at > now
