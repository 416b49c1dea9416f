"""Crontab traps (issue 11): system crontabs, 6-field lines, column headers, honest counts,
what an export writes for a variable a later entry does not have, very long lines."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tickwork.domain import spec
from tickwork.domain.model import Schedule
from tickwork.exchange.crontab import parse_crontab
from tickwork.exchange.crontab_export import export_crontab

from .helpers import listed, rows, run_cli

ETC_CRONTAB = """\
# /etc/crontab: system-wide crontab
# Unlike any other crontab you don't have to run the `crontab'
# command to install the new version when you edit this file
SHELL=/bin/sh
PATH=/usr/local/sbin:/usr/local/bin:/sbin:/bin:/usr/sbin:/usr/bin

# Example of job definition:
# .---------------- minute (0 - 59)
# |  .------------- hour (0 - 23)
# |  |  .---------- day of month (1 - 31)
# |  |  |  .------- month (1 - 12) OR jan,feb,mar,apr ...
# |  |  |  |  .---- day of week (0 - 6) (Sunday=0 or 7) OR sun,mon,tue,wed,thu,fri,sat
# |  |  |  |  |
# *  *  *  *  * user-name command to be executed
17 *\t* * *\troot    cd / && run-parts --report /etc/cron.hourly
25 6\t* * *\troot\ttest -x /usr/sbin/anacron || ( cd / && run-parts --report /etc/cron.daily )
47 6\t* * 7\troot\ttest -x /usr/sbin/anacron || ( cd / && run-parts --report /etc/cron.weekly )
52 6\t1 * *\tbob\t/home/bob/monthly.sh
"""
CRON_D = """\
# /etc/cron.d/php: crontab fragment for PHP
09,39 *     * * *     root   [ -x /usr/lib/php/sessionclean ] && /usr/lib/php/sessionclean
"""


def test_a_system_crontab_is_read_with_its_user_column() -> None:
    parsed = parse_crontab(ETC_CRONTAB, "UTC", user="root")
    assert parsed.system == "its column header names a user column"
    commands = [e.command for e in parsed.entries]
    assert commands == [
        "cd / && run-parts --report /etc/cron.hourly",
        "test -x /usr/sbin/anacron || ( cd / && run-parts --report /etc/cron.daily )",
        "test -x /usr/sbin/anacron || ( cd / && run-parts --report /etc/cron.weekly )",
    ]
    assert all(e.user == "root" and not e.command.startswith("root") for e in parsed.entries)
    assert [e.name.split("-")[0] for e in parsed.entries] == ["cd", "test", "test"]
    [bob] = parsed.problems
    assert (bob.line, bob.kind) == (18, "unsupported")
    assert bob.message.startswith("runs as user 'bob', not as you ('root')")


def test_only_the_running_users_entries_are_imported() -> None:
    parsed = parse_crontab(ETC_CRONTAB, "UTC", user="bob")
    assert [e.command for e in parsed.entries] == ["/home/bob/monthly.sh"]
    assert [p.line for p in parsed.problems] == [15, 16, 17]


def test_a_cron_d_file_without_a_header_is_recognised() -> None:
    parsed = parse_crontab(CRON_D, "UTC", user="root")
    assert (
        parsed.system == "the sixth field of every entry is a user of this machine, not a command"
    )
    assert parsed.entries[0].command.startswith("[ -x /usr/lib/php/sessionclean ]")
    by_path = parse_crontab(
        "0 1 * * * www-data php run.php\n", "UTC", path="/etc/cron.d/x", user="www-data"
    )
    assert by_path.system == "/etc/cron.d/x is a system crontab"
    assert by_path.entries[0].command == "php run.php"


def test_root_is_never_a_command() -> None:
    text = "0 1 * * * echo ok\n17 * * * * root cd / && run-parts /etc/cron.hourly\n"
    for system in (None, False):
        parsed = parse_crontab(text, "UTC", system=system)
        assert [e.command for e in parsed.entries] == ["echo ok"]
        [p] = parsed.problems
        assert p.line == 2 and "'root' before the command is the user column" in p.message
    forced = parse_crontab(text, "UTC", system=True, user="root")
    assert [e.command for e in forced.entries] == ["cd / && run-parts /etc/cron.hourly"]


def test_system_crontab_from_the_cli(db_path: Path, tmp_path: Path) -> None:
    f = tmp_path / "crontab"
    f.write_text(ETC_CRONTAB)
    before = rows(db_path)
    code, out, err = run_cli(db_path, "import", "crontab", str(f), "--strict")
    assert code == 1 and "error: 1 problem(s) and --strict: nothing was written" in err
    assert "line 18: skipped: runs as user 'bob'" in err
    assert rows(db_path) == before
    code, out, err = run_cli(db_path, "import", "crontab", str(f))
    assert code == 0, err
    assert "a system crontab (its column header names a user column)" in out
    assert "imported 3 (created 3, updated 0), 0 unchanged, 1 skipped" in out
    assert not any(s["action"]["command"].startswith("root") for s in listed(db_path))


@pytest.mark.parametrize(
    ("line", "count"),
    [("*/6 * * * * * echo hi", 6), ("0 0 12 * * ? 2024 /bin/report", 7), ("0 * * * * 2026 x", 6)],
)
def test_six_and_seven_field_lines_are_refused(line: str, count: int) -> None:
    parsed = parse_crontab(f"0 1 * * * echo ok\n{line}\n", "UTC")
    assert [e.command for e in parsed.entries] == ["echo ok"]
    [p] = parsed.problems
    assert (p.line, p.kind) == (2, "error")
    assert p.message == (
        f"{count} time fields: tickwork reads 5-field crontabs (minute hour day-of-month month "
        "day-of-week); a seconds or years field is not supported"
    )


@pytest.mark.parametrize(
    "header",
    [
        "# m h dom mon dow command",
        "# m h  dom mon dow   command",
        "# min hour day month weekday command",
        "# minute hour day-of-month month day-of-week command",
        "#MIN HOUR DAY MONTH WEEKDAY CMD",
        "# |  |  |  |  |",
    ],
)
def test_column_headers_and_drawings_are_not_names(header: str) -> None:
    [entry] = parse_crontab(f"{header}\n0 5 * * * /usr/bin/backup\n", "UTC").entries
    assert entry.name.startswith("backup-")


def test_a_real_comment_still_names_its_entry() -> None:
    for name in ("hourly job", "day end report", "minutes"):
        [entry] = parse_crontab(f"# {name}\n0 5 * * * x\n", "UTC").entries
        assert entry.name == name


def test_a_reversed_range_is_imported_with_a_note() -> None:
    parsed = parse_crontab("0 22-2 * * fri-mon x\n", "UTC")
    [entry] = parsed.entries
    assert entry.expression == "0 22-2 * * fri-mon"
    assert [(p.kind, p.message.split(" is ")[0]) for p in parsed.problems] == [
        ("warning", "22-2"),
        ("warning", "fri-mon"),
    ]


def test_summaries_count_every_skipped_line(db_path: Path) -> None:
    text = (
        "0 1 * * * echo ok\n61 * * * * a\n0 9 * * b.sh\n@reboot x\n0 1 * * * y%z\n"
        "*/6 * * * * * s\n0 0 31 2 * never\nMAILTO=a@b\n"
    )
    code, out, err = run_cli(db_path, "import", "crontab", "-", "--tz", "UTC", input=text)
    assert code == 0
    assert len([x for x in err.splitlines() if ": skipped: " in x]) == 6
    assert "imported 1 (created 1, updated 0), 0 unchanged, 6 skipped" in out  # the note is not


def test_json_items_that_are_not_schedules_count_as_skipped(db_path: Path, tmp_path: Path) -> None:
    f = tmp_path / "x.json"
    f.write_text(json.dumps([{"x": 1}, 5]))
    code, out, err = run_cli(db_path, "import", "json", str(f))
    assert code == 0 and "imported 0 (created 0, updated 0), 0 unchanged, 2 skipped" in out
    assert "item 1: skipped: x: unknown field 'x'" in err
    code, out, err = run_cli(db_path, "import", "json", str(f), "--strict")
    assert code == 1 and err.strip().endswith("2 problem(s) and --strict: nothing was written")
    assert rows(db_path) == []


def _schedule(name: str, env: dict[str, str], tz: str = "UTC") -> Schedule:
    now = datetime(2026, 3, 2, 12, tzinfo=UTC)
    action = {"kind": "command", "command": f"run-{name}", "env": env}
    return spec.build({"name": name, "cron": "0 1 * * *", "timezone": tz, "action": action}, now)


def test_export_never_writes_an_empty_path() -> None:
    schedules = [
        _schedule("with-path", {"PATH": "/opt/bin:/usr/bin"}),
        _schedule("x", {"X": "1"}),
        _schedule("plain", {}),
    ]
    result = export_crontab(schedules, "UTC")
    lines = result.text.splitlines()
    assert not any(line.endswith("=") for line in lines)  # cron reads NAME= as empty
    assert "PATH=/usr/bin:/bin" in lines  # back to cron's default after the PATH group
    got = {e.name: e.env for e in parse_crontab(result.text, "UTC").entries}
    assert got["plain"] == {}
    assert got["with-path"] == {"PATH": "/opt/bin:/usr/bin"}
    assert got["x"] == {"X": "1", "PATH": "/usr/bin:/bin"} or got["x"] == {"X": "1"}


def test_export_unsets_in_front_of_the_command_when_it_must() -> None:
    schedules = [_schedule("b", {"X": "1"}), _schedule("c", {"Y": "2"})]
    result = export_crontab(schedules, "UTC")
    assert "unset X; run-c" in result.text
    assert any("'unset NAME;' before the command" in note for note in result.notes)
    got = {e.name: (e.env, e.command) for e in parse_crontab(result.text, "UTC").entries}
    assert got == {"b": ({"X": "1"}, "run-b"), "c": ({"Y": "2"}, "run-c")}


def test_export_header_counts_what_is_written() -> None:
    now = datetime(2026, 3, 2, 12, tzinfo=UTC)
    active = _schedule("a", {})
    paused = _schedule("p", {}).with_changes(active=False)
    interval = spec.build(
        {"name": "i", "every": "5m", "action": {"kind": "command", "command": "x"}}, now
    )
    text = export_crontab([active, paused, interval], "UTC").text
    assert text.splitlines()[0] == (
        "# tickwork export: 1 entry, 1 paused (commented out), 1 not exported (see the "
        "comments). Import with: tickwork import crontab"
    )
    assert len([line for line in text.splitlines() if line and not line.startswith("#")]) == 1


def test_a_4mb_line_is_refused_with_its_line_number(db_path: Path) -> None:
    text = "0 1 * * * echo ok\n0 5 * * * echo " + "a" * (4 * 1024 * 1024) + "\n"
    code, out, err = run_cli(db_path, "import", "crontab", "-", "--tz", "UTC", input=text)
    assert code == 0
    assert err.startswith(
        "line 2: skipped: the command is 4194309 bytes: the system passes at most 131071 to "
        "/bin/sh -c"
    )
    assert "imported 1 (created 1, updated 0), 0 unchanged, 1 skipped" in out
