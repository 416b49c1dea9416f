"""Run statuses and triggers: one vocabulary, and ONE table of how each looks (icon, colour, label).

Every screen and the CLI draw a status from `look(status)`; nobody keeps a map of their own. The
enums are `StrEnum`s, so `run.status == "failed"` and the stored text keep working while the rest
of the code moves to `RunStatus.FAILED`. Colours are Textual theme variable names (without `$`),
so every theme works; nothing here imports Textual.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class RunStatus(StrEnum):
    PENDING = "pending"  # waiting: a queued fire (overlap=queue, catchup=all) or a retry's backoff
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    TIMED_OUT = "timed_out"
    SKIPPED = "skipped"  # overlap=skip while the previous run still ran
    MISSED = "missed"  # not fired: downtime, catch-up policy
    ABANDONED = "abandoned"  # its runner died
    CANCELLED = "cancelled"  # overlap=replace, or stopped at shutdown


class Trigger(StrEnum):
    SCHEDULE = "schedule"
    MANUAL = "manual"
    CATCHUP = "catchup"
    RETRY = "retry"
    BACKFILL = "backfill"  # `tickwork backfill`: fires of a past window, run on request


OPEN_STATUSES = frozenset({RunStatus.PENDING, RunStatus.RUNNING})
FAILED_STATUSES = frozenset({RunStatus.FAILED, RunStatus.TIMED_OUT, RunStatus.ABANDONED})


@dataclass(frozen=True)
class Look:
    """How a status (or trigger) is drawn: a one-cell icon, a theme colour, a word or two."""

    icon: str
    colour: str  # a Textual theme variable: success, error, warning, accent, ...
    label: str
    bold: bool = False

    @property
    def markup(self) -> str:
        """The colour as Textual markup: '$error'."""
        return "$" + self.colour

    def text(self) -> str:
        """'✗ failed'."""
        return f"{self.icon} {self.label}"


LOOKS: dict[RunStatus, Look] = {
    RunStatus.PENDING: Look("…", "foreground-muted", "pending"),
    RunStatus.RUNNING: Look("▶", "accent", "running", bold=True),
    RunStatus.SUCCEEDED: Look("✓", "success", "succeeded"),
    RunStatus.FAILED: Look("✗", "error", "failed", bold=True),
    RunStatus.TIMED_OUT: Look("◷", "error", "timed out", bold=True),
    RunStatus.SKIPPED: Look("↷", "foreground-muted", "skipped"),
    RunStatus.MISSED: Look("◌", "warning", "missed"),
    RunStatus.ABANDONED: Look("⊗", "error", "abandoned", bold=True),
    RunStatus.CANCELLED: Look("⊘", "foreground-muted", "cancelled"),
}
TRIGGER_LOOKS: dict[Trigger, Look] = {
    Trigger.SCHEDULE: Look("◆", "primary", "schedule"),
    Trigger.MANUAL: Look("▷", "secondary", "manual"),
    Trigger.CATCHUP: Look("↺", "warning", "catch-up"),
    Trigger.RETRY: Look("↻", "warning", "retry"),
    Trigger.BACKFILL: Look("⇤", "secondary", "backfill"),
}
NEVER_RUN = Look("·", "foreground-muted", "never run")
UNKNOWN = Look("?", "foreground-muted", "unknown")


def look(status: str | None) -> Look:
    """The look of a run status; None is a schedule that never ran."""
    if status is None:
        return NEVER_RUN
    try:
        return LOOKS[RunStatus(status)]
    except ValueError:
        return Look(UNKNOWN.icon, UNKNOWN.colour, status.replace("_", " "))


def trigger_look(trigger: str) -> Look:
    try:
        return TRIGGER_LOOKS[Trigger(trigger)]
    except ValueError:
        return Look(UNKNOWN.icon, UNKNOWN.colour, trigger)


def is_failure(status: str | None) -> bool:
    return status in FAILED_STATUSES
