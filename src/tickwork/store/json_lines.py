"""Schedule rows as the JSON text `list --json` prints, many rows per call to the encoder.

Each line is ``json.dumps(json_from_row(row), ensure_ascii=False)``, byte for byte (the tests
hold the two together over every kind of schedule, secrets included): the same values, masked
the same way, encoded by the same encoder. What is saved is per-row work around it: encoding a
dict encodes its 38 keys again for every row, and each encode() call sets up an encoder. Here
the keys are written once, in a template, and the values of a whole chunk of rows go through
one encode() call as one flat list whose items are separated by a NUL character, which never
appears raw in JSON text (inside strings it is escaped), so the text splits back into the
values exactly. The action (a dict of varying keys) and the days (a list) are encoded on their
own and put in their places.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from tickwork.describe import describe
from tickwork.domain.secrets import mask_secret, mask_text
from tickwork.store.rows import _masked_action, _num, _time_json

_SEP = "\x00"
_FLAT = json.JSONEncoder(ensure_ascii=False, separators=(_SEP, ": ")).encode
_ENCODE = json.JSONEncoder(ensure_ascii=False).encode

# The keys of Schedule.to_json() in order; "generator" is the one nested object of fixed keys.
_KEYS = (
    "id",
    "name",
    "description",
    "type",
    "active",
    "generator",
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
    "action",
    "timeout_seconds",
    "retries",
    "retry_backoff_seconds",
    "overlap",
    "catchup",
    "jitter_seconds",
    "pause_after_failures",
    "max_duration_warning",
    "on_failure",
    "on_success",
    "on_recovery",
    "inherit_env",
    "declared_in",
    "declared_key",
    "declared_project",
    "status_reason",
    "last_status",
    "consecutive_failures",
    "signing_secret",
    "created_at",
    "updated_at",
)
_GENERATOR = '{"type": %s, "expression": %s, "description": %s}'
_TEMPLATE = (
    "{"
    + ", ".join(f'"{k}": {_GENERATOR}' if k == "generator" else f'"{k}": %s' for k in _KEYS)
    + "}"
)
_WIDTH = _TEMPLATE.count("%s")  # values a row puts in the flat list
_DAYS_AT = 9  # where the days and the action sit among a row's values
_ACTION_AT = 18
# The columns json_lines() reads, in the order _values() unpacks them: the keys, with the
# generator read from its two columns (its description is made from them).
JSON_COLUMNS = tuple(
    column
    for key in _KEYS
    for column in (("generator_type", "expression") if key == "generator" else (key,))
)
_ACTION_COLUMN = JSON_COLUMNS.index("action")
_DAYS_COLUMN = JSON_COLUMNS.index("days_of_week")


def _values(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """The row's values in template order (days and action: None, put in later)."""
    (
        sid,
        name,
        description,
        kind,
        active,
        generator_type,
        expression,
        time_of_day,
        _days,
        timezone,
        next_run_at,
        last_run_at,
        run_count,
        max_runs,
        end_at,
        deduplication_key,
        external_id,
        _action,
        timeout_seconds,
        retries,
        retry_backoff_seconds,
        overlap,
        catchup,
        jitter_seconds,
        pause_after_failures,
        max_duration_warning,
        on_failure,
        on_success,
        on_recovery,
        inherit_env,
        declared_in,
        declared_key,
        declared_project,
        status_reason,
        last_status,
        consecutive_failures,
        signing_secret,
        created_at,
        updated_at,
    ) = row
    return (
        sid,
        name,
        description,
        kind,
        bool(active),
        generator_type,
        expression,
        describe(expression),
        time_of_day,
        None,  # days_of_week
        timezone,
        _time_json(next_run_at),
        _time_json(last_run_at),
        run_count,
        max_runs,
        _time_json(end_at),
        deduplication_key,
        external_id,
        None,  # action
        _num(timeout_seconds),
        retries,
        _num(retry_backoff_seconds),
        overlap,
        catchup,
        _num(jitter_seconds),
        pause_after_failures,
        _num(max_duration_warning),
        on_failure and mask_text(on_failure),
        on_success and mask_text(on_success),
        on_recovery and mask_text(on_recovery),
        bool(inherit_env),
        declared_in,
        declared_key,
        declared_project,
        status_reason,
        last_status,
        consecutive_failures or 0,
        mask_secret(signing_secret) if signing_secret else None,
        _time_json(created_at),
        _time_json(updated_at),
    )


def _actions(actions: list[dict[str, Any]]) -> list[str]:
    """Each action encoded, in one encode() call: between two of them, and only there, the
    text holds `}`, the separator, `{` (inside an action a separator is followed by a key);
    a count that does not come out right falls back to one call each."""
    text = _FLAT(actions)[1:-1].replace("}" + _SEP + "{", "}\x01{").replace(_SEP, ", ")
    parts = text.split("\x01") if actions else []
    return parts if len(parts) == len(actions) else [_ENCODE(a) for a in actions]


def _chunk(rows: list[tuple[Any, ...]]) -> list[str]:
    flat: list[Any] = []
    actions = []
    days: list[tuple[int, str]] = []
    for i, row in enumerate(rows):
        flat.extend(_values(row))
        actions.append(_masked_action(row[_ACTION_COLUMN]))
        if row[_DAYS_COLUMN]:
            days.append((i, _ENCODE(json.loads(row[_DAYS_COLUMN]))))
    values = _FLAT(flat)[1:-1].split(_SEP)
    if len(values) != _WIDTH * len(rows):  # cannot happen with scalars: say so if it does
        raise ValueError("a stored value is not a scalar")
    for i, text in enumerate(_actions(actions)):
        values[i * _WIDTH + _ACTION_AT] = text
    for i, text in days:
        values[i * _WIDTH + _DAYS_AT] = text
    return [
        _TEMPLATE % tuple(values[start : start + _WIDTH]) for start in range(0, len(values), _WIDTH)
    ]


def json_lines(rows: Iterable[tuple[Any, ...]], chunk: int = 500) -> Iterator[str]:
    """`json.dumps(json_from_row(row), ensure_ascii=False)` of each row (of JSON_COLUMNS),
    in order."""
    it = iter(rows)
    while batch := list(islice(it, chunk)):
        yield from _chunk(batch)
