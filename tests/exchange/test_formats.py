"""JSON and TOML export/import: exact round trips, deduplication, bad input."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import pytest

from tickwork.exchange.declarative import sync
from tickwork.exchange.formats import dump_json, dump_toml, json_items, locate, toml_items
from tickwork.exchange.importing import run_import
from tickwork.store import Store

from ..conftest import FakeClock
from .helpers import FIXTURES, listed, rows, run_cli

STATE_KEYS = {"id", "created_at", "updated_at", "last_run_at", "run_count", "last_status"}


def populate(store: Store) -> None:
    def add(name: str, **fields: Any) -> None:
        store.create({"name": name, **fields})

    cmd = {"kind": "command", "command": "echo hi"}
    add(
        "backup",
        cron="30 2 * * *",
        timezone="Europe/Paris",
        action={"kind": "command", "command": "b.sh %d", "cwd": "/srv", "env": {"A": "x y"}},
        description="nightly\nwith two lines",
        max_runs=100,
        end_at="2027-01-01T00:00:00Z",
        retries=2,
        retry_backoff_seconds=2.5,
        timeout_seconds=60,
        on_failure="https://hooks.example.com/fail",
        on_recovery="echo recovered",
    )
    add(
        "weekdays",
        time_of_day="09:15",
        days_of_week="mon-fri",
        timezone="America/New_York",
        action=cmd,
        deduplication_key="team:weekdays",
        external_id="ext-1",
    )
    add("daily-at", time_of_day="07:00", action=cmd)
    add(
        "tick",
        every="90s",
        overlap="allow",
        jitter_seconds=3,
        action={
            "kind": "http",
            "url": "https://example.com/h",
            "method": "PUT",
            "headers": {"X-Token": "abc"},
            "body": '{"a": 1}',
        },
    )
    add(
        "py",
        cron="@hourly",
        action={"kind": "python", "target": "json:dumps"},
        catchup="all",
        on_success="echo ok",
    )
    add("paused", cron="0 4 * * *", action=cmd, active=False)
    add("naïve name / with spaces", cron="0 5 * * *", action=cmd)


def _comparable(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in item.items() if k not in STATE_KEYS} for item in items]


def test_json_round_trip_is_exact(tmp_path: Path, clock: FakeClock) -> None:
    decl = tmp_path / "tickwork.toml"
    decl.write_text((FIXTURES / "tickwork.toml").read_text())
    with Store.open(tmp_path / "a.db", clock=clock) as a:
        populate(a)
        sync(a, decl)
        first = dump_json(a.list(), show_secrets=True)
    with Store.open(tmp_path / "b.db", clock=clock) as b:
        items, problems = json_items(first, "export.json")
        assert problems == []
        report = run_import(b, items)
        assert report.count("create") == 10 and report.problems() == []
        second = dump_json(b.list(), show_secrets=True)
        again = run_import(b, json_items(first, "export.json")[0])
        # the dedup key and the declared keys find what exists; the 6 without a key are copied
        assert (again.count("create"), again.count("unchanged"), b.count()) == (6, 4, 16)
    one, two = json.loads(first), json.loads(second)
    assert _comparable(one) == _comparable(two)
    assert {s["type"] for s in two} == {"IMPERATIVE", "DECLARATIVE"}
    assert [s["id"] for s in one] != [s["id"] for s in two]  # imports get new ids


def test_json_reimport_updates_by_dedup_key_and_skips_declared(
    tmp_path: Path, clock: FakeClock
) -> None:
    decl = tmp_path / "tickwork.toml"
    decl.write_text((FIXTURES / "tickwork.toml").read_text())
    with Store.open(tmp_path / "a.db", clock=clock) as a:
        populate(a)
        sync(a, decl)
        exported = json.loads(dump_json(a.list(), show_secrets=True))
        for obj in exported:
            if obj["name"] == "weekdays":
                obj["retries"] = 5
        report = run_import(a, json_items(json.dumps(exported), "x.json")[0])
        ops = {r.item.label.split(" (")[1].rstrip(")"): r.op for r in report.results}
        assert ops["weekdays"] == "update" and ops["nightly-backup"] == "unchanged"
        assert ops["backup"] == "create"  # no dedup key: a copy
        assert a.count() == 10 + 6
        assert a.find_by_dedup("team:weekdays").policies.retries == 5  # type: ignore[union-attr]
        (weekdays,) = [r for r in report.results if r.op == "update"]
        assert weekdays.fields == ("retries",)


def test_toml_round_trip_is_exact(tmp_path: Path, clock: FakeClock) -> None:
    with Store.open(tmp_path / "a.db", clock=clock) as a:
        populate(a)
        first = dump_toml(a.list(), show_secrets=True)
    tomllib.loads(first)  # valid TOML
    assert '[schedules."naïve-name-with-spaces"]' not in first
    assert "[schedules.na-ve-name-with-spaces]" in first
    with Store.open(tmp_path / "b.db", clock=clock) as b:
        items, problems = toml_items(first, "export.toml")
        assert problems == []
        assert run_import(b, items).count("create") == 7
        second = dump_toml(b.list(), show_secrets=True)
    assert first == second


def test_cli_export_import_round_trip(db_path: Path, tmp_path: Path) -> None:
    run_cli(
        db_path,
        "add",
        "a",
        "--cron",
        "0 9 * * 1-5",
        "--tz",
        "Asia/Tokyo",
        "--command",
        "x",
        "--on-failure",
        "echo failed",
        "--dedup-key",
        "k-a",
    )
    run_cli(
        db_path,
        "add",
        "b",
        "--at",
        "06:30",
        "--days",
        "sat,sun",
        "--url",
        "https://example.com/b",
        "--paused",
    )
    for fmt in ("json", "toml"):
        out = tmp_path / f"export.{fmt}"
        code, _, err = run_cli(db_path, "export", "--format", fmt, "-o", str(out))
        assert code == 0 and "wrote 2 schedule(s)" in err
        other = tmp_path / f"{fmt}.db"
        code, stdout, err = run_cli(other, "import", fmt, str(out))
        assert code == 0 and "imported 2 (created 2, updated 0)" in stdout, err
        code, again, _ = run_cli(other, "export", "--format", fmt)
        if fmt == "toml":
            assert again == out.read_text()
        else:
            drop = STATE_KEYS | {"next_run_at"}
            strip = [{k: v for k, v in s.items() if k not in drop} for s in json.loads(again)]
            assert strip == [
                {k: v for k, v in s.items() if k not in drop} for s in json.loads(out.read_text())
            ]
        code, stdout, _ = run_cli(other, "import", fmt, str(out))
        # 'a' has a dedup key: unchanged; 'b' has none: created again
        assert "created 1, updated 0), 1 unchanged" in stdout
    code, out_text, _ = run_cli(db_path, "export", "--state", "paused", "--format", "json")
    assert [s["name"] for s in json.loads(out_text)] == ["b"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[schedules.a]\ncron = "0 9 * * *"\ncomand = "x"\n', "line 3: schedules.a.comand"),
        ('[schedules.a]\ncron = "61 9 * * *"\ncommand = "x"\n', "line 2: schedules.a.cron"),
        ('[schedules.a]\ncron = "0 9 * * *"\n', "line 1: schedules.a.command"),
        ('[schedules.a]\ncron = "0 9 * * *"\ncall = "not a target"\n', "schedules.a.call"),
    ],
)
def test_toml_import_problems_name_line_and_field(
    db_path: Path, tmp_path: Path, text: str, expected: str
) -> None:
    f = tmp_path / "bad.toml"
    f.write_text('[schedules.ok]\ncron = "@daily"\ncommand = "true"\n\n' + text)
    code, out, err = run_cli(db_path, "import", "toml", str(f))
    assert code == 0 and "imported 1 (created 1" in out
    shift = 4  # the lines of the good entry above
    line_no = int(expected.split()[1].rstrip(":")) + shift if expected.startswith("line") else 0
    want = expected if not line_no else f"line {line_no}:" + expected.split(":", 1)[1]
    assert want in err and "Traceback" not in err, err
    assert run_cli(db_path, "import", "toml", str(f), "--strict")[0] == 1


def test_bad_files_are_one_clear_error(db_path: Path, tmp_path: Path) -> None:
    run_cli(db_path, "add", "keep", "--cron", "0 1 * * *", "--command", "true")
    before = rows(db_path)
    bad_toml = tmp_path / "bad.toml"
    bad_toml.write_text('[schedules.a]\ncron = "0 9 * * *\n')
    code, _, err = run_cli(db_path, "import", "toml", str(bad_toml))
    assert code == 1 and err.startswith(f"error: {bad_toml}:2: ") and "not valid TOML" in err
    bad_json = tmp_path / "bad.json"
    bad_json.write_text('[{"name": "x",}]')
    code, _, err = run_cli(db_path, "import", "json", str(bad_json))
    assert code == 1 and err.startswith(f"error: {bad_json}:1: not valid JSON")
    bad_json.write_text('[{"name": "x", "generator": {"expression": "0 9 * * *"}, "colour": 1}]')
    code, _, err = run_cli(db_path, "import", "json", str(bad_json))
    assert code == 0 and "item 1 (x): skipped: colour: unknown field 'colour'" in err
    bad_json.write_text('{"not": "a list"}')
    code, _, err = run_cli(db_path, "import", "json", str(bad_json))
    assert "item 1: skipped: not: unknown field 'not'" in err
    assert len(err.strip().splitlines()) == 1
    assert rows(db_path) == before
    assert len(listed(db_path)) == 1


def test_locate_finds_tables_dotted_keys_and_inline_tables() -> None:
    text = (
        '[schedules."my job"]\n'
        'cron = "x"\n'
        "[schedules.b.env]\n"
        'A = "1"\n'
        "[schedules]\n"
        'c = { cron = "x" }\n'
        'd.command = "y"\n'
    )
    assert locate(text, "schedules", "my job") == 1
    assert locate(text, "schedules", "my job", "cron") == 2
    assert locate(text, "schedules", "b", "env") == 3
    assert locate(text, "schedules", "c", "cron") == 6
    assert locate(text, "schedules", "d", "command") == 7
    assert locate(text, "schedules", "zz") is None


def test_toml_native_times_and_day_names(db_path: Path, tmp_path: Path) -> None:
    f = tmp_path / "times.toml"
    f.write_text(
        "[schedules.standup]\n"
        "time_of_day = 09:30:00\n"
        'days_of_week = "mon-fri"\n'
        'timezone = "Europe/Berlin"\n'
        "end_at = 2035-06-30T18:00:00\n"
        'command = "echo standup"\n'
    )
    code, _out, err = run_cli(db_path, "sync", str(f))
    assert code == 0, err
    (s,) = listed(db_path)
    assert (s["time_of_day"], s["days_of_week"]) == ("09:30", [1, 2, 3, 4, 5])
    assert s["generator"]["expression"] == "30 9 * * 1-5"
    assert s["end_at"] == "2035-06-30T18:00:00+00:00"  # a local date-time is UTC
