"""Bad input gets one clear line and changes nothing; no reader fails on a stored value.

Each case here was a traceback, a silently ignored value or a value that broke later
readers (issue 11)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.cli_helpers import run_cli, schedule_rows
from tickwork.domain import spec
from tickwork.domain.model import Generator
from tickwork.store import Store


@pytest.fixture
def db(db_path: Path) -> Path:
    code, _, err = run_cli(db_path, "add", "base", "--cron", "0 9 * * *", "--command", "echo hi")
    assert code == 0, err
    return db_path


def refused(db: Path, *args: str, input: str | None = None) -> str:
    """Run a command that must be refused: exit 1 or 2, one error line, nothing written."""
    before = schedule_rows(db)
    code, out, err = run_cli(db, *args, input=input)
    assert code in (1, 2), (args, code, out, err)
    assert "Traceback" not in out + err
    lines = [line for line in err.splitlines() if line.startswith("error:")]
    assert lines or code == 2, err
    assert schedule_rows(db) == before
    return err.strip().splitlines()[-1]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["add", "far", "--every", "30000000h", "--command", "x"],
            "error: --every \"30000000h\": duration '30000000h' is too long: use at most "
            "36500d (100 years)",
        ),
        (
            ["add", "far", "--every", "99999999999999h", "--command", "x"],
            "error: --every \"99999999999999h\": duration '99999999999999h' is too long: use at "
            "most 36500d (100 years)",
        ),
        (
            ["add", "v6", "--cron", "* * * * *", "--url", "http://[::1"],
            'error: --url "http://[::1": is not a valid URL (Invalid IPv6 URL): write it like '
            "https://[::1]:8080/hook",
        ),
        (
            ["describe", "@every 999999999999999999999h"],
            'error: EXPRESSION "@every 999999999999999999999h": duration '
            "'999999999999999999999h' is too long: use at most 36500d (100 years)",
        ),
        (
            ["add", "big", "--cron", "* * * * *", "--command", "x", "--retries", "9" * 5000],
            "error: --retries: " + "9" * 40 + "… is out of range 0-100; use 0-100",
        ),
        (
            ["add", "huge", "--cron", "* * * * *", "--command", "x" * 200_000],
            "error: --command: is 200000 bytes: the system passes at most 131071 to /bin/sh -c; "
            "put it in a script and run the script",
        ),
        (
            ["add", "nul", "--cron", "* * * * *", "--command", "echo \x00 hi"],
            "error: --command: contains a NUL byte: remove it",
        ),
        (
            ["add", "bad-utf8", "--cron", "* * * * *", "--command", "echo \udcff"],
            "error: --command: is not valid UTF-8 text (an undecodable byte?): check its encoding",
        ),
        (
            ["add", "nl\nname", "--cron", "* * * * *", "--command", "x"],
            'error: NAME "nl\\nname": contains a line break or another control character: '
            "use one line",
        ),
        (
            ["add", "bad-tz", "--cron", "* * * * *", "--command", "x", "--tz", ""],
            "error: --tz: is empty: give an IANA name like Europe/London (leave --tz out for UTC)",
        ),
        (
            ["show", "\udcff"],
            "error: an argument is not valid UTF-8 text (an undecodable byte?): check its "
            "encoding; nothing was changed",
        ),
    ],
)
def test_one_clear_line(db: Path, args: list[str], message: str) -> None:
    assert refused(db, *args) == message


@pytest.mark.parametrize(
    "after", ["9999-12-31T23:59Z", "0001-01-01T00:00Z", "0001-01-01T00:00+01:00"]
)
def test_describe_at_the_ends_of_time(db: Path, after: str) -> None:
    code, out, err = run_cli(db, "describe", "* * * * *", "--after", after, "--tz", "Asia/Tokyo")
    assert "Traceback" not in out + err
    assert code == 0 or err.startswith('error: --after "'), (code, out, err)


@pytest.mark.parametrize(
    ("option", "flag", "hint"),
    [
        ("--cron", "--cron", "give an expression like '0 9 * * 1-5'"),
        ("--tz", "--tz", "give an IANA name like Europe/London (leave --tz out for UTC)"),
        ("--retries", "--retries", "give a value or leave the option out"),
        ("--timeout", "--timeout", "give a value or leave the option out"),
        ("--overlap", "--overlap", "give a value or leave the option out"),
        ("--end-at", "--end-at", "to remove it, use --clear end-at"),
        ("--days", "--days", "give days like mon-fri or 1,3,5"),
        ("--every", "--every", "give an interval like 30s or 1h30m"),
        ("--at", "--at", "give HH:MM like 09:30"),
        ("--max-runs", "--max-runs", "to remove it, use --clear max-runs"),
        ("--description", "--description", "to remove it, use --clear description"),
        ("--command", "--command", "give a shell command"),
        ("--env", "--env", "give a value or leave the option out"),
    ],
)
def test_edit_refuses_empty_values(db: Path, option: str, flag: str, hint: str) -> None:
    assert refused(db, "edit", "base", option, "") == f"error: {flag}: is empty: {hint}"
    assert refused(db, "edit", "base", option, "  ") == f"error: {flag}: is empty: {hint}"


def test_edit_name_empty(db: Path) -> None:
    assert (
        refused(db, "edit", "base", "--name", " ") == "error: --name: is empty: give the new name"
    )


def test_toml_values_of_the_wrong_type_are_refused(db: Path, tmp_path: Path) -> None:
    path = tmp_path / "env.toml"
    path.write_text(
        '[schedules.a]\ncron = "0 9 * * *"\ncommand = "echo hi"\nenv = {A = {B = 1}, D = true}\n'
    )
    before = schedule_rows(db)
    code, out, err = run_cli(db, "import", "toml", str(path), "--strict")
    assert code == 1 and "Traceback" not in out + err
    assert "line 4: schedules.a.env: skipped: the value of 'A' must be text, not a table" in err
    code, out, err = run_cli(db, "sync", str(path))
    assert code == 1
    assert err.strip().endswith(
        "env.toml:4: schedules.a.env: the value of 'A' must be text, not a table: quote it "
        "(nothing was changed)"
    )
    path.write_text('[schedules.a]\ncron = "0 9 * * *"\ncommand = "echo hi"\nenv = {D = true}\n')
    code, out, err = run_cli(db, "sync", str(path))
    assert code == 1 and "the value of 'D' must be text, not true/false: quote it" in err
    path.write_text('[schedules.a]\ncron = "0 9 * * *"\ncommand = "x"\ntimezone = ""\n')
    code, out, err = run_cli(db, "sync", str(path))
    assert code == 1 and "schedules.a.timezone: is empty" in err
    assert schedule_rows(db) == before
    path.write_text('[schedules.a]\ncron = "0 9 * * *"\ncommand = "x"\nenv = {PORT = 8080}\n')
    code, out, err = run_cli(db, "sync", str(path))  # a whole number is written out as text
    assert code == 0, err
    code, out, _ = run_cli(db, "show", "a", "--json")
    assert json.loads(out)["action"]["env"] == {"PORT": "8080"}


def _store_as_an_older_version_did(db: Path, expression: str) -> None:
    """A schedule whose expression today's validation refuses (an older tickwork stored it)."""
    now = datetime(2026, 3, 2, 12, tzinfo=UTC)
    base = spec.build(
        {"name": "old", "cron": "0 9 * * *", "action": {"kind": "command", "command": "x"}}, now
    )
    old = replace(
        base,
        generator=Generator(
            "INTERVAL" if expression.startswith("@every") else "CRON", expression, expression
        ),
    )
    with Store.open(db) as store:
        store.save(old)


@pytest.mark.parametrize(
    "expression", ["@every 1250000d", "@every 999999999d", "50-10/7 * * * *", "not a cron"]
)
def test_readers_never_fail_on_a_stored_value(db: Path, expression: str) -> None:
    _store_as_an_older_version_did(db, expression)
    for args in (
        ["show", "old"],
        ["show", "old", "--json", "-n", "1000"],
        ["next", "--hours", "8784"],
        ["next", "--json"],
        ["list"],
        ["list", "--json"],
        ["export"],
        ["export", "--format", "crontab"],
    ):
        code, out, err = run_cli(db, *args)
        assert code == 0 and "Traceback" not in out + err, (args, err)


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("deep.json", "[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ("big.json", "[" + "9" * 5000 + "]", "cannot be read: Exceeds the limit (4300 digits)"),
        (
            "deep.toml",
            '[schedules.a]\ncron = "* * * * *"\ncommand = "x"\nenv = '
            + "{a = " * 3000
            + "1"
            + "}" * 3000,
            "nested too deeply",
        ),
        ("big.toml", "[schedules.a]\nmax_runs = " + "9" * 5000 + "\n", "cannot be read"),
    ],
)
def test_files_that_break_parsers_are_one_error(
    db: Path, tmp_path: Path, name: str, text: str, message: str
) -> None:
    path = tmp_path / name
    path.write_text(text)
    kind = name.rsplit(".", 1)[1]
    last = refused(db, "import", kind, str(path))
    assert last.startswith(f"error: {path}: ") and message in last
    if kind == "toml":
        last = refused(db, "sync", str(path))
        assert last.startswith(f"error: {path}: ") and message in last


def test_undecodable_stdin_is_one_error(db: Path) -> None:
    before = schedule_rows(db)
    from click.testing import CliRunner

    from tickwork.cli.main import cli

    result = CliRunner().invoke(
        cli, ["--db", str(db), "import", "crontab", "-"], input=b"0 1 * * * echo \xff\n"
    )
    assert result.exit_code == 1
    assert result.stderr == "error: stdin: not UTF-8 text (an undecodable byte on line 1)\n"
    assert schedule_rows(db) == before


def test_a_nul_in_a_file_name_is_a_usage_error(db: Path) -> None:
    code, _, err = run_cli(db, "export", "-o", "a\x00b")
    assert code == 2 and "a file name cannot contain a NUL byte" in err


@pytest.mark.parametrize("ref", ["x" * 60_000, "%", "_"])
def test_long_or_wild_references_find_nothing(db: Path, ref: str) -> None:
    assert refused(db, "show", ref).startswith("error: no schedule matches")
    code, _, err = run_cli(db, "list", "--search", "x" * 60_000)
    assert code == 0 and "Traceback" not in err
    code, _, err = run_cli(db, "run-show", ref)
    assert code == 1 and "Traceback" not in err
