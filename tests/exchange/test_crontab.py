"""Crontab import and export, on real crontab files of the kind people keep."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from tickwork.domain import spec
from tickwork.exchange.crontab import local_timezone, parse_crontab
from tickwork.exchange.crontab_export import export_crontab
from tickwork.store import Store

from .helpers import FIXTURES, listed, rows, run_cli

DEBIAN = FIXTURES / "debian_user.crontab"
MALFORMED = FIXTURES / "malformed.crontab"


def test_parse_debian_user_crontab() -> None:
    parsed = parse_crontab(DEBIAN.read_text(), "Europe/Paris")
    assert parsed.problems == []
    by_name = {e.name: e for e in parsed.entries}
    backup = by_name["nightly backup"]
    assert (backup.line, backup.expression, backup.timezone) == (12, "30 2 * * *", "Europe/Paris")
    assert backup.command == "/usr/local/bin/backup.sh --full"  # tab and trailing spaces gone
    assert backup.env == {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
    rotate = by_name["rotate logs, keep a dated copy"]
    assert rotate.command == "cp /var/log/app.log /var/log/app-$(date +%Y%m%d).log"  # \% -> %
    # no comment directly above: first word of the command + a short hash
    curl = next(e for e in parsed.entries if e.line == 13)
    assert curl.name.startswith("curl-") and len(curl.name) == len("curl-") + 6
    certbot = next(e for e in parsed.entries if e.line == 17)
    assert certbot.expression == "@weekly" and certbot.name.startswith("certbot-")
    market = by_name["market open"]
    assert market.timezone == "America/New_York" and market.expression == "30 9 * * 1-5"
    sync = next(e for e in parsed.entries if e.line == 23)
    assert sync.timezone == "America/New_York"
    assert sync.env["BACKUP_DIR"] == "/mnt/backups "  # quotes keep the blank
    tokyo = by_name["tokyo monthly report"]
    assert tokyo.timezone == "Asia/Tokyo" and tokyo.env["TZ"] == "Asia/Tokyo"
    # a commented-out job is not the name of the entry below it
    sunday = next(e for e in parsed.entries if e.line == 30)
    assert sunday.name.startswith("echo-") and sunday.expression == "0 12 * * sun"
    assert len(parsed.entries) == 8
    assert len({e.key for e in parsed.entries}) == 8
    assert all(e.key.startswith("crontab:") and len(e.key) == 24 for e in parsed.entries)


def test_malformed_lines_are_reported_with_line_numbers() -> None:
    parsed = parse_crontab(MALFORMED.read_text(), "UTC")
    assert [e.line for e in parsed.entries] == [4, 16]
    got = {p.line: (p.kind, p.message) for p in parsed.problems}
    assert got[1][0] == "warning" and "MAILTO" in got[1][1] and "on-failure" in got[1][1]
    assert got[2][0] == "warning" and "SHELL=/bin/bash" in got[2][1]
    assert "minute 61 is out of range 0-59" in got[5][1]
    assert "has 4 time field(s) before the command 'backup.sh'" in got[6][1]
    assert "no command" in got[7][1]
    assert got[8] == ("unsupported", got[8][1]) and "@reboot" in got[8][1]
    assert got[9][0] == "unsupported" and "'%'" in got[9][1] and "\\%" in got[9][1]
    assert "Europe/Londn" in got[10][1] and "did you mean Europe/London?" in got[10][1]
    assert "time zone (line 10)" in got[11][1]
    assert "unknown macro @fortnightly" in got[13][1]
    assert "not a crontab line" in got[14][1]
    assert "never matches" in got[15][1]
    assert sorted(got) == [1, 2, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15]


def test_env_scoping_and_unsetting() -> None:
    text = "A=1\n0 1 * * * one\nB = 'two words'\n0 2 * * * two\nA=\n0 3 * * * three\n"
    entries = parse_crontab(text, "UTC").entries
    assert [e.env for e in entries] == [
        {"A": "1"},
        {"A": "1", "B": "two words"},
        {"B": "two words"},
    ]
    tz = parse_crontab("CRON_TZ=Asia/Tokyo\n0 1 * * * a\nCRON_TZ=\n0 2 * * * b\n", "Europe/Oslo")
    assert [e.timezone for e in tz.entries] == ["Asia/Tokyo", "Europe/Oslo"]


def test_duplicate_comment_names_get_a_number() -> None:
    text = "# job\n0 1 * * * a\n# job\n0 2 * * * b\n"
    assert [e.name for e in parse_crontab(text, "UTC").entries] == ["job", "job (2)"]


def test_local_timezone_reads_tz() -> None:
    assert local_timezone() == "Europe/Paris"  # set by the conftest fixture


def test_import_cli_then_list_shows_zones_and_next_runs(db_path: Path) -> None:
    code, out, err = run_cli(db_path, "import", "crontab", str(DEBIAN))
    assert code == 0, err
    assert "entries without CRON_TZ use Europe/Paris" in out
    assert "imported 8 (created 8, updated 0), 0 unchanged, 0 skipped" in out
    assert "+ line 12: 'nightly backup' 30 2 * * * (Europe/Paris), next run" in out
    assert err == ""
    items = {s["name"]: s for s in listed(db_path)}
    assert items["market open"]["timezone"] == "America/New_York"
    assert items["market open"]["type"] == "IMPERATIVE"
    assert items["tokyo monthly report"]["timezone"] == "Asia/Tokyo"
    assert items["nightly backup"]["action"]["env"]["PATH"].startswith("/usr/local/sbin")
    # next run of 30 2 * * * in Paris: 01:30 or 00:30 UTC
    assert items["nightly backup"]["next_run_at"][11:19] in ("01:30:00", "00:30:00")
    code, out, _ = run_cli(db_path, "list")
    assert "America/New_York" in out and "Asia/Tokyo" in out and ("EST" in out or "EDT" in out)


def test_reimport_creates_no_duplicates_and_updates_names(db_path: Path, tmp_path: Path) -> None:
    run_cli(db_path, "import", "crontab", str(DEBIAN))
    before = rows(db_path)
    code, out, _ = run_cli(db_path, "import", "crontab", str(DEBIAN))
    assert code == 0 and "imported 0 (created 0, updated 0), 8 unchanged" in out
    assert rows(db_path) == before  # not even updated_at moved
    renamed = tmp_path / "renamed.crontab"
    renamed.write_text(DEBIAN.read_text().replace("# nightly backup", "# nightly full backup"))
    code, out, _ = run_cli(db_path, "import", "crontab", str(renamed))
    assert "~ line 12: 'nightly full backup'" in out and ": name" in out
    assert "updated 1" in out and len(listed(db_path)) == 8


def test_reimport_keeps_a_pause(db_path: Path) -> None:
    run_cli(db_path, "import", "crontab", str(DEBIAN))
    assert run_cli(db_path, "pause", "nightly backup")[0] == 0
    run_cli(db_path, "import", "crontab", str(DEBIAN))
    assert {s["name"]: s["active"] for s in listed(db_path)}["nightly backup"] is False


def test_malformed_import_imports_the_rest_and_reports(db_path: Path) -> None:
    code, out, err = run_cli(db_path, "import", "crontab", str(MALFORMED), "--tz", "UTC")
    assert code == 0
    assert "imported 2 (created 2" in out
    lines = err.strip().splitlines()
    assert lines[0].startswith("line 1: note: MAILTO=ops@example.com is not supported")
    assert "line 8: skipped: @reboot is not supported" in err
    assert "line 5: skipped: minute 61" in err and "Traceback" not in err
    assert {s["generator"]["expression"] for s in listed(db_path)} == {"0 8 * * *", "5 4 * * *"}


def test_strict_and_dry_run_write_nothing(db_path: Path) -> None:
    run_cli(db_path, "add", "keep", "--cron", "0 1 * * *", "--command", "true")
    before = rows(db_path)
    code, out, err = run_cli(db_path, "import", "crontab", str(MALFORMED), "--strict")
    assert code == 1
    assert err.strip().splitlines()[-1] == (
        "error: 12 problem(s) and --strict: nothing was written"
    )
    assert rows(db_path) == before
    code, out, err = run_cli(db_path, "import", "crontab", str(DEBIAN), "--dry-run")
    assert code == 0 and "would import 8 (created 8" in out and "dry run" in out
    assert rows(db_path) == before
    code, out, err = run_cli(db_path, "import", "crontab", str(DEBIAN), "--strict", "--paused")
    assert code == 0 and len(listed(db_path)) == 9
    assert not any(s["active"] for s in listed(db_path) if s["name"] != "keep")


def test_import_from_stdin_and_missing_file(db_path: Path) -> None:
    code, out, _ = run_cli(
        db_path, "import", "crontab", "-", "--tz", "Asia/Tokyo", input="@daily echo hi\n"
    )
    assert code == 0 and "(Asia/Tokyo)" in out
    code, _, err = run_cli(db_path, "import", "crontab", "/nonexistent/crontab")
    assert code == 1 and err == "error: /nonexistent/crontab: file not found\n"
    code, _, err = run_cli(db_path, "import", "crontab", "-", "--tz", "Mars/Base", input="")
    assert code == 1 and err.startswith('error: --tz "Mars/Base"')


def test_export_crontab_round_trips_through_import(db_path: Path, tmp_path: Path) -> None:
    run_cli(db_path, "import", "crontab", str(DEBIAN))
    run_cli(db_path, "add", "web", "--every", "5m", "--url", "https://example.com/x")
    run_cli(db_path, "add", "py", "--cron", "@daily", "--call", "json:dumps")
    run_cli(db_path, "add", "off", "--cron", "0 4 * * *", "--command", "echo 50%", "--paused")
    run_cli(db_path, "add", "careful", "--cron", "0 5 * * *", "--command", "x", "--retries", "3")
    out_file = tmp_path / "out.crontab"
    code, out, err = run_cli(db_path, "export", "--format", "crontab", "-o", str(out_file))
    assert code == 0, err
    text = out_file.read_text()
    assert "CRON_TZ=America/New_York\n" in text and "CRON_TZ=Asia/Tokyo" not in text  # TZ= did
    assert "# web: not exported: '@every 5m' (an interval) has no crontab form" in text
    assert "# py: not exported: a python action" in text
    assert "#0 4 * * * echo 50\\%" in text  # paused: commented out, % escaped
    assert "cp /var/log/app.log /var/log/app-$(date +\\%Y\\%m\\%d).log" in text
    assert "note: 'web'" in err and "note: 'py'" in err and "(retries)" in err
    assert text.splitlines()[0] == (  # the header counts what the file holds
        "# tickwork export: 9 entries, 1 paused (commented out), 2 not exported (see the "
        "comments). Import with: tickwork import crontab"
    )
    assert "wrote 9 entries, 1 paused (commented out), 2 not exported (see the comments)" in err
    # the exported crontab imports back to the same schedules (same keys: nothing new);
    # only 'careful', added by hand (no crontab key), comes back as a new schedule
    code, out, _ = run_cli(db_path, "import", "crontab", str(out_file))
    assert "created 1, updated 0), 8 unchanged" in out
    fresh = tmp_path / "fresh.db"
    run_cli(fresh, "import", "crontab", str(DEBIAN))
    code, out, _ = run_cli(fresh, "import", "crontab", str(out_file))
    assert "created 1, updated 0), 8 unchanged" in out  # 'careful' was not in DEBIAN


def test_export_env_and_zone_switches() -> None:
    now = datetime(2026, 3, 2, 12, tzinfo=UTC)

    def make(name: str, tz: str, env: dict[str, str]) -> object:
        action = {"kind": "command", "command": f"run-{name}", "env": env}
        return spec.build(
            {"name": name, "cron": "0 1 * * *", "timezone": tz, "action": action}, now
        )

    schedules = [
        make("a", "Europe/Paris", {}),
        make("b", "UTC", {"X": "1"}),
        make("c", "UTC", {"X": "1", "Y": " padded "}),
        make("d", "Europe/Paris", {"Y": "2"}),
    ]
    result = export_crontab(schedules, "Europe/Paris")  # type: ignore[arg-type]
    parsed = parse_crontab(result.text, "Europe/Paris")
    assert parsed.problems == []
    got = {e.name: (e.timezone, e.env) for e in parsed.entries}
    assert got == {
        "a": ("Europe/Paris", {}),
        "b": ("UTC", {"X": "1"}),
        "c": ("UTC", {"X": "1", "Y": " padded "}),
        "d": ("Europe/Paris", {"Y": "2"}),
    }


def test_real_pipe_from_a_subprocess(tmp_path: Path) -> None:
    db = tmp_path / "pipe.db"
    env = {"TICKWORK_DB": str(db), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "TZ": "UTC"}
    p = subprocess.run(
        [sys.executable, "-m", "tickwork", "import", "crontab"],
        input=DEBIAN.read_text(),
        capture_output=True,
        text=True,
        env=env,
    )
    assert p.returncode == 0, p.stderr
    assert "entries without CRON_TZ use UTC" in p.stdout and "created 8" in p.stdout
    with Store.open(db) as store:
        assert store.count() == 8
        assert store.find_by_dedup(parse_crontab(DEBIAN.read_text(), "UTC").entries[0].key)
