"""Turn input fields into a Schedule (create) or a changed Schedule (PATCH), and the timing rules.

Input keys are the JSON field names plus three ways to give the timing: `cron` (an expression, also
`@every ...`), `every` (a duration) or `time_of_day` + `days_of_week`. A cron expression takes
precedence over time_of_day. Every check runs, so a form can show all errors at once.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from itertools import dropwhile, islice
from typing import Any

from tickwork import cron
from tickwork.describe import describe
from tickwork.domain import fields
from tickwork.domain.errors import FieldError, InvalidSchedule, NotAllowed
from tickwork.domain.failures import paused_by_failures
from tickwork.domain.input_text import check_input_text
from tickwork.domain.masked_input import restore_secrets
from tickwork.domain.model import (
    ACTION_FIELDS,
    HOOK_FIELDS,
    Action,
    CommandAction,
    Generator,
    HttpAction,
    Policies,
    PythonAction,
    Schedule,
)
from tickwork.domain.timeutil import floor_second, iso

TIMING_FIELDS = frozenset({"cron", "every", "time_of_day", "days_of_week", "timezone"})
INPUT_FIELDS = TIMING_FIELDS | {
    "name",
    "description",
    "active",
    "action",
    "max_runs",
    "end_at",
    "deduplication_key",
    "external_id",
    "timeout_seconds",
    "retries",
    "retry_backoff_seconds",
    "overlap",
    "catchup",
    "jitter_seconds",
    "pause_after_failures",
    "max_duration_warning",
    *HOOK_FIELDS,
    "signing_secret",
    "inherit_env",
}
NULLABLE_FIELDS = frozenset(
    {
        "description",
        "max_runs",
        "end_at",
        "deduplication_key",
        "external_id",
        "signing_secret",
        "pause_after_failures",
        "max_duration_warning",
        *HOOK_FIELDS,
    }
)
# Policies that may be empty (off): given as None or "", they are cleared.
OPTIONAL_POLICIES = ("pause_after_failures", "max_duration_warning")
MAX_TIMEOUT = 7 * 86400
SECRET_FIELDS = ("action", *HOOK_FIELDS, "signing_secret")  # where a mask can come back


def _flag(key: str, value: Any, c: _Collector) -> bool:
    if not isinstance(value, bool):
        c.errors.append(FieldError(key, "must be true or false", value))
        return False
    return value


def new_id(prefix: str = "sched_") -> str:
    return prefix + base64.b32encode(secrets.token_bytes(10)).decode().lower()


class _Collector:
    """Runs field checks, keeping every error instead of stopping at the first."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def check(self, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except InvalidSchedule as exc:
            self.errors.extend(exc.errors)
            return None

    def raise_if_any(self) -> None:
        if self.errors:
            raise InvalidSchedule(self.errors)


def generator_for(expression: str) -> Generator:
    if cron.is_interval(expression):
        return Generator("INTERVAL", expression, describe(expression))
    return Generator("CRON", expression, describe(expression))


def _timing(
    data: Mapping[str, Any], base: Schedule | None, c: _Collector
) -> tuple[str | None, str | None, tuple[int, ...] | None]:
    """Return (expression, time_of_day, days_of_week) from the input, falling back to base."""
    for key in ("cron", "every", "time_of_day"):  # a PATCH to "" would silently keep the old
        if base is not None and isinstance(data.get(key), str) and not data[key].strip():
            hint = {"cron": "an expression like '0 9 * * *'", "every": "an interval like 30m"}
            c.errors.append(
                FieldError(key, f"is empty: give {hint.get(key, 'HH:MM like 09:30')}", "")
            )
            return None, None, None
    if "cron" in data and data["cron"] not in (None, "") and "every" in data and data["every"]:
        c.errors.append(
            FieldError("every", "give either a cron expression or an interval, not both")
        )
        return None, None, None
    if "cron" in data and data["cron"] not in (None, ""):
        expr = c.check(lambda: fields.expression("cron", data["cron"]))
        return expr, None, None
    if "every" in data and data["every"] not in (None, ""):
        return c.check(lambda: fields.every(data["every"])), None, None
    tod_given = "time_of_day" in data and data["time_of_day"] not in (None, "")
    days_given = "days_of_week" in data and data["days_of_week"] not in (None, "", [])
    if tod_given or days_given:
        if tod_given:
            tod = c.check(lambda: fields.time_of_day(data["time_of_day"]))
        else:
            tod = base.time_of_day if base else None
            if tod is None:
                c.errors.append(
                    FieldError("time_of_day", "days_of_week needs a time_of_day (HH:MM) as well")
                )
        if days_given:
            days = c.check(lambda: fields.days_of_week(data["days_of_week"]))
        else:
            days = base.days_of_week if base is not None and base.time_of_day else None
        if tod is None:
            return None, None, None
        return fields.time_to_cron(tod, days), tod, days
    if base is not None:
        return base.expression, base.time_of_day, base.days_of_week
    c.errors.append(
        FieldError("cron", "a schedule needs a cron expression, a time of day or an interval")
    )
    return None, None, None


_ACTION_KEYS = {kind: {"kind", *keys} for kind, keys in ACTION_FIELDS.items()}


def _action(data: Any, base: Action | None) -> Action:
    if isinstance(data, (CommandAction, HttpAction, PythonAction)):
        data = data.to_json()
    if not isinstance(data, Mapping):
        raise fields.fail("action", "give a command, a URL or a python target", data)
    merged: dict[str, Any] = dict(data)
    if base is not None and data.get("kind") in (None, base.kind):
        merged = {**base.to_json(), **data}
    kind = merged.get("kind")
    stray = sorted(set(data) - _ACTION_KEYS.get(str(kind), set(data)))
    if stray:
        owner = next((k for k, keys in _ACTION_KEYS.items() if stray[0] in keys), "another")
        raise fields.fail(
            stray[0],
            f"applies to {owner} actions only, and this action runs a {kind}",
            data[stray[0]],
        )
    c = _Collector()
    if kind == "command":
        cmd = c.check(lambda: fields.command(merged.get("command")))
        cwd = c.check(lambda: fields.optional_text("cwd", merged.get("cwd"), 4096))
        env = c.check(lambda: fields.env(merged.get("env")))
        c.raise_if_any()
        return CommandAction(command=cmd, cwd=cwd, env=env or {})
    if kind == "http":
        url = c.check(lambda: fields.url(merged.get("url")))
        method = c.check(lambda: fields.method(merged.get("method")))
        headers = c.check(lambda: fields.headers(merged.get("headers")))
        body = c.check(lambda: fields.optional_text("body", merged.get("body"), 1_000_000))
        c.raise_if_any()
        return HttpAction(url=url, method=method, headers=headers or {}, body=body)
    if kind == "python":
        tgt = fields.target(merged.get("target"))
        return PythonAction(target=tgt)
    raise fields.fail(
        "action",
        "give what firing does: a command, a URL or a python target (module:function)",
        kind,
    )


def _policies(data: Mapping[str, Any], base: Policies, c: _Collector) -> Policies:
    def pick(key: str, fn: Callable[[Any], Any]) -> Any:
        if key in OPTIONAL_POLICIES and key in data and data[key] in (None, ""):
            return None  # cleared: the policy is off
        if key in data and data[key] is not None:  # "" is refused by the check
            return c.check(lambda: fn(data[key]))
        return getattr(base, key)

    policies = Policies(  # a failed check leaves None here, but raise_if_any() runs before use
        timeout_seconds=pick(
            "timeout_seconds",
            lambda v: fields.number(
                "timeout_seconds", v, 0.1, MAX_TIMEOUT, "seconds, up to 7 days"
            ),
        ),
        retries=pick("retries", lambda v: fields.integer("retries", v, 0, 100, "use 0-100")),
        retry_backoff_seconds=pick(
            "retry_backoff_seconds",
            lambda v: fields.number("retry_backoff_seconds", v, 0, 86400, "seconds, up to a day"),
        ),
        overlap=pick("overlap", fields.overlap),
        catchup=pick("catchup", fields.catchup),
        jitter_seconds=pick(
            "jitter_seconds",
            lambda v: fields.number("jitter_seconds", v, 0, 86400, "seconds, up to a day"),
        ),
        pause_after_failures=pick(
            "pause_after_failures",
            lambda v: fields.integer(
                "pause_after_failures", v, 1, 1000, "failed fires in a row, 1-1000 (empty = never)"
            ),
        ),
        max_duration_warning=pick(
            "max_duration_warning",
            lambda v: fields.number(
                "max_duration_warning", v, 1, MAX_TIMEOUT, "seconds, 1 up to 7 days (empty = off)"
            ),
        ),
    )
    warn, timeout = policies.max_duration_warning, policies.timeout_seconds
    if warn is not None and timeout is not None and warn >= timeout:
        c.errors.append(
            FieldError(
                "max_duration_warning",
                f"{warn:g}s is not below the timeout ({timeout:g}s): the timeout stops a run "
                "before it would be slow; give fewer seconds or raise timeout_seconds",
                warn,
            )
        )
    return policies


def _unknown(data: Mapping[str, Any]) -> None:
    unknown = sorted(str(k) for k in set(data) - INPUT_FIELDS)
    if unknown:
        raise fields.fail(unknown[0], f"unknown field {fields.shown(unknown[0])}")
    check_input_text(data)


def build(
    data: Mapping[str, Any],
    now: datetime,
    *,
    schedule_id: str | None = None,
    type: str = "IMPERATIVE",
    declared_in: str | None = None,
    declared_key: str | None = None,
    keep_masks: bool = False,
    declared_project: str | None = None,
) -> Schedule:
    """Validate input fields and make a new Schedule with its next_run_at computed.

    A masked secret (``********``) in the input is an error, unless ``keep_masks``: then the
    caller puts it back from the stored schedule it updates (see masked_input)."""
    _unknown(data)
    now = floor_second(now)
    c = _Collector()
    name = c.check(lambda: fields.name(data.get("name")))
    description = c.check(lambda: fields.optional_text("description", data.get("description")))
    expr, tod, days = _timing(data, None, c)
    tz = c.check(lambda: fields.timezone(data.get("timezone")))
    action = c.check(lambda: _action(data.get("action"), None))
    max_runs = c.check(
        lambda: fields.optional_int("max_runs", data.get("max_runs"), 1, 10**9, "use 1 or more")
    )
    end_at = c.check(lambda: fields.end_at(data.get("end_at")))
    if end_at is not None and end_at <= now:
        c.errors.append(
            FieldError("end_at", f"{iso(end_at)} has already passed: give a later time")
        )
    dedup = c.check(
        lambda: fields.optional_text(
            "deduplication_key", data.get("deduplication_key"), 200, one_line=True
        )
    )
    external_id = c.check(
        lambda: fields.optional_text("external_id", data.get("external_id"), 200, one_line=True)
    )
    policies = _policies(data, Policies(), c)
    hooks: dict[str, str | None] = {}
    for key in HOOK_FIELDS:
        hooks[key] = c.check(lambda k=key: fields.hook(k, data.get(k)))  # type: ignore[misc]
    secret = c.check(lambda: fields.signing_secret(data.get("signing_secret")))
    active = data.get("active", True)
    if not isinstance(active, bool):
        c.errors.append(FieldError("active", "must be true or false", active))
    inherit_env = _flag("inherit_env", data.get("inherit_env", False), c)
    c.raise_if_any()
    assert expr is not None and tz is not None and action is not None
    schedule = Schedule(
        id=schedule_id or new_id(),
        name=name,
        description=description,
        type="DECLARATIVE" if type == "DECLARATIVE" else "IMPERATIVE",
        active=bool(active),
        generator=generator_for(expr),
        time_of_day=tod,
        days_of_week=days,
        timezone=tz,
        action=action,
        max_runs=max_runs,
        end_at=end_at,
        deduplication_key=dedup,
        external_id=external_id,
        policies=policies,
        created_at=now,
        updated_at=now,
        anchor_at=now,
        declared_in=declared_in,
        declared_key=declared_key,
        declared_project=declared_project,
        on_failure=hooks["on_failure"],
        on_success=hooks["on_success"],
        on_recovery=hooks["on_recovery"],
        signing_secret=secret,
        inherit_env=inherit_env,
    )
    if not keep_masks:
        schedule = restore_secrets(schedule, None)
    return settle(schedule, now) if schedule.active else schedule


def patch(s: Schedule, data: Mapping[str, Any], now: datetime) -> Schedule:
    """PATCH semantics: only the given fields change; timing changes recompute next_run_at."""
    _unknown(data)
    now = floor_second(now)
    c = _Collector()
    changes: dict[str, Any] = {}
    if "name" in data:
        changes["name"] = c.check(lambda: fields.name(data["name"]))
    for key in ("description", "deduplication_key", "external_id"):
        if key in data:
            limit, one_line = (2000, False) if key == "description" else (200, True)
            changes[key] = c.check(
                lambda k=key, n=limit, o=one_line: fields.optional_text(k, data[k], n, one_line=o)  # type: ignore[misc]
            )
    timing_changed = bool(TIMING_FIELDS & set(data))
    if timing_changed:
        expr, tod, days = _timing(data, s, c)
        tz = (
            c.check(lambda: fields.timezone(data["timezone"])) if "timezone" in data else s.timezone
        )
        if expr is not None and tz is not None:
            changes.update(time_of_day=tod, days_of_week=days, timezone=tz)
            changes["generator"] = generator_for(expr)
            if changes["generator"].type == "INTERVAL" and expr != s.expression:
                changes["anchor_at"] = now
    if "action" in data:
        changes["action"] = c.check(lambda: _action(data["action"], s.action))
    for key in HOOK_FIELDS:
        if key in data:
            changes[key] = c.check(lambda k=key: fields.hook(k, data[k]))  # type: ignore[misc]
    if "signing_secret" in data:
        changes["signing_secret"] = c.check(lambda: fields.signing_secret(data["signing_secret"]))
    if "max_runs" in data:
        changes["max_runs"] = c.check(
            lambda: fields.optional_int("max_runs", data["max_runs"], 1, 10**9, "use 1 or more")
        )
    if "end_at" in data:
        end_at = c.check(lambda: fields.end_at(data["end_at"]))
        if end_at is not None and end_at <= now:
            c.errors.append(
                FieldError("end_at", f"{iso(end_at)} has already passed: give a later time")
            )
        changes["end_at"] = end_at
    policies = _policies(data, s.policies, c)
    if policies != s.policies:
        changes["policies"] = policies
    if "active" in data and not isinstance(data["active"], bool):
        c.errors.append(FieldError("active", "must be true or false", data["active"]))
    if "inherit_env" in data:
        changes["inherit_env"] = _flag("inherit_env", data["inherit_env"], c)
    c.raise_if_any()
    given = {k: changes[k] for k in SECRET_FIELDS if k in changes}
    if given:  # masks given back keep the stored secrets
        kept = restore_secrets(s.with_changes(**given), s)
        changes.update({k: getattr(kept, k) for k in given})
    changed = {k: v for k, v in changes.items() if getattr(s, k) != v}
    if "active" in data and data["active"] != s.active:
        return set_active(s.with_changes(**changed), bool(data["active"]), now)
    if not changed:
        return s
    updated = s.with_changes(**changed, updated_at=now)
    if updated.active and ({"generator", "timezone", "end_at", "max_runs"} & set(changed)):
        updated = settle(updated, now)
    return updated


def set_active(s: Schedule, active: bool, now: datetime, *, verb: str | None = None) -> Schedule:
    """Pause or resume. Idempotent: no change returns the same object (updated_at untouched)."""
    if s.type == "DECLARATIVE" and not (active and paused_by_failures(s.status_reason)):
        # a declared schedule that paused itself (pause_after_failures) is resumed by hand
        where = f" in {s.declared_in}" if s.declared_in else " in a file"
        raise NotAllowed(
            f"{s.name!r} is DECLARATIVE (declared{where}): change it there and run tickwork sync; "
            f"only IMPERATIVE schedules can be {verb or ('activated' if active else 'deactivated')}"
        )
    if s.active == active:
        return s
    now = floor_second(now)
    if not active:
        return s.with_changes(
            active=False, next_run_at=None, updated_at=now, status_reason="paused"
        )
    if s.max_runs is not None and s.run_count >= s.max_runs:
        raise NotAllowed(
            f"{s.name!r} reached max_runs ({s.max_runs}): raise or clear max_runs to resume it"
        )
    if s.end_at is not None and s.end_at <= now:
        raise NotAllowed(f"{s.name!r} ended at {iso(s.end_at)}: set a later end_at to resume it")
    resumed = s.with_changes(
        active=True, status_reason=None, updated_at=now, consecutive_failures=0
    )  # a resumed schedule gets pause_after_failures fresh failures again
    return settle(resumed, now)


def upcoming(s: Schedule, after: datetime, count: int) -> list[datetime]:
    """THE next-run function for a schedule: what the UI and CLI show is what the runner fires."""
    if count <= 0:
        return []
    return list(islice(iter_upcoming(s, after, batch=count), count))


def iter_upcoming(s: Schedule, after: datetime, *, batch: int = 8) -> Iterator[datetime]:
    """upcoming() without a count: the fires strictly after `after`, computed lazily in batches
    (the first of `batch` fires), so a caller pays only for what it takes."""
    left = None if s.max_runs is None else max(0, s.max_runs - s.run_count)
    size = max(1, batch)
    while left is None or left > 0:
        want = size if left is None else min(size, left)
        times = cron.next_runs(s.expression, s.timezone, after, want, anchor=s.anchor_at)
        for t in times:
            if s.end_at is not None and t > s.end_at:
                return
            yield t
        if len(times) < want:
            return
        if left is not None:
            left -= want
        after = times[-1]
        size = min(size * 4, 512)


def fires_after(s: Schedule, now: datetime) -> Iterator[datetime]:
    """What the runner will fire after `now`, in order, lazily: upcoming() from `now`, and
    nothing before the stored next_run_at (the runner fires nothing earlier; the two differ only
    if the wall clock went back since). Nothing for a paused schedule."""
    nxt = s.next_run_at
    if not s.active or nxt is None:
        return iter(())
    fires = iter_upcoming(s, now, batch=1)  # often one fire is all that is wanted
    return fires if nxt <= now else dropwhile(lambda t: t < nxt, fires)


def settle(s: Schedule, now: datetime, after: datetime | None = None) -> Schedule:
    """Recompute next_run_at from `after` (default now) and deactivate when the schedule is done."""
    if s.max_runs is not None and s.run_count >= s.max_runs:
        return s.with_changes(
            active=False, next_run_at=None, status_reason=f"max_runs reached ({s.max_runs} runs)"
        )
    nxt = upcoming(s, after or now, 1)
    if not nxt:
        if s.end_at is not None:
            return s.with_changes(
                active=False,
                next_run_at=None,
                status_reason=f"ended: end_at {iso(s.end_at)} reached",
            )
        return s.with_changes(active=False, next_run_at=None, status_reason="never fires again")
    return s.with_changes(next_run_at=nxt[0])
