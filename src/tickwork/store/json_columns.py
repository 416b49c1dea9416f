"""`list --json` text made column by column: a chunk of rows costs a few C calls per column,
not Python work per value.

The text is the one `json_lines` (row by row) prints: each line is
``json.dumps(json_from_row(row), ensure_ascii=False)``, and each value of that object is
``f(stored value)`` for one column and one function: the value itself for most keys; ``bool``,
the masks, the time and number forms for some; the description for the expression. So a chunk
of rows is turned into its columns (``zip``), and each column into the JSON text of its values:
a column all NULL at once; a column of few distinct values (flags, zones, policies, hooks,
descriptions) by encoding ``f(value)`` once per distinct value and mapping the column through
that table; a column of mostly distinct values with one encoder call for the whole column (the
values separated by a NUL character, which JSON text never holds raw) or ``f`` per value.
Equal numbers of different types (1, 1.0, True) would share one entry of a table: a column
holding more than one type of non-text value is encoded value by value. The action is made per
row: its stored text, when it is one of the forms `to_row` writes with nothing to mask (a
command with no env and no URL, a python target, an http call with no headers, no body and no
credentials or query in its URL; strings of printable ASCII with no quote or backslash, so the
text is the value), is the output with its keys in their order; any other goes through the
action's own masking, as `json_from_row`. A chunk's lines are then one ``"".join`` of the keys'
text and the columns' texts. A chunk this cannot do (a value no encoder takes) goes row by row
through `json_lines`, which prints the same text or raises its error.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable, Iterator
from itertools import chain, islice
from typing import Any

from tickwork.describe import describe
from tickwork.domain.secrets import mask_secret, mask_text
from tickwork.store.json_lines import _TEMPLATE, JSON_COLUMNS, _chunk
from tickwork.store.rows import _masked_action, _num, _time_json

LINE_SEPARATOR = ",\n  "  # between two lines: JSON text never holds a raw newline

_SEP = "\x00"
_FLAT = json.JSONEncoder(ensure_ascii=False, separators=(_SEP, ": ")).encode
_ENCODE = json.JSONEncoder(ensure_ascii=False).encode
_WIDTH = len(JSON_COLUMNS)
_COLUMN = {name: i for i, name in enumerate(JSON_COLUMNS)}
_ACTION = _COLUMN["action"]

Convert = Callable[[Any], str]  # a stored value to the JSON text the line shows


def _shown(function: Callable[[Any], Any]) -> Convert:
    return lambda value: _ENCODE(function(value))


def _masked_hook(value: Any) -> Any:
    return value and mask_text(value)


def _days(value: Any) -> Any:
    return json.loads(value) if value else None


def _bool(value: Any) -> str:
    return "true" if value else "false"


_BOOL: Convert = _bool
# a description takes cron-descriptor some 100 us: each expression's once (typed: 1 and 1.0 are
# not one key)
_DESCRIBED: Convert = functools.lru_cache(maxsize=4096, typed=True)(_shown(describe))

# What each key shows of its column (None: the value itself), in the order of the row
# encoder's template; the second "description" is the generator's, made from the expression.
_SHOWN: tuple[tuple[str, str, Convert | None], ...] = tuple(
    (key, column, convert)
    for key, column, convert in (
        ("id", "id", None),
        ("name", "name", None),
        ("description", "description", None),
        ("type", "type", None),
        ("active", "active", _BOOL),
        ("generator", "generator_type", None),
        ("expression", "expression", None),
        ("description", "expression", _DESCRIBED),
        ("time_of_day", "time_of_day", None),
        ("days_of_week", "days_of_week", _shown(_days)),
        ("timezone", "timezone", None),
        ("next_run_at", "next_run_at", _shown(_time_json)),
        ("last_run_at", "last_run_at", _shown(_time_json)),
        ("run_count", "run_count", None),
        ("max_runs", "max_runs", None),
        ("end_at", "end_at", _shown(_time_json)),
        ("deduplication_key", "deduplication_key", None),
        ("external_id", "external_id", None),
        ("action", "action", None),  # made per row, from the rows
        ("timeout_seconds", "timeout_seconds", _shown(_num)),
        ("retries", "retries", None),
        ("retry_backoff_seconds", "retry_backoff_seconds", _shown(_num)),
        ("overlap", "overlap", None),
        ("catchup", "catchup", None),
        ("jitter_seconds", "jitter_seconds", _shown(_num)),
        ("pause_after_failures", "pause_after_failures", None),
        ("max_duration_warning", "max_duration_warning", _shown(_num)),
        ("on_failure", "on_failure", _shown(_masked_hook)),
        ("on_success", "on_success", _shown(_masked_hook)),
        ("on_recovery", "on_recovery", _shown(_masked_hook)),
        ("inherit_env", "inherit_env", _BOOL),
        ("declared_in", "declared_in", None),
        ("declared_key", "declared_key", None),
        ("declared_project", "declared_project", None),
        ("status_reason", "status_reason", None),
        ("last_status", "last_status", None),
        ("consecutive_failures", "consecutive_failures", _shown(lambda v: v or 0)),
        ("signing_secret", "signing_secret", _shown(lambda v: mask_secret(v) if v else None)),
        ("created_at", "created_at", _shown(_time_json)),
        ("updated_at", "updated_at", _shown(_time_json)),
    )
)
_SLOTS = tuple((_COLUMN[column], convert or _ENCODE) for _, column, convert in _SHOWN)


# The text around the values of a line: before the first, between two, after the last.
_LITERALS = _TEMPLATE.split("%s")
assert len(_LITERALS) == len(_SHOWN) + 1

# The stored forms of an action whose text, keys in their order, is what the line shows:
# strings of printable ASCII with no quote or backslash (the text is the value), nothing a
# mask changes (no "://" in a command, no "@" or "?" in an url).
_STRING = '"[ !#-\\[\\]-~]*"'
_COMMAND_STRING = '"(?:[ !#-9;-\\[\\]-~]|:(?!//))*"'
_PLAIN_ACTION = (
    f'\\{{"command": {_COMMAND_STRING}(?:, "cwd": {_STRING})?, "kind": "command"\\}}'
    f'|\\{{"kind": "python", "target": {_STRING}\\}}'
    f'|\\{{"kind": "http", "method": {_STRING}, "url": "[ !#->A-\\[\\]-~]*"\\}}'
)
_ONE_PLAIN = re.compile(_PLAIN_ACTION, re.ASCII)
# a command's keys in the line's order: "kind" first (the stored text sorts it last)
_COMMAND_START = ('{"command": ', '{"kind": "command", "command": ')
_COMMAND_END = (', "kind": "command"}', "}")
# The forms a whole chunk of actions is often in: a command without cwd or env, a python target
# (each with 8 quotes: none inside the strings).
_COMMANDS = ('{"command": "', '", "kind": "command"}')
_PYTHONS = ('{"kind": "python", "target": "', '"}')


def _action(stored: Any) -> str:
    """The action's text as the line shows it (secrets masked)."""
    if type(stored) is str and _ONE_PLAIN.fullmatch(stored):
        return stored.replace(*_COMMAND_START).replace(*_COMMAND_END)
    return _ENCODE(_masked_action(stored))


def _all_in(text: str, n: int, form: tuple[str, str]) -> bool:
    """Whether `text`, n stored actions joined by newlines, is n actions in this form: printable
    ASCII, no backslash, n-1 newlines each between an end and a start of the form, and no quote
    but the form's 8 in each."""
    start, end = form
    return (
        text.startswith(start)
        and text.endswith(end)
        and text.count("\n") == n - 1
        and text.count(end + "\n" + start) == n - 1
        and text.count('"') == 8 * n
        and "\\" not in text
        and text.isascii()
        and text.replace("\n", " ").isprintable()
    )


def _actions(stored: list[Any]) -> list[str]:
    """_action() of each: a chunk all in one plain form in a few calls on the joined text."""
    try:
        text = "\n".join(stored)
    except TypeError:  # not all text
        return list(map(_action, stored))
    n = len(stored)
    if _all_in(text, n, _COMMANDS) and "://" not in text:
        return text.replace(*_COMMAND_START).replace(*_COMMAND_END).split("\n")
    if _all_in(text, n, _PYTHONS):
        return stored
    return list(map(_action, stored))


_NONE = {type(None)}


def _column(values: list[Any], convert: Convert) -> str | list[str]:
    """The JSON text each value shows; one text when it is the same for all."""
    n = len(values)
    if values[0] is None and values.count(None) == n:
        return convert(None)
    if convert is _ENCODE and len(set(values[:8])) == len(values[:8]) > 1:
        # distinct values, it seems (ids, names): all in one encoder call
        texts = _FLAT(values)[1:-1].split(_SEP)
        if len(texts) != n:
            raise ValueError("a stored value is not a scalar")
        return texts
    distinct = set(values)
    if len(distinct) * 4 > n or (
        any(type(v) is not str and v is not None for v in distinct)
        and len(set(map(type, values)) - _NONE) > 1
    ):  # mostly distinct; or 1, 1.0 and True, which would share one entry of a table
        return list(map(convert, values))
    if len(distinct) == 1:
        return convert(values[0])
    table = {value: convert(value) for value in distinct}
    return list(map(table.__getitem__, values))


def _columns(rows: list[tuple[Any, ...]]) -> str:
    """The lines of these rows (of JSON_COLUMNS), each after LINE_SEPARATOR."""
    n = len(rows)
    if set(map(len, rows)) != {_WIDTH}:
        raise ValueError(f"rows not of {_WIDTH} columns")
    flat = list(chain.from_iterable(rows))
    texts = [LINE_SEPARATOR + _LITERALS[0]]  # a line's text between the values that vary
    varying: list[list[str]] = []
    for slot, (column, convert) in enumerate(_SLOTS):
        values = flat[column::_WIDTH]
        shown = _actions(values) if column == _ACTION else _column(values, convert)
        if isinstance(shown, str):  # the same for all: part of the text around the others
            texts[-1] += shown + _LITERALS[slot + 1]
        else:
            varying.append(shown)
            texts.append(_LITERALS[slot + 1])
    pattern: list[str] = []
    for text in texts[:-1]:
        pattern += [text, ""]
    pattern.append(texts[-1])
    out = pattern * n
    for i, shown in enumerate(varying):
        out[2 * i + 1 :: len(pattern)] = shown
    return "".join(out)


def json_chunks(rows: Iterable[tuple[Any, ...]], chunk: int = 500) -> Iterator[str]:
    """The lines json_lines() gives for these rows (of JSON_COLUMNS), a chunk of rows at a time,
    each line after LINE_SEPARATOR (the caller drops the first one's)."""
    it = iter(rows)
    while batch := list(islice(it, chunk)):
        try:
            text = _columns(batch)
        except Exception:  # a value of an unexpected type, say: the row path says what is
            # wrong, if anything is (it prints the same text, or raises its own error)
            text = "".join(LINE_SEPARATOR + line for line in _chunk(batch))
        yield text
