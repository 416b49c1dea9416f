"""The edit form's values as plain text, and their translation into store input (no Textual).

Attribute names are the schedule's input field names, so a FieldError's `field` names the widget
that shows it. Checks are NOT repeated here: `check()` runs spec.build (new) or spec.patch (edit),
the very calls behind `tickwork add` and `tickwork edit`, so the form shows the CLI's messages.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from datetime import datetime
from typing import Any, Literal

from tickwork.domain import spec
from tickwork.domain.errors import FieldError, InvalidSchedule
from tickwork.domain.model import (
    ACTION_FIELDS,
    HOOK_FIELDS,
    POLICY_FIELDS,
    CommandAction,
    HttpAction,
    PythonAction,
    Schedule,
)
from tickwork.domain.timeutil import iso

Timing = Literal["cron", "time", "every"]
Kind = Literal["command", "http", "python"]
ALL_DAYS: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6)
TIMING_KEYS: dict[str, tuple[str, ...]] = {
    "cron": ("cron",),
    "time": ("time_of_day", "days_of_week"),
    "every": ("every",),
}
CLEARABLE_KEYS = (
    "description",
    "max_runs",
    "end_at",
    "deduplication_key",
    "external_id",
    *HOOK_FIELDS,
)
# The signing secret field: empty keeps what is stored (nothing, for a new schedule); GENERATE
# makes a new random one (like `--signing-secret generate`); REMOVE clears it; else a whsec_ value.
GENERATE = "generate"
REMOVE = "none"
_PREVIEW_ACTION = {"kind": "command", "command": "true"}


@dataclass(frozen=True)
class FormValues:
    name: str = ""
    description: str = ""
    active: bool = True
    timing: Timing = "cron"
    cron: str = ""
    time_of_day: str = ""
    days_of_week: tuple[int, ...] = ALL_DAYS
    every: str = ""
    timezone: str = "UTC"
    kind: Kind = "command"
    command: str = ""
    cwd: str = ""
    env: str = ""  # KEY=value per line
    inherit_env: bool = False  # the runner's environment instead of cron's minimal one
    url: str = ""
    method: str = "POST"
    headers: str = ""  # Key: value per line
    body: str = ""
    target: str = ""
    timeout_seconds: str = ""
    retries: str = ""
    retry_backoff_seconds: str = ""
    overlap: str = "skip"
    catchup: str = "latest"
    jitter_seconds: str = ""
    pause_after_failures: str = ""
    max_duration_warning: str = ""
    max_runs: str = ""
    end_at: str = ""
    deduplication_key: str = ""
    external_id: str = ""
    on_failure: str = ""
    on_success: str = ""
    on_recovery: str = ""
    signing_secret: str = ""  # never the stored secret: see GENERATE / REMOVE

    def changed_keys(self, other: FormValues) -> set[str]:
        a, b = asdict(self), asdict(other)
        return {k for k in a if a[k] != b[k]}


FORM_KEYS = tuple(f.name for f in fields(FormValues))


def _num(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def from_schedule(s: Schedule, *, clone: bool = False) -> FormValues:
    """The form showing schedule `s` (a clone gets ' (copy)' and no dedup key). Secrets show
    masked: saved unchanged they keep the stored ones (spec.patch); a clone must retype them."""
    s = s.masked()
    a = s.action
    timing: Timing = "cron"
    if s.generator.type == "INTERVAL":
        timing = "every"
    elif s.time_of_day:
        timing = "time"
    p = s.policies
    v = FormValues(
        name=s.name + (" (copy)" if clone else ""),
        description=s.description or "",
        active=s.active,
        inherit_env=s.inherit_env,
        timing=timing,
        cron=s.expression if timing == "cron" else "",
        time_of_day=s.time_of_day or "",
        days_of_week=tuple(s.days_of_week) if s.days_of_week else ALL_DAYS,
        every=s.expression.removeprefix("@every ").strip() if timing == "every" else "",
        timezone=s.timezone,
        kind=a.kind,
        timeout_seconds=_num(p.timeout_seconds),
        retries=str(p.retries),
        retry_backoff_seconds=_num(p.retry_backoff_seconds),
        overlap=p.overlap,
        catchup=p.catchup,
        jitter_seconds=_num(p.jitter_seconds),
        pause_after_failures=str(p.pause_after_failures or ""),
        max_duration_warning=_num(p.max_duration_warning) if p.max_duration_warning else "",
        max_runs=str(s.max_runs) if s.max_runs is not None else "",
        end_at=iso(s.end_at) or "",
        deduplication_key="" if clone else (s.deduplication_key or ""),
        external_id=s.external_id or "",
        on_failure=s.on_failure or "",
        on_success=s.on_success or "",
        on_recovery=s.on_recovery or "",
    )
    if isinstance(a, CommandAction):
        env = "\n".join(f"{k}={val}" for k, val in a.env.items())
        v = replace(v, command=a.command, cwd=a.cwd or "", env=env)
    elif isinstance(a, HttpAction):
        headers = "\n".join(f"{k}: {val}" for k, val in a.headers.items())
        v = replace(v, url=a.url, method=a.method, headers=headers, body=a.body or "")
    elif isinstance(a, PythonAction):
        v = replace(v, target=a.target)
    return v


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def timing_data(v: FormValues) -> dict[str, Any]:
    if v.timing == "cron":
        return {"cron": v.cron}
    if v.timing == "every":
        return {"every": v.every}
    # no day ticked reads as every day, like `tickwork add --at` without --days
    return {"time_of_day": v.time_of_day, "days_of_week": list(v.days_of_week or ALL_DAYS)}


def action_data(v: FormValues) -> dict[str, Any]:
    if v.kind == "command":
        return {"kind": "command", "command": v.command, "cwd": v.cwd or None, "env": _lines(v.env)}
    if v.kind == "http":
        return {
            "kind": "http",
            "url": v.url,
            "method": v.method,
            "headers": _lines(v.headers),
            "body": v.body if v.body.strip() else None,
        }
    return {"kind": "python", "target": v.target}


def secret_input(text: str, new_secret: str | None = None) -> tuple[bool, str | None]:
    """(given, value) of the secret field: empty is not given; `generate` is `new_secret` (the
    one that will be saved and shown once) or a stand-in of the same form while validating."""
    text = text.strip()
    if not text:
        return False, None
    if text.lower() == REMOVE:
        return True, None
    if text.lower() == GENERATE:
        from tickwork.runner.signing import generate_secret

        return True, new_secret or generate_secret()
    return True, text


def create_data(v: FormValues, new_secret: str | None = None) -> dict[str, Any]:
    """Input fields for store.create (what `tickwork add` would send)."""
    data: dict[str, Any] = {"name": v.name, "active": v.active, "timezone": v.timezone or None}
    if v.inherit_env:
        data["inherit_env"] = True
    data.update(timing_data(v))
    data["action"] = action_data(v)
    for key in (*POLICY_FIELDS, *CLEARABLE_KEYS):
        value = getattr(v, key).strip()
        if value:
            data[key] = value
    given, secret = secret_input(v.signing_secret, new_secret)
    if given and secret is not None:
        data["signing_secret"] = secret
    return data


def patch_data(initial: FormValues, v: FormValues, new_secret: str | None = None) -> dict[str, Any]:
    """Only what changed, for store.update (PATCH, like `tickwork edit`)."""
    changed = initial.changed_keys(v)
    data: dict[str, Any] = {}
    if "name" in changed:
        data["name"] = v.name
    if "active" in changed:
        data["active"] = v.active
    if "inherit_env" in changed:
        data["inherit_env"] = v.inherit_env
    if changed & {"timing", *TIMING_KEYS[v.timing]}:
        data.update(timing_data(v))
    if "timezone" in changed:
        data["timezone"] = v.timezone or None
    if changed & {"kind", *ACTION_FIELDS[v.kind]}:
        data["action"] = action_data(v)
    for key in POLICY_FIELDS:
        if key in changed:
            data[key] = getattr(v, key).strip() or None
    for key in CLEARABLE_KEYS:
        if key in changed:
            data[key] = getattr(v, key).strip() or None
    given, secret = secret_input(v.signing_secret, new_secret)
    if given:
        data["signing_secret"] = secret
    return data


def check(
    v: FormValues, initial: FormValues, original: Schedule | None, now: datetime
) -> tuple[Schedule | None, list[FieldError]]:
    """Validate like the CLI does: (the schedule it would make, []) or (None, every error)."""
    try:
        if original is None:
            return spec.build(create_data(v), now), []
        return spec.patch(original, patch_data(initial, v), now), []
    except InvalidSchedule as exc:
        return None, exc.errors


def preview(
    v: FormValues, initial: FormValues, original: Schedule | None, now: datetime
) -> tuple[Schedule | None, list[FieldError]]:
    """The schedule's timing alone (name and action stand-ins), for the live preview."""
    keep = ("timezone", "max_runs", "end_at")
    try:
        if original is None:
            data = {"name": "preview", "action": _PREVIEW_ACTION, **timing_data(v)}
            data.update({k: getattr(v, k) for k in keep if getattr(v, k).strip()})
            return spec.build(data, now), []
        patch = patch_data(initial, v)
        timing_only = {k: val for k, val in patch.items() if k in spec.TIMING_FIELDS or k in keep}
        return spec.patch(original, timing_only, now), []
    except InvalidSchedule as exc:
        return None, exc.errors


def error_field(error: FieldError) -> str:
    """The form key that shows an error (an action-level error sits by the kind switch)."""
    return "kind" if error.field == "action" else error.field
