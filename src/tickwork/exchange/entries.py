"""The flat schedule entry of TOML files, and the JSON objects of `list --json`, as input fields.

A TOML entry uses the schedule's own field names, with the action spelled flat:
``command`` (+ ``cwd``, ``env``), ``url`` (+ ``method``, ``headers``, ``body``) or ``call``.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from datetime import time
from typing import Any

from tickwork.domain import fields
from tickwork.domain.errors import InvalidSchedule
from tickwork.domain.model import (
    HOOK_FIELDS,
    POLICY_FIELDS,
    CommandAction,
    HttpAction,
    Policies,
    PythonAction,
    Schedule,
)

ACTION_FIELDS: dict[str, tuple[str, ...]] = {
    "command": ("command", "cwd", "env"),
    "url": ("url", "method", "headers", "body"),
    "call": ("call",),
}
PLAIN_FIELDS = (
    "name",
    "description",
    "active",
    "cron",
    "every",
    "time_of_day",
    "days_of_week",
    "timezone",
    "max_runs",
    "end_at",
    "deduplication_key",
    "external_id",
    *POLICY_FIELDS,
    *HOOK_FIELDS,
    "inherit_env",
    "signing_secret",
)
ENTRY_FIELDS = frozenset(PLAIN_FIELDS) | {f for fs in ACTION_FIELDS.values() for f in fs}
# spec's field names -> the entry's (the python target is `call` in a file)
ENTRY_NAME_FOR = {"target": "call", "action": "command"}

# Keys of `list --json` objects that describe state, not input: ignored on import.
JSON_OUTPUT_ONLY = frozenset(
    {
        "id",
        "type",
        "generator",
        "next_run_at",
        "last_run_at",
        "run_count",
        "created_at",
        "updated_at",
        "status_reason",
        "last_status",
        "consecutive_failures",
        "declared_in",
        "declared_key",
        "declared_project",
        "upcoming",
    }
)
JSON_INPUT = (frozenset(PLAIN_FIELDS) | {"action"}) - {"cron", "every"}


def unknown_field(key: str, known: frozenset[str]) -> InvalidSchedule:
    close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.7)
    known_list = ", ".join(sorted(known))
    hint = f": did you mean {close[0]}?" if close else f": known fields are {known_list}"
    return fields.fail(key, f"unknown field {key!r}{hint}", None)


def entry_to_input(entry: Mapping[str, Any], default_name: str | None = None) -> dict[str, Any]:
    """A flat entry -> spec input fields. Raises InvalidSchedule naming the entry's field."""
    for key in entry:
        if key not in ENTRY_FIELDS:
            raise unknown_field(str(key), ENTRY_FIELDS)
    kinds = [k for k in ACTION_FIELDS if k in entry]
    if len(kinds) > 1:
        raise fields.fail(
            kinds[1], f"give one of command, url or call, not both {kinds[0]} and {kinds[1]}"
        )
    if not kinds:
        raise fields.fail(
            "command",
            'say what firing does: command = "...", url = "https://..." '
            'or call = "module:function"',
        )
    kind = kinds[0]
    action: dict[str, Any] = {"kind": {"command": "command", "url": "http", "call": "python"}[kind]}
    for group in ACTION_FIELDS.values():
        for key in group:
            if key in entry:
                action["target" if key == "call" else key] = entry[key]
    data = {k: entry[k] for k in PLAIN_FIELDS if k in entry}
    if isinstance(data.get("time_of_day"), time):  # a TOML local time: 02:30:00
        data["time_of_day"] = data["time_of_day"].strftime("%H:%M")
    if "name" not in data and default_name is not None:
        data["name"] = default_name
    data["action"] = action
    return data


def schedule_to_entry(s: Schedule, *, show_secrets: bool = False) -> dict[str, Any]:
    """A schedule as a flat entry with only what differs from the defaults (for TOML files).
    Secrets are masked unless ``show_secrets``; a signing secret is then written in full (it
    is left out otherwise: a masked one could not sign anything)."""
    secret = s.signing_secret if show_secrets else None
    if not show_secrets:
        s = s.masked()
    out: dict[str, Any] = {"name": s.name}
    if s.description:
        out["description"] = s.description
    if s.generator.type == "INTERVAL":
        out["every"] = s.expression.split(None, 1)[1]
    elif s.time_of_day:
        out["time_of_day"] = s.time_of_day
        if s.days_of_week is not None:
            out["days_of_week"] = list(s.days_of_week)
    else:
        out["cron"] = s.expression
    out["timezone"] = s.timezone
    a = s.action
    if isinstance(a, CommandAction):
        out["command"] = a.command
        if a.cwd is not None:
            out["cwd"] = a.cwd
        if a.env:
            out["env"] = dict(a.env)
    elif isinstance(a, HttpAction):
        out["url"] = a.url
        if a.method != "POST":
            out["method"] = a.method
        if a.headers:
            out["headers"] = dict(a.headers)
        if a.body is not None:
            out["body"] = a.body
    elif isinstance(a, PythonAction):
        out["call"] = a.target
    if not s.active:
        out["active"] = False
    if s.max_runs is not None:
        out["max_runs"] = s.max_runs
    if s.end_at is not None:
        out["end_at"] = s.end_at
    if s.deduplication_key:
        out["deduplication_key"] = s.deduplication_key
    if s.external_id:
        out["external_id"] = s.external_id
    defaults = Policies()
    for key in POLICY_FIELDS:
        if getattr(s.policies, key) != getattr(defaults, key):
            out[key] = getattr(s.policies, key)
    for key in HOOK_FIELDS:
        if getattr(s, key):
            out[key] = getattr(s, key)
    if s.inherit_env:
        out["inherit_env"] = True
    if secret:
        out["signing_secret"] = secret
    return out


def json_to_input(obj: Mapping[str, Any]) -> dict[str, Any]:
    """One object of `list --json` (or hand-written input fields) -> spec input fields."""
    known = JSON_INPUT | JSON_OUTPUT_ONLY | {"cron", "every"}
    for key in obj:
        if key not in known:
            raise unknown_field(str(key), frozenset(known))
    data = {k: obj[k] for k in JSON_INPUT if k in obj}
    if obj.get("cron") or obj.get("every"):
        for key in ("cron", "every"):
            if obj.get(key):
                data[key] = obj[key]
        return data
    if obj.get("time_of_day"):
        return data
    data.pop("time_of_day", None)
    data.pop("days_of_week", None)
    gen = obj.get("generator")
    if not isinstance(gen, Mapping) or not isinstance(gen.get("expression"), str):
        raise fields.fail(
            "generator", 'give the timing: "generator": {"expression": "0 9 * * *"} or "cron"'
        )
    if gen.get("type") == "INTERVAL":
        data["every"] = gen["expression"]
    else:
        data["cron"] = gen["expression"]
    return data
