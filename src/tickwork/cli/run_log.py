"""The headless runner's log on stdout: one line per runner event (text or JSON), lines of
the runner's own, gathered and flushed together while its loop runs."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Callable

import click

from tickwork.domain.secrets import mask_text
from tickwork.domain.timeutil import iso_ms, utcnow


def event_line(event: object, fmt: str) -> str:
    """One log line per runner event (text or JSON)."""
    from tickwork.runner import RunEvent

    assert isinstance(event, RunEvent)
    run = event.run
    now = utcnow()
    detail = mask_text(event.detail) if event.detail else event.detail  # never a credential
    if fmt == "json":
        data = {
            "ts": iso_ms(now),
            "event": event.kind,
            "run_id": run.id,
            "schedule_id": run.schedule_id,
            "schedule": event.schedule_name,
            "scheduled_for": iso_ms(run.scheduled_for),
            "attempt": run.attempt,
            "trigger": run.trigger if run.id != "-" else None,  # a note is no run
            "exit_code": run.exit_code,
            "http_status": run.http_status,
            "duration": run.duration,
            "detail": detail,
        }
        return json.dumps({k: v for k, v in data.items() if v is not None})
    parts = [iso_ms(now) or "", f"{event.kind:<9}"]
    if run.id != "-":
        parts += [
            run.id,
            f"schedule={event.schedule_name!r}",
            f"for={iso_ms(run.scheduled_for)}",
            f"attempt={run.attempt}",
            f"trigger={run.trigger}",
        ]
    if run.exit_code is not None:
        parts.append(f"exit={run.exit_code}")
    if run.http_status is not None:
        parts.append(f"http={run.http_status}")
    if run.duration is not None and event.kind not in ("claimed", "started"):
        parts.append(f"duration={run.duration:.3f}s")
    if detail:
        parts.append(f"- {detail}")
    return " ".join(parts)


class Output:
    """The runner's log on stdout. A closed stdout (`tickwork run | head`) stops the runner
    cleanly, once, with no traceback: later lines go nowhere.

    Event lines (`event`) written while the runner's loop runs are gathered and written with
    one flush when the loop is next idle (`defer`: its call_soon), not one flush per line: a
    herd of fires logs thousands of lines at once. Every other line flushes them first."""

    def __init__(self) -> None:
        self.closed = False
        self.on_closed: Callable[[], object] | None = None
        self.defer: Callable[[Callable[[], None]], object] | None = None
        self._pending: list[str] = []

    def event(self, text: str) -> None:
        if self.defer is None or self.closed:
            self.line(text)
            return
        if not self._pending:
            self.defer(self.flush)
        self._pending.append(text)

    def flush(self) -> None:
        if self._pending:
            lines, self._pending = self._pending, []
            self._write("\n".join(lines))

    def line(self, text: str) -> None:
        self.flush()
        self._write(text)

    def _write(self, text: str) -> None:
        if self.closed:
            return
        try:
            click.echo(text)
            sys.stdout.flush()
        except (BrokenPipeError, ValueError, OSError):
            self.closed = True
            with contextlib.suppress(OSError):  # nothing more reaches the pipe, not even at exit
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, sys.stdout.fileno())
                os.close(devnull)
            if self.on_closed is not None:
                self.on_closed()


STDOUT = Output()


def log_sync(result: object, fmt: str, *, quiet: bool = False) -> None:
    """One log line per sync outcome (a SyncResult or a SyncError); quiet: not for no-ops."""
    from tickwork.exchange.declarative import SyncError, SyncResult

    if isinstance(result, SyncResult) and quiet and not result.changes:
        return
    if isinstance(result, SyncResult):
        text, event = result.summary(), "synced"
    else:
        assert isinstance(result, SyncError)
        text, event = "; ".join(result.lines()), "sync_failed"
    log_line(text, fmt, event)


def log_line(text: str, fmt: str, event: str = "runner") -> None:
    """A line of the runner's own (not of a run), text or JSON."""
    now = iso_ms(utcnow())
    if fmt == "json":
        STDOUT.line(json.dumps({"ts": now, "event": event, "detail": text}))
    else:
        STDOUT.line(f"{now} {event:<9} {text}")
