"""Mapping between Schedule dataclasses and rows of the schedules table."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from tickwork.describe import describe
from tickwork.domain.model import Generator, Policies, Schedule, action_from_json
from tickwork.domain.secrets import mask_secret, mask_text, may_hold_secret
from tickwork.domain.status import RunStatus
from tickwork.domain.timeutil import iso, parse_iso

SCHEDULE_COLUMNS = (
    "id",
    "name",
    "description",
    "type",
    "active",
    "generator_type",
    "expression",
    "time_of_day",
    "days_of_week",
    "timezone",
    "next_run_at",
    "last_run_at",
    "run_count",
    "max_runs",
    "end_at",
    "deduplication_key",
    "external_id",
    "action_kind",
    "action",
    "timeout_seconds",
    "retries",
    "retry_backoff_seconds",
    "overlap",
    "catchup",
    "jitter_seconds",
    "status_reason",
    "declared_in",
    "anchor_at",
    "created_at",
    "updated_at",
    "last_status",
    "signing_secret",
    "declared_key",
    "on_failure",
    "on_success",
    "on_recovery",
    "pause_after_failures",
    "max_duration_warning",
    "consecutive_failures",
    "inherit_env",
    "declared_project",
)
SELECT_SCHEDULE = f"SELECT {', '.join(SCHEDULE_COLUMNS)} FROM schedules"


def to_row(s: Schedule) -> dict[str, Any]:
    p = s.policies
    return {
        "id": s.id,
        "name": s.name,
        "description": s.description,
        "type": s.type,
        "active": 1 if s.active else 0,
        "generator_type": s.generator.type,
        "expression": s.generator.expression,
        "time_of_day": s.time_of_day,
        "days_of_week": json.dumps(list(s.days_of_week)) if s.days_of_week is not None else None,
        "timezone": s.timezone,
        "next_run_at": iso(s.next_run_at),
        "last_run_at": iso(s.last_run_at),
        "run_count": s.run_count,
        "max_runs": s.max_runs,
        "end_at": iso(s.end_at),
        "deduplication_key": s.deduplication_key,
        "external_id": s.external_id,
        "action_kind": s.action.kind,
        "action": json.dumps(s.action.to_json(), sort_keys=True),
        "timeout_seconds": p.timeout_seconds,
        "retries": p.retries,
        "retry_backoff_seconds": p.retry_backoff_seconds,
        "overlap": p.overlap,
        "catchup": p.catchup,
        "jitter_seconds": p.jitter_seconds,
        "status_reason": s.status_reason,
        "declared_in": s.declared_in,
        "anchor_at": iso(s.anchor_at),
        "created_at": iso(s.created_at),
        "updated_at": iso(s.updated_at),
        "last_status": s.last_status,
        "signing_secret": s.signing_secret,
        "declared_key": s.declared_key,
        "declared_project": s.declared_project,
        "on_failure": s.on_failure,
        "on_success": s.on_success,
        "on_recovery": s.on_recovery,
        "pause_after_failures": p.pause_after_failures,
        "max_duration_warning": p.max_duration_warning,
        "consecutive_failures": s.consecutive_failures,
        "inherit_env": 1 if s.inherit_env else 0,
    }


def _num(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value == int(value) else value


def from_row(row: tuple[Any, ...]) -> Schedule:
    r = dict(zip(SCHEDULE_COLUMNS, row, strict=True))
    days = json.loads(r["days_of_week"]) if r["days_of_week"] else None
    created = parse_iso(r["created_at"])
    updated = parse_iso(r["updated_at"])
    anchor = parse_iso(r["anchor_at"])
    assert created is not None and updated is not None and anchor is not None
    return Schedule(
        id=r["id"],
        name=r["name"],
        description=r["description"],
        type=r["type"],
        active=bool(r["active"]),
        generator=Generator(r["generator_type"], r["expression"], describe(r["expression"])),
        time_of_day=r["time_of_day"],
        days_of_week=tuple(days) if days is not None else None,
        timezone=r["timezone"],
        next_run_at=parse_iso(r["next_run_at"]),
        last_run_at=parse_iso(r["last_run_at"]),
        run_count=r["run_count"],
        max_runs=r["max_runs"],
        end_at=parse_iso(r["end_at"]),
        deduplication_key=r["deduplication_key"],
        external_id=r["external_id"],
        action=action_from_json(json.loads(r["action"])),
        policies=Policies(
            timeout_seconds=_num(r["timeout_seconds"]),
            retries=r["retries"],
            retry_backoff_seconds=_num(r["retry_backoff_seconds"]),
            overlap=r["overlap"],
            catchup=r["catchup"],
            jitter_seconds=_num(r["jitter_seconds"]),
            pause_after_failures=r["pause_after_failures"],
            max_duration_warning=_num(r["max_duration_warning"]),
        ),
        status_reason=r["status_reason"],
        declared_in=r["declared_in"],
        anchor_at=anchor,
        created_at=created,
        updated_at=updated,
        last_status=None if r["last_status"] is None else RunStatus(r["last_status"]),
        signing_secret=r["signing_secret"],
        declared_key=r["declared_key"],
        declared_project=r["declared_project"],
        on_failure=r["on_failure"],
        on_success=r["on_success"],
        on_recovery=r["on_recovery"],
        consecutive_failures=r["consecutive_failures"] or 0,
        inherit_env=bool(r["inherit_env"]),
    )


_COLUMN = {name: i for i, name in enumerate(SCHEDULE_COLUMNS)}
# json.loads without its whitespace regexes (scan_once is set in JSONDecoder.__init__)
_SCAN: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]


def _loads(text: str) -> Any:
    """json.loads of a value json.dumps wrote (the stored action), about 3x faster."""
    try:
        value, end = _SCAN(text, 0)
    except StopIteration:
        return json.loads(text)  # the usual error
    return value if end == len(text) else json.loads(text)


_ISO_LENGTH = len("2026-01-01T00:00:00+00:00")


def _time_json(text: str | None) -> str | None:
    """A stored time as to_json() shows it; what iso() wrote is already that form."""
    if text is None or (len(text) == _ISO_LENGTH and text[10] == "T" and text[19:] == "+00:00"):
        return text
    return iso(parse_iso(text))


def _masked_hook(value: str | None) -> str | None:
    return mask_text(value) if value else value


def _masked_action(text: str) -> dict[str, Any]:
    action = action_from_json(_loads(text))
    return (action.masked() if may_hold_secret(text) else action).to_json()


def json_from_row(row: tuple[Any, ...]) -> dict[str, Any]:
    """`from_row(row).to_json()` (secrets masked), the same keys in the same order, without
    making the Schedule and its datetimes on the way (`list --json` at 100,000 rows). The tests
    hold the two to byte equality over every kind of schedule; change both together."""
    c = _COLUMN
    days = row[c["days_of_week"]]
    return {
        "id": row[c["id"]],
        "name": row[c["name"]],
        "description": row[c["description"]],
        "type": row[c["type"]],
        "active": bool(row[c["active"]]),
        "generator": {
            "type": row[c["generator_type"]],
            "expression": row[c["expression"]],
            "description": describe(row[c["expression"]]),
        },
        "time_of_day": row[c["time_of_day"]],
        "days_of_week": json.loads(days) if days else None,
        "timezone": row[c["timezone"]],
        "next_run_at": _time_json(row[c["next_run_at"]]),
        "last_run_at": _time_json(row[c["last_run_at"]]),
        "run_count": row[c["run_count"]],
        "max_runs": row[c["max_runs"]],
        "end_at": _time_json(row[c["end_at"]]),
        "deduplication_key": row[c["deduplication_key"]],
        "external_id": row[c["external_id"]],
        "action": _masked_action(row[c["action"]]),
        "timeout_seconds": _num(row[c["timeout_seconds"]]),
        "retries": row[c["retries"]],
        "retry_backoff_seconds": _num(row[c["retry_backoff_seconds"]]),
        "overlap": row[c["overlap"]],
        "catchup": row[c["catchup"]],
        "jitter_seconds": _num(row[c["jitter_seconds"]]),
        "pause_after_failures": row[c["pause_after_failures"]],
        "max_duration_warning": _num(row[c["max_duration_warning"]]),
        "on_failure": _masked_hook(row[c["on_failure"]]),
        "on_success": _masked_hook(row[c["on_success"]]),
        "on_recovery": _masked_hook(row[c["on_recovery"]]),
        "inherit_env": bool(row[c["inherit_env"]]),
        "declared_in": row[c["declared_in"]],
        "declared_key": row[c["declared_key"]],
        "declared_project": row[c["declared_project"]],
        "status_reason": row[c["status_reason"]],
        "last_status": row[c["last_status"]],
        "consecutive_failures": row[c["consecutive_failures"]] or 0,
        "signing_secret": mask_secret(row[c["signing_secret"]]),
        "created_at": _time_json(row[c["created_at"]]),
        "updated_at": _time_json(row[c["updated_at"]]),
    }
