"""Make an existing schedule match a wanted one, field by field (imports and sync).

Unlike a PATCH, the wanted schedule is complete: a field absent from a file goes back to its
default. Nothing that did not change is written (not even updated_at), the run counters and
the id stay, and the next run is recomputed only when the timing (or its limits) changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from tickwork.domain import fields, spec
from tickwork.domain.errors import FieldError, InvalidSchedule
from tickwork.domain.masked_input import restore_secrets
from tickwork.domain.model import HOOK_FIELDS, POLICY_FIELDS, Schedule
from tickwork.domain.timeutil import iso

COPIED = (
    "name",
    "description",
    "generator",
    "time_of_day",
    "days_of_week",
    "timezone",
    "action",
    "max_runs",
    "end_at",
    "deduplication_key",
    "external_id",
    "policies",
    *HOOK_FIELDS,
    "inherit_env",
)
TIMING = frozenset({"generator", "time_of_day", "days_of_week", "timezone", "end_at", "max_runs"})
_ACTION_SUBFIELDS = {
    "command": ("command", "cwd", "env"),
    "http": ("url", "method", "headers", "body"),
    "python": ("target",),
}


def desired(
    data: Mapping[str, Any],
    now: datetime,
    *,
    type: str = "IMPERATIVE",
    declared_in: str | None = None,
    declared_key: str | None = None,
    declared_project: str | None = None,
) -> Schedule:
    """Validate input fields into a complete schedule (every error at once).

    Masked secrets are kept as given: :func:`restore_secrets` puts them back from the stored
    schedule (reconcile does it for updates; creators call it with None).
    An end_at already past is allowed here: it is an error only for what is created or
    changed (see :func:`check_end_at`), so a file whose schedule ended still syncs.
    """
    errors: list[FieldError] = []
    built: Schedule | None = None
    end_at = None
    try:
        built = spec.build(
            {k: v for k, v in data.items() if k != "end_at"},
            now,
            type=type,
            declared_in=declared_in,
            declared_key=declared_key,
            keep_masks=True,
            declared_project=declared_project,
        )
    except InvalidSchedule as exc:
        errors.extend(exc.errors)
    try:
        end_at = fields.end_at(data.get("end_at"))
    except InvalidSchedule as exc:
        errors.extend(exc.errors)
    if errors or built is None:
        raise InvalidSchedule(errors)
    if end_at is not None:
        built = built.with_changes(end_at=end_at)
        if built.active:
            built = spec.settle(built, now)
    return built


def check_end_at(want: Schedule, now: datetime, current: Schedule | None = None) -> None:
    if want.end_at is None or want.end_at > now:
        return
    if current is not None and current.end_at == want.end_at:
        return
    raise InvalidSchedule.one(
        "end_at", f"{iso(want.end_at)} has already passed: give a later time", iso(want.end_at)
    )


def changed_fields(current: Schedule, want: Schedule) -> list[str]:
    """What differs, in the input's field names (cron, timezone, command, retries, ...)."""
    out: list[str] = []
    if current.name != want.name:
        out.append("name")
    if current.description != want.description:
        out.append("description")
    if current.expression != want.expression:
        if want.generator.type == "INTERVAL":
            out.append("every")
        else:
            out.append("time_of_day" if want.time_of_day else "cron")
    if current.time_of_day != want.time_of_day and "time_of_day" not in out:
        out.append("time_of_day" if want.time_of_day else "cron")
    if current.days_of_week != want.days_of_week and want.time_of_day:
        out.append("days_of_week")
    if current.timezone != want.timezone:
        out.append("timezone")
    out.extend(_action_changes(current, want))
    for key in ("max_runs", "end_at", "deduplication_key", "external_id"):
        if getattr(current, key) != getattr(want, key):
            out.append(key)
    for key in POLICY_FIELDS:
        if getattr(current.policies, key) != getattr(want.policies, key):
            out.append(key)
    for key in HOOK_FIELDS:
        if getattr(current, key) != getattr(want, key):
            out.append(key)
    if current.inherit_env != want.inherit_env:
        out.append("inherit_env")
    if want.signing_secret is not None and current.signing_secret != want.signing_secret:
        out.append("signing_secret")
    return list(dict.fromkeys(out))


def _action_changes(current: Schedule, want: Schedule) -> list[str]:
    a, b = current.action.to_json(), want.action.to_json()
    if a == b:
        return []
    if a["kind"] != b["kind"]:
        return [{"command": "command", "http": "url", "python": "call"}[b["kind"]]]
    subfields = _ACTION_SUBFIELDS[b["kind"]]
    return ["call" if k == "target" else k for k in subfields if a.get(k) != b.get(k)]


def paused_by_choice(s: Schedule) -> bool:
    """Paused by someone (status "paused"), not done (max_runs reached, end_at passed)."""
    return not s.active and s.status_reason == "paused"


def reconcile(
    current: Schedule, want: Schedule, now: datetime, *, want_active: bool | None = None
) -> tuple[Schedule | None, list[str]]:
    """The updated schedule and the changed field names, or (None, []) when nothing changes.

    ``want_active=None`` leaves paused/active alone (imports); True/False is a file's
    ``active`` (sync): False pauses, True resumes a paused schedule, and revives one that
    was done (max_runs reached, ended) when its timing or limits changed.
    """
    want = restore_secrets(want, current)  # masks given back keep the stored secrets
    names = changed_fields(current, want)
    changed = {a: getattr(want, a) for a in COPIED if getattr(current, a) != getattr(want, a)}
    if want.signing_secret is not None and want.signing_secret != current.signing_secret:
        changed["signing_secret"] = want.signing_secret  # left out of a file: kept
    pause = want_active is False and current.active
    resume = want_active is True and paused_by_choice(current)
    if pause or resume:
        names.append("active")
    if not changed and not pause and not resume:
        return None, []
    check_end_at(want, now, current)
    s = current.with_changes(**changed, updated_at=now)
    if "generator" in changed and want.generator.type == "INTERVAL":
        s = s.with_changes(anchor_at=now)
    if pause:
        return s.with_changes(active=False, next_run_at=None, status_reason="paused"), names
    retime = bool(TIMING & set(changed))
    revive = want_active is True and not s.active and not paused_by_choice(s) and retime
    if resume or revive:
        s = s.with_changes(active=True, status_reason=None, consecutive_failures=0)
    if s.active and (resume or revive or retime):
        s = spec.settle(s, now)
    return s, names


def paused_copy(s: Schedule) -> Schedule:
    return s.with_changes(active=False, next_run_at=None, status_reason="paused")
