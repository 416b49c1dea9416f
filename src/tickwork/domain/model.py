"""The schedule model: plain dataclasses and their JSON form (field names are the contract)."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from typing import Any, Literal

from tickwork.domain.secrets import mask_pairs, mask_secret, mask_text, mask_url
from tickwork.domain.status import RunStatus
from tickwork.domain.timeutil import iso

ScheduleType = Literal["IMPERATIVE", "DECLARATIVE"]
GeneratorType = Literal["CRON", "INTERVAL"]
OVERLAP_POLICIES = ("skip", "allow", "queue", "replace")
CATCHUP_POLICIES = ("latest", "skip", "all")
HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
HOOK_FIELDS = ("on_failure", "on_success", "on_recovery")

DEFAULT_TIMEOUT_SECONDS = 3600
DEFAULT_RETRY_BACKOFF_SECONDS = 10


@dataclass(frozen=True)
class Generator:
    type: GeneratorType
    expression: str
    description: str

    def to_json(self) -> dict[str, Any]:
        return {"type": self.type, "expression": self.expression, "description": self.description}


@dataclass(frozen=True)
class CommandAction:
    command: str
    cwd: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    kind: Literal["command"] = "command"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "command": self.command}
        if self.cwd is not None:
            out["cwd"] = self.cwd
        if self.env:
            out["env"] = dict(self.env)
        return out

    def summary(self) -> str:
        return self.command

    def masked(self) -> CommandAction:
        command, env = mask_text(self.command), mask_pairs(self.env)
        if command == self.command and env == self.env:
            return self
        return replace(self, command=command, env=env)


@dataclass(frozen=True)
class HttpAction:
    url: str
    method: str = "POST"
    headers: dict[str, str] = field(default_factory=dict)
    body: str | None = None
    kind: Literal["http"] = "http"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "method": self.method, "url": self.url}
        if self.headers:
            out["headers"] = dict(self.headers)
        if self.body is not None:
            out["body"] = self.body
        return out

    def summary(self) -> str:
        return f"{self.method} {self.url}"

    def masked(self) -> HttpAction:
        url, headers = mask_url(self.url), mask_pairs(self.headers)
        if url == self.url and headers == self.headers:
            return self
        return replace(self, url=url, headers=headers)


@dataclass(frozen=True)
class PythonAction:
    target: str
    kind: Literal["python"] = "python"

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "target": self.target}

    def summary(self) -> str:
        return f"call {self.target}"

    def masked(self) -> PythonAction:
        return self


Action = CommandAction | HttpAction | PythonAction


def action_from_json(data: dict[str, Any]) -> Action:
    """Rebuild a stored (already validated) action."""
    kind = data.get("kind")
    if kind == "command":
        return CommandAction(
            command=data["command"], cwd=data.get("cwd"), env=dict(data.get("env") or {})
        )
    if kind == "http":
        return HttpAction(
            url=data["url"],
            method=data.get("method", "POST"),
            headers=dict(data.get("headers") or {}),
            body=data.get("body"),
        )
    if kind == "python":
        return PythonAction(target=data["target"])
    raise ValueError(f"unknown action kind {kind!r}")


@dataclass(frozen=True)
class Policies:
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    retries: int = 0
    retry_backoff_seconds: float = DEFAULT_RETRY_BACKOFF_SECONDS
    overlap: str = "skip"
    catchup: str = "latest"
    jitter_seconds: float = 0
    # Failure policies (None = off): pause after N consecutive failed fires; a `slow` event
    # when a run is still going after S seconds (it keeps running: the timeout stops it).
    pause_after_failures: int | None = None
    max_duration_warning: float | None = None


POLICY_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Policies))
# The input keys of each action kind (besides "kind").
ACTION_FIELDS: dict[str, tuple[str, ...]] = {
    "command": ("command", "cwd", "env"),
    "http": ("url", "method", "headers", "body"),
    "python": ("target",),
}


@dataclass(frozen=True)
class Schedule:
    """One schedule as stored. Times are aware UTC datetimes."""

    id: str
    name: str
    generator: Generator
    timezone: str
    action: Action
    created_at: datetime
    updated_at: datetime
    anchor_at: datetime
    description: str | None = None
    type: ScheduleType = "IMPERATIVE"
    active: bool = True
    time_of_day: str | None = None
    days_of_week: tuple[int, ...] | None = None
    next_run_at: datetime | None = None
    last_run_at: datetime | None = None
    run_count: int = 0
    max_runs: int | None = None
    end_at: datetime | None = None
    deduplication_key: str | None = None
    external_id: str | None = None
    policies: Policies = field(default_factory=Policies)
    status_reason: str | None = None
    declared_in: str | None = None
    last_status: RunStatus | None = None
    signing_secret: str | None = None
    declared_key: str | None = None  # the [schedules.KEY] of a DECLARATIVE schedule's file
    declared_project: str | None = None  # the file's `project = "NAME"` (see exchange.identity)
    on_failure: str | None = None  # notification hooks: a shell command or an http(s) URL
    on_success: str | None = None
    on_recovery: str | None = None
    consecutive_failures: int = 0  # failed fires in a row (state, like run_count)
    inherit_env: bool = False  # commands and hooks get the runner's environment, not cron's

    @property
    def expression(self) -> str:
        return self.generator.expression

    @property
    def state(self) -> str:
        return "active" if self.active else "paused"

    def with_changes(self, **changes: Any) -> Schedule:
        return replace(self, **changes)

    def masked(self) -> Schedule:
        """THE view of a schedule: every secret masked (see tickwork.domain.secrets)."""
        hooks: dict[str, str | None] = {}
        for key in HOOK_FIELDS:
            value = getattr(self, key)
            hooks[key] = mask_text(value) if value else value
        return self.with_changes(
            action=self.action.masked(), signing_secret=mask_secret(self.signing_secret), **hooks
        )

    def to_json(self, *, show_secrets: bool = False) -> dict[str, Any]:
        """The public JSON object (used by --json and exports); secrets masked unless
        ``show_secrets`` (an export the user means to keep)."""
        if not show_secrets:
            return self.masked().to_json(show_secrets=True)
        p = self.policies
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "type": self.type,
            "active": self.active,
            "generator": self.generator.to_json(),
            "time_of_day": self.time_of_day,
            "days_of_week": list(self.days_of_week) if self.days_of_week is not None else None,
            "timezone": self.timezone,
            "next_run_at": iso(self.next_run_at),
            "last_run_at": iso(self.last_run_at),
            "run_count": self.run_count,
            "max_runs": self.max_runs,
            "end_at": iso(self.end_at),
            "deduplication_key": self.deduplication_key,
            "external_id": self.external_id,
            "action": self.action.to_json(),
            "timeout_seconds": p.timeout_seconds,
            "retries": p.retries,
            "retry_backoff_seconds": p.retry_backoff_seconds,
            "overlap": p.overlap,
            "catchup": p.catchup,
            "jitter_seconds": p.jitter_seconds,
            "pause_after_failures": p.pause_after_failures,
            "max_duration_warning": p.max_duration_warning,
            "on_failure": self.on_failure,
            "on_success": self.on_success,
            "on_recovery": self.on_recovery,
            "inherit_env": self.inherit_env,
            "declared_in": self.declared_in,
            "declared_key": self.declared_key,
            "declared_project": self.declared_project,
            "status_reason": self.status_reason,
            "last_status": self.last_status,
            "consecutive_failures": self.consecutive_failures,
            "signing_secret": self.signing_secret,
            "created_at": iso(self.created_at),
            "updated_at": iso(self.updated_at),
        }
