"""What an action is told about its run: the JSON payload and the command environment."""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tickwork.domain.model import Schedule
from tickwork.domain.runs import Run


@dataclass(frozen=True)
class RunContext:
    """One attempt of one fire of a schedule.

    Each attempt has its own ``run_id``; ``webhook_id`` stays the same across the retries of
    one fire (the first attempt's run id) so receivers can deduplicate. When it is not given,
    :attr:`message_id` falls back to ``run_id``.
    """

    schedule_id: str
    schedule_name: str
    run_id: str
    scheduled_for: datetime
    attempt: int
    timezone: str
    last_run_at: datetime | None = None
    external_id: str | None = None
    upcoming: tuple[datetime, ...] = ()
    signing_secret: str | None = None
    webhook_id: str | None = None
    inherit_env: bool = False  # start commands from the runner's environment, not cron's

    @property
    def message_id(self) -> str:
        """The Standard Webhooks ``webhook-id``: stable across retries of one fire."""
        return self.webhook_id or self.run_id

    @functools.cached_property
    def payload(self) -> dict[str, Any]:
        """build_payload(self), made once (a herd's runner makes it before the instant)."""
        return build_payload(self)


def context_for(
    schedule: Schedule,
    run: Run,
    *,
    upcoming: tuple[datetime, ...] = (),
    webhook_id: str | None = None,
    inherit_env: bool = False,
) -> RunContext:
    """The context of one attempt of one fire of `schedule` (``inherit_env``: the runner's
    `--inherit-env`, for every schedule; each schedule can also ask for it)."""
    return RunContext(
        schedule_id=schedule.id,
        schedule_name=schedule.name,
        run_id=run.id,
        scheduled_for=run.scheduled_for,
        attempt=run.attempt,
        timezone=schedule.timezone,
        last_run_at=schedule.last_run_at,
        external_id=schedule.external_id,
        upcoming=upcoming,
        signing_secret=schedule.signing_secret,
        webhook_id=webhook_id or run.webhook_id,
        inherit_env=inherit_env or schedule.inherit_env,
    )


def _iso(dt: datetime) -> str:
    """ISO 8601 in UTC, whole seconds: '2026-04-21T23:00:00+00:00' (naive = UTC)."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).isoformat(timespec="seconds")


def build_payload(ctx: RunContext) -> dict[str, Any]:
    """The JSON document sent to HTTP actions and passed to Python actions."""
    return {
        "schedule_id": ctx.schedule_id,
        "run_id": ctx.run_id,
        "scheduled_for": _iso(ctx.scheduled_for),
        "last_run_at": _iso(ctx.last_run_at) if ctx.last_run_at is not None else None,
        "external_id": ctx.external_id,
        "timezone": ctx.timezone,
        "upcoming": [_iso(t) for t in ctx.upcoming],
        "attempt": ctx.attempt,
        "schedule_name": ctx.schedule_name,
    }


def command_env(ctx: RunContext) -> dict[str, str]:
    """The TICKWORK_* variables added to a command's environment (empty string = none)."""
    return {
        "TICKWORK_SCHEDULE_ID": ctx.schedule_id,
        "TICKWORK_RUN_ID": ctx.run_id,
        "TICKWORK_SCHEDULED_FOR": _iso(ctx.scheduled_for),
        "TICKWORK_LAST_RUN_AT": _iso(ctx.last_run_at) if ctx.last_run_at is not None else "",
        "TICKWORK_EXTERNAL_ID": ctx.external_id or "",
        "TICKWORK_ATTEMPT": str(ctx.attempt),
        "TICKWORK_SCHEDULE_NAME": ctx.schedule_name,
    }


MINIMAL_PATH = "/usr/bin:/bin"  # classic cron's


def _account() -> tuple[str, str]:
    """(home, login name) of the user running tickwork, from the password database (looked up
    once per user id, not once per command)."""
    try:
        return _entry(os.geteuid())
    except (ImportError, KeyError, AttributeError):
        home = os.environ.get("HOME") or os.path.expanduser("~")
        return home, os.environ.get("LOGNAME") or os.environ.get("USER") or ""


@functools.lru_cache(maxsize=4)
def _entry(uid: int) -> tuple[str, str]:
    import pwd

    entry = pwd.getpwuid(uid)
    return entry.pw_dir, entry.pw_name


def base_env(inherit: bool, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """What a command starts from, before the schedule's env and the TICKWORK_* run variables.

    By default a minimal environment, as classic cron gives its jobs: HOME, LOGNAME, USER,
    PATH=/usr/bin:/bin and SHELL=/bin/sh; nothing of the runner's own (its secrets, its
    TICKWORK_DB). ``inherit``: the runner's environment instead, still without tickwork's
    own configuration (every TICKWORK_* variable: the database, the serve token).
    """
    source = os.environ if environ is None else environ
    if inherit:
        return {k: v for k, v in source.items() if not k.startswith("TICKWORK_")}
    home, user = _account()
    env = {"HOME": home, "PATH": MINIMAL_PATH, "SHELL": "/bin/sh"}
    if user:
        env.update(LOGNAME=user, USER=user)
    return env
