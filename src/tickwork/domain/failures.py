"""Failure policies as pure decisions: pause after N consecutive failed fires, slow runs.

A *fire* is judged by its final attempt: an attempt that a retry follows is not a failed fire
yet. A fire that succeeds resets the count; skipped, missed and cancelled fires leave it alone
(they say nothing about whether the job works). Manual runs (trigger, run now) are tests and
are not counted; backfill fires are.
"""

from __future__ import annotations

from dataclasses import dataclass

from tickwork.domain.runs import FAILED_STATUSES
from tickwork.domain.status import RunStatus

PAUSED_BY_FAILURES = "paused after"  # how a status_reason written by this policy starts


@dataclass(frozen=True)
class FireVerdict:
    consecutive_failures: int  # the count after this fire
    pause: bool  # the schedule pauses itself now


def judge_fire(
    pause_after_failures: int | None, consecutive_failures: int, status: RunStatus, *, final: bool
) -> FireVerdict:
    """The schedule's failure count after one attempt ended with `status`, and whether its
    pause_after_failures policy pauses it now. `final`: no retry follows this attempt."""
    if status == RunStatus.SUCCEEDED:
        return FireVerdict(0, False)
    if status not in FAILED_STATUSES or not final:
        return FireVerdict(consecutive_failures, False)
    count = consecutive_failures + 1
    limit = pause_after_failures
    return FireVerdict(count, limit is not None and count >= limit)


def pause_reason(count: int, run_id: str, status: str) -> str:
    """The status_reason of a schedule the policy paused: why, and the run that tipped it."""
    fires = "fire" if count == 1 else "fires"
    return (
        f"{PAUSED_BY_FAILURES} {count} consecutive failed {fires} (pause_after_failures); "
        f"the last was run {run_id} ({status}): fix it, then resume"
    )


def paused_by_failures(status_reason: str | None) -> bool:
    return bool(status_reason) and str(status_reason).startswith(PAUSED_BY_FAILURES)


def is_slow(max_duration_warning: float | None, elapsed_seconds: float | None) -> bool:
    """Whether a run that went (or has been going) `elapsed_seconds` is past the schedule's
    max_duration_warning: what the runner's `slow` event says, and the UI marks."""
    limit = max_duration_warning
    return limit is not None and elapsed_seconds is not None and elapsed_seconds >= limit
