"""`list --json` made column by column (store.json_columns) prints what the row encoder prints.

The reference is ``json.dumps(json_from_row(row), ensure_ascii=False)`` of each row (itself held
to Schedule.to_json in tests/test_cli_large.py), on a real file of varied rows written as stored
values: what validation accepts and what a hand edit may leave (other time forms, floats in
integer columns, quotes, control characters, non-ASCII, secrets of every kind, actions in and
out of the forms `to_row` writes).
"""

from __future__ import annotations

import json
import random
import string
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cli_helpers import run_cli
from tickwork.cli.common import echo_json
from tickwork.store import Store, json_columns
from tickwork.store.json_columns import LINE_SEPARATOR, _action, _columns, json_chunks
from tickwork.store.json_lines import JSON_COLUMNS, json_lines
from tickwork.store.listing import stream_rows
from tickwork.store.rows import SCHEDULE_COLUMNS, SELECT_SCHEDULE, _masked_action, json_from_row

ORDER = "ORDER BY next_run_at IS NULL, next_run_at, name, id"
SECRET_VALUES = ("hunter2", "Bearer abc", "t0k3n", "QUJDREVGR0hJSktMTU5P", "s3cr3t")
TEXTS = [
    "plain",
    "ünïcode ☃ 日本",
    'quotes " and back\\slash',
    "tab\t nl\n cr\r bell\x07 del\x7f nul\x00",
    "line sep \u2028 para \u2029",
    "emoji 🙂",
    "",
]


def _stored(action: dict[str, Any]) -> str:
    return json.dumps(action, sort_keys=True)  # as to_row writes it


ACTIONS = [
    _stored({"kind": "command", "command": "echo 4"}),
    _stored({"kind": "command", "command": "run ./x --flag='a b' #!$%&()*+,-./:;<=>?@[]^_`{|}~"}),
    _stored({"kind": "command", "command": "cd", "cwd": "/tmp/x y"}),
    _stored({"kind": "command", "command": "e", "cwd": "/w", "env": {"B": "2", "A": "1"}}),
    _stored({"kind": "command", "command": "e", "env": {"API_TOKEN": "t0k3n", "HOME": "/h"}}),
    _stored({"kind": "command", "command": "curl https://u:hunter2@example.com/x?token=s3cr3t"}),
    _stored({"kind": "command", "command": "curl https://example.com/plain"}),
    _stored({"kind": "command", "command": "deploy --password-file=/run/pw"}),
    _stored({"kind": "command", "command": 'say ünï ☃ "q" \\ \t'}),
    _stored({"kind": "python", "target": "pkg.mod:func"}),
    _stored({"kind": "python", "target": "ünï:f"}),
    _stored({"kind": "http", "url": "https://example.com/h", "method": "GET"}),
    _stored({"kind": "http", "url": "https://example.com/h?sig=s3cr3t&x=1", "method": "POST"}),
    _stored({"kind": "http", "url": "https://user:hunter2@example.com/", "method": "POST"}),
    _stored(
        {
            "kind": "http",
            "url": "https://example.com/h",
            "method": "PUT",
            "headers": {"Authorization": "Bearer abc", "X-Plain": "ok"},
            "body": '{"a": 1}',
        }
    ),
    _stored({"kind": "http", "url": "https://example.com/h", "method": "POST", "body": ""}),
    # hand edits: other key orders and spacing, raw non-ASCII, an extra key, no method
    '{"kind": "command", "command": "unsorted"}',
    '{"command":"compact","kind":"command"}',
    '{"command": "raw ünï", "kind": "command"}',
    '{"command": "extra", "kind": "command", "note": "dropped"}',
    '{"kind": "http", "url": "https://example.com/default-method"}',
    '{"command": "dup", "command": "last wins", "kind": "command"}',
]
TIMES = [
    "2026-03-07T13:00:00+00:00",
    "2026-03-08T01:30:00+00:00",
    "2026-03-07T13:00:00Z",
    "2026-03-07T14:00:00+01:00",
    "2026-03-07 13:00:00",
]
REALS = [3600.0, 10.0, 2.5, 0.001, 10.1, 1e16, 1e-7, 0.0]
HOOKS = [
    None,
    "",
    "echo failed",
    "curl https://me:hunter2@hooks.example.com/f?sig=zz",
    "see https://example.com/ok",
]


def _pick(rng: random.Random, values: list[Any], none: float = 0.3) -> Any:
    return None if rng.random() < none else rng.choice(values)


def varied_rows(n: int, seed: int) -> Iterator[dict[str, Any]]:
    """Stored rows (column -> value), as validation writes them or a hand edit leaves them."""
    rng = random.Random(seed)
    for i in range(n):
        yield {
            "id": f"sched_r{seed}_{i:05d}",
            "name": rng.choice(TEXTS) + f" {i}",
            "description": _pick(rng, TEXTS),
            "type": rng.choice(["IMPERATIVE", "DECLARATIVE"]),
            "active": rng.choice([0, 1, 1, 2]),
            "generator_type": rng.choice(["CRON", "INTERVAL"]),
            "expression": rng.choice(["*/5 * * * *", "0 9 * * 1-5", "@every 90s", "@hourly"]),
            "time_of_day": _pick(rng, ["09:15", "23:59"], 0.7),
            "days_of_week": _pick(rng, ["[1, 2, 3, 4, 5]", "[0,6]", "[]", "", "[1.5, 2]"], 0.7),
            "timezone": rng.choice(["UTC", "Europe/Paris", "Australia/Lord_Howe"]),
            "next_run_at": _pick(rng, TIMES, 0.1),
            "last_run_at": _pick(rng, TIMES, 0.5),
            "run_count": rng.choice([0, 1, 7, 2**40, 2.5]),
            "max_runs": _pick(rng, [1, 130], 0.7),
            "end_at": _pick(rng, TIMES, 0.8),
            "deduplication_key": _pick(rng, [f"dk-{i}", f"dk ☃ {i}"], 0.7),
            "external_id": _pick(rng, [f"cust-{i % 97}", 'ext "q"']),
            "action_kind": "command",
            "action": rng.choice(ACTIONS),
            "timeout_seconds": _pick(rng, REALS, 0.1),
            "retries": _pick(rng, [0, 2], 0.2),
            "retry_backoff_seconds": _pick(rng, REALS, 0.2),
            "overlap": _pick(rng, ["skip", "queue", "allow"], 0.1),
            "catchup": _pick(rng, ["latest", "all", "none"], 0.1),
            "jitter_seconds": _pick(rng, REALS, 0.3),
            "status_reason": _pick(rng, TEXTS, 0.8),
            "declared_in": _pick(rng, ["/etc/tw.toml", "ünï.toml"], 0.7),
            "anchor_at": TIMES[0],
            "created_at": rng.choice(TIMES),
            "updated_at": rng.choice(TIMES),
            "last_status": _pick(rng, ["succeeded", "failed", "timed_out"], 0.4),
            "signing_secret": _pick(rng, ["whsec_QUJDREVGR0hJSktMTU5P", "", "short"], 0.6),
            "declared_key": _pick(rng, [f"key-{i}"], 0.7),
            "on_failure": rng.choice(HOOKS),
            "on_success": rng.choice(HOOKS),
            "on_recovery": rng.choice(HOOKS),
            "pause_after_failures": _pick(rng, [3], 0.7),
            "max_duration_warning": _pick(rng, REALS, 0.6),
            "consecutive_failures": rng.choice([0, 0, 4]),
            "inherit_env": rng.choice([0, 1]),
            "declared_project": _pick(rng, ["proj", "ünï"], 0.7),
        }


def insert(store: Store, rows: list[dict[str, Any]]) -> None:
    marks = ", ".join("?" for _ in SCHEDULE_COLUMNS)
    with store.write() as conn:
        conn.executemany(
            f"INSERT INTO schedules ({', '.join(SCHEDULE_COLUMNS)}) VALUES ({marks})",
            [[row[c] for c in SCHEDULE_COLUMNS] for row in rows],
        )


@pytest.fixture()
def varied(tmp_path: Path) -> Store:
    store = Store.open(tmp_path / "varied.db")
    insert(store, list(varied_rows(1200, seed=7)))
    # a run of rows alike but for their names and ids: most columns of a chunk share few values
    alike = dict(next(varied_rows(1, seed=8)), action=ACTIONS[0], deduplication_key=None)
    alike.update(declared_key=None, on_failure=None)
    insert(store, [dict(alike, id=f"sched_alike{i:04d}", name=f"job-{i}") for i in range(700)])
    return store


def reference(store: Store) -> list[str]:
    rows = store.query(f"{SELECT_SCHEDULE} {ORDER}")
    return [json.dumps(json_from_row(row), ensure_ascii=False) for row in rows]


def lines_of(chunks: Iterator[str]) -> list[str]:
    out: list[str] = []
    for text in chunks:
        assert text.startswith(LINE_SEPARATOR)
        out += text.split(LINE_SEPARATOR)[1:]
    return out


@pytest.mark.parametrize("chunk", [1, 7, 500, 5000])
def test_columns_print_what_the_rows_print(varied: Store, chunk: int) -> None:
    expected = reference(varied)
    assert len(expected) == 1900
    got = lines_of(json_chunks(stream_rows(varied.dialect, JSON_COLUMNS), chunk))
    assert got == expected
    text = "\n".join(got)
    for secret in SECRET_VALUES:
        assert secret not in text
    assert "ünïcode ☃ 日本" in text and "\\u0000" in text and "\u2028" in text


def test_every_chunk_of_the_varied_file_takes_the_column_path(varied: Store) -> None:
    """No chunk of valid stored values falls back to the row encoder."""
    rows = list(stream_rows(varied.dialect, JSON_COLUMNS))
    for start in range(0, len(rows), 500):
        batch = rows[start : start + 500]
        assert _columns(batch).split(LINE_SEPARATOR)[1:] == list(json_lines(batch))


def test_a_chunk_the_columns_cannot_do_goes_row_by_row(
    varied: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = 0

    def failing(rows: list[tuple[Any, ...]]) -> str:
        nonlocal calls
        calls += 1
        raise TypeError("as for a value the encoder refuses")

    monkeypatch.setattr(json_columns, "_columns", failing)
    got = lines_of(json_chunks(stream_rows(varied.dialect, JSON_COLUMNS)))
    assert got == reference(varied) and calls == 4


def test_a_value_no_encoder_takes_fails_as_the_rows_fail(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "blob.db")
    insert(store, list(varied_rows(3, seed=1)))
    with store.write() as conn:
        conn.execute("UPDATE schedules SET external_id = x'00ff'")
    rows = list(stream_rows(store.dialect, JSON_COLUMNS))
    with pytest.raises(TypeError, match="bytes is not JSON serializable"):
        list(json_lines(rows))
    with pytest.raises(TypeError, match="bytes is not JSON serializable"):
        list(json_chunks(rows))


def _row(**values: Any) -> tuple[Any, ...]:
    base = next(varied_rows(1, seed=3))
    base.update(values)
    return tuple(base.get(c) for c in JSON_COLUMNS)


@pytest.mark.parametrize(
    ("column", "values"),
    [
        ("timeout_seconds", [1, 1.0, 1, 1.0, None, 2.5, 1, 1, 1, 1, 1, 1]),
        ("run_count", [1, True, 1, 1, 1, 1, 1, 1, 0, False, 0, 0]),
        ("active", [1, True, 1.0, 1, 1, 1, 1, 1, 0, False, 0.0, 0]),
        ("retries", [float("nan"), 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]),
        ("name", ["1", 1, 1.0, "a", "a", "a", "a", "a", "a", "a", "a", "a"]),
    ],
)
def test_equal_values_of_different_types_keep_their_own_text(
    column: str, values: list[Any]
) -> None:
    """1, 1.0 and True are one key of a dict; each must still print as itself."""
    rows = [_row(**{column: v}) for v in values]
    assert lines_of(json_chunks(rows)) == list(json_lines(rows))
    assert _columns(rows).split(LINE_SEPARATOR)[1:] == list(json_lines(rows))


def test_columns_all_null_and_all_alike() -> None:
    hooks = {"on_failure": None, "on_success": None, "on_recovery": None, "description": None}
    rows = [_row(**hooks, id=f"s{i}") for i in range(50)]
    assert lines_of(json_chunks(rows)) == list(json_lines(rows))


PRINTABLE = [c for c in string.printable if c.isprintable()]


def _actions() -> Iterator[str]:
    for c in PRINTABLE:
        yield _stored({"kind": "command", "command": f"a{c}b"})
        yield _stored({"kind": "command", "command": f"x{c}", "cwd": f"/d{c}"})
        yield _stored({"kind": "python", "target": f"m{c}:f"})
        yield _stored({"kind": "http", "url": f"https://h/{c}x", "method": f"M{c}"})
        yield _stored({"kind": "http", "url": f"https://a{c}b@h/?k{c}=v", "method": "GET"})
    for text in ("://", "https://u:p@h/", "http://h/?token=1", "@", "?", "key", "AUTH"):
        yield _stored({"kind": "command", "command": f"c {text}"})
        yield _stored({"kind": "command", "command": "c", "cwd": text})
        yield _stored({"kind": "python", "target": text})


def _masked(stored: str) -> str:
    return json.JSONEncoder(ensure_ascii=False).encode(_masked_action(stored))


@pytest.mark.parametrize("stored", list(_actions()))
def test_plain_actions_print_as_the_masked_action(stored: str) -> None:
    """Every printable character in every string of the forms read as text."""
    assert _action(stored) == _masked(stored)


def _command(command: str) -> str:
    return _stored({"kind": "command", "command": command})


COMMANDS = [_command(f"a{c}b") for c in PRINTABLE]
PYTHONS = [_stored({"kind": "python", "target": f"m{c}:f"}) for c in PRINTABLE]


@pytest.mark.parametrize(
    "chunk",
    [
        COMMANDS,
        PYTHONS,
        [_command("only one")],
        COMMANDS + PYTHONS,
        [*COMMANDS, _command("curl https://u:hunter2@example.com/")],
        [*COMMANDS, _command("tab\t"), _command('q"uote')],
        [*COMMANDS, _stored({"kind": "command", "command": "x", "cwd": "/w"})],
        [*COMMANDS, '{"command": "a", "command": "b", "kind": "command"}'],
        [
            *COMMANDS,
            '{"command": "raw é", "kind": "command"}',
            '{"command": "del\x7f", "kind": "command"}',
        ],
        [
            *COMMANDS,
            '{"command": "a", "kind":\n"command"}',
            '{"command": "b", "kind": "command"}\n',
        ],
        [*PYTHONS, _stored({"kind": "python", "target": 'a"b'})],
        [*PYTHONS, '{"kind": "python", "target": "a", "target": "b"}'],
        [*PYTHONS, '{"kind": "python", "target": "a"} ', '{"kind": "python",  "target": "b"}'],
    ],
)
def test_a_chunk_of_actions_prints_as_each_alone(chunk: list[str]) -> None:
    """A chunk all in one plain form is read in a few calls on its joined text; anything else
    in it (another form, something to mask, an escape, a repeated key) sends it one by one."""
    assert json_columns._actions(chunk) == [_masked(a) for a in chunk]


def test_list_json_from_the_cli_is_the_reference(
    varied: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = varied.query(f"{SELECT_SCHEDULE} {ORDER}")
    echo_json([json_from_row(row) for row in rows])
    expected = capsys.readouterr().out
    code, out, _ = run_cli(varied.path, "list", "--json")
    assert code == 0 and out == expected
    code, out, _ = run_cli(varied.path, "list", "--json", "--search", "sched_alike0007")
    assert code == 0 and json.loads(out)[0]["name"] == "job-7"
