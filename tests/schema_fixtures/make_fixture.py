"""Write the fixture database of the current schema version: tests/schema_fixtures/vN.sql.

    uv run python tests/schema_fixtures/make_fixture.py            # this checkout's code
    uv run python tests/schema_fixtures/make_fixture.py --src DIR  # another checkout's src/

Every schema version a release may have written keeps one fixture, so tests/test_migrations.py
can open each with today's code and check it migrates with its data intact. The fixture is
written the way users' files are: by that version's own `tickwork` commands (add, sync, a
headless runner for a few seconds), then dumped as SQL text (reviewable, diffable; *.db files
are ignored by git) with its PRAGMA user_version and application_id.

When you add migration N (see src/tickwork/store/migrations.py): land it with vN.sql, made by
this script on your branch (the code that writes schema N). If your migration adds a table,
extend `fill()` so the table has rows: the tests require data in every table. Never regenerate
an older fixture: it stands for files that exist on users' disks.
"""

from __future__ import annotations

import argparse
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).parent
SRC = HERE.parent.parent / "src"

DECLARATIVE = """\
[schedules.nightly-export]
cron = "15 1 * * *"
timezone = "Europe/Berlin"
command = "echo export"
retries = 1
on_failure = "echo export failed"
"""


class Cli:
    def __init__(self, src: Path, db: Path) -> None:
        self.db = db
        self.env = {**os.environ, "PYTHONPATH": str(src), "TZ": "UTC"}
        self.env.pop("TICKWORK_DB", None)
        self.commands = self("--help").split("Commands:", 1)[1]
        self.add_options = self("add", "--help")

    def argv(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "tickwork", "--db", str(self.db), *args]

    def __call__(self, *args: str) -> str:
        p = subprocess.run(self.argv(*args), env=self.env, capture_output=True, text=True)
        if p.returncode != 0:
            raise SystemExit(f"tickwork {' '.join(args)} failed:\n{p.stdout}{p.stderr}")
        return p.stdout

    def has(self, command: str) -> bool:
        return f"  {command} " in self.commands

    def add(self, name: str, *args: str, **newer: str | None) -> None:
        """Add a schedule; `newer` options (as --option-name, None for a flag) only where this
        version has them."""
        extra: list[str] = []
        for key, value in newer.items():
            option = "--" + key.replace("_", "-")
            if option in self.add_options:
                extra += [option] if value is None else [option, value]
        self("add", name, *args, *extra)


def fill(cli: Cli, workdir: Path) -> None:
    """Rows in every table, in the shapes users' files have: each kind of schedule and action,
    each policy set away from its default, runs that succeeded, failed and were triggered,
    the lease of a runner that was killed; DECLARATIVE schedules and hooks where the version
    has them."""
    cli.add(
        "nightly backup",
        *("--cron", "30 2 * * *", "--tz", "Europe/Paris", "--command", "echo backup"),
        *("--description", "the nightly backup", "--max-runs", "100", "--external-id", "cust-1"),
        *("--dedup-key", "backup", "--timeout", "60", "--retries", "2", "--backoff", "5"),
        *("--overlap", "queue", "--catchup", "all", "--cwd", str(workdir), "--env", "A=1"),
        inherit_env=None,
    )
    cli.add(
        "weekday report",
        *("--at", "09:15", "--days", "mon-fri", "--tz", "America/New_York"),
        *("--url", "http://127.0.0.1:9/report", "--method", "PUT"),
        *("--header", "X-Key: v", "--body", '{"a": 1}', "--jitter", "10"),
        signing_secret="whsec_MDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAw",
    )
    cli.add("python call", "--cron", "0 * * * *", "--call", "json:dumps", "--paused")
    cli.add("ends soon", "--every", "5m", "--command", "true", "--end-at", "2030-01-01T00:00:00Z")
    cli.add("ticker", "--every", "1s", "--command", "echo tick", max_duration_warning="30")
    cli.add(
        "flaky",
        *("--every", "1s", "--command", "echo oops >&2; exit 3"),
        on_failure="echo hook",
        pause_after_failures="2",
    )
    if cli.has("sync"):
        toml = workdir / "tickwork.toml"
        project = 'project = "fixtures"\n\n' if "project" in cli("sync", "--help") else ""
        toml.write_text(project + DECLARATIVE)
        cli("sync", str(toml))
    if cli.has("run"):
        runner = subprocess.Popen(
            cli.argv("run"),
            env=cli.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(1)
        if cli.has("trigger"):
            cli("trigger", "python call")
        time.sleep(3)
        # Killed, as by a power cut: a clean stop would release the lease (the runners row).
        runner.send_signal(signal.SIGKILL)
        runner.wait(30)
        cli("pause", "ticker")
        cli("pause", "flaky")


def dump(db: Path) -> tuple[int, str]:
    conn = sqlite3.connect(db)
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    empty = [
        name
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
        if conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] == 0
    ]
    if empty:
        raise SystemExit(f"tables without rows: {', '.join(empty)}: extend fill()")
    lines = [
        f"-- tickwork schema version {version}: made by tests/schema_fixtures/make_fixture.py",
        f"PRAGMA application_id = {app_id};",
        f"PRAGMA user_version = {version};",
        *conn.iterdump(),
    ]
    conn.close()
    return version, "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", type=Path, default=SRC, help="the src/ directory to run")
    parser.add_argument("--force", action="store_true", help="overwrite an existing fixture")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tickwork-fixture-") as tmp:
        db = Path(tmp) / "tickwork.db"
        fill(Cli(args.src.resolve(), db), Path(tmp))
        version, text = dump(db)
    out = HERE / f"v{version}.sql"
    if out.exists() and not args.force:
        raise SystemExit(f"{out} exists: a fixture stands for files on users' disks; keep it")
    out.write_text(text)
    print(f"wrote {out} ({len(text.splitlines())} lines)")


if __name__ == "__main__":
    main()
