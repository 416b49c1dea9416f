"""Notification hooks: call a schedule's on_failure / on_success / on_recovery after a run.

A hook is a string: ``http://`` or ``https://`` makes it a webhook (POST of a JSON body, signed
like the http action when the schedule has a signing secret), anything else a shell command
(run with ``/bin/sh -c`` and the run's details as ``TICKWORK_*`` variables). Which hooks fire:

* on_failure: the run ended failed, timed_out or abandoned;
* on_success: the run succeeded;
* on_recovery: the run succeeded and the schedule's previous finished run had failed.

A hook that fails never raises: :func:`notify` returns a one-line error, which the runner
records on the run's ``notify_error`` (failures of the notification are never lost silently).
The runner should call it once per finished fire, for the final attempt (not for an attempt
a retry follows), with ``previous_status`` = the schedule's ``last_status`` before this run.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx

from tickwork.domain.model import CommandAction, HttpAction, Schedule
from tickwork.domain.runs import FAILED_STATUSES, Run
from tickwork.domain.secrets import mask_text
from tickwork.domain.status import RunStatus
from tickwork.runner.actions import Outcome, execute
from tickwork.runner.payload import RunContext, context_for
from tickwork.store import Store

OUTPUT_TAIL = 4096  # characters of the run's output sent in a webhook body
ENV_OUTPUT_TAIL = 2048  # ... and given to a command in TICKWORK_OUTPUT_TAIL


def hooks_for(
    schedule: Schedule, run: Run, previous_status: str | None
) -> list[tuple[str, str, str]]:
    """(event, hook field, target) of each hook that applies to this finished run."""
    out: list[tuple[str, str, str]] = []
    if run.status in FAILED_STATUSES and schedule.on_failure:
        out.append(("failure", "on_failure", schedule.on_failure))
    if run.status == RunStatus.SUCCEEDED:
        if schedule.on_success:
            out.append(("success", "on_success", schedule.on_success))
        if previous_status in FAILED_STATUSES and schedule.on_recovery:
            out.append(("recovery", "on_recovery", schedule.on_recovery))
    return out


def is_url(target: str) -> bool:
    return target.lower().startswith(("http://", "https://"))


def _tail(text: str | None, limit: int) -> str:
    if not text:
        return ""
    return text[-limit:]


def notification_body(schedule: Schedule, run: Run, event: str) -> dict[str, Any]:
    """The JSON a webhook hook receives."""
    details = run.to_json(with_output=False)
    details["schedule_name"] = details.get("schedule_name") or schedule.name
    details["output_tail"] = _tail(run.output, OUTPUT_TAIL)
    return {
        "event": event,
        "schedule_id": schedule.id,
        "schedule_name": schedule.name,
        "external_id": schedule.external_id,
        "run": details,
    }


def notification_env(schedule: Schedule, run: Run, event: str, hook: str) -> dict[str, str]:
    """The variables a command hook gets on top of the runner's TICKWORK_* ones (and the
    schedule's own env, e.g. a PATH imported from a crontab)."""
    base = dict(schedule.action.env) if isinstance(schedule.action, CommandAction) else {}
    return {
        **base,
        "TICKWORK_EVENT": event,
        "TICKWORK_HOOK": hook,
        "TICKWORK_STATUS": run.status,
        "TICKWORK_EXIT_CODE": "" if run.exit_code is None else str(run.exit_code),
        "TICKWORK_HTTP_STATUS": "" if run.http_status is None else str(run.http_status),
        "TICKWORK_ERROR": (run.error or "").replace("\x00", ""),
        "TICKWORK_OUTPUT_TAIL": _tail(run.output, ENV_OUTPUT_TAIL).replace("\x00", ""),
        "TICKWORK_SCHEDULE_NAME": schedule.name,
    }


def _context(schedule: Schedule, run: Run, event: str, inherit_env: bool) -> RunContext:
    # one webhook-id per notification, stable on resend
    return context_for(schedule, run, webhook_id=f"{run.id}-{event}", inherit_env=inherit_env)


def _error(hook: str, kind: str, outcome: Outcome) -> str:
    if kind == "command" and outcome.exit_code is not None and outcome.exit_code > 0:
        return f"{hook} command exited {outcome.exit_code}"
    if kind == "webhook" and outcome.http_status is not None:
        return f"{hook} webhook returned HTTP {outcome.http_status}"
    return mask_text(f"{hook} {kind}: {outcome.error or outcome.status}")


async def notify(
    schedule: Schedule,
    run: Run,
    previous_status: str | None,
    *,
    timeout: float = 30.0,
    http_client: httpx.AsyncClient | None = None,
    inherit_env: bool = False,
) -> str | None:
    """Fire the hooks that apply to ``run``; None when all worked (or none applied), else one
    line naming each hook that failed ("on_failure command exited 2")."""
    errors: list[str] = []
    for event, hook, target in hooks_for(schedule, run, previous_status):
        error = await _call(schedule, run, event, hook, target, timeout, http_client, inherit_env)
        if error is not None:
            errors.append(error)
    return "; ".join(errors) if errors else None


async def _call(
    schedule: Schedule,
    run: Run,
    event: str,
    hook: str,
    target: str,
    timeout: float,
    http_client: httpx.AsyncClient | None,
    inherit_env: bool = False,
) -> str | None:
    ctx = _context(schedule, run, event, inherit_env)
    if is_url(target):
        body = json.dumps(notification_body(schedule, run, event), separators=(",", ":"))
        action: CommandAction | HttpAction = HttpAction(
            url=target,
            method="POST",
            headers={"Content-Type": "application/json"},
            body=body,
        )
        kind = "webhook"
    else:
        action = CommandAction(command=target, env=notification_env(schedule, run, event, hook))
        kind = "command"
    outcome = await execute(action, ctx, timeout=timeout, http_client=http_client)
    return None if outcome.status == RunStatus.SUCCEEDED else _error(hook, kind, outcome)


async def notify_event(
    store: Store,
    schedule: Schedule,
    run: Run,
    event: str,
    *,
    timeout: float = 30.0,
    inherit_env: bool = False,
) -> str | None:
    """Tell the on_failure hook about a failure-policy event of a run: `paused` (the schedule
    paused itself after pause_after_failures failed fires) or `slow` (the run is past
    max_duration_warning). A failing hook is recorded on the run, like the others."""
    if not schedule.on_failure:
        return None
    error = await _call(
        schedule, run, event, "on_failure", schedule.on_failure, timeout, None, inherit_env
    )
    if error is not None:
        await asyncio.to_thread(record_notify_error, store, run.id, error)
    return error


def record_notify_error(store: Store, run_id: str, message: str | None) -> None:
    """Keep a hook's failure on its run (runs.notify_error); None clears it."""
    store.runs.update(run_id, {"notify_error": message})


async def notify_and_record(
    store: Store,
    schedule: Schedule,
    run: Run,
    previous_status: str | None,
    *,
    timeout: float = 30.0,
    inherit_env: bool = False,
) -> str | None:
    """:func:`notify`, then record a failure on the run. Returns the error, if any."""
    error = await notify(schedule, run, previous_status, timeout=timeout, inherit_env=inherit_env)
    if error is not None:
        await asyncio.to_thread(record_notify_error, store, run.id, error)
    return error
