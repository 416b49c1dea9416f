"""One clear line on stderr for every known failure; exit 1 (usage errors exit 2)."""

from __future__ import annotations

from typing import IO, Any

import click

from tickwork.domain.errors import InvalidSchedule, NotAllowed, ScheduleNotFound
from tickwork.store.db import StoreError, is_busy
from tickwork.store.faults import CONFLICTS

# Input field -> the CLI option that sets it, so messages name what the user typed.
OPTION_FOR_FIELD = {
    "name": "NAME",
    "cron": "--cron",
    "every": "--every",
    "time_of_day": "--at",
    "days_of_week": "--days",
    "timezone": "--tz",
    "action": "--command/--url/--call",
    "command": "--command",
    "cwd": "--cwd",
    "env": "--env",
    "url": "--url",
    "method": "--method",
    "headers": "--header",
    "body": "--body",
    "target": "--call",
    "description": "--description",
    "max_runs": "--max-runs",
    "end_at": "--end-at",
    "deduplication_key": "--dedup-key",
    "external_id": "--external-id",
    "timeout_seconds": "--timeout",
    "retries": "--retries",
    "retry_backoff_seconds": "--backoff",
    "overlap": "--overlap",
    "catchup": "--catchup",
    "jitter_seconds": "--jitter",
    "pause_after_failures": "--pause-after-failures",
    "max_duration_warning": "--max-duration-warning",
    "signing_secret": "--signing-secret",
    "on_failure": "--on-failure",
    "on_success": "--on-success",
    "on_recovery": "--on-recovery",
}


class CliError(click.ClickException):
    exit_code = 1

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"error: {self.message}", err=True)


def describe_invalid(exc: InvalidSchedule, option_for: dict[str, str] | None = None) -> str:
    """The first error as one line: `--cron "61 * * * *": minute 61 is out of range 0-59`."""
    names = option_for or OPTION_FOR_FIELD
    e = exc.errors[0]
    label = names.get(e.field, e.field)
    if not isinstance(e.value, str) or not e.value or len(e.value) > 200:
        return f"{label}: {e.message}"
    value = e.value.encode("utf-8", "backslashreplace").decode()
    if any(ch < " " or ch == "\x7f" for ch in value):
        value = repr(value)[1:-1]
    return f'{label} "{value}": {e.message}'


def translate(exc: BaseException) -> CliError | None:
    if isinstance(exc, InvalidSchedule):
        return CliError(describe_invalid(exc))
    if is_busy(exc):
        return CliError(
            "the database is locked by another process (a long write?); nothing was changed: "
            "try again in a moment"
        )
    if isinstance(exc, UnicodeEncodeError):  # an undecodable byte in an argument (a REF, a path)
        return CliError(
            "an argument is not valid UTF-8 text (an undecodable byte?): check its encoding; "
            "nothing was changed"
        )
    if isinstance(exc, CONFLICTS):
        return CliError(f"the database refused the change ({exc}); nothing was written")
    if isinstance(exc, (ScheduleNotFound, NotAllowed, StoreError)):
        text = str(exc)
        if len(text) > 1 and text[0] == text[-1] and text[0] in "'\"":
            text = text[1:-1]  # only a message wrapped whole in quotes (KeyError style)
        return CliError(text)
    return None
